import * as net from 'node:net';

/** A raw TCP client for what fetch cannot do: send bytes slowly, hold sockets, bind a source address. */
export interface RawSocket {
  readonly socket: net.Socket;
  /** Everything received so far. */
  received(): string;
  /** Resolves when the broker closes the connection (or it errors). */
  readonly closed: Promise<void>;
  write(text: string): void;
  destroy(): void;
}

export async function openRaw(port: number, localAddress = '127.0.0.1'): Promise<RawSocket> {
  const socket = net.connect({ port, host: '127.0.0.1', localAddress });
  let data = '';
  socket.on('data', (chunk) => (data += chunk.toString()));
  const closed = new Promise<void>((resolve) => {
    socket.once('close', () => resolve());
  });
  socket.on('error', () => undefined);
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  return {
    socket,
    received: () => data,
    closed,
    write: (text) => socket.write(text),
    destroy: () => socket.destroy(),
  };
}

/** One request on a fresh socket; resolves with everything received once the broker closes it or `deadlineMs` passes. */
export async function rawRequest(port: number, request: string, localAddress = '127.0.0.1', deadlineMs = 20_000): Promise<string> {
  const raw = await openRaw(port, localAddress);
  raw.write(request);
  const timer = setTimeout(() => raw.destroy(), deadlineMs);
  await raw.closed;
  clearTimeout(timer);
  return raw.received();
}

export function statusOf(response: string): number {
  return Number(/^HTTP\/1\.1 (\d{3})/.exec(response)?.[1]);
}

export function bodyOf(response: string): unknown {
  const at = response.indexOf('\r\n\r\n');
  return JSON.parse(response.slice(at + 4));
}

/** Waits until `check` holds, polling; fails with `what` well before jest's own timeout. */
export async function waitFor(check: () => boolean | Promise<boolean>, what: string, deadlineMs = 30_000): Promise<void> {
  const end = Date.now() + deadlineMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
