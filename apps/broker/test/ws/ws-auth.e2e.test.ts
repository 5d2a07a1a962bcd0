import { BrokerProcess, makeDataDir, startBroker } from '../support/broker-process';
import { ServerFrame, WsClient } from './ws-client';
import { acl, ADMIN_PASSWORD, basic, call, seedAcls, upgradeAnswer } from './ws-auth-kit';

/**
 * WebSocket authentication and authorization against the real broker with RUNNEL_AUTH=on: the
 * upgrade is authenticated (401 without credentials, 403 for a foreign Origin), and subscribe,
 * commit and produce frames are authorized by the broker's ACLs (40301 error frames, the socket
 * staying open).
 */
describe('broker process: WebSocket authentication and authorization', () => {
  const ORIGIN = 'https://console.example';
  const ALICE = basic('alice', 'alice-password-1');
  let broker: BrokerProcess;
  const clients: WsClient[] = [];

  beforeAll(async () => {
    const dataDir = makeDataDir();
    await seedAcls(dataDir, [
      acl({ resourceName: 'allowed', operation: 'READ' }),
      acl({ resourceName: 'allowed', operation: 'WRITE' }),
      acl({ resourceType: 'GROUP', resourceName: 'g-ok', operation: 'READ' }),
      acl({ resourceName: 'readonly', operation: 'READ' }),
    ]);
    broker = await startBroker({
      dataDir,
      env: { RUNNEL_AUTH: 'on', RUNNEL_ADMIN_PASSWORD: ADMIN_PASSWORD, RUNNEL_ALLOWED_ORIGINS: ORIGIN },
    });
    expect((await call(broker.baseUrl, 'POST', '/v3/clusters/-/users', { name: 'alice', password: 'alice-password-1' })).status).toBe(201);
    for (const topic of ['allowed', 'forbidden', 'readonly']) {
      const created = await call(broker.baseUrl, 'POST', '/v3/clusters/-/topics', { topic_name: topic, partitions_count: 1 });
      expect(created.status).toBe(201);
    }
  });
  afterAll(async () => {
    await broker?.stop();
  });
  afterEach(() => {
    for (const client of clients.splice(0)) client.close();
  });

  async function connect(authorization = ALICE, headers: Record<string, string> = {}): Promise<WsClient> {
    const client = await WsClient.open(broker.baseUrl, '/v3/ws', { headers: { authorization, ...headers } });
    clients.push(client);
    return client;
  }

  /** The answer (any frame) carrying `ref`. */
  async function answerTo(client: WsClient, ref: unknown): Promise<ServerFrame> {
    await client.until(() => client.frames.some((f) => f.ref === ref));
    return client.frames.find((f) => f.ref === ref)!;
  }

  it('answers an upgrade without credentials with HTTP 401/40101 and no socket', async () => {
    const answer = await upgradeAnswer(broker.baseUrl, '/v3/ws');
    expect(answer.status).toBe(401);
    expect(answer.body).toEqual({ error_code: 40101, message: expect.any(String) });
    expect(answer.headers['www-authenticate']).toMatch(/^Basic /);
    await expect(WsClient.open(broker.baseUrl)).rejects.toThrow(/401/);
  });

  it('answers a wrong password and an unknown ticket with 401', async () => {
    expect((await upgradeAnswer(broker.baseUrl, '/v3/ws', { authorization: basic('alice', 'wrong-password') })).status).toBe(401);
    const ticket = await upgradeAnswer(broker.baseUrl, '/v3/ws?ticket=not-a-ticket');
    expect(ticket.status).toBe(401);
    expect(ticket.body.error_code).toBe(40101);
  });

  it('refuses an Origin that is not in RUNNEL_ALLOWED_ORIGINS with 403/40301, and accepts a listed one', async () => {
    const foreign = await upgradeAnswer(broker.baseUrl, '/v3/ws', { authorization: ALICE, origin: 'https://evil.example' });
    expect(foreign.status).toBe(403);
    expect(foreign.body.error_code).toBe(40301);
    expect((await upgradeAnswer(broker.baseUrl, '/v3/ws', { authorization: ALICE, origin: ORIGIN })).status).toBe(101);
  });

  it('accepts Basic credentials on the upgrade: produce and subscribe where the ACLs allow', async () => {
    const client = await connect();
    client.send({ type: 'produce', ref: 'p1', topic: 'allowed', records: [{ value: { type: 'STRING', data: 'hello' } }] });
    expect((await answerTo(client, 'p1')).type).toBe('produced');
    client.send({ type: 'subscribe', sub: 's', topic: 'allowed', from: 'earliest', format: 'string' });
    await client.untilRecords('s', 1);
    expect(client.records('s')[0].value).toEqual({ type: 'STRING', data: 'hello' });
  });

  it('denies subscribe without READ with a 40301 error frame for that sub; the socket stays open', async () => {
    const client = await connect();
    client.send({ type: 'subscribe', sub: 'no', topic: 'forbidden', from: 'earliest' });
    const error = await client.next('error', 1, 'no');
    expect(error).toEqual({ type: 'error', sub: 'no', error_code: 40301, message: expect.stringContaining('User:alice') });
    // A topic that does not exist is denied the same way: existence does not leak.
    client.send({ type: 'subscribe', sub: 'ghost', topic: 'no-such-topic', from: 'earliest' });
    expect((await client.next('error', 1, 'ghost')).error_code).toBe(40301);
    client.send({ type: 'subscribe', sub: 'yes', topic: 'allowed', from: 'earliest' });
    expect((await client.next('subscribed', 1, 'yes')).sub).toBe('yes');
    expect(client.closeCode).toBeUndefined();
  });

  it('denies produce without WRITE with a 40301 error frame for that ref', async () => {
    const client = await connect();
    client.send({ type: 'produce', ref: 7, topic: 'readonly', records: [{ value: { type: 'STRING', data: 'x' } }] });
    expect(await answerTo(client, 7)).toEqual({ type: 'error', ref: 7, error_code: 40301, message: expect.stringContaining('WRITE') });
    client.send({ type: 'produce', ref: 8, topic: 'forbidden', records: [{ value: { type: 'STRING', data: 'x' } }] });
    expect((await answerTo(client, 8)).error_code).toBe(40301);
    // Nothing reached the topic.
    const admin = await WsClient.open(broker.baseUrl, '/v3/ws', { headers: { authorization: basic('admin', ADMIN_PASSWORD) } });
    clients.push(admin);
    admin.send({ type: 'subscribe', sub: 'check', topic: 'readonly', from: 'earliest' });
    expect((await admin.next('subscribed', 1, 'check')).assignment).toEqual([{ partition: 0, offset: 0 }]);
  });

  it('needs READ on the group for a group subscription, and on the group for commits', async () => {
    const client = await connect();
    client.send({ type: 'subscribe', sub: 'g1', group: 'g-denied', topic: 'allowed', from: 'earliest' });
    expect((await client.next('error', 1, 'g1')).error_code).toBe(40301);
    client.send({ type: 'subscribe', sub: 'g2', group: 'g-ok', topic: 'forbidden', from: 'earliest' });
    expect((await client.next('error', 1, 'g2')).error_code).toBe(40301);
    client.send({ type: 'subscribe', sub: 'g3', group: 'g-ok', topic: 'allowed', from: 'earliest', auto_commit: false });
    expect((await client.next('subscribed', 1, 'g3')).sub).toBe('g3');
    client.send({ type: 'commit', sub: 'g3', ref: 'c1', offsets: [{ partition: 0, offset: 0 }] });
    expect((await answerTo(client, 'c1')).type).toBe('committed');
  });
});
