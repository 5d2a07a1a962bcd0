import { WebSocket } from 'ws';
import { BrokerProcess, startBroker } from '../support/broker-process';
import { createTopic, highWatermarks, post } from './helpers';

/**
 * Issue #8 items 5 and 15, against the real broker process: a JSON value is stored byte-exact as
 * sent (numbers past 2^53 and past a double's range included) and read back exactly; a bad
 * NDJSON line gets its own report and the stream goes on; format=json falls back to STRING.
 */
describe('produce JSON exactly and keep streams going (e2e)', () => {
  let broker: BrokerProcess;
  beforeAll(async () => {
    broker = await startBroker();
  }, 60_000);
  afterAll(async () => {
    await broker?.stop();
  });
  const base = (topic: string) => `${broker.baseUrl}/v3/clusters/-/topics/${topic}`;
  const records = (topic: string, query = '') => `/v3/clusters/-/topics/${topic}/records${query}`;

  /** The JSON text of `data` exactly as the client sends it: no JavaScript number can hold it. */
  const DATA = '{"n":9007199254740993,"m":1e400,"s":"x"}';
  const VALUE = `{"type":"JSON","data":${DATA}}`;

  async function readText(topic: string, format: string): Promise<string> {
    const res = await fetch(`${base(topic)}/partitions/0/records?offset=0&format=${format}`);
    expect(res.status).toBe(200);
    return res.text();
  }

  it('stores a JSON value byte-exact from /records (single, NDJSON, concatenated) and records:batch', async () => {
    await createTopic(broker, 'exact', 1);
    const one = await post(broker, records('exact'), `{"value":${VALUE}}`);
    expect(one.status).toBe(200);
    const ndjson = await post(broker, records('exact'), `{"key":${VALUE},"value":${VALUE}}\n{"value":${VALUE}}\n`, {
      'content-type': 'application/x-ndjson',
    });
    const concatenated = await post(broker, records('exact'), `{"value":${VALUE}} {"value":  ${VALUE}}`);
    const batch = await post(
      broker,
      records('exact', ':batch'),
      `{"entries":[{"id":"a","value":${VALUE}},{"id":"b","key":${VALUE},"value":${VALUE}}]}`,
    );
    expect(batch.status).toBe(207);
    expect(JSON.parse(batch.text).failures).toEqual([]);
    const reports = [ndjson, concatenated].flatMap((r) =>
      r.text
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l)),
    );
    expect(reports.map((r) => r.error_code)).toEqual([200, 200, 200, 200]);
    expect(await highWatermarks(broker, 'exact')).toEqual([7]);

    // format=binary: base64 of exactly the bytes sent.
    const binary = JSON.parse(await readText('exact', 'binary')) as { data: { key: { data: string } | null; value: { data: string } }[] };
    expect(binary.data.map((r) => Buffer.from(r.value.data, 'base64').toString('utf8'))).toEqual(Array(7).fill(DATA));
    expect(binary.data.filter((r) => r.key !== null).map((r) => Buffer.from(r.key!.data, 'base64').toString('utf8'))).toEqual([DATA, DATA]);

    // format=json: the same text inside the answer (JSON.parse on this side would round the numbers).
    const json = await readText('exact', 'json');
    expect(json.split(`"value":{"type":"JSON","data":${DATA}}`)).toHaveLength(8);
    expect(json.split(`"key":{"type":"JSON","data":${DATA}}`)).toHaveLength(3);
  });

  it('renders the stored text in server-sent events with format=json', async () => {
    await createTopic(broker, 'exact-sse', 1);
    expect((await post(broker, records('exact-sse'), `{"value":${VALUE}}`)).status).toBe(200);
    const abort = new AbortController();
    const res = await fetch(`${base('exact-sse')}/events?from=earliest&format=json`, { signal: abort.signal });
    const reader = res.body!.getReader();
    let text = '';
    while (!/^data: .*\n\n/m.test(text)) {
      const { value, done } = await reader.read();
      if (done) break;
      text += Buffer.from(value).toString('utf8');
    }
    abort.abort();
    expect(text).toContain(`"value":{"type":"JSON","data":${DATA}}`);
  });

  it('stores WebSocket produce frames byte-exact and renders them exactly in records frames', async () => {
    await createTopic(broker, 'exact-ws', 1);
    const socket = new WebSocket(`${broker.baseUrl.replace(/^http/, 'ws')}/v3/ws`);
    const texts: string[] = [];
    try {
      await new Promise<void>((resolve, reject) => {
        socket.once('open', () => resolve());
        socket.once('error', reject);
      });
      const arrived = (check: (text: string) => boolean): Promise<void> =>
        new Promise((resolve) => {
          const look = (): void => {
            if (texts.some(check)) resolve();
            else socket.once('message', look);
          };
          look();
        });
      socket.on('message', (data) => texts.push(String(data)));
      socket.send(`{"type":"produce","ref":"p","topic":"exact-ws","records":[{"key":${VALUE},"value":${VALUE}}]}`);
      await arrived((t) => t.includes('"produced"'));
      expect(JSON.parse(texts.find((t) => t.includes('"produced"'))!).results).toEqual([expect.objectContaining({ offset: 0 })]);
      socket.send('{"type":"subscribe","sub":"s","topic":"exact-ws","from":"earliest","format":"json"}');
      await arrived((t) => t.includes('"records"'));
      const frame = texts.find((t) => t.includes('"type":"records"'))!;
      expect(frame).toContain(`"key":{"type":"JSON","data":${DATA}},"value":{"type":"JSON","data":${DATA}}`);
    } finally {
      socket.terminate();
    }
    const binary = JSON.parse(await readText('exact-ws', 'binary')) as { data: { value: { data: string } }[] };
    expect(Buffer.from(binary.data[0].value.data, 'base64').toString('utf8')).toBe(DATA);
  });

  it('answers every bad NDJSON line with its own report and appends the lines after it, in order', async () => {
    await createTopic(broker, 'lines', 1, { 'max.message.bytes': '2000' });
    const lines = [
      '{"value":{"type":"STRING","data":"first"}}',
      'this is not JSON at all',
      '[1,2,3]',
      '"a string"',
      '{"value":{"type":"STRING","data":"unterminated"}',
      `{"value":{"type":"STRING","data":"${'x'.repeat(100_000)}"}}`,
      'y'.repeat(100_000),
      '{"value":{"type":"STRING","data":"last"}}',
    ];
    const res = await post(broker, records('lines'), lines.join('\n') + '\n', { 'content-type': 'application/x-ndjson' });
    expect(res.status).toBe(200);
    const reports = res.text
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    // Confluent's codes in reports: a record over the broker's JSON bound is 400, as Confluent's request size limit.
    expect(reports.map((r) => r.error_code)).toEqual([200, 400, 400, 400, 400, 400, 400, 200]);
    expect(reports.map((r) => r.offset)).toEqual([0, undefined, undefined, undefined, undefined, undefined, undefined, 1]);
    expect(reports[1].message).toMatch(/Not a JSON record/);
    expect(reports[2].message).toMatch(/Not a JSON record/);
    expect(reports[5].message).toMatch(/^Produce request size is larger than allowed threshold/);
    expect(reports[4].message).toMatch(/Malformed JSON record/);
    expect(reports[6].message.length).toBeLessThan(300); // the 100 KB line is not echoed back
    expect(await highWatermarks(broker, 'lines')).toEqual([2]);
  });

  it('renders format=json as JSON, else STRING for UTF-8 text, else BINARY', async () => {
    await createTopic(broker, 'render', 1);
    const body = [
      '{"value":{"type":"JSON","data":{"a":[1,2]}}}',
      '{"value":{"type":"STRING","data":"héllo, not JSON"}}',
      '{"value":{"type":"BINARY","data":"/w=="}}',
    ].join('\n');
    const res = await post(broker, records('render'), body, { 'content-type': 'application/x-ndjson' });
    expect(res.status).toBe(200);
    const read = JSON.parse(await readText('render', 'json')) as { data: { value: unknown }[] };
    expect(read.data.map((r) => r.value)).toEqual([
      { type: 'JSON', data: { a: [1, 2] } },
      { type: 'STRING', data: 'héllo, not JSON' },
      { type: 'BINARY', data: '/w==' },
    ]);
  });
});
