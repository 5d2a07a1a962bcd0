import * as fs from 'node:fs';
import * as path from 'node:path';
import { OFFSET_CRC, OFFSET_PARTITION_LEADER_EPOCH, computeBatchCrc, encodeRecordBatch } from '@runnel/protocol';
import { BrokerProcess, makeDataDir, startBroker } from '../support/broker-process';
import { WsClient } from '../ws/ws-client';
import { SseClient, createTopic, getJson, produce } from './consume-support';

/**
 * A stored batch whose framing and CRC are fine but whose records do not decode (what an older
 * broker accepted from a client, written into the log file here). Every JSON read — REST, SSE,
 * WebSocket — returns the records before it, answers 50001 naming its offset when it comes
 * first, and reads after it work: one bad batch never blocks the rest of the partition.
 */
const TOPIC = 'poisoned';

/** A CRC-valid batch at `baseOffset` whose only record's value length runs past the record. */
function poisonBatch(baseOffset: number, leaderEpoch: number): Buffer {
  const batch = encodeRecordBatch({ baseOffset, records: [{ timestamp: Date.now(), key: null, value: Buffer.from('xy'), headers: [] }] });
  batch[batch.length - 4] = 0x7e; // value length 63 in a record that has 3 bytes left
  batch.writeInt32BE(leaderEpoch, OFFSET_PARTITION_LEADER_EPOCH);
  batch.writeUInt32BE(computeBatchCrc(batch, 0, batch.length), OFFSET_CRC);
  return batch;
}

describe('consume: a corrupt stored batch (e2e)', () => {
  let broker: BrokerProcess | undefined;
  const dataDir = makeDataDir();
  const recordsUrl = (offset: number) =>
    `${broker!.baseUrl}/v3/clusters/-/topics/${TOPIC}/partitions/0/records?offset=${offset}&format=string`;

  beforeAll(async () => {
    broker = await startBroker({ dataDir });
    await createTopic(broker.baseUrl, TOPIC, 1);
    await produce(broker.baseUrl, TOPIC, 0, [{ value: 'a' }, { value: 'b' }]); // offsets 0, 1 (fsynced: acks=all)
    await broker.stop('SIGKILL'); // no clean shutdown: the next start scans the log and indexes what is there
    const logFile = path.join(dataDir, `${TOPIC}-0`, '00000000000000000000.log');
    const stored = fs.readFileSync(logFile);
    fs.appendFileSync(logFile, poisonBatch(2, stored.readInt32BE(OFFSET_PARTITION_LEADER_EPOCH)));
    broker = await startBroker({ dataDir });
    const after = await produce(broker.baseUrl, TOPIC, 0, [{ value: 'c' }, { value: 'd' }]);
    expect(after).toMatchObject({ base_offset: 3, last_offset: 4 });
  }, 120_000);
  afterAll(async () => {
    await broker?.stop();
  });

  it('REST: returns the records before the bad batch, answers 50001 at it, and reads past it', async () => {
    const before = await getJson(recordsUrl(0));
    expect(before.status).toBe(200);
    expect([before.body.data.map((r: { value: { data: string } }) => r.value.data), before.body.next_offset]).toEqual([['a', 'b'], 2]);

    for (let i = 0; i < 2; i++) {
      const at = await getJson(recordsUrl(2));
      expect(at.status).toBe(500);
      expect(at.body).toEqual({
        error_code: 50001,
        offset: 2,
        message: expect.stringMatching(/^corrupt record batch at offset 2 of poisoned-0 /),
      });
    }

    const after = await getJson(recordsUrl(3));
    expect(after.status).toBe(200);
    expect(after.body.data.map((r: { offset: number }) => r.offset)).toEqual([3, 4]);
    // Raw batch clients get the stored bytes untouched, as ever.
    const raw = await fetch(recordsUrl(2), { headers: { accept: 'application/vnd.kafka.record-batch' } });
    expect(raw.status).toBe(200);
  });

  it('SSE: delivers the records before the bad batch, then an error event naming its offset', async () => {
    const stream = await SseClient.open(`${broker!.baseUrl}/v3/clusters/-/topics/${TOPIC}/events?from=earliest&format=string`);
    try {
      expect(stream.status).toBe(200);
      const records = await stream.records(2);
      expect(records.map((e) => e.record.offset)).toEqual([0, 1]);
      const error = await stream.next();
      expect(error?.event).toBe('error');
      expect(JSON.parse(error!.data!)).toMatchObject({
        error_code: 50001,
        message: expect.stringMatching(/corrupt record batch at offset 2/),
      });
    } finally {
      stream.close();
    }
  });

  it('WebSocket: delivers the records before the bad batch, then an error frame naming its offset', async () => {
    const client = await WsClient.open(broker!.baseUrl);
    try {
      client.send({ type: 'subscribe', sub: 's', topic: TOPIC, from: 'earliest', format: 'string' });
      const error = await client.next('error');
      expect(client.records('s').map((r) => r.offset)).toEqual([0, 1]);
      expect(error).toMatchObject({ sub: 's', error_code: 50001, message: expect.stringMatching(/corrupt record batch at offset 2/) });
    } finally {
      client.close();
    }
  });

  it('logs the corrupt batch once, with topic, partition and offset, and counts every such read in /metrics', async () => {
    const lines = broker!
      .output()
      .split('\n')
      .filter((line) => line.includes('corrupt record batch in poisoned-0 offset 2'));
    expect(lines).toHaveLength(1);
    const metrics = await (await fetch(`${broker!.baseUrl}/metrics`)).text();
    expect(Number(/^runnel_corrupt_batches_read_total (\d+)$/m.exec(metrics)?.[1])).toBeGreaterThanOrEqual(4);
  });
});
