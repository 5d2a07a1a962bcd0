import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import type { LoadResult } from './loadgen';
import { freePort, startProcess, which } from './process';
import { LineBuffer, ReplyParser, runPipelined } from './pipelined';
import type { PeerCase } from './redis';

/**
 * Peer: NATS JetStream with a file-backed stream. nats-server on loopback with a temp store dir;
 * the core NATS text protocol spoken directly (CONNECT, SUB to an inbox, PUB with that inbox as
 * the reply subject): every PUB on `bench.x` is stored by the stream and acknowledged with a MSG
 * `{"stream":"BENCH","seq":N}` on the inbox, which is what a JetStream client's publish awaits.
 */
class NatsConnection implements ReplyParser {
  private readonly lines = new LineBuffer();
  private msgBytes = -1;
  private readonly waiters: ((payload: string) => void)[] = [];
  /** false: MSG payloads answer request(); true: they are counted as publish acks. */
  counting = false;

  constructor(
    private readonly socket: net.Socket,
    inbox: string,
  ) {
    socket.write(`CONNECT {"verbose":false,"pedantic":false,"headers":false,"lang":"bench","version":"0"}\r\nSUB ${inbox} 1\r\n`);
  }

  request(subject: string, reply: string, body: unknown): Promise<string> {
    const payload = Buffer.from(JSON.stringify(body));
    const answer = new Promise<string>((resolve) => this.waiters.push(resolve));
    this.socket.write(Buffer.concat([Buffer.from(`PUB ${subject} ${reply} ${payload.length}\r\n`), payload, Buffer.from('\r\n')]));
    return answer;
  }

  feed(chunk: Buffer): { ok: number; failed: number; firstFailure?: string } {
    this.lines.push(chunk);
    let ok = 0;
    let failed = 0;
    let firstFailure: string | undefined;
    for (;;) {
      if (this.msgBytes >= 0) {
        const payload = this.lines.bytes(this.msgBytes);
        if (payload === null) break;
        this.msgBytes = -1;
        const text = payload.toString();
        if (!this.counting) this.waiters.shift()?.(text);
        else if (text.includes('"error"')) {
          failed++;
          firstFailure ??= text;
        } else ok++;
        continue;
      }
      const line = this.lines.line();
      if (line === null) break;
      if (line.startsWith('MSG ')) this.msgBytes = Number(line.slice(line.lastIndexOf(' ') + 1));
      else if (line === 'PING') this.socket.write('PONG\r\n');
      else if (line.startsWith('-ERR')) {
        failed++;
        firstFailure ??= line;
      }
    }
    return { ok, failed, firstFailure };
  }
}

export async function benchNats(cases: PeerCase[]): Promise<LoadResult[] | null> {
  const binary = which('nats-server');
  if (binary === null) return null;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'runnel-bench-nats-'));
  const port = await freePort();
  const server = await startProcess(binary, ['-js', '-sd', dir, '-a', '127.0.0.1', '-p', String(port)], /(Server is ready)/);
  const admin = net.connect(port, '127.0.0.1');
  try {
    await new Promise<void>((resolve, reject) => admin.once('connect', resolve).once('error', reject));
    const control = new NatsConnection(admin, '_INBOX.admin');
    admin.on('data', (chunk: Buffer) => void control.feed(chunk));
    const results: LoadResult[] = [];
    for (const c of cases) {
      const created = await control.request('$JS.API.STREAM.CREATE.BENCH', '_INBOX.admin', {
        name: 'BENCH',
        subjects: ['bench.>'],
        storage: 'file',
        retention: 'limits',
        max_bytes: 4 * 2 ** 30,
        discard: 'old',
      });
      if (created.includes('"error"')) throw new Error(`JetStream stream create failed: ${created}`);
      const payload = Buffer.alloc(c.valueBytes, 0x61);
      results.push(
        await runPipelined({
          port,
          open: async (socket, n) => {
            const connection = new NatsConnection(socket, `_INBOX.ack${n}`);
            connection.counting = true;
            return connection;
          },
          command: (n) => Buffer.concat([Buffer.from(`PUB bench.x _INBOX.ack${n} ${payload.length}\r\n`), payload, Buffer.from('\r\n')]),
          recordsPerCommand: 1,
          payloadBytesPerCommand: c.valueBytes,
          connections: c.connections,
          window: 256,
          seconds: c.seconds,
        }),
      );
      await control.request('$JS.API.STREAM.DELETE.BENCH', '_INBOX.admin', {});
    }
    return results;
  } finally {
    admin.destroy();
    await server.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
