import * as fs from 'node:fs';
import * as http from 'node:http';
import * as net from 'node:net';
import * as path from 'node:path';
import * as tls from 'node:tls';
import { BrokerProcess, startBroker } from '../support/broker-process';
import { WsClient } from '../ws/ws-client';
import { httpsCall, makePki, Pki, TlsClient } from './tls-kit';

/** TLS on the broker's one listener (HTTP and WebSocket) with certificates the test makes; authentication off here. */
describe('broker process: TLS listener', () => {
  let pki: Pki;
  let trust: TlsClient;
  let alice: TlsClient;
  let mallory: TlsClient;
  beforeAll(() => {
    pki = makePki();
    trust = { ca: pki.read(pki.caCert) };
    const a = pki.client('alice', '/O=Acme/OU=Eng/CN=alice');
    alice = { ...trust, cert: pki.read(a.cert), key: pki.read(a.key) };
    const m = pki.client('mallory', '/O=Acme/OU=Eng/CN=mallory', { foreign: true });
    mallory = { ...trust, cert: pki.read(m.cert), key: pki.read(m.key) };
  });
  afterAll(() => fs.rmSync(pki.dir, { recursive: true, force: true }));

  const tlsEnv = (clientAuth = 'none'): Record<string, string> => ({
    RUNNEL_TLS_CERT: pki.serverCert,
    RUNNEL_TLS_KEY: pki.serverKey,
    ...(clientAuth === 'none' ? {} : { RUNNEL_TLS_CA: pki.caCert }),
    RUNNEL_TLS_CLIENT_AUTH: clientAuth,
  });

  describe('TLS only (RUNNEL_TLS_CLIENT_AUTH=none)', () => {
    let broker: BrokerProcess;
    const clients: WsClient[] = [];
    beforeAll(async () => {
      broker = await startBroker({ env: tlsEnv() });
    });
    afterAll(async () => {
      for (const client of clients) client.close();
      await broker?.stop();
    });

    it('announces an https listener and answers over TLS, with https links', async () => {
      expect(broker.baseUrl).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
      expect((await httpsCall(`${broker.baseUrl}/health/live`, trust)).status).toBe(200);
      const clusters = await httpsCall(`${broker.baseUrl}/v3/clusters`, trust);
      expect(clusters.status).toBe(200);
      expect(clusters.body.data[0].metadata.self).toMatch(/^https:\/\/127\.0\.0\.1:\d+\/v3\/clusters\//);
    });

    it('does not answer plain HTTP on the TLS port', async () => {
      const port = new URL(broker.baseUrl).port;
      await expect(
        new Promise((resolve, reject) => http.get(`http://127.0.0.1:${port}/health/live`, resolve).on('error', reject)),
      ).rejects.toThrow();
      expect((await httpsCall(`${broker.baseUrl}/health/live`, trust)).status).toBe(200);
    });

    it('refuses a client that does not trust the broker certificate (no CA)', async () => {
      await expect(httpsCall(`${broker.baseUrl}/health/live`, { ca: pki.read(path.join(pki.dir, 'other-ca.crt')) })).rejects.toThrow(
        /self-signed|unable to verify|certificate/i,
      );
    });

    it('serves WebSocket over TLS (wss): produce and subscribe', async () => {
      const created = await httpsCall(`${broker.baseUrl}/v3/clusters/-/topics`, trust, {
        method: 'POST',
        body: { topic_name: 'tls-orders', partitions_count: 1 },
      });
      expect(created.status).toBe(201);
      const client = await WsClient.open(broker.baseUrl, '/v3/ws', { ca: trust.ca });
      clients.push(client);
      expect(client.socket.url).toMatch(/^wss:\/\//);
      client.send({ type: 'produce', ref: 1, topic: 'tls-orders', records: [{ value: { type: 'STRING', data: 'over tls' } }] });
      await client.until(() => client.frames.some((f) => f.ref === 1));
      expect(client.frames.find((f) => f.ref === 1)?.type).toBe('produced');
      client.send({ type: 'subscribe', sub: 's', topic: 'tls-orders', from: 'earliest', format: 'string' });
      await client.untilRecords('s', 1);
      expect(client.records('s')[0].value).toEqual({ type: 'STRING', data: 'over tls' });
    });
  });

  describe('mutual TLS required (RUNNEL_TLS_CLIENT_AUTH=required)', () => {
    let broker: BrokerProcess;
    beforeAll(async () => {
      broker = await startBroker({ env: tlsEnv('required') });
    });
    afterAll(async () => {
      await broker?.stop();
    });

    it('refuses the handshake without a client certificate', async () => {
      await expect(httpsCall(`${broker.baseUrl}/health/live`, trust)).rejects.toThrow();
    });

    it('refuses a client certificate from another CA', async () => {
      await expect(httpsCall(`${broker.baseUrl}/health/live`, mallory)).rejects.toThrow();
    });

    it('accepts a client certificate the CA signed, also for a WebSocket', async () => {
      expect((await httpsCall(`${broker.baseUrl}/health/live`, alice)).status).toBe(200);
      const client = await WsClient.open(broker.baseUrl, '/v3/ws', { ca: alice.ca, cert: alice.cert, key: alice.key });
      client.close();
      await expect(WsClient.open(broker.baseUrl, '/v3/ws', { ca: trust.ca })).rejects.toThrow();
    });
  });

  describe('client certificates requested (RUNNEL_TLS_CLIENT_AUTH=requested)', () => {
    let broker: BrokerProcess;
    beforeAll(async () => {
      broker = await startBroker({ env: tlsEnv('requested') });
    });
    afterAll(async () => {
      await broker?.stop();
    });

    it('accepts a client with no certificate, with one from the CA, and with one from another CA', async () => {
      expect((await httpsCall(`${broker.baseUrl}/health/live`, trust)).status).toBe(200);
      expect((await httpsCall(`${broker.baseUrl}/health/live`, alice)).status).toBe(200);
      expect((await httpsCall(`${broker.baseUrl}/health/live`, mallory)).status).toBe(200);
    });
  });

  describe('pre-authentication limits on the TLS listener', () => {
    let broker: BrokerProcess;
    const sockets: Array<net.Socket | tls.TLSSocket> = [];
    beforeAll(async () => {
      broker = await startBroker({
        env: {
          ...tlsEnv(),
          RUNNEL_HTTP_HEADERS_TIMEOUT_MS: '500',
          RUNNEL_MAX_CONNECTIONS_PER_IP: '2',
          RUNNEL_HTTP_KEEP_ALIVE_TIMEOUT_MS: '60000',
        },
      });
    });
    afterAll(async () => {
      for (const socket of sockets) socket.destroy();
      await broker?.stop();
    });
    const port = (): number => Number(new URL(broker.baseUrl).port);

    it('closes a connection that never starts its TLS handshake (handshake timeout = headers timeout)', async () => {
      const socket = net.connect(port(), '127.0.0.1');
      sockets.push(socket);
      await new Promise<void>((resolve) => socket.once('close', () => resolve()));
      expect(socket.destroyed).toBe(true);
      expect((await httpsCall(`${broker.baseUrl}/health/live`, trust)).status).toBe(200);
    });

    it('bounds connections per address: past RUNNEL_MAX_CONNECTIONS_PER_IP a request is answered 503/50003', async () => {
      for (let i = 0; i < 2; i++) {
        const socket = tls.connect({ port: port(), host: '127.0.0.1', ca: trust.ca });
        sockets.push(socket);
        await new Promise<void>((resolve, reject) => socket.once('secureConnect', () => resolve()).once('error', reject));
      }
      const answer = await httpsCall(`${broker.baseUrl}/health/live`, trust);
      expect(answer.status).toBe(503);
      expect(answer.body.error_code).toBe(50003);
      for (const socket of sockets.splice(0)) socket.destroy();
    });
  });

  describe('start failures', () => {
    const startFails = async (env: Record<string, string>, message: RegExp): Promise<string> => {
      let error: Error | undefined;
      let broker: BrokerProcess | undefined;
      try {
        broker = await startBroker({ env });
      } catch (e) {
        error = e as Error;
      } finally {
        await broker?.stop();
      }
      expect(error?.message).toMatch(/broker exited with 1 before listening/);
      expect(error?.message).toMatch(message);
      return error!.message;
    };

    it('names an unreadable certificate file', async () => {
      const output = await startFails(
        { ...tlsEnv(), RUNNEL_TLS_CERT: path.join(pki.dir, 'missing.crt') },
        /RUNNEL_TLS_CERT \(.*missing\.crt\) cannot be read: ENOENT/,
      );
      expect(output).not.toMatch(/\n\s+at /);
    });

    it('names a certificate file that is not PEM', async () => {
      const junk = path.join(pki.dir, 'junk.crt');
      fs.writeFileSync(junk, 'not a certificate\n');
      await startFails({ ...tlsEnv(), RUNNEL_TLS_CERT: junk }, /cannot start TLS: RUNNEL_TLS_CERT \(.*junk\.crt\) is not a PEM file/);
    });

    it('names a key that does not belong to the certificate', async () => {
      await startFails(
        { ...tlsEnv(), RUNNEL_TLS_KEY: path.join(pki.dir, 'ca.key') },
        /RUNNEL_TLS_KEY \(.*ca\.key\) is not the key of RUNNEL_TLS_CERT/,
      );
    });

    it('names a CA file that holds no certificate', async () => {
      await startFails(
        { ...tlsEnv('required'), RUNNEL_TLS_CA: pki.serverKey },
        /RUNNEL_TLS_CA \(.*server\.key\) does not hold a PEM certificate/,
      );
    });

    it('names a bad principal mapping rule', async () => {
      await startFails(
        { ...tlsEnv('required'), RUNNEL_TLS_PRINCIPAL_MAPPING_RULES: 'RULE:^CN=(.*$/$1/' },
        /RUNNEL_TLS_PRINCIPAL_MAPPING_RULES: invalid pattern in principal mapping rule 'RULE:\^CN=\(\.\*\$\/\$1\/'/,
      );
    });
  });
});
