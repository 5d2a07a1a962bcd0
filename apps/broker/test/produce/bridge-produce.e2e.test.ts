import { BrokerProcess, startBroker } from '../support/broker-process';
import { createTopic, highWatermarks, post } from './helpers';

/** The Strimzi bridge / Confluent v2 produce routes: `POST /topics/{t}` and `/topics/{t}/partitions/{p}`. */
describe('bridge / v2 produce (e2e)', () => {
  let broker: BrokerProcess;
  beforeAll(async () => {
    broker = await startBroker();
  }, 60_000);
  afterAll(async () => {
    await broker?.stop();
  });

  const JSON_V2 = { 'content-type': 'application/vnd.kafka.json.v2+json', accept: 'application/vnd.kafka.v2+json' };
  const BINARY_V2 = { 'content-type': 'application/vnd.kafka.binary.v2+json' };
  const read = async (topic: string, partition: number, format: string) => {
    const res = await fetch(`${broker.baseUrl}/v3/clusters/-/topics/${topic}/partitions/${partition}/records?offset=0&format=${format}`);
    const body = (await res.json()) as unknown;
    return (Array.isArray(body) ? body : (body as { data: unknown[] }).data) as {
      key: unknown;
      value: unknown;
      timestamp: number;
      headers: { name: string; value: string | null }[];
    }[];
  };
  const data = (rendered: unknown): unknown => (rendered as { data?: unknown } | null)?.data ?? rendered;

  it("produces the bridge's JSON record list and answers each record's partition and offset", async () => {
    await createTopic(broker, 'bridge-json', 2);
    const res = await post(
      broker,
      '/topics/bridge-json',
      JSON.stringify({
        records: [
          { key: 'key1', value: { v: 1 }, partition: 1, timestamp: 1591897790000, headers: [{ key: 'h', value: 'dmFsdWUx' }] },
          { value: [1, 2], partition: 1 },
          { value: 'value3', partition: 0 },
        ],
      }),
      JSON_V2,
    );
    expect(res.status).toBe(200);
    expect(res.contentType).toMatch(/^application\/vnd\.kafka\.v2\+json/);
    expect(JSON.parse(res.text)).toEqual({
      offsets: [
        { partition: 1, offset: 0, error_code: null, error: null },
        { partition: 1, offset: 1, error_code: null, error: null },
        { partition: 0, offset: 0, error_code: null, error: null },
      ],
      key_schema_id: null,
      value_schema_id: null,
    });
    const stored = await read('bridge-json', 1, 'string');
    expect(stored.map((r) => [data(r.key), data(r.value)])).toEqual([
      ['"key1"', '{"v":1}'],
      [null, '[1,2]'],
    ]);
    expect(stored[0].timestamp).toBe(1591897790000);
    expect(stored[0].headers).toEqual([{ name: 'h', value: 'dmFsdWUx' }]);
  });

  it('produces base64 records to one partition with the binary content type', async () => {
    await createTopic(broker, 'bridge-binary', 3);
    const res = await post(
      broker,
      '/topics/bridge-binary/partitions/2',
      JSON.stringify({ records: [{ key: 'a2V5', value: 'dmFsdWU=' }, { value: 'AAEC' }] }),
      BINARY_V2,
    );
    expect(res.status).toBe(200);
    expect(JSON.parse(res.text).offsets).toEqual([
      { partition: 2, offset: 0, error_code: null, error: null },
      { partition: 2, offset: 1, error_code: null, error: null },
    ]);
    const stored = await read('bridge-binary', 2, 'string');
    expect(stored.map((r) => [data(r.key), data(r.value)])).toEqual([
      ['key', 'value'],
      [null, '\u0000\u0001\u0002'],
    ]);
    expect(await highWatermarks(broker, 'bridge-binary')).toEqual([0, 0, 2]);
  });

  it("reports a record the broker refuses in its place, in both APIs' error fields", async () => {
    await createTopic(broker, 'bridge-mixed', 1);
    const res = await post(
      broker,
      '/topics/bridge-mixed',
      JSON.stringify({ records: [{ value: 'b2s=' }, { value: 'not base64!' }, { value: 'b2s=', partition: 4 }] }),
      BINARY_V2,
    );
    expect(res.status).toBe(200);
    const { offsets } = JSON.parse(res.text);
    expect(offsets[0]).toEqual({ partition: 0, offset: 0, error_code: null, error: null });
    expect(offsets[1]).toEqual({
      partition: null,
      offset: null,
      error_code: 40001,
      error: expect.stringMatching(/base64/),
      message: offsets[1].error,
    });
    expect(offsets[2]).toMatchObject({ partition: null, offset: null, error_code: 40403 });
    expect(await highWatermarks(broker, 'bridge-mixed')).toEqual([1]);
  });

  it('answers an unknown topic or partition 404 and a body that is not a record list 422, with the v2 error body', async () => {
    await createTopic(broker, 'bridge-errors', 1);
    const cases: [string, string, Record<string, string>, number, number][] = [
      ['/topics/no-such-topic', '{"records":[{"value":1}]}', JSON_V2, 404, 40403],
      ['/topics/bridge-errors/partitions/3', '{"records":[{"value":1}]}', JSON_V2, 404, 40403],
      ['/topics/bridge-errors', '{"entries":[]}', JSON_V2, 422, 422],
      ['/topics/bridge-errors', '[{"value":1}]', JSON_V2, 422, 422],
      ['/topics/bridge-errors', '{"records":[{"value":5}]}', BINARY_V2, 422, 422],
      ['/topics/bridge-errors', '{"records":[{"value":"x","headers":{"a":"b"}}]}', JSON_V2, 422, 422],
      ['/topics/bridge-errors', '{"records":', JSON_V2, 400, 40001],
    ];
    for (const [path, body, headers, status, code] of cases) {
      const res = await post(broker, path, body, headers);
      expect([path, body, res.status, JSON.parse(res.text).error_code]).toEqual([path, body, status, code]);
      expect(JSON.parse(res.text).message).toEqual(expect.any(String));
    }
    expect(await highWatermarks(broker, 'bridge-errors')).toEqual([0]);
  });

  it('answers ?async=true with 204 once the records are queued', async () => {
    await createTopic(broker, 'bridge-async', 1);
    const res = await post(broker, '/topics/bridge-async?async=true', '{"records":[{"value":"a"},{"value":"b"}]}', JSON_V2);
    expect(res.status).toBe(204);
    const deadline = Date.now() + 30_000;
    while ((await highWatermarks(broker, 'bridge-async'))[0] < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(await highWatermarks(broker, 'bridge-async')).toEqual([2]);
  });
});
