import { BrokerProcess, startBroker } from '../support/broker-process';

/** Quotas with authentication on: per-user quotas shared by the user's client ids, and quota admin as CLUSTER ALTER / DESCRIBE. */
const ADMIN = `Basic ${Buffer.from('admin:admin-secret-1').toString('base64')}`;
const ALICE = `Basic ${Buffer.from('alice:alice-secret-1').toString('base64')}`;
const BOB = `Basic ${Buffer.from('bob:bob-secret-1').toString('base64')}`;
const THROTTLE = 'x-runnel-throttle-time-ms';

describe('quotas with authentication on', () => {
  let broker: BrokerProcess | undefined;
  let base = '';

  async function call(authorization: string | undefined, method: string, path: string, body?: string) {
    const headers: Record<string, string> = {};
    if (authorization) headers.authorization = authorization;
    if (body !== undefined) headers['content-type'] = 'application/json';
    const response = await fetch(`${base}${path}`, { method, headers, body });
    const text = await response.text();
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests read answers field by field
    return { status: response.status, headers: response.headers, body: (text ? JSON.parse(text) : undefined) as any };
  }

  function recordOfBytes(bytes: number): string {
    const empty = JSON.stringify({ value: { type: 'STRING', data: '' } });
    return JSON.stringify({ value: { type: 'STRING', data: 'd'.repeat(bytes - empty.length) } });
  }

  beforeAll(async () => {
    broker = await startBroker({
      env: {
        RUNNEL_AUTH: 'on',
        RUNNEL_ADMIN_PASSWORD: 'admin-secret-1',
        // alice may produce whatever ACLs say; quotas still apply to super users, as in Kafka.
        RUNNEL_SUPER_USERS: 'User:admin;User:alice',
        RUNNEL_QUOTA_MAX_DELAY_MS: '2000',
      },
    });
    base = `${broker.baseUrl}/v3/clusters/-`;
    for (const [name, password] of [
      ['alice', 'alice-secret-1'],
      ['bob', 'bob-secret-1'],
    ]) {
      expect((await call(ADMIN, 'POST', '/users', JSON.stringify({ name, password }))).status).toBe(201);
    }
    expect((await call(ADMIN, 'POST', '/topics', JSON.stringify({ topic_name: 'metered', partitions_count: 1 }))).status).toBe(201);
  });

  afterAll(async () => {
    await broker?.stop();
  });

  it('answers 401 without credentials and 403/40301 to a user without CLUSTER ALTER / DESCRIBE', async () => {
    expect((await call(undefined, 'GET', '/quotas')).status).toBe(401);
    for (const [method, path, body] of [
      ['GET', '/quotas', undefined],
      ['GET', '/quotas/effective?user=bob', undefined],
      ['POST', '/quotas', JSON.stringify({ entity: { user: 'bob' }, producer_byte_rate: 1e9 })],
      ['DELETE', '/quotas?user=bob', undefined],
    ] as const) {
      const answer = await call(BOB, method, path, body);
      expect(answer.status).toBe(403);
      expect(answer.body.error_code).toBe(40301);
    }
    expect((await call(ADMIN, 'GET', '/quotas')).body.data).toEqual([]);
  });

  it("throttles a user's requests under a /users/<name> quota shared by all of its client ids", async () => {
    expect((await call(ADMIN, 'POST', '/quotas', JSON.stringify({ entity: { user: 'alice' }, producer_byte_rate: 1000 }))).status).toBe(
      200,
    );
    // 11 500 bytes: 15 % over the 10 s window → delayed about 1.5 s (within the 2 s bound).
    const served = await call(ALICE, 'POST', '/topics/metered/records?client_id=one', recordOfBytes(11_500));
    expect(served.status).toBe(200);
    expect(Number(served.headers.get(THROTTLE))).toBeGreaterThanOrEqual(1000);
    // Another client id of alice shares the rate: 3000 bytes more is past the bound.
    const refused = await call(ALICE, 'POST', '/topics/metered/records?client_id=two', recordOfBytes(3000));
    expect(refused.status).toBe(429);
    expect(refused.body).toEqual({ error_code: 42901, message: expect.stringMatching(/User:alice \(client id 'two'\) is over its quota/) });
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    // Other users are not concerned.
    const admin = await call(ADMIN, 'POST', '/topics/metered/records', recordOfBytes(3000));
    expect(admin.status).toBe(200);
    expect(admin.headers.get(THROTTLE)).toBeNull();
    const effective = await call(ADMIN, 'GET', '/quotas/effective?user=alice&client_id=two');
    expect(effective.body.quotas.producer_byte_rate).toMatchObject({ entity: { user: 'alice' }, limit: 1000 });
    expect(effective.body.throttle_time_ms).toBeGreaterThan(0);
  });
});
