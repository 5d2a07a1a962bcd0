import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { LoadResult } from './loadgen';
import { freePort, startProcess, which } from './process';
import { LineBuffer, runPipelined } from './pipelined';

/**
 * Peer: Redis Streams. redis-server on loopback, a temp dir, AOF on with appendfsync everysec
 * (its durable default); pipelined `XADD bench MAXLEN ~ 100000 * v <value>` over raw RESP. The
 * stream is capped so a fast run cannot exhaust memory (Redis keeps streams in RAM).
 */
const resp = (args: (string | Buffer)[]): Buffer =>
  Buffer.concat([
    Buffer.from(`*${args.length}\r\n`),
    ...args.flatMap((a) => {
      const b = typeof a === 'string' ? Buffer.from(a) : a;
      return [Buffer.from(`$${b.length}\r\n`), b, Buffer.from('\r\n')];
    }),
  ]);

export interface PeerCase {
  valueBytes: number;
  connections: number;
  seconds: number;
}

export async function benchRedis(cases: PeerCase[]): Promise<LoadResult[] | null> {
  const binary = which('redis-server');
  if (binary === null) return null;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'runnel-bench-redis-'));
  const port = await freePort();
  const server = await startProcess(
    binary,
    [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--dir',
      dir,
      '--save',
      '',
      '--appendonly',
      'yes',
      '--appendfsync',
      'everysec',
      '--protected-mode',
      'no',
    ],
    /(Ready to accept connections)/,
  );
  try {
    const results: LoadResult[] = [];
    for (const c of cases) {
      results.push(
        await runPipelined({
          port,
          open: async () => {
            const lines = new LineBuffer();
            let skipNext = false;
            return {
              feed(chunk) {
                lines.push(chunk);
                let ok = 0;
                let failed = 0;
                let firstFailure: string | undefined;
                for (let line = lines.line(); line !== null; line = lines.line()) {
                  if (skipNext) skipNext = false;
                  else if (line[0] === '$') {
                    skipNext = true;
                    ok++;
                  } else if (line[0] === '-') {
                    failed++;
                    firstFailure ??= line;
                  }
                }
                return { ok, failed, firstFailure };
              },
            };
          },
          command: () => resp(['XADD', 'bench', 'MAXLEN', '~', '100000', '*', 'v', Buffer.alloc(c.valueBytes, 0x61)]),
          recordsPerCommand: 1,
          payloadBytesPerCommand: c.valueBytes,
          connections: c.connections,
          window: 256,
          seconds: c.seconds,
        }),
      );
    }
    return results;
  } finally {
    await server.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
