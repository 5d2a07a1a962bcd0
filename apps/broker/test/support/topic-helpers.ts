import { Admin } from '@runnel/client';
import { encodeRecordBatch } from '@runnel/protocol';
import type { BrokerProcess } from './broker-process';

/** Topic set-up shared by the end-to-end tests, through the client's Admin: create a topic, append STRING values. */
export function adminOf(broker: BrokerProcess): Admin {
  return new Admin({ baseUrl: broker.baseUrl });
}

/** Creates a topic (rejects with the broker's error, e.g. 40002 when it exists). */
export async function createTopicOn(
  broker: BrokerProcess,
  name: string,
  partitions = 1,
  configs: Record<string, string> = {},
): Promise<void> {
  await adminOf(broker).createTopic(name, { partitions, configs });
}

/** Appends STRING values to one partition with the binary fast path (one batch). */
export async function produceStrings(broker: BrokerProcess, topic: string, partition: number, values: string[]): Promise<void> {
  const batch = encodeRecordBatch({
    records: values.map((v) => ({ timestamp: Date.now(), key: null, value: Buffer.from(v), headers: [] })),
  });
  const response = await fetch(`${broker.baseUrl}/v3/clusters/-/topics/${topic}/partitions/${partition}/batches`, {
    method: 'POST',
    headers: { 'content-type': 'application/vnd.kafka.record-batch' },
    body: batch,
  });
  expect(response.status).toBe(200);
}
