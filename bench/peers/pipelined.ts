import * as net from 'node:net';
import type { LoadResult } from './loadgen';

/**
 * The load generator for the peers' own TCP protocols (Redis RESP, NATS): `connections` sockets,
 * each keeping `window` commands outstanding (a new one is written per reply, in one write per
 * chunk received), until the time is up. Replies are counted by a protocol-specific parser.
 */
export interface ReplyParser {
  /** Feeds received bytes; returns the replies completed (ok and failed). */
  feed(chunk: Buffer): { ok: number; failed: number; firstFailure?: string };
}

export interface PipelinedLoad {
  port: number;
  /** Runs the handshake on a fresh socket and answers the parser for the rest of its life. */
  open: (socket: net.Socket, connection: number) => Promise<ReplyParser>;
  /** One command, encoded, per connection (the same bytes are sent over and over). */
  command: (connection: number) => Buffer;
  recordsPerCommand: number;
  payloadBytesPerCommand: number;
  connections: number;
  window: number;
  seconds: number;
}

export async function runPipelined(load: PipelinedLoad): Promise<LoadResult> {
  const result: LoadResult = { seconds: 0, requests: 0, records: 0, payloadBytes: 0, failures: 0 };
  const sockets = await Promise.all(
    Array.from({ length: load.connections }, async (_, n) => {
      const socket = net.connect(load.port, '127.0.0.1');
      socket.setNoDelay(true);
      await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
      const command = load.command(n);
      const many = Buffer.concat(Array.from({ length: load.window }, () => command));
      return { socket, parser: await load.open(socket, n), many, commandBytes: command.length };
    }),
  );
  const start = process.hrtime.bigint();
  const deadline = start + BigInt(Math.round(load.seconds * 1e9));
  await Promise.all(
    sockets.map(
      ({ socket, parser, many, commandBytes }) =>
        new Promise<void>((resolve, reject) => {
          let outstanding = load.window;
          socket.on('error', reject);
          socket.on('data', (chunk: Buffer) => {
            const { ok, failed, firstFailure } = parser.feed(chunk);
            result.requests += ok;
            result.records += ok * load.recordsPerCommand;
            result.payloadBytes += ok * load.payloadBytesPerCommand;
            result.failures += failed;
            if (firstFailure !== undefined) result.firstFailure ??= firstFailure;
            outstanding -= ok + failed;
            if (process.hrtime.bigint() < deadline) {
              const more = load.window - outstanding;
              if (more > 0) socket.write(many.subarray(0, more * commandBytes));
              outstanding += more;
            } else if (outstanding === 0) {
              socket.removeAllListeners('data');
              resolve();
            }
          });
          socket.write(many);
        }),
    ),
  );
  result.seconds = Number(process.hrtime.bigint() - start) / 1e9;
  for (const { socket } of sockets) socket.destroy();
  return result;
}

/** Splits a byte stream into CRLF-terminated lines, keeping the unfinished tail. */
export class LineBuffer {
  private pending: Buffer = Buffer.alloc(0);
  push(chunk: Buffer): void {
    this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
  }
  /** The next line (without CRLF), or null until one is complete. */
  line(): string | null {
    const end = this.pending.indexOf('\r\n');
    if (end < 0) return null;
    const line = this.pending.toString('latin1', 0, end);
    this.pending = this.pending.subarray(end + 2);
    return line;
  }
  /** `n` payload bytes plus their CRLF, or null until they arrived. */
  bytes(n: number): Buffer | null {
    if (this.pending.length < n + 2) return null;
    const payload = this.pending.subarray(0, n);
    this.pending = this.pending.subarray(n + 2);
    return payload;
  }
}
