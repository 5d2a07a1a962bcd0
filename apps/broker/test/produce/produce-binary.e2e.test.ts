import * as fs from 'node:fs';
import * as path from 'node:path';
import { OFFSET_CRC, batchSize, checkBatches, encodeRecordBatch, readBatchHeader } from '@runnel/protocol';
import { BrokerProcess, startBroker } from '../support/broker-process';
import { StreamedPost, createTopic, expectServing, highWatermarks, post, str } from './helpers';

/** API.md "Produce": the binary fast path, idempotency keys and broker-side batching, end to end. */
const RECORD_BATCH = { 'content-type': 'application/vnd.kafka.record-batch' };

function batchOf(values: string[], timestamp = 1_700_000_000_000): Buffer {
  return encodeRecordBatch({ records: values.map((v) => ({ timestamp, key: null, value: Buffer.from(v), headers: [] })) });
}

/** Batches in the partition's first segment, read from disk (Kafka's format). */
function batchesOnDisk(broker: BrokerProcess, topic: string, partition: number): number[] {
  const bytes = fs.readFileSync(path.join(broker.dataDir, `${topic}-${partition}`, '00000000000000000000.log'));
  return checkBatches(bytes, Number.MAX_SAFE_INTEGER).map((h) => h.recordCount);
}

describe('produce binary batches and idempotency (e2e)', () => {
  let broker: BrokerProcess;
  beforeAll(async () => {
    broker = await startBroker({ env: { RUNNEL_MAX_REQUEST_BYTES: String(256 * 1024) } });
  }, 60_000);
  afterAll(async () => {
    await broker?.stop();
  });
  const batches = (topic: string, p: number, query = '') => `/v3/clusters/-/topics/${topic}/partitions/${p}/batches${query}`;

  it('appends RecordBatch bytes as they are and answers their offsets', async () => {
    await createTopic(broker, 'bin', 2);
    const body = Buffer.concat([batchOf(['a', 'b']), batchOf(['c'])]);
    const res = await post(broker, batches('bin', 1), body, RECORD_BATCH);
    expect(res.status).toBe(200);
    expect(res.contentType).toMatch(/^application\/json/);
    expect(JSON.parse(res.text)).toEqual({ base_offset: 0, last_offset: 2, log_append_time: -1 });
    const next = JSON.parse((await post(broker, batches('bin', 1, '?acks=1'), batchOf(['d']), RECORD_BATCH)).text);
    expect(next).toEqual({ base_offset: 3, last_offset: 3, log_append_time: -1 });
    expect(JSON.parse((await post(broker, batches('bin', 1, '?acks=0'), batchOf(['e']), RECORD_BATCH)).text).base_offset).toBe(4);
    // acks 0/1 do not wait for the fsync; an acks=all append answers once it (and all before it) is durable.
    expect(JSON.parse((await post(broker, batches('bin', 1, '?acks=all'), batchOf(['f']), RECORD_BATCH)).text).base_offset).toBe(5);
    expect(await highWatermarks(broker, 'bin')).toEqual([0, 6]);
    expect(batchesOnDisk(broker, 'bin', 1)).toEqual([2, 1, 1, 1, 1]);
  });

  it('stamps the log append time on LogAppendTime topics', async () => {
    await createTopic(broker, 'binlat', 1, { 'message.timestamp.type': 'LogAppendTime' });
    const res = JSON.parse((await post(broker, batches('binlat', 0), batchOf(['a'], 5), RECORD_BATCH)).text);
    expect(res.log_append_time).toBeGreaterThan(1_000_000_000_000);
  });

  it('refuses bad bytes whole (40001), oversize batches (41301) and unknown partitions (40403), appending nothing', async () => {
    await createTopic(broker, 'binbad', 1, { 'max.message.bytes': '1000' });
    const good = batchOf(['ok']);
    const corrupt = batchOf(['bad']);
    corrupt[corrupt.length - 1] ^= 0xff; // body byte: the CRC no longer matches
    const badCrcField = batchOf(['x']);
    badCrcField.writeUInt32BE((badCrcField.readUInt32BE(OFFSET_CRC) + 1) >>> 0, OFFSET_CRC);
    const header = readBatchHeader(good);
    const cases: [string, Buffer, Record<string, string>, number, number][] = [
      ['corrupt record bytes', corrupt, RECORD_BATCH, 400, 40001],
      ['good then corrupt', Buffer.concat([good, corrupt]), RECORD_BATCH, 400, 40001],
      ['wrong CRC field', badCrcField, RECORD_BATCH, 400, 40001],
      ['truncated', good.subarray(0, batchSize(header) - 3), RECORD_BATCH, 400, 40001],
      ['trailing bytes', Buffer.concat([good, Buffer.from([1, 2, 3])]), RECORD_BATCH, 400, 40001],
      ['empty', Buffer.alloc(0), RECORD_BATCH, 400, 40001],
      ['over max.message.bytes', batchOf(['z'.repeat(2000)]), RECORD_BATCH, 413, 41301],
      ['over the request limit', batchOf(['z'.repeat(300 * 1024)]), RECORD_BATCH, 413, 41301],
      ['JSON instead of bytes', Buffer.from('{}'), { 'content-type': 'application/json' }, 400, 40001],
    ];
    for (const [name, body, headers, status, code] of cases) {
      const res = await post(broker, batches('binbad', 0), body, headers);
      expect([name, res.status, JSON.parse(res.text).error_code]).toEqual([name, status, code]);
    }
    const unknown = await post(broker, batches('binbad', 3), good, RECORD_BATCH);
    expect([unknown.status, JSON.parse(unknown.text).error_code]).toEqual([404, 40403]);
    const badAcks = await post(broker, batches('binbad', 0, '?acks=most'), good, RECORD_BATCH);
    expect([badAcks.status, JSON.parse(badAcks.text).error_code]).toEqual([400, 40001]);
    expect(await highWatermarks(broker, 'binbad')).toEqual([0]);
    await expectServing(broker);
    expect(JSON.parse((await post(broker, batches('binbad', 0), good, RECORD_BATCH)).text).base_offset).toBe(0);
  });

  it('answers a retried Idempotency-Key with the first answer and appends nothing', async () => {
    await createTopic(broker, 'idem', 1);
    const headers = { 'content-type': 'application/json', 'idempotency-key': 'key-1' };
    const first = await post(broker, '/v3/clusters/-/topics/idem/records', '{"value":{"type":"STRING","data":"a"}}', headers);
    const again = await post(broker, '/v3/clusters/-/topics/idem/records', '{"value":{"type":"STRING","data":"a"}}', headers);
    expect(first.status).toBe(200);
    expect(again.text).toBe(first.text);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(await highWatermarks(broker, 'idem')).toEqual([1]);

    const batchHeaders = { 'content-type': 'application/json', 'idempotency-key': 'key-2' };
    const body = JSON.stringify({ entries: [{ id: 'a' }, { id: 'b' }] });
    const [x, y] = await Promise.all([
      post(broker, '/v3/clusters/-/topics/idem/records:batch', body, batchHeaders),
      post(broker, '/v3/clusters/-/topics/idem/records:batch', body, batchHeaders),
    ]);
    expect([x.status, y.status]).toEqual([207, 207]);
    expect(y.text).toBe(x.text);
    expect(await highWatermarks(broker, 'idem')).toEqual([3]);

    const bin = { ...RECORD_BATCH, 'idempotency-key': 'key-3' };
    const b1 = await post(broker, batches('idem', 0), batchOf(['q']), bin);
    const b2 = await post(broker, batches('idem', 0), batchOf(['q']), bin);
    expect(b2.text).toBe(b1.text);
    expect(await highWatermarks(broker, 'idem')).toEqual([4]);

    const stream = '{"value":null}\n{"value":null}\n';
    const s1 = await post(broker, '/v3/clusters/-/topics/idem/records', stream, {
      'content-type': 'application/x-ndjson',
      'idempotency-key': 'key-4',
    });
    const s2 = await post(broker, '/v3/clusters/-/topics/idem/records', stream, {
      'content-type': 'application/x-ndjson',
      'idempotency-key': 'key-4',
    });
    expect(s1.contentType).toMatch(/x-ndjson/);
    expect(s2.contentType).toMatch(/x-ndjson/);
    expect(s2.text).toBe(s1.text);
    expect(await highWatermarks(broker, 'idem')).toEqual([6]);

    // Another key, or the same key on another topic, is a new request.
    await createTopic(broker, 'idem2', 1);
    await post(broker, '/v3/clusters/-/topics/idem2/records', '{}', headers);
    expect(await highWatermarks(broker, 'idem2')).toEqual([1]);
    const bad = await post(broker, '/v3/clusters/-/topics/idem/records', '{}', {
      'content-type': 'application/json',
      'idempotency-key': 'x'.repeat(300),
    });
    expect([bad.status, JSON.parse(bad.text).error_code]).toEqual([400, 40001]);
  });

  it('coalesces the records of one request and of one stream chunk into one batch', async () => {
    await createTopic(broker, 'onebatch', 1);
    const entries = Array.from({ length: 500 }, (_, i) => ({ id: String(i), value: str(`v${i}`) }));
    const res = await post(broker, '/v3/clusters/-/topics/onebatch/records:batch', JSON.stringify({ entries }));
    expect(JSON.parse(res.text).successes).toHaveLength(500);
    const stream = new StreamedPost(`${broker.baseUrl}/v3/clusters/-/topics/onebatch/records`);
    stream.write(Array.from({ length: 100 }, (_, i) => JSON.stringify({ value: str(`s${i}`) })).join('\n') + '\n');
    expect((await stream.waitForLines(100)).map((r) => (r as { offset: number }).offset)).toEqual(
      Array.from({ length: 100 }, (_, i) => 500 + i),
    );
    stream.end();
    await stream.done;
    const onDisk = batchesOnDisk(broker, 'onebatch', 0);
    expect(onDisk[0]).toBe(500);
    // One write of 100 records: one batch per socket read that carried them (usually one).
    expect(onDisk.slice(1).reduce((a, b) => a + b, 0)).toBe(100);
    expect(onDisk.length - 1).toBeLessThan(10);
  });

  it('streams a large body, reporting every record in order', async () => {
    await createTopic(broker, 'big', 1);
    const stream = new StreamedPost(`${broker.baseUrl}/v3/clusters/-/topics/big/records?acks=1`);
    const total = 20_000;
    for (let i = 0; i < total; i += 1000) {
      stream.write(Array.from({ length: 1000 }, (_, j) => `{"value":{"type":"STRING","data":"r${i + j}"}}`).join(''));
    }
    stream.end();
    await stream.done;
    expect(stream.lines).toHaveLength(total);
    expect(stream.lines.every((line, i) => JSON.parse(line).offset === i)).toBe(true);
    // acks=1 does not wait for the fsync; one acks=all record after them does.
    expect((await post(broker, '/v3/clusters/-/topics/big/records', '{}')).status).toBe(200);
    expect(await highWatermarks(broker, 'big')).toEqual([total + 1]);
    await expectServing(broker);
  }, 60_000);
});
