import type { AddressInfo } from 'node:net';
import { WebSocket, WebSocketServer } from 'ws';

/**
 * A real `ws` server on 127.0.0.1:0 whose every frame the test writes by hand: it records what
 * the client sends and lets the test wait for it (on each inbound frame, no polling), so a test
 * can play the broker's group side step by step.
 */
export interface ScriptedWs {
  url: string;
  /** Client → server frames, in order. */
  received: Record<string, any>[];
  /** Sends a frame on the (first) client socket. */
  send(frame: object): void;
  /** Resolves once `check()` holds; re-checked on every inbound frame and when the client closes. */
  until(check: () => boolean, what: string): Promise<void>;
  /** True once the client's socket has closed. */
  clientClosed(): boolean;
  of(type: string): Record<string, any>[];
  close(): Promise<void>;
}

export async function startScriptedWs(): Promise<ScriptedWs> {
  const server = new WebSocketServer({ host: '127.0.0.1', port: 0, path: '/v3/ws' });
  await new Promise((resolve) => server.once('listening', resolve));
  const sockets: WebSocket[] = [];
  const checks = new Set<() => void>();
  let connected: (ws: WebSocket) => void;
  const first = new Promise<WebSocket>((resolve) => (connected = resolve));
  let closedByClient = false;
  const recheck = (): void => {
    for (const check of [...checks]) check();
  };
  const fake: ScriptedWs = {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    received: [],
    send: (frame) => void first.then((ws) => ws.send(JSON.stringify(frame))),
    until: (check, what) =>
      new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => {
          checks.delete(run);
          reject(new Error(`timed out waiting for ${what}; client sent ${JSON.stringify(fake.received).slice(0, 1500)}`));
        }, 20_000);
        const run = (): void => {
          if (!check()) return;
          clearTimeout(timer);
          checks.delete(run);
          resolve();
        };
        checks.add(run);
        run();
      }),
    clientClosed: () => closedByClient,
    of: (type) => fake.received.filter((f) => f.type === type),
    close: () =>
      new Promise((resolve) => {
        for (const ws of sockets) ws.terminate();
        server.close(() => resolve());
      }),
  };
  server.on('connection', (ws) => {
    sockets.push(ws);
    if (sockets.length === 1) connected(ws);
    ws.on('message', (data) => {
      fake.received.push(JSON.parse(data.toString()) as Record<string, any>);
      recheck();
    });
    ws.on('close', () => {
      closedByClient = true;
      recheck();
    });
  });
  return fake;
}

/** A records-frame record of a group subscription (they carry `topic`, frames carry no cursor). */
export function record(topic: string, partition: number, offset: number): Record<string, unknown> {
  return { topic, partition, offset, timestamp: 1, key: null, value: { type: 'STRING', data: `${partition}:${offset}` }, headers: [] };
}
