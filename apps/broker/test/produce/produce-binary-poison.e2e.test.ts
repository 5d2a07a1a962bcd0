import {
  ATTR_CONTROL,
  ATTR_TRANSACTIONAL,
  CompressionCodec,
  OFFSET_ATTRIBUTES,
  OFFSET_CRC,
  computeBatchCrc,
  encodeRecordBatch,
  encodeRecordBatchAsync,
  type BatchRecord,
} from '@runnel/protocol';
import { BrokerProcess, startBroker } from '../support/broker-process';
import { createTopic, expectServing, highWatermarks, post } from './helpers';

/**
 * Poison batches on the binary produce path (issue 8 item 3, and the 413 for random bytes of
 * item 13): batches whose framing and CRC are fine but whose records are not, compression bombs,
 * control and transactional batches, timestamps out of bounds. Each is refused whole with the
 * API.md error naming the batch, nothing is appended, and the partition stays readable.
 */
const RECORD_BATCH = { 'content-type': 'application/vnd.kafka.record-batch' };
const MiB = 1024 * 1024;

const record = (value: string | Buffer, timestamp = Date.now()): BatchRecord => ({
  timestamp,
  key: null,
  value: Buffer.from(value),
  headers: [],
});
const batchOf = (values: string[], timestamp?: number): Buffer => encodeRecordBatch({ records: values.map((v) => record(v, timestamp)) });

/** Recomputes the CRC after a test damaged the batch's records or attributes. */
function withCrc(batch: Buffer): Buffer {
  batch.writeUInt32BE(computeBatchCrc(batch, 0, batch.length), OFFSET_CRC);
  return batch;
}

/** A valid batch of ['ok', 'xy'] whose second record claims a 63-byte value (3 bytes left). */
function corruptInside(): Buffer {
  const batch = batchOf(['ok', 'xy']);
  batch[batch.length - 4] = 0x7e;
  return withCrc(batch);
}

function withAttribute(bit: number): Buffer {
  const batch = batchOf(['a']);
  batch.writeInt16BE(batch.readInt16BE(OFFSET_ATTRIBUTES) | bit, OFFSET_ATTRIBUTES);
  return withCrc(batch);
}

describe('produce binary: poison batches are refused whole (e2e)', () => {
  let broker: BrokerProcess;
  beforeAll(async () => {
    broker = await startBroker();
  }, 60_000);
  afterAll(async () => {
    await broker?.stop();
  });
  const batches = (topic: string) => `/v3/clusters/-/topics/${topic}/partitions/0/batches`;
  const records = (topic: string) => `${broker.baseUrl}/v3/clusters/-/topics/${topic}/partitions/0/records?offset=0&format=string`;

  async function expectRefused(topic: string, body: Buffer, status: number, code: number, message: RegExp): Promise<void> {
    const res = await post(broker, batches(topic), body, RECORD_BATCH);
    expect({ status: res.status, body: JSON.parse(res.text) }).toEqual({
      status,
      body: { error_code: code, message: expect.stringMatching(message) },
    });
  }

  it('refuses a batch with a valid CRC but corrupt records, naming the batch, and the partition stays readable', async () => {
    await createTopic(broker, 'poison-records');
    const good = batchOf(['fine']);
    await expectRefused(
      'poison-records',
      Buffer.concat([good, corruptInside()]),
      400,
      40001,
      /batch 1 \(at byte \d+\).*nothing was appended/,
    );
    await expectRefused('poison-records', corruptInside(), 400, 40001, /batch 0 /);
    expect(await highWatermarks(broker, 'poison-records')).toEqual([0]);
    expect((await post(broker, batches('poison-records'), good, RECORD_BATCH)).status).toBe(200);
    const read = await fetch(records('poison-records'));
    expect(read.status).toBe(200);
    expect(((await read.json()) as { data: { value: { data: string } }[] }).data.map((r) => r.value.data)).toEqual(['fine']);
    const metrics = await (await fetch(`${broker.baseUrl}/metrics`)).text();
    expect(metrics).toMatch(/^runnel_produce_refused_batches_total\{topic="poison-records",reason="INVALID_RECORD"\} 2$/m);
  });

  it('refuses gzip and zstd bombs with 413/41301 (max.message.bytes, and the hard cap above a huge one)', async () => {
    await createTopic(broker, 'poison-bombs');
    const bomb = Buffer.alloc(4 * MiB); // zeros: a few KiB once compressed
    const gzip = encodeRecordBatch({ records: [record(bomb)], compression: CompressionCodec.Gzip });
    const zstd = await encodeRecordBatchAsync({ records: [record(bomb)], compression: CompressionCodec.Zstd });
    expect(gzip.length).toBeLessThan(64 * 1024);
    expect(zstd.length).toBeLessThan(64 * 1024);
    for (const body of [gzip, zstd]) await expectRefused('poison-bombs', body, 413, 41301, /limit of 1048588\b/);
    // A topic allowing 1 GiB batches is still held to the 64 MiB hard cap.
    await createTopic(broker, 'poison-bigcap', 1, { 'max.message.bytes': String(1024 * MiB) });
    const huge = await encodeRecordBatchAsync({ records: [record(Buffer.alloc(65 * MiB))], compression: CompressionCodec.Zstd });
    await expectRefused('poison-bigcap', huge, 413, 41301, /limit of 67108864\b/);
    expect(await highWatermarks(broker, 'poison-bombs')).toEqual([0]);
    expect(await highWatermarks(broker, 'poison-bigcap')).toEqual([0]);
    // Compressed batches within the cap are accepted as ever.
    const fine = encodeRecordBatch({ records: [record('small')], compression: CompressionCodec.Gzip });
    expect((await post(broker, batches('poison-bombs'), fine, RECORD_BATCH)).status).toBe(200);
  });

  it('refuses control and transactional batches from a client', async () => {
    await createTopic(broker, 'poison-control');
    await expectRefused('poison-control', withAttribute(ATTR_CONTROL), 400, 40001, /control batches are written by the broker only/);
    await expectRefused('poison-control', withAttribute(ATTR_TRANSACTIONAL), 400, 40001, /transactional batches are not supported/);
    expect(await highWatermarks(broker, 'poison-control')).toEqual([0]);
  });

  it('refuses timestamps outside message.timestamp.before.max.ms / after.max.ms', async () => {
    const hour = 3_600_000;
    await createTopic(broker, 'poison-time', 1, {
      'message.timestamp.before.max.ms': String(hour),
      'message.timestamp.after.max.ms': String(hour),
    });
    await expectRefused(
      'poison-time',
      batchOf(['old'], Date.now() - 2 * hour),
      400,
      40001,
      /INVALID_TIMESTAMP.*message\.timestamp\.before\.max\.ms=3600000/,
    );
    await expectRefused(
      'poison-time',
      batchOf(['future'], Date.now() + 2 * hour),
      400,
      40001,
      /message\.timestamp\.after\.max\.ms=3600000/,
    );
    expect(await highWatermarks(broker, 'poison-time')).toEqual([0]);
    expect((await post(broker, batches('poison-time'), batchOf(['now']), RECORD_BATCH)).status).toBe(200);
    // The bounds are topic configs: described, and refused when invalid.
    const configs = (await (await fetch(`${broker.baseUrl}/v3/clusters/-/topics/poison-time/configs`)).json()) as {
      data: { name: string; value: string }[];
    };
    expect(configs.data.find((c) => c.name === 'message.timestamp.after.max.ms')?.value).toBe(String(hour));
  });

  it('answers bytes that are not a RecordBatch v2 with 400 "not a Kafka RecordBatch v2", not a misleading 413', async () => {
    await createTopic(broker, 'poison-random');
    const text = Buffer.from('Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor incididunt');
    await expectRefused('poison-random', text, 400, 40001, /not a Kafka RecordBatch v2 \(magic \d+, expected 2\)/);
    const random = Buffer.alloc(4096);
    for (let i = 0; i < random.length; i++) random[i] = (i * 7919 + 13) & 0xff;
    random[16] = 7; // magic
    await expectRefused('poison-random', random, 400, 40001, /not a Kafka RecordBatch v2 \(magic 7/);
    // Magic 2 but a length far past the body: malformed, not too large.
    const lying = batchOf(['x']);
    lying.writeInt32BE(1_768_582_008, 8);
    await expectRefused('poison-random', lying, 400, 40001, /batch declares 1768582020 bytes/);
    expect(await highWatermarks(broker, 'poison-random')).toEqual([0]);
    await expectServing(broker);
  });
});
