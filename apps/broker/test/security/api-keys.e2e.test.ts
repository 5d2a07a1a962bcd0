import { BrokerProcess } from '../support/broker-process';
import { waitFor } from '../http/raw-http';
import { ADMIN, basic, bearer, call, createApiKey, createUser, startSecureBroker, statusWith } from './authentication-support';

describe('API keys (RUNNEL_AUTH=on)', () => {
  let broker: BrokerProcess;
  let users: string;
  beforeAll(async () => {
    broker = await startSecureBroker();
    users = `${broker.baseUrl}/v3/clusters/-/users`;
    await createUser(broker, 'app', 'app-password');
    await createUser(broker, 'other', 'other-password');
  });
  afterAll(async () => {
    await broker?.stop();
  });

  it('creates a key shown once, lists it without its secret, and authenticates with it as Bearer', async () => {
    const created = await call('POST', `${users}/app/api-keys`, ADMIN, {});
    expect(created.status).toBe(201);
    expect(created.body).toEqual({
      key_id: expect.stringMatching(/^[A-Za-z0-9_-]{12}$/),
      user: 'app',
      secret: expect.stringMatching(/^rnl_[A-Za-z0-9_-]{12}_[A-Za-z0-9_-]{43}$/),
      created_at: expect.any(Number),
      expires_at: null,
    });
    expect(created.body.secret).toContain(created.body.key_id);
    expect(await statusWith(broker, bearer(created.body.secret))).toBe(200);
    expect(await statusWith(broker, `bearer ${created.body.secret}`)).toBe(200);
    const list = await call('GET', `${users}/app/api-keys`, ADMIN);
    expect(list.status).toBe(200);
    expect(list.body.data).toContainEqual({
      key_id: created.body.key_id,
      user: 'app',
      created_at: created.body.created_at,
      expires_at: null,
    });
    expect(JSON.stringify(list.body)).not.toContain(created.body.secret.slice(-43));
    expect(JSON.stringify(list.body)).not.toMatch(/secret|hash/i);
    // The key's secret with a changed character, or another key id, is refused.
    const secret: string = created.body.secret;
    const tampered = secret.slice(0, -1) + (secret.endsWith('A') ? 'B' : 'A');
    expect(await statusWith(broker, bearer(tampered))).toBe(401);
  });

  it('revokes a key at once, even one just used', async () => {
    const key = await createApiKey(broker, 'app');
    expect(await statusWith(broker, bearer(key.secret))).toBe(200);
    const kept = await createApiKey(broker, 'app');
    expect(await statusWith(broker, bearer(kept.secret))).toBe(200);
    expect((await call('DELETE', `${users}/app/api-keys/${key.key_id}`, ADMIN)).status).toBe(204);
    expect(await statusWith(broker, bearer(key.secret))).toBe(401);
    expect(await statusWith(broker, bearer(kept.secret))).toBe(200);
    expect((await call('GET', `${users}/app/api-keys`, ADMIN)).body.data.map((k: { key_id: string }) => k.key_id)).not.toContain(
      key.key_id,
    );
    expect((await call('DELETE', `${users}/app/api-keys/${key.key_id}`, ADMIN)).body).toMatchObject({ error_code: 404 });
    await call('DELETE', `${users}/app/api-keys/${kept.key_id}`, ADMIN);
  });

  it('refuses an expired key, even one verified while it was valid', async () => {
    const expiresAt = Date.now() + 2_000;
    const key = await createApiKey(broker, 'app', { expires_at: new Date(expiresAt).toISOString() });
    expect(key.expires_at).toBe(expiresAt);
    expect(await statusWith(broker, bearer(key.secret))).toBe(200);
    await waitFor(() => Date.now() > expiresAt, 'the key to expire', 10_000);
    expect(await statusWith(broker, bearer(key.secret))).toBe(401);
    await call('DELETE', `${users}/app/api-keys/${key.key_id}`, ADMIN);
  });

  it('takes expires_at as epoch milliseconds too', async () => {
    const expiresAt = Date.now() + 3_600_000;
    const key = await createApiKey(broker, 'app', { expires_at: expiresAt });
    expect(key.expires_at).toBe(expiresAt);
    expect(await statusWith(broker, bearer(key.secret))).toBe(200);
    await call('DELETE', `${users}/app/api-keys/${key.key_id}`, ADMIN);
  });

  it('creates a key without a body, and one with null expires_at, that never expire', async () => {
    const bare = await fetch(`${users}/app/api-keys`, { method: 'POST', headers: { authorization: ADMIN } });
    expect(bare.status).toBe(201);
    const bareKey = (await bare.json()) as { key_id: string; expires_at: number | null };
    expect(bareKey.expires_at).toBeNull();
    const nullKey = await createApiKey(broker, 'app', { expires_at: null });
    expect(nullKey.expires_at).toBeNull();
    for (const id of [bareKey.key_id, nullKey.key_id]) await call('DELETE', `${users}/app/api-keys/${id}`, ADMIN);
  });

  it('holds at most 10 keys per user: the 11th answers 409/40901 until one is deleted', async () => {
    const keys = [];
    for (let i = 0; i < 10; i++) keys.push(await createApiKey(broker, 'other'));
    const over = await call('POST', `${users}/other/api-keys`, ADMIN, {});
    expect(over).toMatchObject({ status: 409, body: { error_code: 40901, message: expect.stringContaining('10') } });
    expect((await call('DELETE', `${users}/other/api-keys/${keys[0].key_id}`, ADMIN)).status).toBe(204);
    expect((await call('POST', `${users}/other/api-keys`, ADMIN, {})).status).toBe(201);
  });

  it('answers 404 for an unknown user, an unknown key, and a key of another user (which stays valid)', async () => {
    expect((await call('POST', `${users}/ghost/api-keys`, ADMIN, {})).body).toMatchObject({ error_code: 404 });
    expect((await call('GET', `${users}/ghost/api-keys`, ADMIN)).body).toMatchObject({ error_code: 404 });
    expect((await call('DELETE', `${users}/app/api-keys/AAAAAAAAAAAA`, ADMIN)).body).toMatchObject({ error_code: 404 });
    const key = await createApiKey(broker, 'app');
    const wrongOwner = await call('DELETE', `${users}/other/api-keys/${key.key_id}`, ADMIN);
    expect(wrongOwner).toMatchObject({ status: 404, body: { error_code: 404 } });
    expect(await statusWith(broker, bearer(key.secret))).toBe(200);
    await call('DELETE', `${users}/app/api-keys/${key.key_id}`, ADMIN);
  });

  it.each([
    ['an array body', []],
    ['a string body', '"soon"'],
    ['an unknown field', { expires_in: 1000 }],
    ['expires_at in the past (ISO)', { expires_at: '2020-01-01T00:00:00Z' }],
    ['expires_at in the past (epoch ms)', { expires_at: 1_000 }],
    ['expires_at now-ish', { expires_at: 'NOW' }],
    ['expires_at without a zone', { expires_at: '2099-01-01T00:00:00' }],
    ['expires_at as a date only', { expires_at: '2099-01-01' }],
    ['expires_at as an impossible date', { expires_at: '2099-13-45T99:00:00Z' }],
    ['expires_at fractional', { expires_at: 4102444800000.5 }],
    ['expires_at beyond 10 years', { expires_at: '2999-01-01T00:00:00Z' }],
    ['expires_at as an object', { expires_at: { at: 1 } }],
    ['expires_at as a boolean', { expires_at: true }],
  ])('refuses %s: 400/40001 and no key is made', async (_what, body) => {
    const before = (await call('GET', `${users}/app/api-keys`, ADMIN)).body.data.length;
    const answer = await call('POST', `${users}/app/api-keys`, ADMIN, body);
    expect(answer).toMatchObject({ status: 400, body: { error_code: 40001, message: expect.any(String) } });
    expect((await call('GET', `${users}/app/api-keys`, ADMIN)).body.data).toHaveLength(before);
  });

  it('does not let a key or password of a non-super user manage keys (403/40301)', async () => {
    const key = await createApiKey(broker, 'app');
    for (const authorization of [bearer(key.secret), basic('app', 'app-password')]) {
      expect((await call('POST', `${users}/app/api-keys`, authorization, {})).body).toMatchObject({ error_code: 40301 });
      expect((await call('DELETE', `${users}/app/api-keys/${key.key_id}`, authorization)).body).toMatchObject({ error_code: 40301 });
    }
    expect(await statusWith(broker, bearer(key.secret))).toBe(200);
    await call('DELETE', `${users}/app/api-keys/${key.key_id}`, ADMIN);
  });
});

describe('WebSocket tickets', () => {
  let broker: BrokerProcess;
  beforeAll(async () => {
    broker = await startSecureBroker({ env: { RUNNEL_WS_TICKET_TTL_MS: '30000' } });
    await createUser(broker, 'browser', 'browser-password');
  });
  afterAll(async () => {
    await broker?.stop();
  });

  it('issues a single-use ticket to an authenticated caller (password or API key), expiring after RUNNEL_WS_TICKET_TTL_MS', async () => {
    const before = Date.now();
    const answer = await call('POST', `${broker.baseUrl}/v3/auth/ws-ticket`, basic('browser', 'browser-password'));
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({ ticket: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/), expires_at: expect.any(Number) });
    expect(answer.body.expires_at).toBeGreaterThanOrEqual(before + 30_000);
    const key = await createApiKey(broker, 'browser');
    const viaKey = await call('POST', `${broker.baseUrl}/v3/auth/ws-ticket`, bearer(key.secret));
    expect(viaKey.status).toBe(200);
    expect(viaKey.body.ticket).not.toBe(answer.body.ticket);
  });

  it('refuses a caller without credentials (401/40101)', async () => {
    expect((await call('POST', `${broker.baseUrl}/v3/auth/ws-ticket`)).body).toMatchObject({ error_code: 40101 });
  });

  it('bounds the unused tickets of one principal: past 100 it answers 429/42901 with Retry-After, others are still served', async () => {
    await createUser(broker, 'greedy', 'greedy-password');
    const greedy = basic('greedy', 'greedy-password');
    for (let i = 0; i < 100; i++) expect((await call('POST', `${broker.baseUrl}/v3/auth/ws-ticket`, greedy)).status).toBe(200);
    const over = await call('POST', `${broker.baseUrl}/v3/auth/ws-ticket`, greedy);
    expect(over).toMatchObject({ status: 429, body: { error_code: 42901 } });
    expect(Number(over.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect((await call('POST', `${broker.baseUrl}/v3/auth/ws-ticket`, ADMIN)).status).toBe(200);
  });
});
