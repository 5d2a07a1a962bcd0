import * as net from 'node:net';
import { FaultProxy, type ListenerAddress } from '../../faults/proxy';

/**
 * The partition proxy over real sockets on 127.0.0.x: an echo server upstream, clients bound to
 * 127.0.0.2 / 127.0.0.3 (named b2 / b3 by their source address, as brokers are in the suite).
 */
const NAMES: Record<string, string> = { '127.0.0.2': 'b2', '127.0.0.3': 'b3' };

let echo: net.Server;
let echoAddress: ListenerAddress;
let upstreamConnections = 0;
let proxy: FaultProxy;
const sockets: net.Socket[] = [];

beforeAll(async () => {
  echo = net.createServer((socket) => {
    upstreamConnections++;
    socket.on('error', () => undefined);
    socket.on('data', (chunk) => {
      if (chunk.toString() === 'bye') socket.end('last words');
      else socket.write(chunk);
    });
  });
  await new Promise<void>((resolve) => echo.listen(0, '127.0.0.1', resolve));
  echoAddress = { host: '127.0.0.1', port: (echo.address() as net.AddressInfo).port };
});

afterAll(async () => {
  await new Promise<void>((resolve) => echo.close(() => resolve()));
});

beforeEach(() => {
  proxy = new FaultProxy({ sourceOf: (address) => NAMES[address] ?? 'other', maxConnections: 8 });
});

afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.destroy();
  await proxy.close();
});

/** A client socket from `localAddress`, collecting what it receives. */
async function connect(
  to: ListenerAddress,
  localAddress: string,
): Promise<{ socket: net.Socket; received: () => string; closed: Promise<boolean> }> {
  const socket = net.connect({ host: to.host, port: to.port, localAddress });
  sockets.push(socket);
  let data = '';
  socket.on('data', (chunk) => (data += chunk.toString()));
  socket.on('error', () => undefined);
  const closed = new Promise<boolean>((resolve) => socket.once('close', (hadError) => resolve(hadError)));
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  return { socket, received: () => data, closed };
}

async function until(condition: () => boolean, what: string, deadlineMs = 10_000): Promise<void> {
  const end = Date.now() + deadlineMs;
  while (!condition()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

it('forwards bytes both ways and names each connection by its source address', async () => {
  const listener = await proxy.listen('echo', echoAddress);
  const a = await connect(listener, '127.0.0.2');
  a.socket.write('hello');
  await until(() => a.received() === 'hello', 'the echo');
  expect(proxy.openConnections).toBe(1);
});

it('blackholes an existing link in both directions and delivers the held bytes once healed; other sources flow', async () => {
  const listener = await proxy.listen('echo', echoAddress);
  const cutOff = await connect(listener, '127.0.0.2');
  const other = await connect(listener, '127.0.0.3');
  cutOff.socket.write('warm');
  await until(() => cutOff.received() === 'warm', 'the first echo');
  proxy.cut('b2', 'echo');
  expect(proxy.isCut('b2', 'echo')).toBe('blackhole');
  cutOff.socket.write('held');
  other.socket.write('free');
  await until(() => other.received() === 'free', 'the echo of the link that is not cut');
  expect(cutOff.received()).toBe('warm');
  proxy.heal('b2', 'echo');
  await until(() => cutOff.received() === 'warmheld', 'the held bytes after healing');
});

it('holds a new connection on a blackholed link without connecting upstream until the link heals', async () => {
  const listener = await proxy.listen('echo', echoAddress);
  proxy.cut('b3', 'echo');
  const before = upstreamConnections;
  const held = await connect(listener, '127.0.0.3');
  held.socket.write('ping');
  const probe = await connect(listener, '127.0.0.2');
  probe.socket.write('probe');
  await until(() => probe.received() === 'probe', 'a connection from another source');
  expect(upstreamConnections).toBe(before + 1);
  proxy.healAll();
  await until(() => held.received() === 'ping', 'the held connection to flow');
  expect(upstreamConnections).toBe(before + 2);
});

it('drop resets the connections of a link and refuses new ones', async () => {
  const listener = await proxy.listen('echo', echoAddress);
  const a = await connect(listener, '127.0.0.2');
  proxy.cut('b2', 'echo', 'drop');
  expect(await a.closed).toBe(true);
  const again = net.connect({ host: listener.host, port: listener.port, localAddress: '127.0.0.2' });
  sockets.push(again);
  const outcome = await new Promise<string>((resolve) => {
    again.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? 'error'));
    again.once('close', () => resolve('closed'));
  });
  expect(['ECONNRESET', 'closed']).toContain(outcome);
  proxy.heal('b2', 'echo');
  const healed = await connect(listener, '127.0.0.2');
  healed.socket.write('back');
  await until(() => healed.received() === 'back', 'the echo after healing');
});

it('partition() cuts both directions between two groups and lists the cuts', () => {
  proxy.partition(['b1'], ['b2', 'b3']);
  expect(proxy.describeCuts().sort()).toEqual(['b1→b2 (blackhole)', 'b1→b3 (blackhole)', 'b2→b1 (blackhole)', 'b3→b1 (blackhole)']);
  expect(proxy.isCut('b2', 'b3')).toBeUndefined();
});

it('a listener with a fixed source names every connection by it, whatever the address', async () => {
  const listener = await proxy.listen('pg', echoAddress, { host: '127.0.0.1', port: 0 }, 'b3');
  proxy.cut('b3', 'pg', 'drop');
  const outcome = await new Promise<string>((resolve) => {
    const socket = net.connect({ host: listener.host, port: listener.port, localAddress: '127.0.0.2' });
    sockets.push(socket);
    socket.once('error', () => resolve('refused'));
    socket.once('close', () => resolve('refused'));
    socket.once('data', () => resolve('data'));
  });
  expect(outcome).toBe('refused');
});

it('ends the client gracefully when the upstream closes: everything written arrives', async () => {
  const listener = await proxy.listen('echo', echoAddress);
  const a = await connect(listener, '127.0.0.2');
  a.socket.write('bye');
  expect(await a.closed).toBe(false);
  expect(a.received()).toBe('last words');
});

it('resets connections beyond maxConnections', async () => {
  const listener = await proxy.listen('echo', echoAddress);
  const open: Awaited<ReturnType<typeof connect>>[] = [];
  for (let i = 0; i < 8; i++) {
    const c = await connect(listener, '127.0.0.2');
    c.socket.write(`c${i}`);
    open.push(c);
  }
  await until(() => open.every((c, i) => c.received() === `c${i}`), 'eight echoes');
  const extra = net.connect({ host: listener.host, port: listener.port, localAddress: '127.0.0.2' });
  sockets.push(extra);
  await new Promise<void>((resolve) => {
    extra.once('error', () => resolve());
    extra.once('close', () => resolve());
  });
  await until(() => proxy.connectionsRefusedByBound === 1, 'the refusal to be counted');
});
