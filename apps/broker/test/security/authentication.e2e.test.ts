import { BrokerProcess, startBroker } from '../support/broker-process';
import { bodyOf, openRaw, RawSocket, rawRequest, statusOf } from '../http/raw-http';
import { ADMIN, ADMIN_PASSWORD, basic, bearer, call, createUser, startSecureBroker, statusWith } from './authentication-support';

const port = (broker: BrokerProcess): number => Number(new URL(broker.baseUrl).port);

/** A raw request from `localAddress` (its own failure count), closed by the broker; answers status, body and how long it took. */
async function rawAttempt(broker: BrokerProcess, authorization: string, localAddress: string) {
  const startedAt = Date.now();
  const response = await rawRequest(
    port(broker),
    `GET /v3/clusters HTTP/1.1\r\nHost: x\r\nAuthorization: ${authorization}\r\nConnection: close\r\n\r\n`,
    localAddress,
  );
  return { status: statusOf(response), body: bodyOf(response), elapsedMs: Date.now() - startedAt };
}

describe('authentication (RUNNEL_AUTH=on)', () => {
  let broker: BrokerProcess;
  const sockets: RawSocket[] = [];
  beforeAll(async () => {
    broker = await startSecureBroker({
      env: {
        RUNNEL_METRICS_PUBLIC: 'on',
        RUNNEL_AUTH_FAILURES_BEFORE_DELAY: '2',
        RUNNEL_AUTH_MAX_FAILURE_DELAY_MS: '800',
        RUNNEL_MAX_REQUEST_BYTES: '1048576',
        RUNNEL_MAX_CONNECTIONS_PER_IP: '3',
      },
    });
    await createUser(broker, 'sha256-user', 'password-256', 'SCRAM-SHA-256');
    await createUser(broker, 'sha512-user', 'password-512', 'SCRAM-SHA-512');
  });
  afterEach(() => {
    for (const socket of sockets.splice(0)) socket.destroy();
  });
  afterAll(async () => {
    await broker?.stop();
  });

  it('answers the identical 401/40101 to no credentials, a wrong password, an unknown user, a malformed header and an unknown scheme', async () => {
    const attempts: [string, string | undefined][] = [
      ['no credentials', undefined],
      ['wrong password', basic('admin', 'not-the-password')],
      ['unknown user', basic('nobody', ADMIN_PASSWORD)],
      ['Basic without a colon', `Basic ${Buffer.from('admin').toString('base64')}`],
      ['Basic that is not base64', 'Basic %%%not-base64%%%'],
      ['Basic alone', 'Basic'],
      ['an empty header', ''],
      ['an unknown scheme', 'Digest username="admin"'],
      ['a malformed API key', bearer('not-a-key')],
      ['an unknown API key', bearer(`rnl_${'A'.repeat(12)}_${'B'.repeat(43)}`)],
    ];
    const answers = [];
    for (const [what, authorization] of attempts) {
      const answer = await call('GET', `${broker.baseUrl}/v3/clusters`, authorization);
      answers.push({ what, status: answer.status, body: answer.body, challenge: answer.headers.get('www-authenticate') });
      // Valid credentials verified before are answered at once, even from an address that keeps failing.
      expect(await statusWith(broker, ADMIN)).toBe(200);
    }
    const expected = {
      status: 401,
      body: { error_code: 40101, message: answers[0].body.message },
      challenge: expect.stringContaining('Basic'),
    };
    for (const answer of answers) expect(answer).toEqual({ what: answer.what, ...expected });
    expect(answers[0].body.message).not.toMatch(/admin|nobody|password|user/i);
  });

  it('answers 401 on every method and path, even where there is no route, so nothing about the API leaks', async () => {
    for (const [method, path] of [
      ['GET', '/v3/clusters/-/topics'],
      ['POST', '/v3/clusters/-/topics'],
      ['DELETE', '/v3/clusters/-/topics/anything'],
      ['GET', '/v3/clusters/-/users'],
      ['POST', '/v3/auth/ws-ticket'],
      ['GET', '/no/such/route'],
      ['GET', '/kafka/v3/clusters'],
      ['GET', '/docs-json'],
    ]) {
      const answer = await call(method, `${broker.baseUrl}${path}`);
      expect({ method, path, status: answer.status, code: answer.body?.error_code }).toEqual({ method, path, status: 401, code: 40101 });
    }
  });

  it('accepts HTTP Basic for SCRAM-SHA-256 and SCRAM-SHA-512 users, and only their own password', async () => {
    expect(await statusWith(broker, basic('sha256-user', 'password-256'))).toBe(200);
    expect(await statusWith(broker, basic('sha512-user', 'password-512'))).toBe(200);
    expect(await statusWith(broker, basic('sha512-user', 'password-256'))).toBe(401);
    expect(await statusWith(broker, ADMIN)).toBe(200);
  });

  it('serves /health/* and, with RUNNEL_METRICS_PUBLIC=on, /metrics without credentials; readiness has no warning with auth on', async () => {
    const live = await call('GET', `${broker.baseUrl}/health/live`);
    expect(live).toMatchObject({ status: 200, body: { status: 'ok' } });
    const ready = await call('GET', `${broker.baseUrl}/health/ready`);
    expect(ready.status).toBe(200);
    expect(ready.body).toEqual({ status: 'ok' });
    const metrics = await fetch(`${broker.baseUrl}/metrics`);
    expect(metrics.status).toBe(200);
    expect(await metrics.text()).toContain('runnel_http_connections');
  });

  it('delays each further attempt from an address after repeated failures (doubling), with the same 401 answer', async () => {
    const attempts = [];
    for (let i = 0; i < 6; i++) attempts.push(await rawAttempt(broker, basic('admin', `guess-${i}`), '127.0.0.2'));
    for (const attempt of attempts) expect(attempt).toMatchObject({ status: 401, body: { error_code: 40101 } });
    expect(new Set(attempts.map((a) => JSON.stringify(a.body))).size).toBe(1);
    // Failures 1-2 are free; then 100, 200, 400 ms, and the 6th attempt waits the 800 ms maximum (lower bounds only).
    expect(attempts[3].elapsedMs).toBeGreaterThanOrEqual(190);
    expect(attempts[5].elapsedMs).toBeGreaterThanOrEqual(790);
    // The right password still gets in (after its wait), but does not reset the address: the next guess waits the maximum.
    expect((await rawAttempt(broker, ADMIN, '127.0.0.2')).status).toBe(200);
    const next = await rawAttempt(broker, basic('admin', 'guess-after-success'), '127.0.0.2');
    expect(next.status).toBe(401);
    expect(next.elapsedMs).toBeGreaterThanOrEqual(790);
  });

  it('answers an unauthenticated request 401 before reading its body, and closes the connection instead of draining it', async () => {
    const raw = await openRaw(port(broker), '127.0.0.3');
    sockets.push(raw);
    // Announces 900 KB (under the body cap) and sends 1 KB of it: the answer comes anyway, and the connection closes.
    raw.write(`POST /v3/clusters/-/topics HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 900000\r\n\r\n`);
    raw.write('{"topic_name":"' + 'x'.repeat(1024));
    await raw.closed;
    expect(statusOf(raw.received())).toBe(401);
    expect(raw.received().toLowerCase()).toContain('connection: close');
    expect(bodyOf(raw.received())).toMatchObject({ error_code: 40101 });
  });

  it('applies the body cap before reading a body: over RUNNEL_MAX_REQUEST_BYTES unauthenticated is 401, authenticated 413/41301', async () => {
    const head = (authorization: string) =>
      `POST /v3/clusters/-/topics HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1073741824\r\n${authorization}\r\n`;
    const anonymous = await rawRequest(port(broker), head(''), '127.0.0.3', 15_000);
    expect(statusOf(anonymous)).toBe(401);
    const authenticated = await rawRequest(port(broker), head(`Authorization: ${ADMIN}\r\n`), '127.0.0.3', 15_000);
    expect(statusOf(authenticated)).toBe(413);
    expect(bodyOf(authenticated)).toMatchObject({ error_code: 41301 });
  });

  it('bounds connections per address before authentication: over RUNNEL_MAX_CONNECTIONS_PER_IP is 503/50003, not 401', async () => {
    for (let i = 0; i < 3; i++) sockets.push(await openRaw(port(broker), '127.0.0.4'));
    const refused = await rawRequest(port(broker), 'GET /v3/clusters HTTP/1.1\r\nHost: x\r\n\r\n', '127.0.0.4');
    expect(statusOf(refused)).toBe(503);
    expect(bodyOf(refused)).toMatchObject({ error_code: 50003 });
  });
});

describe('authentication off (the default)', () => {
  let broker: BrokerProcess | undefined;
  afterEach(async () => {
    await broker?.stop();
    broker = undefined;
  });

  it('warns once at start and on /health/ready (still 200), and serves requests without credentials', async () => {
    broker = await startBroker({ env: { RUNNEL_AUTH: 'off' } });
    const warnings = broker.output().match(/authentication is off/g) ?? [];
    expect(warnings).toHaveLength(1);
    const ready = await call('GET', `${broker.baseUrl}/health/ready`);
    expect(ready.status).toBe(200);
    expect(ready.body).toEqual({ status: 'ok', warnings: [expect.stringContaining('authentication is off (RUNNEL_AUTH=off)')] });
    expect((await call('GET', `${broker.baseUrl}/v3/clusters`)).status).toBe(200);
  });
});
