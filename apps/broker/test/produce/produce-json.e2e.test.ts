import { partitionForKey } from '@runnel/protocol';
import { BrokerProcess, startBroker } from '../support/broker-process';
import { StreamedPost, createTopic, expectServing, highWatermarks, post, str } from './helpers';

/** API.md "Produce", JSON modes, against the real broker process. */
describe('produce JSON records (e2e)', () => {
  let broker: BrokerProcess;
  beforeAll(async () => {
    broker = await startBroker({ env: { RUNNEL_MAX_REQUEST_BYTES: String(1024 * 1024) } });
  }, 60_000);
  afterAll(async () => {
    await broker?.stop();
  });
  const records = (topic: string, query = '') => `/v3/clusters/-/topics/${topic}/records${query}`;

  it('answers one record with the single-record JSON body', async () => {
    await createTopic(broker, 'single', 1);
    const res = await post(
      broker,
      records('single'),
      JSON.stringify({ key: str('k'), value: { type: 'BINARY', data: 'AAEC' }, timestamp: 1234 }),
    );
    expect(res.status).toBe(200);
    expect(res.contentType).toMatch(/^application\/json/);
    const cluster = ((await (await fetch(`${broker.baseUrl}/v3/clusters`)).json()) as { data: { cluster_id: string }[] }).data[0]
      .cluster_id;
    expect(JSON.parse(res.text)).toEqual({
      error_code: 200,
      cluster_id: cluster,
      topic_name: 'single',
      partition_id: 0,
      offset: 0,
      timestamp: '1970-01-01T00:00:01.234Z', // the spec's date-time
      key: { type: 'STRING', size: 1 },
      value: { type: 'BINARY', size: 3 },
    });
    const bare = JSON.parse((await post(broker, records('single'), '{}')).text);
    expect(bare).toMatchObject({ offset: 1, key: null, value: null });
    expect(await highWatermarks(broker, 'single')).toEqual([2]);
  });

  it('partitions by explicit partition_id, by murmur2 of the key, and sticks unkeyed records to a partition', async () => {
    await createTopic(broker, 'parts', 4);
    const explicit = JSON.parse((await post(broker, records('parts'), JSON.stringify({ partition_id: 3, value: str('x') }))).text);
    expect(explicit.partition_id).toBe(3);
    for (const key of ['alpha', 'beta', 'gamma', 'delta']) {
      const res = JSON.parse((await post(broker, records('parts'), JSON.stringify({ key: str(key) }))).text);
      expect(res.partition_id).toBe(partitionForKey(Buffer.from(key), 4));
    }
    // One request's unkeyed records share the sticky partition of that batch.
    const batch = await post(broker, records('parts', ':batch'), JSON.stringify({ entries: [1, 2, 3].map((id) => ({ id: String(id) })) }));
    const successes = JSON.parse(batch.text).successes as { partition_id: number; offset: number }[];
    expect(new Set(successes.map((s) => s.partition_id)).size).toBe(1);
    expect(successes.map((s) => s.offset)).toEqual([successes[0].offset, successes[0].offset + 1, successes[0].offset + 2]);
  });

  it('streams one report per record, in order, before the body ends', async () => {
    await createTopic(broker, 'stream', 1);
    const stream = new StreamedPost(`${broker.baseUrl}${records('stream')}`);
    stream.write('{"value":{"type":"STRING","data":"a"}}\n{"value":{"type":"JSON","data":{"n":1}}}\n');
    const first = await stream.waitForLines(2); // the body is still open
    expect(stream.status).toBe(200);
    expect(stream.contentType).toMatch(/^application\/x-ndjson/);
    expect(first).toMatchObject([
      { error_code: 200, offset: 0 },
      { error_code: 200, offset: 1, value: { type: 'JSON', size: 7 } },
    ]);
    stream.write('{"value":{"type":"STRING","data":"c"}}{"value":{"type":"STRING","data":"d"}}');
    stream.end();
    await stream.done;
    expect(stream.lines.map((l) => JSON.parse(l).offset)).toEqual([0, 1, 2, 3]);
    expect(await highWatermarks(broker, 'stream')).toEqual([4]);
  });

  it('answers NDJSON for a single record when the client accepts it', async () => {
    await createTopic(broker, 'accept', 1);
    const res = await post(broker, records('accept'), '{"value":{"type":"STRING","data":"a"}}', {
      'content-type': 'application/json',
      accept: 'application/x-ndjson',
    });
    expect(res.contentType).toMatch(/^application\/x-ndjson/);
    expect(res.text.endsWith('\n')).toBe(true);
    expect(JSON.parse(res.text)).toMatchObject({ error_code: 200, offset: 0 });
  });

  it('gives a bad record of a stream its own error report and appends the others', async () => {
    await createTopic(broker, 'mixed', 2, { 'max.message.bytes': '2000' });
    const lines = [
      '{"partition_id":0,"value":{"type":"STRING","data":"ok1"}}',
      '{"partition_id":0,"value":{"type":"BINARY","data":"not base64!"}}',
      '{"partition_id":0,"value":{"type":"STRING","data":ok2}}',
      '{"partition_id":0,"value":{"type":"STRING","data":"ok3"}}',
      `{"partition_id":0,"value":{"type":"STRING","data":"${'x'.repeat(3000)}"}}`,
      '{"partition_id":7,"value":{"type":"STRING","data":"nope"}}',
      '{"partition_id":"0"}',
      '{"partition_id":0,"timestamp":9007199254740993}',
      '{"partition_id":0,"value":"plain"}',
      '{"partition_id":0,"headers":{"a":"b"}}',
      `{"partition_id":0,"value":{"type":"STRING","data":"${'y'.repeat(20_000)}"}}`,
      '{"partition_id":0,"value":{"type":"STRING","data":"ok4"},"headers":[{"name":"h","value":"AQ=="}]}',
    ];
    const res = await post(broker, records('mixed'), lines.join('\n'));
    expect(res.status).toBe(200);
    const reports = res.text
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    // Confluent's codes in reports: 400 bad input, 413 over max.message.bytes, 40403 unknown partition.
    expect(reports.map((r) => r.error_code)).toEqual([200, 400, 400, 200, 413, 40403, 400, 400, 400, 400, 413, 200]);
    expect(reports.filter((r) => r.error_code === 200).map((r) => r.offset)).toEqual([0, 1, 2]);
    expect(reports[1].message).toMatch(/base64/);
    expect(await highWatermarks(broker, 'mixed')).toEqual([3, 0]);
    await expectServing(broker);
  });

  it('gives a line that is not a record its own error report and goes on with the lines after it', async () => {
    await createTopic(broker, 'garbage', 1);
    const res = await post(broker, records('garbage'), '{"value":null}\n{"value":null} not json {"value":null}\n{"value":null}');
    const reports = res.text
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(reports.map((r) => r.error_code)).toEqual([200, 200, 400, 200]);
    expect(reports[2].message).toMatch(/Not a JSON record at byte 30/);
    expect(await highWatermarks(broker, 'garbage')).toEqual([3]);
    await expectServing(broker);
  });

  it('answers records:batch with 207 successes and failures by id', async () => {
    await createTopic(broker, 'batch', 2);
    const res = await post(
      broker,
      records('batch', ':batch'),
      JSON.stringify({
        entries: [
          { id: 'a', partition_id: 1, value: str('1') },
          { id: 'b', partition_id: 5, value: str('2') },
          { id: 'c', partition_id: 1, value: { type: 'BINARY', data: '@@' } },
          { id: 'd', partition_id: 1, value: str('4'), timestamp: 42 },
        ],
      }),
    );
    expect(res.status).toBe(207);
    const body = JSON.parse(res.text);
    const common = { cluster_id: expect.any(String), topic_name: 'batch', partition_id: 1, key: null, value: { type: 'STRING', size: 1 } };
    expect(body.successes).toEqual([
      { id: 'a', ...common, offset: 0, timestamp: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/) },
      { id: 'd', ...common, offset: 1, timestamp: '1970-01-01T00:00:00.042Z' },
    ]);
    expect(body.failures).toEqual([
      { id: 'b', error_code: 40403, message: expect.stringMatching(/batch-5/) },
      { id: 'c', error_code: 400, message: expect.stringMatching(/entries\[2\]\.value\.data is not valid base64/) },
    ]);
    expect(await highWatermarks(broker, 'batch')).toEqual([0, 2]);
  });

  it('refuses bad records:batch requests whole, appending nothing', async () => {
    await createTopic(broker, 'badbatch', 1);
    // As Confluent's ProduceBatchAction: 42208 for the batch's own rules, 422 for another shape, 400 for no JSON.
    const cases: [string, number, number][] = [
      [JSON.stringify({ entries: Array.from({ length: 10_001 }, (_, i) => ({ id: String(i) })) }), 422, 42208],
      [JSON.stringify({ entries: [] }), 422, 42208],
      [JSON.stringify({ entries: [{ value: null }] }), 422, 42208],
      [JSON.stringify({ entries: [{ id: 1.5 }] }), 422, 42208],
      [JSON.stringify({ entries: [{ id: 7 }, { id: '7' }] }), 422, 42208],
      [JSON.stringify({ entries: [{ id: '' }] }), 422, 42208],
      [JSON.stringify({ entries: [{ id: 'i'.repeat(81) }] }), 422, 42208],
      [JSON.stringify({ entries: [{ id: 'x' }, { id: 'x' }] }), 422, 42208],
      [JSON.stringify({ records: [] }), 422, 422],
      ['[]', 422, 422],
      ['{"entries": [', 400, 400],
      ['', 400, 400],
      [JSON.stringify({ entries: [{ id: 'big', value: str('z'.repeat(2 * 1024 * 1024)) }] }), 413, 41301],
    ];
    for (const [body, status, code] of cases) {
      const res = await post(broker, records('badbatch', ':batch'), body);
      expect([res.status, JSON.parse(res.text).error_code]).toEqual([status, code]);
    }
    expect(await highWatermarks(broker, 'badbatch')).toEqual([0]);
    await expectServing(broker);
  });

  it('answers a bad lone record as Confluent does: 200 with the error in its report, 400 if not JSON, 422 if empty', async () => {
    await createTopic(broker, 'bad', 2);
    const cases: [string, string, number, number][] = [
      ['', '{"value":', 400, 400],
      ['', '', 422, 422],
      ['', '  \n', 422, 422],
      ['', '[1,2]', 400, 400], // not a JSON object: the splitter never sees a record
      ['', '{"value":{"type":"TEXT","data":"a"}}', 200, 400],
      ['', '{"value":{"type":"STRING","data":5}}', 200, 400],
      ['', '{"key":{"type":"BINARY","data":"a"}}', 200, 400],
      ['', '{"partition_id":-1}', 200, 40403], // Confluent: partition not found
      ['', '{"partition_id":1.5}', 200, 400],
      ['', '{"partition_id":2}', 200, 40403],
      ['', '{"partition_id":9007199254740993}', 200, 400],
      ['', '{"timestamp":"yesterday"}', 200, 400],
      ['', '{"timestamp":1e300}', 200, 400],
      ['', '{"timestamp":"+275761-01-01T00:00:00Z"}', 200, 400],
      ['', '{"headers":[{"value":"AA=="}]}', 200, 400],
      // Over the broker's bound for one record's JSON: Confluent's code for its request size limit.
      ['', `{"value":{"type":"STRING","data":"${'q'.repeat(1_100_000)}"}}`, 200, 400],
      ['?acks=2', '{}', 400, 40001],
      ['?acks=', '{"value":', 400, 400],
    ];
    for (const [query, body, status, code] of cases) {
      const res = await post(broker, records('bad', query), body);
      const answer = JSON.parse(res.text);
      expect([body.slice(0, 40), res.status, answer.error_code]).toEqual([body.slice(0, 40), status, code]);
      expect(answer.message).toEqual(expect.any(String));
    }
    const unknown = await post(broker, records('no-such-topic'), '{}');
    expect([unknown.status, JSON.parse(unknown.text).error_code]).toEqual([404, 40403]);
    expect(await highWatermarks(broker, 'bad')).toEqual([0, 0]);
    await expectServing(broker);
  });

  it("takes Confluent's example body with an ISO-8601 timestamp, and epoch milliseconds as a string", async () => {
    await createTopic(broker, 'iso', 2);
    const example = {
      partition_id: 1,
      headers: [
        { name: 'Header-1', value: 'SGVhZGVyLTE=' },
        { name: 'Header-2', value: 'SGVhZGVyLTI=' },
      ],
      key: { type: 'BINARY', data: 'Zm9vYmFy' },
      value: { type: 'JSON', data: { foo: 'bar' } },
      timestamp: '2021-02-05T19:14:42Z',
    };
    const res = await post(broker, records('iso'), JSON.stringify(example));
    expect(res.status).toBe(200);
    expect(JSON.parse(res.text)).toMatchObject({
      error_code: 200,
      partition_id: 1,
      offset: 0,
      timestamp: '2021-02-05T19:14:42.000Z',
      key: { type: 'BINARY', size: 6 },
      value: { type: 'JSON', size: 13 },
    });
    const offset = JSON.parse((await post(broker, records('iso'), '{"partition_id":1,"timestamp":"2021-02-05T20:14:42+01:00"}')).text);
    expect(offset.timestamp).toBe('2021-02-05T19:14:42.000Z');
    const digits = JSON.parse((await post(broker, records('iso'), '{"partition_id":1,"timestamp":"1612552482000"}')).text);
    expect(digits.timestamp).toBe('2021-02-05T19:14:42.000Z');
    const read = await fetch(`${broker.baseUrl}/v3/clusters/-/topics/iso/partitions/1/records?offset=0`);
    const stored = (await read.json()) as { timestamp: number }[] | { data: { timestamp: number }[] };
    const list = Array.isArray(stored) ? stored : stored.data;
    expect(list.map((r) => r.timestamp)).toEqual([1612552482000, 1612552482000, 1612552482000]); // Runnel's reads keep epoch ms
  });

  it('honours acks=0, 1 and all', async () => {
    await createTopic(broker, 'acks', 1);
    const zero = JSON.parse((await post(broker, records('acks', '?acks=0'), '{"value":null}')).text);
    expect(zero).toMatchObject({ error_code: 200, partition_id: 0, offset: -1 });
    const one = JSON.parse((await post(broker, records('acks', '?acks=1'), '{"value":null}')).text);
    expect(one).toMatchObject({ error_code: 200, offset: 1 });
    const all = JSON.parse((await post(broker, records('acks', '?acks=all'), '{"value":null}')).text);
    expect(all).toMatchObject({ error_code: 200, offset: 2 });
    // acks=all answered after the high watermark passed the record.
    expect((await highWatermarks(broker, 'acks'))[0]).toBeGreaterThanOrEqual(3);
  });

  it('gives concurrent produces to one partition distinct, gapless offsets and counts them in metrics', async () => {
    await createTopic(broker, 'coalesce', 1);
    const answers = await Promise.all(
      Array.from({ length: 200 }, (_, i) => post(broker, records('coalesce'), JSON.stringify({ value: str(`v${i}`) }))),
    );
    const offsets = answers.map((a) => JSON.parse(a.text).offset as number).sort((a, b) => a - b);
    expect(offsets).toEqual(Array.from({ length: 200 }, (_, i) => i));
    expect(await highWatermarks(broker, 'coalesce')).toEqual([200]);
    const metrics = await (await fetch(`${broker.baseUrl}/metrics`)).text();
    expect(metrics).toMatch(/runnel_produced_records_total\{topic="coalesce"\} 200/);
  });

  it('reports the log append time on LogAppendTime topics', async () => {
    await createTopic(broker, 'appendtime', 1, { 'message.timestamp.type': 'LogAppendTime' });
    const res = JSON.parse((await post(broker, records('appendtime'), '{"timestamp":5}')).text);
    expect(Date.parse(res.timestamp)).toBeGreaterThan(1_000_000_000_000);
  });
});
