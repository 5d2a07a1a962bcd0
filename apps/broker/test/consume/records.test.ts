import { decodeRecordBatches } from '@runnel/protocol';
import { BrokerProcess, startBroker } from '../support/broker-process';
import { b64, createTopic, getJson, produce } from './consume-support';

/** Stateless REST reads against a real broker process: records, raw batches, offsets, errors. */
describe('consume: GET .../partitions/{p}/records and /offsets', () => {
  let broker: BrokerProcess;
  let base: string;
  let topicSeq = 0;
  const newTopic = async (partitions = 1): Promise<string> => {
    const name = `consume-${++topicSeq}`;
    await createTopic(broker.baseUrl, name, partitions);
    return name;
  };
  const recordsUrl = (topic: string, query = '', p = 0) => `${base}/topics/${topic}/partitions/${p}/records${query ? `?${query}` : ''}`;

  beforeAll(async () => {
    broker = await startBroker();
    base = `${broker.baseUrl}/v3/clusters/-`;
  });
  afterAll(async () => {
    await broker?.stop();
  });

  it('reads from the log start by default, rendering keys and values per format', async () => {
    const topic = await newTopic();
    await produce(broker.baseUrl, topic, 0, [
      { key: 'k0', value: '{"n":0}', headers: [{ key: 'trace', value: 'abc' }], timestamp: 1000 },
      { key: null, value: 'plain text', timestamp: 1001 },
    ]);

    const binary = await getJson(recordsUrl(topic));
    expect(binary.status).toBe(200);
    expect(binary.body).toEqual({
      data: [
        {
          partition_id: 0,
          offset: 0,
          timestamp: 1000,
          timestamp_type: 'CREATE_TIME',
          key: { type: 'BINARY', data: b64('k0') },
          value: { type: 'BINARY', data: b64('{"n":0}') },
          headers: [{ name: 'trace', value: b64('abc') }],
        },
        {
          partition_id: 0,
          offset: 1,
          timestamp: 1001,
          timestamp_type: 'CREATE_TIME',
          key: null,
          value: { type: 'BINARY', data: b64('plain text') },
          headers: [],
        },
      ],
      next_offset: 2,
      high_watermark: 2,
    });

    const text = await getJson(recordsUrl(topic, 'offset=0&format=string'));
    expect(text.body.data.map((r: any) => [r.key, r.value])).toEqual([
      [
        { type: 'STRING', data: 'k0' },
        { type: 'STRING', data: '{"n":0}' },
      ],
      [null, { type: 'STRING', data: 'plain text' }],
    ]);

    const json = await getJson(recordsUrl(topic, 'offset=0&format=json'));
    expect(json.body.data.map((r: any) => r.value)).toEqual([
      { type: 'JSON', data: { n: 0 } },
      { type: 'STRING', data: 'plain text' }, // UTF-8 that is not JSON
    ]);
    expect(json.body.data[0].headers).toEqual([{ name: 'trace', value: b64('abc') }]);
  });

  it('honours max_records and max_bytes, and starts mid-batch at the requested offset', async () => {
    const topic = await newTopic();
    await produce(
      broker.baseUrl,
      topic,
      0,
      [0, 1, 2, 3, 4].map((n) => ({ value: `a${n}` })),
    );
    for (let n = 5; n < 10; n++) await produce(broker.baseUrl, topic, 0, [{ value: `b${n}`.padEnd(200, '.') }]);

    const limited = await getJson(recordsUrl(topic, 'offset=2&max_records=2&format=string'));
    expect(limited.body.data.map((r: any) => r.offset)).toEqual([2, 3]);
    expect(limited.body.next_offset).toBe(4);
    expect(limited.body.high_watermark).toBe(10);

    // max_bytes below one batch still returns that whole first batch (progress), and nothing more.
    const tiny = await getJson(recordsUrl(topic, 'offset=5&max_bytes=1'));
    expect(tiny.body.data.map((r: any) => r.offset)).toEqual([5]);
    expect(tiny.body.next_offset).toBe(6);

    const rest = await getJson(recordsUrl(topic, 'offset=4'));
    expect(rest.body.data.map((r: any) => r.offset)).toEqual([4, 5, 6, 7, 8, 9]);
    expect(rest.body.next_offset).toBe(10);
  });

  it('long poll at the high watermark answers as soon as a record arrives', async () => {
    const topic = await newTopic();
    await produce(broker.baseUrl, topic, 0, [{ value: 'first' }]);
    const poll = getJson(recordsUrl(topic, 'offset=1&timeout_ms=60000&format=string'));
    await produce(broker.baseUrl, topic, 0, [{ value: 'second' }]);
    const answer = await poll;
    expect(answer.status).toBe(200);
    expect(answer.body.data.map((r: any) => [r.offset, r.value.data])).toEqual([[1, 'second']]);
    expect(answer.body.next_offset).toBe(2);
  });

  it('long poll with no data answers 200 with no records after the timeout', async () => {
    const topic = await newTopic();
    const answer = await getJson(recordsUrl(topic, 'offset=0&timeout_ms=300'));
    expect(answer).toEqual({ status: 200, body: { data: [], next_offset: 0, high_watermark: 0 } });
  });

  it('answers 416 with the valid range below the log start and above the high watermark', async () => {
    const topic = await newTopic();
    await produce(broker.baseUrl, topic, 0, [{ value: 'a' }, { value: 'b' }, { value: 'c' }]);
    await produce(broker.baseUrl, topic, 0, [{ value: 'd' }]);
    const deleted = await fetch(`${base}/topics/${topic}/partitions/0/records:delete`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ before_offset: 2 }),
    });
    expect(deleted.status).toBe(200);

    const below = await getJson(recordsUrl(topic, 'offset=1'));
    expect(below.status).toBe(416);
    expect(below.body).toMatchObject({ error_code: 416, earliest_offset: 2, high_watermark: 4 });
    expect(typeof below.body.message).toBe('string');

    const above = await getJson(recordsUrl(topic, 'offset=5'));
    expect(above.status).toBe(416);
    expect(above.body).toMatchObject({ error_code: 416, earliest_offset: 2, high_watermark: 4 });

    // The default start is the (moved) log start; records before it in its batch are skipped.
    const fromStart = await getJson(recordsUrl(topic, 'format=string'));
    expect(fromStart.body.data.map((r: any) => [r.offset, r.value.data])).toEqual([
      [2, 'c'],
      [3, 'd'],
    ]);
  });

  it('returns raw batches untouched for Accept: application/vnd.kafka.record-batch', async () => {
    const topic = await newTopic();
    await produce(broker.baseUrl, topic, 0, [
      { key: 'k', value: 'v0', timestamp: 5 },
      { value: 'v1', timestamp: 6 },
    ]);
    await produce(broker.baseUrl, topic, 0, [{ value: 'v2', headers: [{ key: 'h', value: null }], timestamp: 7 }]);
    const accept = { accept: 'application/vnd.kafka.record-batch' };

    const res = await fetch(recordsUrl(topic, 'offset=0'), { headers: accept });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/vnd.kafka.record-batch');
    expect(res.headers.get('x-runnel-next-offset')).toBe('3');
    expect(res.headers.get('x-runnel-high-watermark')).toBe('3');
    const bytes = Buffer.from(await res.arrayBuffer());
    const decoded: { offset: number; timestamp: number; key: string | null; value: string | null; headers: unknown[] }[] = [];
    for await (const batch of decodeRecordBatches(bytes, { maxDecompressedBytes: 1 << 20 })) {
      for (const r of batch.records) {
        decoded.push({
          offset: r.offset,
          timestamp: r.timestamp,
          key: r.key?.toString() ?? null,
          value: r.value?.toString() ?? null,
          headers: r.headers,
        });
      }
    }
    expect(decoded).toEqual([
      { offset: 0, timestamp: 5, key: 'k', value: 'v0', headers: [] },
      { offset: 1, timestamp: 6, key: null, value: 'v1', headers: [] },
      { offset: 2, timestamp: 7, key: null, value: 'v2', headers: [{ key: 'h', value: null }] },
    ]);

    // At the high watermark: 200 with an empty body and the position headers.
    const empty = await fetch(recordsUrl(topic, 'offset=3'), { headers: accept });
    expect(empty.status).toBe(200);
    expect(empty.headers.get('x-runnel-next-offset')).toBe('3');
    expect((await empty.arrayBuffer()).byteLength).toBe(0);
  });

  it('looks offsets up by earliest, latest and timestamp', async () => {
    const topic = await newTopic();
    await produce(broker.baseUrl, topic, 0, [
      { value: 'a', timestamp: 1000 },
      { value: 'b', timestamp: 2000 },
    ]);
    await produce(broker.baseUrl, topic, 0, [{ value: 'c', timestamp: 3000 }]);
    const offsets = (at: string) => getJson(`${base}/topics/${topic}/partitions/0/offsets?at=${at}`);
    expect(await offsets('earliest')).toEqual({ status: 200, body: { offset: 0, timestamp: -1 } });
    expect(await offsets('latest')).toEqual({ status: 200, body: { offset: 3, timestamp: -1 } });
    expect(await offsets('1500')).toEqual({ status: 200, body: { offset: 1, timestamp: 2000 } });
    expect(await offsets('3000')).toEqual({ status: 200, body: { offset: 2, timestamp: 3000 } });
    expect(await offsets('0')).toEqual({ status: 200, body: { offset: 0, timestamp: 1000 } });
    expect(await offsets('3001')).toEqual({ status: 200, body: { offset: 3, timestamp: -1 } });
  });

  it('rejects bad parameters with 40001 and unknown topics or partitions with 40403', async () => {
    const topic = await newTopic();
    const bad = [
      'offset=1.5',
      'offset=-1',
      'offset=abc',
      'offset=9007199254740993',
      'max_records=0',
      'max_records=10001',
      'max_bytes=0',
      'max_bytes=67108865',
      'timeout_ms=60001',
      'timeout_ms=-5',
      'format=xml',
      'offset=0&offset=1',
    ];
    for (const query of bad) {
      const answer = await getJson(recordsUrl(topic, query));
      expect({ query, status: answer.status, code: answer.body.error_code }).toEqual({ query, status: 400, code: 40001 });
    }
    for (const at of ['', 'yesterday', '-1', '1.5', '99999999999999999999']) {
      const answer = await getJson(`${base}/topics/${topic}/partitions/0/offsets${at ? `?at=${at}` : ''}`);
      expect({ at, status: answer.status, code: answer.body.error_code }).toEqual({ at, status: 400, code: 40001 });
    }
    const missing = [recordsUrl('no-such-topic'), recordsUrl(topic, '', 7), `${base}/topics/no-such-topic/partitions/0/offsets?at=latest`];
    for (const url of missing) {
      const answer = await getJson(url);
      expect({ url, status: answer.status, code: answer.body.error_code }).toEqual({ url, status: 404, code: 40403 });
    }
    expect((await getJson(recordsUrl(topic))).status).toBe(200);
  });

  it('counts delivered records in runnel_fetched_records_total', async () => {
    const topic = await newTopic();
    await produce(broker.baseUrl, topic, 0, [{ value: 'a' }, { value: 'b' }, { value: 'c' }]);
    await getJson(recordsUrl(topic, 'max_records=2'));
    const metrics = await (await fetch(`${broker.baseUrl}/metrics`)).text();
    expect(metrics).toMatch(new RegExp(`runnel_fetched_records_total\\{topic="${topic}"\\} 2\\b`));
  });
});
