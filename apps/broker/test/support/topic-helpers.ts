import { encodeRecordBatch } from '@runnel/protocol';
import type { BrokerProcess } from './broker-process';

/** Topic set-up shared by the end-to-end tests: create a topic, append STRING values. */
export async function createTopicOn(broker: BrokerProcess, name: string, partitions: number): Promise<void> {
  const response = await fetch(`${broker.baseUrl}/v3/clusters/-/topics`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ topic_name: name, partitions_count: partitions }),
  });
  expect(response.status).toBe(201);
}

/** Appends STRING values to one partition with the binary fast path (one batch). */
export async function produceStrings(broker: BrokerProcess, topic: string, partition: number, values: string[]): Promise<void> {
  const batch = encodeRecordBatch({ records: values.map((v) => ({ timestamp: Date.now(), key: null, value: Buffer.from(v), headers: [] })) });
  const response = await fetch(`${broker.baseUrl}/v3/clusters/-/topics/${topic}/partitions/${partition}/batches`, {
    method: 'POST',
    headers: { 'content-type': 'application/vnd.kafka.record-batch' },
    body: batch,
  });
  expect(response.status).toBe(200);
}
