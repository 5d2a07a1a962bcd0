import { BrokerProcess, makeDataDir, startBroker } from '../support/broker-process';
import { ADMIN, basic, bearer, call, createApiKey, createUser, startSecureBroker, statusWith } from './authentication-support';

describe('users admin (RUNNEL_AUTH=on)', () => {
  let broker: BrokerProcess;
  let users: string;
  beforeAll(async () => {
    broker = await startSecureBroker({ env: { RUNNEL_SUPER_USERS: 'User:admin;User:ops' } });
    users = `${broker.baseUrl}/v3/clusters/-/users`;
    await createUser(broker, 'ops', 'ops-password');
    await createUser(broker, 'alice', 'alice-password');
  });
  afterAll(async () => {
    await broker?.stop();
  });

  it('creates, lists, shows and deletes users, never returning a password or a key', async () => {
    const created = await call('POST', users, ADMIN, {
      name: 'carol',
      password: 'carol-password',
      mechanism: 'SCRAM-SHA-512',
      iterations: 8192,
    });
    expect(created.status).toBe(201);
    expect(created.body).toEqual({
      name: 'carol',
      mechanisms: [{ mechanism: 'SCRAM-SHA-512', iterations: 8192 }],
      created_at: expect.any(Number),
    });
    const list = await call('GET', users, ADMIN);
    expect(list.status).toBe(200);
    expect(list.body.data.map((u: { name: string }) => u.name)).toEqual(expect.arrayContaining(['admin', 'alice', 'carol', 'ops']));
    const text = JSON.stringify([list.body, created.body, (await call('GET', `${users}/carol`, ADMIN)).body]);
    expect(text).not.toMatch(/carol-password|salt|stored|server_?key/i);
    expect((await call('GET', `${users}/admin`, ADMIN)).body.mechanisms.map((m: { mechanism: string }) => m.mechanism).sort()).toEqual([
      'SCRAM-SHA-256',
      'SCRAM-SHA-512',
    ]);
    expect((await call('DELETE', `${users}/carol`, ADMIN)).status).toBe(204);
    expect((await call('GET', `${users}/carol`, ADMIN)).body).toEqual({ error_code: 404, message: expect.stringContaining('carol') });
  });

  it('keeps /metrics behind authentication without RUNNEL_METRICS_PUBLIC, and /health/* public', async () => {
    expect((await call('GET', `${broker.baseUrl}/metrics`)).body).toMatchObject({ error_code: 40101 });
    expect((await call('GET', `${broker.baseUrl}/metrics`, ADMIN)).status).toBe(200);
    expect((await call('GET', `${broker.baseUrl}/health/ready`)).status).toBe(200);
  });

  it('lets every RUNNEL_SUPER_USERS principal administer users', async () => {
    const ops = basic('ops', 'ops-password');
    expect((await call('POST', users, ops, { name: 'by-ops', password: 'by-ops-password' })).status).toBe(201);
    expect((await call('GET', users, ops)).status).toBe(200);
    expect((await call('DELETE', `${users}/by-ops`, ops)).status).toBe(204);
  });

  it('answers 403/40301 to a user without ALTER/DESCRIBE on the cluster, on every users and API-keys endpoint', async () => {
    const alice = basic('alice', 'alice-password');
    for (const [method, url, body] of [
      ['GET', users, undefined],
      ['GET', `${users}/alice`, undefined],
      ['POST', users, { name: 'mallory', password: 'mallory-password' }],
      ['PUT', `${users}/admin`, { password: 'taken-over-1' }],
      ['DELETE', `${users}/admin`, undefined],
      ['POST', `${users}/alice/api-keys`, {}],
      ['GET', `${users}/alice/api-keys`, undefined],
      ['DELETE', `${users}/alice/api-keys/AAAAAAAAAAAA`, undefined],
    ] as const) {
      const answer = await call(method, url, alice, body);
      expect({ method, url, status: answer.status, code: answer.body?.error_code }).toEqual({ method, url, status: 403, code: 40301 });
    }
    expect(await statusWith(broker, ADMIN)).toBe(200);
    expect((await call('GET', `${users}/mallory`, ADMIN)).status).toBe(404);
  });

  it('changes a password: the old one fails at once (even though it was just verified), the new one works', async () => {
    await createUser(broker, 'dave', 'dave-old-password', 'SCRAM-SHA-512');
    const old = basic('dave', 'dave-old-password');
    expect(await statusWith(broker, old)).toBe(200);
    expect(await statusWith(broker, old)).toBe(200);
    const changed = await call('PUT', `${users}/dave`, ADMIN, { password: 'dave-new-password' });
    expect(changed.status).toBe(200);
    expect(changed.body.mechanisms.map((m: { mechanism: string }) => m.mechanism)).toEqual(['SCRAM-SHA-512']);
    expect(await statusWith(broker, old)).toBe(401);
    expect(await statusWith(broker, basic('dave', 'dave-new-password'))).toBe(200);
    // Naming a mechanism the user lacks adds it; the password is the same for both.
    const added = await call('PUT', `${users}/dave`, ADMIN, {
      password: 'dave-third-password',
      mechanism: 'SCRAM-SHA-256',
      iterations: 4096,
    });
    expect(added.body.mechanisms).toEqual(
      expect.arrayContaining([
        { mechanism: 'SCRAM-SHA-256', iterations: 4096 },
        { mechanism: 'SCRAM-SHA-512', iterations: 4096 },
      ]),
    );
    expect(await statusWith(broker, basic('dave', 'dave-new-password'))).toBe(401);
    expect(await statusWith(broker, basic('dave', 'dave-third-password'))).toBe(200);
  });

  it('deletes a user: its password and API keys fail at once', async () => {
    await createUser(broker, 'erin', 'erin-password');
    const key = await createApiKey(broker, 'erin');
    expect(await statusWith(broker, basic('erin', 'erin-password'))).toBe(200);
    expect(await statusWith(broker, bearer(key.secret))).toBe(200);
    expect((await call('DELETE', `${users}/erin`, ADMIN)).status).toBe(204);
    expect(await statusWith(broker, basic('erin', 'erin-password'))).toBe(401);
    expect(await statusWith(broker, bearer(key.secret))).toBe(401);
    // A new user of the same name does not inherit the old keys.
    await createUser(broker, 'erin', 'erin-password-2');
    expect(await statusWith(broker, bearer(key.secret))).toBe(401);
    expect((await call('GET', `${users}/erin/api-keys`, ADMIN)).body.data).toEqual([]);
  });

  it('answers 404 for an unknown user and 409/40901 for a taken name', async () => {
    expect((await call('GET', `${users}/ghost`, ADMIN)).body).toMatchObject({ error_code: 404 });
    expect((await call('PUT', `${users}/ghost`, ADMIN, { password: 'ghost-password' })).body).toMatchObject({ error_code: 404 });
    expect((await call('DELETE', `${users}/ghost`, ADMIN)).body).toMatchObject({ error_code: 404 });
    const taken = await call('POST', users, ADMIN, { name: 'alice', password: 'another-password' });
    expect(taken).toMatchObject({ status: 409, body: { error_code: 40901 } });
    expect(await statusWith(broker, basic('alice', 'alice-password'))).toBe(200);
    expect((await call('GET', '' + broker.baseUrl + '/v3/clusters/not-this-cluster/users', ADMIN)).status).toBe(404);
  });

  it.each([
    ['no body', undefined],
    ['an array', [{ name: 'x', password: 'long-enough' }]],
    ['a string', '"name"'],
    ['malformed JSON', '{"name":'],
    ['no name', { password: 'long-enough' }],
    ['an empty name', { name: '', password: 'long-enough' }],
    ['a name with a colon', { name: 'a:b', password: 'long-enough' }],
    ['a wildcard name', { name: '*', password: 'long-enough' }],
    ['a name of 256 characters', { name: 'n'.repeat(256), password: 'long-enough' }],
    ['a numeric name', { name: 42, password: 'long-enough' }],
    ['no password', { name: 'frank' }],
    ['a short password', { name: 'frank', password: 'short' }],
    ['a password of 1025 characters', { name: 'frank', password: 'p'.repeat(1025) }],
    ['a numeric password', { name: 'frank', password: 12345678 }],
    ['an unknown mechanism', { name: 'frank', password: 'long-enough', mechanism: 'PLAIN' }],
    ['too few iterations', { name: 'frank', password: 'long-enough', iterations: 4095 }],
    ['too many iterations', { name: 'frank', password: 'long-enough', iterations: 16385 }],
    ['fractional iterations', { name: 'frank', password: 'long-enough', iterations: 4096.5 }],
    ['iterations as a string', { name: 'frank', password: 'long-enough', iterations: '4096' }],
    ['an unknown field', { name: 'frank', password: 'long-enough', role: 'admin' }],
  ])('refuses to create a user with %s: 400 with an error_code', async (_what, body) => {
    const answer = await call('POST', users, ADMIN, body);
    expect(answer.status).toBe(400);
    expect(answer.body).toEqual(expect.objectContaining({ error_code: expect.any(Number), message: expect.any(String) }));
    expect([400, 40001]).toContain(answer.body.error_code);
    expect((await call('GET', `${users}/frank`, ADMIN)).status).toBe(404);
  });

  it.each([
    ['no password', {}],
    ['a short password', { password: 'short' }],
    ['a name in the body', { name: 'other', password: 'long-enough' }],
    ['an unknown mechanism', { password: 'long-enough', mechanism: 'SCRAM-SHA-1' }],
    ['bad iterations', { password: 'long-enough', iterations: 0 }],
  ])('refuses to change a password with %s: 400, and the old password still works', async (_what, body) => {
    const answer = await call('PUT', `${users}/alice`, ADMIN, body);
    expect(answer).toMatchObject({ status: 400, body: { error_code: 40001 } });
    expect(await statusWith(broker, basic('alice', 'alice-password'))).toBe(200);
  });
});

describe('the first start with authentication on', () => {
  let broker: BrokerProcess | undefined;
  afterEach(async () => {
    await broker?.stop();
    broker = undefined;
  });

  it('creates admin with a generated password logged once; a restart logs none and keeps users, passwords and API keys', async () => {
    const dataDir = makeDataDir();
    broker = await startBroker({ dataDir, env: { RUNNEL_AUTH: 'on', RUNNEL_ADMIN_PASSWORD: '' } });
    const match = /generated password (\S+)/.exec(broker.output());
    expect(match).not.toBeNull();
    expect(broker.output().match(/generated password/g)).toHaveLength(1);
    const admin = basic('admin', match![1]);
    expect(await statusWith(broker, admin)).toBe(200);
    expect((await call('POST', `${broker.baseUrl}/v3/clusters/-/users`, admin, { name: 'kept', password: 'kept-password' })).status).toBe(
      201,
    );
    const key = await call('POST', `${broker.baseUrl}/v3/clusters/-/users/kept/api-keys`, admin, {});
    expect(key.status).toBe(201);
    expect(await broker.stop()).toBe(0);

    broker = await startBroker({ dataDir, env: { RUNNEL_AUTH: 'on', RUNNEL_ADMIN_PASSWORD: 'ignored-now-admin-exists' } });
    expect(broker.output()).not.toMatch(/generated password|created super user/);
    expect(broker.output()).toContain("user 'admin' exists: RUNNEL_ADMIN_PASSWORD is ignored");
    expect(broker.output()).not.toContain('ignored-now-admin-exists');
    expect(await statusWith(broker, admin)).toBe(200);
    expect(await statusWith(broker, basic('admin', 'ignored-now-admin-exists'))).toBe(401);
    expect(await statusWith(broker, basic('kept', 'kept-password'))).toBe(200);
    expect(await statusWith(broker, bearer(key.body.secret))).toBe(200);
  });

  it('creates admin with RUNNEL_ADMIN_PASSWORD and never logs it', async () => {
    broker = await startBroker({ env: { RUNNEL_AUTH: 'on', RUNNEL_ADMIN_PASSWORD: 'chosen-admin-password' } });
    expect(broker.output()).toContain("created super user 'admin' with the password from RUNNEL_ADMIN_PASSWORD");
    expect(broker.output()).not.toContain('chosen-admin-password');
    expect(await statusWith(broker, basic('admin', 'chosen-admin-password'))).toBe(200);
  });
});
