import * as fs from 'node:fs';
import { BrokerProcess, makeDataDir, startBroker } from '../support/broker-process';
import { acl, ADMIN_PASSWORD, basic, seedAcls } from '../ws/ws-auth-kit';
import { WsClient } from '../ws/ws-client';
import { httpsCall, makePki, Pki, TlsClient } from './tls-kit';

/**
 * Client certificates as credentials (RUNNEL_AUTH=on, RUNNEL_TLS_CLIENT_AUTH=requested): the
 * subject of a certificate the CA verified becomes the principal through
 * RUNNEL_TLS_PRINCIPAL_MAPPING_RULES, and the ACLs apply to it — over HTTPS and WSS.
 */
describe('broker process: TLS client certificates as principals', () => {
  const RULES = 'RULE:^CN=([a-z]+),OU=Eng,O=Acme$/$1/L,DEFAULT';
  let pki: Pki;
  let broker: BrokerProcess;
  let trust: TlsClient;
  const cert = (name: string, subject: string, foreign = false): TlsClient => {
    const files = pki.client(name, subject, { foreign });
    return { ...trust, cert: pki.read(files.cert), key: pki.read(files.key) };
  };
  let alice: TlsClient;
  let carol: TlsClient;
  let mallory: TlsClient;
  const clients: WsClient[] = [];

  beforeAll(async () => {
    pki = makePki();
    trust = { ca: pki.read(pki.caCert) };
    alice = cert('alice', '/O=Acme/OU=Eng/CN=alice');
    carol = cert('carol', '/O=Other/CN=carol');
    mallory = cert('mallory', '/O=Acme/OU=Eng/CN=alice', true);
    const dataDir = makeDataDir();
    await seedAcls(dataDir, [acl({ principal: 'User:alice', resourceName: 'certs', operation: 'READ' })]);
    broker = await startBroker({
      dataDir,
      env: {
        RUNNEL_AUTH: 'on',
        RUNNEL_ADMIN_PASSWORD: ADMIN_PASSWORD,
        RUNNEL_TLS_CERT: pki.serverCert,
        RUNNEL_TLS_KEY: pki.serverKey,
        RUNNEL_TLS_CA: pki.caCert,
        RUNNEL_TLS_CLIENT_AUTH: 'requested',
        RUNNEL_TLS_PRINCIPAL_MAPPING_RULES: RULES,
      },
    });
    for (const topic of ['certs', 'private']) {
      const created = await httpsCall(`${broker.baseUrl}/v3/clusters/-/topics`, trust, {
        method: 'POST',
        headers: { authorization: basic('admin', ADMIN_PASSWORD) },
        body: { topic_name: topic, partitions_count: 1 },
      });
      expect(created.status).toBe(201);
    }
  });
  afterAll(async () => {
    for (const client of clients) client.close();
    await broker?.stop();
    if (pki) fs.rmSync(pki.dir, { recursive: true, force: true });
  });

  it('answers 401 to a request with neither credentials nor a client certificate', async () => {
    const answer = await httpsCall(`${broker.baseUrl}/v3/clusters/-/users`, trust);
    expect(answer.status).toBe(401);
    expect(answer.body.error_code).toBe(40101);
  });

  it('authenticates a verified certificate as the user its mapping rule names', async () => {
    // Authenticated (not 401), and authorized as User:alice: no ACL lets alice describe the cluster.
    const answer = await httpsCall(`${broker.baseUrl}/v3/clusters/-/users`, alice);
    expect(answer.status).toBe(403);
    expect(answer.body).toEqual({ error_code: 40301, message: expect.stringContaining('User:alice ') });
  });

  it('maps a subject no rule matches by DEFAULT: the whole distinguished name as RFC 2253 text', async () => {
    const answer = await httpsCall(`${broker.baseUrl}/v3/clusters/-/users`, carol);
    expect(answer.status).toBe(403);
    expect(answer.body.message).toContain('User:CN=carol,O=Other ');
  });

  it('does not take a principal from a certificate another CA signed (RUNNEL_TLS_CLIENT_AUTH=requested lets it connect)', async () => {
    const answer = await httpsCall(`${broker.baseUrl}/v3/clusters/-/users`, mallory);
    expect(answer.status).toBe(401);
  });

  it('applies the ACLs to the certificate principal on a WebSocket over TLS', async () => {
    await expect(WsClient.open(broker.baseUrl, '/v3/ws', { ca: trust.ca })).rejects.toThrow(/401/);
    const client = await WsClient.open(broker.baseUrl, '/v3/ws', { ca: alice.ca, cert: alice.cert, key: alice.key });
    clients.push(client);
    client.send({ type: 'subscribe', sub: 'ok', topic: 'certs', from: 'earliest' });
    expect((await client.next('subscribed', 1, 'ok')).sub).toBe('ok');
    client.send({ type: 'subscribe', sub: 'no', topic: 'private', from: 'earliest' });
    expect(await client.next('error', 1, 'no')).toEqual({
      type: 'error',
      sub: 'no',
      error_code: 40301,
      message: expect.stringContaining("User:alice is not authorized to READ TOPIC 'private'"),
    });
  });
});
