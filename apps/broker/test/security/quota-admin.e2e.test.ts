import * as path from 'node:path';
import { SqliteMetadataStore } from '@runnel/metadata';
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { readOpenApi } from '../docs/openapi-document';
import { BrokerProcess, makeDataDir, startBroker } from '../support/broker-process';
import { jsonCall } from '../support/json-call';

/** The answer matches its docs/openapi.json component schema. */
function expectSchema(name: string, value: unknown): void {
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  addFormats(ajv);
  ajv.addSchema(readOpenApi(), 'openapi');
  const validate = ajv.compile({ $ref: `openapi#/components/schemas/${name}` });
  expect({ value, errors: validate(value) ? [] : validate.errors }).toEqual({ value, errors: [] });
}

/** API.md "Security admin" (Quotas) against a real broker: round trip, bad input on every field, audit, restart. */
describe('quota admin endpoints', () => {
  const dataDir = makeDataDir('runnel-quota-admin-');
  let broker: BrokerProcess | undefined;
  let base = '';

  beforeAll(async () => {
    broker = await startBroker({ dataDir });
    base = `${broker.baseUrl}/v3/clusters/-/quotas`;
  });

  afterAll(async () => {
    await broker?.stop();
  });

  it('sets, lists, changes, removes one value, and deletes quotas of every entity shape', async () => {
    const alice = await jsonCall('POST', base, {
      entity: { user: 'alice', client_id: 'app' },
      producer_byte_rate: 1024,
      request_percentage: 12.5,
    });
    expect(alice).toEqual({
      status: 200,
      body: { kind: 'RunnelQuota', entity: { user: 'alice', client_id: 'app' }, producer_byte_rate: 1024, request_percentage: 12.5 },
    });
    // null members: Kafka's <default> entities.
    expect((await jsonCall('POST', base, { entity: { user: null }, consumer_byte_rate: 0 })).body).toMatchObject({
      entity: { user: null },
      consumer_byte_rate: 0,
    });
    expect((await jsonCall('POST', base, { entity: { client_id: null }, consumer_byte_rate: 2048 })).status).toBe(200);
    // A null value removes that quota only.
    expect((await jsonCall('POST', base, { entity: { user: 'alice', client_id: 'app' }, producer_byte_rate: null })).body).toEqual({
      kind: 'RunnelQuota',
      entity: { user: 'alice', client_id: 'app' },
      request_percentage: 12.5,
    });

    const list = await jsonCall('GET', base);
    expect(list.status).toBe(200);
    expect(list.body.kind).toBe('RunnelQuotaList');
    expect(list.body.data).toEqual(
      expect.arrayContaining([
        { kind: 'RunnelQuota', entity: { user: 'alice', client_id: 'app' }, request_percentage: 12.5 },
        { kind: 'RunnelQuota', entity: { user: null }, consumer_byte_rate: 0 },
        { kind: 'RunnelQuota', entity: { client_id: null }, consumer_byte_rate: 2048 },
      ]),
    );
    expect(list.body.data).toHaveLength(3);
    expectSchema('QuotaList', list.body);
    expectSchema('Quota', alice.body);

    expect(await jsonCall('DELETE', `${base}?client_id=<default>`)).toEqual({
      status: 200,
      body: { kind: 'RunnelQuota', entity: { client_id: null }, consumer_byte_rate: 2048 },
    });
    expect((await jsonCall('DELETE', `${base}?client_id=<default>`)).body).toEqual({
      error_code: 404,
      message: 'No quota is set for client_id=<default>',
    });
    expect((await jsonCall('GET', base)).body.data).toHaveLength(2);
  });

  it('shows which entity applies per kind, with its limit, rate and throttle time', async () => {
    await jsonCall('POST', base, { entity: { user: 'bob' }, producer_byte_rate: 5000 });
    await jsonCall('POST', base, { entity: { user: null, client_id: 'reader' }, consumer_byte_rate: 7000 });
    const answer = await jsonCall('GET', `${base}/effective?user=bob&client_id=reader`);
    expect(answer).toEqual({
      status: 200,
      body: {
        kind: 'RunnelEffectiveQuotas',
        user: 'bob',
        client_id: 'reader',
        throttle_time_ms: 0,
        quotas: {
          producer_byte_rate: { entity: { user: 'bob' }, limit: 5000, rate: 0, throttle_time_ms: 0 },
          consumer_byte_rate: { entity: { user: null, client_id: 'reader' }, limit: 7000, rate: 0, throttle_time_ms: 0 },
          request_percentage: { entity: null, limit: null, rate: 0, throttle_time_ms: 0 },
        },
      },
    });
    expectSchema('QuotaEffective', answer.body);
    // Without a user: the ANONYMOUS user requests have while authentication is off.
    expect((await jsonCall('GET', `${base}/effective`)).body).toMatchObject({ user: 'ANONYMOUS', client_id: null });
  });

  const BAD_BODIES: [string, unknown, RegExp][] = [
    ['a body that is not an object', [1], /must be a JSON object/],
    ['an unknown field', { entity: { user: 'a' }, producer_bytes: 1 }, /Unknown field 'producer_bytes'/],
    ['no entity', { producer_byte_rate: 1 }, /entity must be an object/],
    ['an entity that is not an object', { entity: 'alice', producer_byte_rate: 1 }, /entity must be an object/],
    ['an empty entity', { entity: {}, producer_byte_rate: 1 }, /must name a user, a client_id or both/],
    ['an unknown entity member', { entity: { principal: 'User:a' }, producer_byte_rate: 1 }, /unknown member 'principal'/],
    ['a user that is not a string', { entity: { user: 5 }, producer_byte_rate: 1 }, /entity.user must be a string/],
    ['an empty user', { entity: { user: '' }, producer_byte_rate: 1 }, /entity.user must be a user name/],
    ['a user with control characters', { entity: { user: 'a\nb' }, producer_byte_rate: 1 }, /entity.user must be a user name/],
    ['a user of 256 characters', { entity: { user: 'u'.repeat(256) }, producer_byte_rate: 1 }, /entity.user must be a user name/],
    ['"<default>" spelled as a name', { entity: { user: '<default>' }, producer_byte_rate: 1 }, /use null/],
    ['a client id with a space', { entity: { client_id: 'a b' }, producer_byte_rate: 1 }, /entity.client_id must be a client id/],
    ['a client id that is not a string', { entity: { client_id: [] }, producer_byte_rate: 1 }, /entity.client_id must be a string/],
    ['no value at all', { entity: { user: 'a' } }, /Nothing to alter/],
    ['a negative producer_byte_rate', { entity: { user: 'a' }, producer_byte_rate: -1 }, /producer_byte_rate must be a whole number/],
    ['a fractional consumer_byte_rate', { entity: { user: 'a' }, consumer_byte_rate: 1.5 }, /consumer_byte_rate must be a whole number/],
    ['a string producer_byte_rate', { entity: { user: 'a' }, producer_byte_rate: '100' }, /producer_byte_rate must be a finite number/],
    ['a huge consumer_byte_rate', { entity: { user: 'a' }, consumer_byte_rate: 1e300 }, /consumer_byte_rate must be a whole number/],
    ['a zero request_percentage', { entity: { user: 'a' }, request_percentage: 0 }, /request_percentage must be greater than 0/],
    ['a negative request_percentage', { entity: { user: 'a' }, request_percentage: -5 }, /request_percentage must be greater than 0/],
    ['a boolean request_percentage', { entity: { user: 'a' }, request_percentage: true }, /request_percentage must be a finite number/],
  ];

  it.each(BAD_BODIES)('POST refuses %s with 400/40002 and changes nothing', async (_name, body, message) => {
    const before = (await jsonCall('GET', base)).body.data;
    const answer = await jsonCall('POST', base, body);
    expect(answer.status).toBe(400);
    expect(answer.body).toEqual({ error_code: 40002, message: expect.stringMatching(message) });
    expect((await jsonCall('GET', base)).body.data).toEqual(before);
  });

  it('refuses a body that is not JSON, and non-finite numbers JSON cannot carry', async () => {
    expect((await jsonCall('POST', base, '{"entity":{"user":"a"},"producer_byte_rate":Infinity}')).status).toBe(400);
    expect((await jsonCall('POST', base, '{"entity":{"user":"a"},"producer_byte_rate":1e999}')).body.error_code).toBe(40002);
  });

  it.each([
    ['no entity', '', /Give user, client_id or both/],
    ['an unknown parameter', '?clientid=app', /Unknown query parameter 'clientid'/],
    ['a repeated parameter', '?user=a&user=b', /user must be given once/],
    ['an empty user', '?user=', /user must be a user name/],
    ['a bad client id', '?client_id=%20x', /client_id must be a client id/],
  ])('DELETE refuses %s with 400/40002', async (_name, query, message) => {
    const answer = await jsonCall('DELETE', `${base}${query}`);
    expect(answer.status).toBe(400);
    expect(answer.body).toEqual({ error_code: 40002, message: expect.stringMatching(message) });
  });

  it.each([
    ['an unknown parameter', '?usr=a', /Unknown query parameter 'usr'/],
    ['an empty user', '?user=', /user must be a user name/],
    ['a bad client id', '?client_id=a%0Ab', /client_id must be a client id/],
  ])('GET effective refuses %s with 400/40002', async (_name, query, message) => {
    const answer = await jsonCall('GET', `${base}/effective${query}`);
    expect(answer.status).toBe(400);
    expect(answer.body).toEqual({ error_code: 40002, message: expect.stringMatching(message) });
  });

  it('answers 404 for an unknown cluster on every route', async () => {
    const other = `${broker!.baseUrl}/v3/clusters/nope/quotas`;
    for (const [method, url, body] of [
      ['GET', other, undefined],
      ['POST', other, { entity: { user: 'a' }, producer_byte_rate: 1 }],
      ['DELETE', `${other}?user=a`, undefined],
      ['GET', `${other}/effective`, undefined],
    ] as const) {
      expect(await jsonCall(method, url, body)).toEqual({ status: 404, body: { error_code: 404, message: "cluster 'nope' not found" } });
    }
  });

  it('keeps quotas across a restart, and audits every change with before and after', async () => {
    await jsonCall('POST', base, { entity: { user: 'carol', client_id: null }, producer_byte_rate: 300 });
    await jsonCall('POST', base, { entity: { user: 'carol', client_id: null }, producer_byte_rate: 400 });
    const listed = (await jsonCall('GET', base)).body.data;
    await broker!.stop();
    broker = await startBroker({ dataDir });
    base = `${broker.baseUrl}/v3/clusters/-/quotas`;
    expect((await jsonCall('GET', base)).body.data).toEqual(listed);
    // Loaded quotas apply at once.
    expect((await jsonCall('GET', `${base}/effective?user=carol&client_id=x`)).body.quotas.producer_byte_rate).toMatchObject({
      entity: { user: 'carol', client_id: null },
      limit: 400,
    });

    await broker.stop();
    const store = await SqliteMetadataStore.open(path.join(dataDir, 'meta.db'));
    try {
      const records = (await store.listAudit({ order: 'asc', cursor: 0, limit: 1000 })).filter((record) =>
        record.resource.startsWith('QUOTA:'),
      );
      const carol = records.filter((record) => record.resource === 'QUOTA:user=carol,client_id=<default>');
      expect(carol.map((record) => [record.operation, record.outcome, JSON.parse(record.before!), JSON.parse(record.after!)])).toEqual([
        ['ALTER_QUOTAS', 'SUCCESS', {}, { producer_byte_rate: 300 }],
        ['ALTER_QUOTAS', 'SUCCESS', { producer_byte_rate: 300 }, { producer_byte_rate: 400 }],
      ]);
      expect(carol[0].principal).toBe('User:ANONYMOUS');
      expect(records.find((record) => record.operation === 'DELETE_QUOTAS')).toMatchObject({
        resource: 'QUOTA:client_id=<default>',
        before: JSON.stringify({ consumer_byte_rate: 2048 }),
        after: '{}',
      });
    } finally {
      await store.close();
    }
    broker = await startBroker({ dataDir });
  });
});
