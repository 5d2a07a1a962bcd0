import Ajv2020 from 'ajv/dist/2020';
import { CompressionCodec, encodeRecordBatch } from '@runnel/protocol';
import { readOpenApi } from '../docs/openapi-document';
import { BrokerProcess, startBroker } from '../support/broker-process';
import { jsonCall } from '../support/json-call';
import { createTopicOn } from '../support/topic-helpers';
import { GeneratedRecord, doneOf, fill, matchesOf, search } from './search-helpers';

/**
 * records:search and records:estimate against a real broker (contracts §4): 100,000 records in
 * two partitions, one of which matches a value JSON path and a header together. The broker's
 * search rate is set low (8 MiB/s) so a scan of the ~12 MB topic lasts long enough for progress
 * lines, which the tests observe without depending on the machine's speed.
 */
const PER_PARTITION = 50_000;
const T0 = 1_700_000_000_000;
const NEEDLE = { partition: 1, offset: 37_123 };
const MARKED = (i: number): boolean => i % 10_000 === 4242; // 5 per partition

function orderRecord(partition: number, i: number): GeneratedRecord {
  const needle = partition === NEEDLE.partition && i === NEEDLE.offset;
  // Decoys: the needle's status with the wrong header, and the needle's header with the wrong status.
  const status = needle || (partition === 0 && i === 5) ? 'lost' : 'created';
  const type = needle || (partition === 0 && i === 6) ? 'audit' : 'order';
  const value = { order: { id: partition * PER_PARTITION + i, status, items: [{ sku: `s${i % 100}` }] }, m: MARKED(i) ? 1 : 0 };
  return {
    key: `k-${partition}-${i}`,
    value: Buffer.from(JSON.stringify(value)),
    headers: [{ key: 'type', value: Buffer.from(type) }],
    timestamp: T0 + i,
  };
}

const NEEDLE_FILTER = {
  all: [{ value: { json: { path: '$.order.status', equals: 'lost' } } }, { header: 'type', equals: 'audit' }],
};

describe('broker-side search (e2e)', () => {
  let broker: BrokerProcess;
  const base = (): string => `${broker.baseUrl}/v3/clusters/-/topics`;

  beforeAll(async () => {
    broker = await startBroker({ env: { RUNNEL_SEARCH_BYTES_PER_SEC: String(8 * 1024 * 1024) } });
    try {
      await createTopicOn(broker, 'orders', 2);
      await Promise.all([0, 1].map((p) => fill(broker, 'orders', p, PER_PARTITION, (i) => orderRecord(p, i))));
    } catch (error) {
      await broker.stop();
      throw error;
    }
  }, 120_000);

  afterAll(async () => {
    await broker?.stop();
  });

  it('finds the one record among 100,000 that matches a value JSON path and a header, with progress', async () => {
    const answer = await search(broker, 'orders', { filter: NEEDLE_FILTER, format: 'json' });
    expect(answer.status).toBe(200);
    const { lines } = answer;
    expect(lines[0]).toEqual({
      type: 'estimate',
      records: 100_000,
      bytes: expect.any(Number),
      partitions: [
        { partition_id: 0, start_offset: 0, end_offset: PER_PARTITION, records: PER_PARTITION, bytes: expect.any(Number) },
        { partition_id: 1, start_offset: 0, end_offset: PER_PARTITION, records: PER_PARTITION, bytes: expect.any(Number) },
      ],
    });
    const matches = matchesOf(lines);
    expect(matches).toHaveLength(1);
    expect(matches[0].record).toEqual({
      partition_id: NEEDLE.partition,
      offset: NEEDLE.offset,
      timestamp: T0 + NEEDLE.offset,
      timestamp_type: 'CREATE_TIME',
      key: { type: 'STRING', data: `k-1-${NEEDLE.offset}` },
      value: { type: 'JSON', data: { order: { id: PER_PARTITION + NEEDLE.offset, status: 'lost', items: [{ sku: 's23' }] }, m: 0 } },
      headers: [{ name: 'type', value: Buffer.from('audit').toString('base64') }],
    });
    const progress = lines.filter((l) => l.type === 'progress');
    expect(progress.length).toBeGreaterThanOrEqual(1);
    for (const p of progress) {
      expect(p).toEqual({
        type: 'progress',
        records_scanned: expect.any(Number),
        bytes_scanned: expect.any(Number),
        partitions_done: expect.any(Number),
        partitions_total: 2,
        percent: expect.any(Number),
      });
      expect(p.percent).toBeGreaterThan(0);
      expect(p.percent).toBeLessThanOrEqual(100);
    }
    const percents = progress.map((p) => p.percent);
    expect([...percents].sort((a, b) => a - b)).toEqual(percents);
    const done = doneOf(lines);
    expect(done).toEqual({
      type: 'done',
      reason: 'end',
      cursor: null,
      records_scanned: 100_000,
      bytes_scanned: lines[0].bytes,
      matches: 1,
    });
  });

  it('estimates a range from the time index and segment positions', async () => {
    const whole = await jsonCall('GET', `${base()}/orders/records:estimate`);
    expect(whole.status).toBe(200);
    expect(whole.body.records).toBe(100_000);
    expect(whole.body.partitions.map((p: { end_offset: number }) => p.end_offset)).toEqual([PER_PARTITION, PER_PARTITION]);
    const partition0Bytes = whole.body.partitions[0].bytes;

    const part = await jsonCall('GET', `${base()}/orders/records:estimate?partitions=0&from=timestamp:${T0 + 20_000}&to=offset:30000`);
    expect(part.status).toBe(200);
    expect(part.body.partitions).toHaveLength(1);
    expect(part.body.partitions[0]).toMatchObject({ partition_id: 0, start_offset: 20_000, end_offset: 30_000, records: 10_000 });
    expect(part.body.bytes / (partition0Bytes / 5)).toBeGreaterThan(0.95);
    expect(part.body.bytes / (partition0Bytes / 5)).toBeLessThan(1.05);

    // The estimate's range is the range a search scans.
    const scanned = await search(broker, 'orders', {
      filter: { key: { contains: 'k-' } },
      partitions: [0],
      from: { timestamp: T0 + 20_000 },
      to: { offset: 30_000 },
      max_matches: 1000,
    });
    const matches = matchesOf(scanned.lines);
    expect(matches[0].record.offset).toBe(20_000);
    const done = doneOf(scanned.lines);
    expect(done.reason).toBe('max_matches');

    const latest = await jsonCall('GET', `${base()}/orders/records:estimate?from=latest`);
    expect(latest.body).toMatchObject({ records: 0, bytes: 0 });
    const beyond = await jsonCall('GET', `${base()}/orders/records:estimate?from=offset:60000`);
    expect(beyond.status).toBe(416);
    expect(beyond.body).toMatchObject({ error_code: 416, earliest_offset: 0, high_watermark: PER_PARTITION });
    const bad = await jsonCall('GET', `${base()}/orders/records:estimate?to=yesterday`);
    expect(bad.status).toBe(400);
    expect(bad.body.message).toContain('to must be earliest, latest, offset:<n> or timestamp:<epoch ms>');
    const unknown = await jsonCall('GET', `${base()}/missing/records:estimate`);
    expect(unknown.status).toBe(404);
    expect(unknown.body.error_code).toBe(40403);
  });

  it('stops at the byte budget with a cursor, and resuming finds the rest exactly once', async () => {
    const filter = { value: { contains: '"m":1' } };
    const found: string[] = [];
    let scanned = 0;
    let cursor: string | undefined;
    let rounds = 0;
    for (;;) {
      const answer = await search(broker, 'orders', { filter, budget: { max_bytes: 3 * 1024 * 1024 }, cursor, max_matches: 1000 });
      expect(answer.status).toBe(200);
      rounds++;
      for (const m of matchesOf(answer.lines)) found.push(`${m.record.partition_id}:${m.record.offset}`);
      const done = doneOf(answer.lines);
      scanned += done.records_scanned;
      expect(done.bytes_scanned).toBeLessThanOrEqual(3 * 1024 * 1024 + 1024 * 1024); // the budget, plus at most one batch
      if (done.reason === 'end') {
        expect(done.cursor).toBeNull();
        break;
      }
      expect(done.reason).toBe('budget_bytes');
      expect(typeof done.cursor).toBe('string');
      // A resumed search estimates only what is left.
      if (cursor !== undefined) expect(answer.lines[0].records).toBeLessThan(100_000);
      cursor = done.cursor;
      expect(rounds).toBeLessThan(20);
    }
    expect(rounds).toBeGreaterThanOrEqual(3);
    expect(scanned).toBe(100_000);
    const expected = [0, 1].flatMap((p) => [4242, 14242, 24242, 34242, 44242].map((i) => `${p}:${i}`));
    expect([...found].sort()).toEqual([...expected].sort());
  });

  it('stops at max_matches on the record, and the cursor continues right after it', async () => {
    const filter = { value: { json: { path: '$.m', equals: 1 } } };
    const first = await search(broker, 'orders', { filter, max_matches: 3, partitions: [1] });
    const done = doneOf(first.lines);
    expect(done).toMatchObject({ reason: 'max_matches', matches: 3 });
    expect(matchesOf(first.lines).map((m) => m.record.offset)).toEqual([4242, 14242, 24242]);
    expect(done.records_scanned).toBe(24_243);
    const rest = await search(broker, 'orders', { filter, max_matches: 3, cursor: done.cursor });
    expect(matchesOf(rest.lines).map((m) => m.record.offset)).toEqual([34242, 44242]);
    expect(doneOf(rest.lines)).toMatchObject({ reason: 'end', cursor: null, records_scanned: PER_PARTITION - 24_243 });

    const other = await search(broker, 'orders', { filter: { value: { contains: 'x' } }, cursor: done.cursor });
    expect(other.status).toBe(400);
    expect(other.error).toEqual({
      error_code: 40001,
      message: 'cursor belongs to a search with another filter: resume with the filter it was given with',
    });
  });

  it('stops at the time budget with a cursor', async () => {
    const answer = await search(broker, 'orders', { filter: NEEDLE_FILTER, budget: { max_ms: 1 } });
    const done = doneOf(answer.lines);
    expect(done.reason).toBe('budget_time');
    expect(done.records_scanned).toBeLessThan(100_000);
    expect(typeof done.cursor).toBe('string');
  });

  it.each([
    [{}, 'filter is required'],
    [
      { filter: { value: { json: { path: 'order.status', equals: 'lost' } } } },
      'invalid filter: filter.value.json.path: must start with "$" (got "order.status")',
    ],
    [
      { filter: { all: [{ value: { regex: '.*' } }] } },
      'invalid filter: filter.all[0].value: needs exactly one of "contains", "equals", "json"',
    ],
    [{ filter: { script: 'return true' } }, 'invalid filter: filter: a filter object needs one of'],
    [
      { filter: { not: { not: { not: { not: { not: { not: { not: { not: { key: { equals: 'a' } } } } } } } } } } },
      'filters nest at most 8 deep',
    ],
    [{ filter: { key: { contains: 'x'.repeat(5000) } } }, 'invalid filter: filter.key.contains: is longer than 4096 bytes'],
    [{ filter: { key: { contains: 'x' } }, max_matches: 1001 }, 'max_matches must be an integer from 1 to 1000, got 1001'],
    [
      { filter: { key: { contains: 'x' } }, from: 'yesterday' },
      'from must be "earliest", "latest", {"offset": n} or {"timestamp": epoch ms}',
    ],
    [{ filter: { key: { contains: 'x' } }, budget: { max_seconds: 3 } }, 'unknown field budget.max_seconds'],
    [{ filter: { key: { contains: 'x' } }, cursor: 'garbage!' }, 'cursor is not a search cursor'],
    [{ filter: { key: { contains: 'x' } }, format: 'xml' }, 'format must be one of binary, string, json'],
  ])('answers 400 naming what is wrong (case %#)', async (body, message) => {
    const answer = await search(broker, 'orders', body);
    expect(answer.status).toBe(400);
    expect(answer.error.error_code).toBe(40001);
    expect(answer.error.message).toContain(message);
  });

  it('answers 404 for an unknown topic or partition', async () => {
    const topic = await search(broker, 'missing', { filter: { key: { contains: 'x' } } });
    expect(topic.status).toBe(404);
    expect(topic.error.error_code).toBe(40403);
    const partition = await search(broker, 'orders', { filter: { key: { contains: 'x' } }, partitions: [7] });
    expect(partition.status).toBe(404);
    expect(partition.error.error_code).toBe(40403);
  });

  it('cuts values above 64 KiB to a preview', async () => {
    await createTopicOn(broker, 'big', 1);
    // 65,535 ASCII bytes, then a 2-byte character across the 64 KiB mark: the preview stops before it.
    const big = 'a'.repeat(64 * 1024 - 1) + 'é' + 'a'.repeat(40 * 1024) + 'NEEDLE';
    await fill(broker, 'big', 0, 2, (i) => ({
      key: null,
      value: Buffer.from(i === 0 ? big : '{"small":true,"NEEDLE":1}'),
      headers: [],
      timestamp: T0,
    }));
    for (const format of ['string', 'json'] as const) {
      const answer = await search(broker, 'big', { filter: { value: { contains: 'NEEDLE' } }, format });
      const [first, second] = matchesOf(answer.lines).map((m) => m.record);
      expect(first.value_truncated).toBe(true);
      expect(first.value_size).toBe(Buffer.byteLength(big));
      expect(first.value.type).toBe('STRING');
      expect(first.value.data).toBe('a'.repeat(64 * 1024 - 1));
      expect(second.value_truncated).toBeUndefined();
      expect(second.value).toEqual(
        format === 'json' ? { type: 'JSON', data: { small: true, NEEDLE: 1 } } : { type: 'STRING', data: '{"small":true,"NEEDLE":1}' },
      );
    }
    const binary = await search(broker, 'big', { filter: { value: { contains: 'NEEDLE' } }, max_matches: 1 });
    const record = matchesOf(binary.lines)[0].record;
    expect(record.value.type).toBe('BINARY');
    expect(Buffer.from(record.value.data, 'base64').length).toBe(64 * 1024);
  });

  it('searches compressed batches as stored', async () => {
    await createTopicOn(broker, 'zipped', 1);
    for (const compression of [CompressionCodec.Gzip, CompressionCodec.Lz4, CompressionCodec.Snappy]) {
      const records = Array.from({ length: 500 }, (_, i) => ({
        timestamp: T0 + i,
        key: null,
        value: Buffer.from(JSON.stringify({ codec: compression, i })),
        headers: [],
      }));
      const response = await fetch(`${base()}/zipped/partitions/0/batches`, {
        method: 'POST',
        headers: { 'content-type': 'application/vnd.kafka.record-batch' },
        body: encodeRecordBatch({ records, compression }),
      });
      expect(response.status).toBe(200);
    }
    const answer = await search(broker, 'zipped', { filter: { value: { json: { path: '$.i', equals: 250 } } }, format: 'json' });
    expect(matchesOf(answer.lines).map((m) => [m.record.offset, m.record.value.data])).toEqual([
      [250, { codec: CompressionCodec.Gzip, i: 250 }],
      [750, { codec: CompressionCodec.Lz4, i: 250 }],
      [1250, { codec: CompressionCodec.Snappy, i: 250 }],
    ]);
    expect(doneOf(answer.lines)).toMatchObject({ reason: 'end', records_scanned: 1500, matches: 3 });
  });

  it('answers as docs/openapi.json describes: requests, NDJSON lines, estimates and errors', async () => {
    const ajv = new Ajv2020({ strict: false, allErrors: true });
    ajv.addSchema(readOpenApi(), 'openapi.json');
    const check = (schema: string, value: unknown): void => {
      const validate = ajv.getSchema(`openapi.json#/components/schemas/${schema}`)!;
      const ok = validate(value);
      expect({ schema, value: ok ? 'valid' : value, errors: validate.errors ?? null }).toEqual({ schema, value: 'valid', errors: null });
    };
    const requests = [
      { filter: NEEDLE_FILTER, format: 'json' },
      { filter: { value: { contains: 'NEEDLE' } }, format: 'string', from: 'earliest', to: { offset: 2 }, budget: { max_ms: 10_000 } },
      {
        filter: { value: { contains: '"m":1' }, case_insensitive: true },
        max_matches: 2,
        partitions: [0],
        budget: { max_bytes: 1_000_000 },
      },
    ];
    const types = new Set<string>();
    for (const [i, body] of requests.entries()) {
      check('SearchRequest', body);
      const answer = await search(broker, i === 1 ? 'big' : 'orders', body);
      expect(answer.status).toBe(200);
      for (const line of answer.lines) {
        types.add(line.type);
        check('SearchLine', line);
      }
    }
    expect([...types].sort()).toEqual(['done', 'estimate', 'match', 'progress']);
    check(
      'SearchEstimate',
      (await jsonCall('GET', `${base()}/orders/records:estimate?partitions=1&from=offset:10&to=timestamp:${T0 + 99}`)).body,
    );
    check('Error', (await search(broker, 'orders', { filter: { value: {} } })).error);
  });
});
