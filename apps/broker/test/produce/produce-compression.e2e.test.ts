import {
  CompressionCodec,
  compressionOf,
  decodeRecordBatches,
  encodeRecordBatch,
  encodeRecordBatchAsync,
  readBatchHeader,
  batchSize,
} from '@runnel/protocol';
import { BrokerProcess, startBroker } from '../support/broker-process';
import { createTopic, highWatermarks, json, post } from './helpers';

/**
 * compression.type as Kafka applies it: the batches the broker builds from JSON records use the
 * topic's codec, and binary batches in another codec than the topic's are recompressed; with
 * `producer` (the default) binary batches are stored as sent.
 */
describe('produce: the topic compression.type (real broker process)', () => {
  let broker: BrokerProcess;
  beforeAll(async () => {
    broker = await startBroker();
  });
  afterAll(async () => {
    await broker?.stop();
  });

  /** The codec of every stored batch of partition 0, and the values read back as JSON. */
  async function stored(topic: string): Promise<{ codecs: number[]; values: (string | null)[] }> {
    const raw = await fetch(`${broker.baseUrl}/v3/clusters/-/topics/${topic}/partitions/0/records?offset=0`, {
      headers: { accept: 'application/vnd.kafka.record-batch' },
    });
    const bytes = Buffer.from(await raw.arrayBuffer());
    const codecs: number[] = [];
    for (let pos = 0; pos < bytes.length;) {
      const header = readBatchHeader(bytes, pos);
      codecs.push(compressionOf(header.attributes));
      pos += batchSize(header);
    }
    const values: (string | null)[] = [];
    for await (const batch of decodeRecordBatches(bytes, { maxDecompressedBytes: 1 << 24 }))
      for (const r of batch.records) values.push(r.value?.toString() ?? null);
    return { codecs, values };
  }

  const jsonRecords = (n: number, prefix: string) => ({
    records: Array.from({ length: n }, (_, i) => ({ value: { type: 'STRING', data: `${prefix}-${i}`.repeat(10) } })),
  });

  it.each([
    ['gzip', CompressionCodec.Gzip],
    ['snappy', CompressionCodec.Snappy],
    ['lz4', CompressionCodec.Lz4],
    ['zstd', CompressionCodec.Zstd],
    ['producer', CompressionCodec.None],
  ] as const)('stores JSON records in %s batches and reads them back', async (type, codec) => {
    const topic = `json-${type}`;
    await createTopic(broker, topic, 1, { 'compression.type': type });
    const first = await fetch(
      `${broker.baseUrl}/v3/clusters/-/topics/${topic}/records:batch`,
      json({ entries: jsonRecords(30, 'a').records.map((r, i) => ({ id: String(i), ...r })) }),
    );
    expect(first.status).toBe(207);
    const second = await fetch(
      `${broker.baseUrl}/v3/clusters/-/topics/${topic}/records`,
      json({ value: { type: 'STRING', data: 'last' } }),
    );
    expect(second.status).toBe(200);
    const { codecs, values } = await stored(topic);
    expect(new Set(codecs)).toEqual(new Set([codec]));
    expect(values).toEqual([...Array.from({ length: 30 }, (_, i) => `a-${i}`.repeat(10)), 'last']);
    const read = await fetch(`${broker.baseUrl}/v3/clusters/-/topics/${topic}/partitions/0/records?offset=30&format=string`);
    expect(((await read.json()) as { data: { value: { data: string } }[] }).data.map((r) => r.value.data)).toEqual(['last']);
  });

  it('recompresses binary batches to the topic codec, keeps them as sent with "producer", and refuses a corrupt one', async () => {
    const recordsOf = (prefix: string) =>
      Array.from({ length: 5 }, (_, i) => ({
        timestamp: Date.now(),
        key: Buffer.from(`k${i}`),
        value: Buffer.from(`${prefix}${i}`),
        headers: [],
      }));
    const batches = '/partitions/0/batches';
    const headers = { 'content-type': 'application/vnd.kafka.record-batch' };
    await createTopic(broker, 'bin-uncompressed', 1, { 'compression.type': 'uncompressed' });
    await createTopic(broker, 'bin-zstd', 1, { 'compression.type': 'zstd' });
    await createTopic(broker, 'bin-producer', 1);
    const gzip = encodeRecordBatch({ records: recordsOf('g'), compression: CompressionCodec.Gzip });
    const plain = encodeRecordBatch({ records: recordsOf('n') });
    const lz4 = encodeRecordBatch({ records: recordsOf('l'), compression: CompressionCodec.Lz4 });
    const zstd = await encodeRecordBatchAsync({ records: recordsOf('z'), compression: CompressionCodec.Zstd });

    expect((await post(broker, '/v3/clusters/-/topics/bin-uncompressed' + batches, Buffer.concat([gzip, plain]), headers)).status).toBe(
      200,
    );
    expect(await stored('bin-uncompressed')).toEqual({
      codecs: [CompressionCodec.None, CompressionCodec.None],
      values: ['g0', 'g1', 'g2', 'g3', 'g4', 'n0', 'n1', 'n2', 'n3', 'n4'],
    });

    expect((await post(broker, '/v3/clusters/-/topics/bin-zstd' + batches, Buffer.concat([plain, zstd]), headers)).status).toBe(200);
    expect((await stored('bin-zstd')).codecs).toEqual([CompressionCodec.Zstd, CompressionCodec.Zstd]);

    expect((await post(broker, '/v3/clusters/-/topics/bin-producer' + batches, Buffer.concat([lz4, gzip]), headers)).status).toBe(200);
    expect((await stored('bin-producer')).codecs).toEqual([CompressionCodec.Lz4, CompressionCodec.Gzip]);

    const corrupt = Buffer.from(gzip);
    corrupt[corrupt.length - 2] ^= 0xff;
    const refused = await post(broker, '/v3/clusters/-/topics/bin-zstd' + batches, corrupt, headers);
    expect(refused.status).toBe(400);
    expect(JSON.parse(refused.text).error_code).toBe(40001);
    expect(await highWatermarks(broker, 'bin-zstd')).toEqual([10]);
  });

  it('applies a compression.type changed with configs:alter to the next batches', async () => {
    await createTopic(broker, 'altered', 1);
    expect(
      (await fetch(`${broker.baseUrl}/v3/clusters/-/topics/altered/records`, json({ value: { type: 'STRING', data: 'before' } }))).status,
    ).toBe(200);
    const alter = await fetch(
      `${broker.baseUrl}/v3/clusters/-/topics/altered/configs:alter`,
      json({ data: [{ name: 'compression.type', value: 'zstd' }] }),
    );
    expect(alter.status).toBe(204);
    expect(
      (await fetch(`${broker.baseUrl}/v3/clusters/-/topics/altered/records`, json({ value: { type: 'STRING', data: 'after' } }))).status,
    ).toBe(200);
    expect(await stored('altered')).toEqual({ codecs: [CompressionCodec.None, CompressionCodec.Zstd], values: ['before', 'after'] });
  });
});
