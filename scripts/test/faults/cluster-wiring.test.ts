import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { Cluster } from '../../faults/cluster';

/**
 * The cluster harness's wiring, without brokers: the environment each broker would get (contracts
 * §7) and the proxy links behind it. Stand-in servers play PostgreSQL and the brokers' inter-broker
 * listeners; connections from 127.0.0.x are what a broker bound to RUNNEL_HOST makes.
 */
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'runnel-faults-wiring-'));
const servers: net.Server[] = [];
const sockets: net.Socket[] = [];
let cluster: Cluster;
let pgPort: number;

async function echoServer(host: string, port = 0): Promise<number> {
  const server = net.createServer((socket) => {
    socket.on('error', () => undefined);
    socket.on('data', (chunk) => socket.write(`${host}:${chunk.toString()}`));
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(port, host, resolve));
  return (server.address() as net.AddressInfo).port;
}

/** Connects from `localAddress` to host:port, sends `text`, answers the reply or "refused". */
async function ask(host: string, port: number, localAddress: string, text: string): Promise<string> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port, localAddress });
    sockets.push(socket);
    let reply = '';
    socket.on('connect', () => socket.write(text));
    socket.on('data', (chunk) => {
      reply += chunk.toString();
      if (reply.length >= text.length) resolve(reply);
    });
    socket.on('error', () => resolve('refused'));
    socket.on('close', () => resolve(reply || 'refused'));
  });
}

beforeAll(async () => {
  pgPort = await echoServer('127.0.0.1');
  const stand = path.join(dir, 'stand-in.js');
  fs.writeFileSync(stand, '');
  cluster = await Cluster.create({ mode: 'cluster', dir, metadataUrl: `postgresql://u:p@127.0.0.1:${pgPort}/db1`, main: stand });
});

afterAll(async () => {
  for (const socket of sockets) socket.destroy();
  await cluster.close();
  for (const server of servers) server.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

it('gives brokers 1..3 the environment of contracts §7, each on its own 127.0.0.x', () => {
  expect(cluster.brokerIds).toEqual([1, 2, 3]);
  for (const node of cluster.nodes) {
    const env = node.process.options.env;
    expect(env).toMatchObject({
      RUNNEL_NODE_ID: String(node.id),
      RUNNEL_HOST: `127.0.0.${node.id}`,
      RUNNEL_BROKER_LEASE_MS: '2000',
      RUNNEL_CONTROLLER_LEASE_MS: '2000',
      RUNNEL_BROKER_HEARTBEAT_MS: '300',
      RUNNEL_REPLICA_LAG_TIME_MAX_MS: '3000',
      RUNNEL_CONTROLLED_SHUTDOWN_TIMEOUT_MS: '5000',
      RUNNEL_DATA_DIR: node.dataDir,
      RUNNEL_TEST_ENOSPC_FLAG_FILE: node.enospcFlagFile,
    });
    expect(new URL(env.RUNNEL_METADATA_URL).pathname).toBe('/db1');
    expect(env.RUNNEL_INTER_BROKER_ADVERTISED).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(node.directUrl).toBe(`http://127.0.0.${node.id}:${env.RUNNEL_HTTP_PORT}`);
    expect(node.process.options.args).toEqual([path.join(dir, 'stand-in.js')]);
  }
  expect(new Set(cluster.nodes.map((n) => n.dataDir)).size).toBe(3);
});

it('routes each broker to PostgreSQL through its own link, which a fault can cut alone', async () => {
  const [b1, b2] = cluster.nodes.map((n) => new URL(n.process.options.env.RUNNEL_METADATA_URL));
  expect(await ask(b1.hostname, Number(b1.port), '127.0.0.1', 'hello')).toBe('127.0.0.1:hello');
  cluster.proxy.cut('b1', 'pg', 'drop');
  expect(await ask(b1.hostname, Number(b1.port), '127.0.0.1', 'hello')).toBe('refused');
  expect(await ask(b2.hostname, Number(b2.port), '127.0.0.2', 'hello')).toBe('127.0.0.1:hello');
  cluster.proxy.healAll();
});

it('routes inter-broker connections through the advertised proxy address, cut per (source broker, target broker)', async () => {
  const b3 = cluster.node(3);
  await echoServer('127.0.0.3', Number(b3.process.options.env.RUNNEL_INTER_BROKER_PORT));
  const [host, port] = b3.process.options.env.RUNNEL_INTER_BROKER_ADVERTISED.split(':');
  expect(await ask(host, Number(port), '127.0.0.1', 'fetch')).toBe('127.0.0.3:fetch');
  cluster.proxy.partition(['b1'], ['b2', 'b3'], 'drop');
  expect(await ask(host, Number(port), '127.0.0.1', 'fetch')).toBe('refused');
  expect(await ask(host, Number(port), '127.0.0.2', 'fetch')).toBe('127.0.0.3:fetch');
  cluster.proxy.healAll();
  expect(await ask(host, Number(port), '127.0.0.1', 'fetch')).toBe('127.0.0.3:fetch');
});

it('sends clients (from 127.0.0.10) to a broker through its own link', async () => {
  const b2 = cluster.node(2);
  await echoServer('127.0.0.2', b2.httpPort);
  const url = new URL(cluster.endpoints().find((e) => e.broker === 2)!.baseUrl);
  expect(await ask(url.hostname, Number(url.port), '127.0.0.10', 'GET')).toBe('127.0.0.2:GET');
  cluster.proxy.cut('client', 'http-2', 'drop');
  expect(await ask(url.hostname, Number(url.port), '127.0.0.10', 'GET')).toBe('refused');
  cluster.proxy.healAll();
});
