import { ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';

/**
 * Child processes for the benchmarks (the broker, the bare-HTTP sink, peers): started on
 * loopback, ready when a line of their output matches, and stopped by their own pid — also when
 * the bench fails or is interrupted, so nothing outlives it.
 */
export interface Started {
  pid: number;
  /** The regex's first capture group, e.g. the port. */
  match: string;
  output: () => string;
  stop(): Promise<void>;
}

const running = new Set<ChildProcess>();
const killAll = (): void => {
  for (const child of running) if (child.exitCode === null && child.signalCode === null) process.kill(child.pid!, 'SIGKILL');
};
process.once('exit', killAll);
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    killAll();
    process.exit(130);
  });
}

export async function startProcess(
  command: string,
  args: string[],
  ready: RegExp,
  options: { env?: Record<string, string>; cwd?: string; timeoutMs?: number } = {},
): Promise<Started> {
  const child = spawn(command, args, { cwd: options.cwd, env: { ...process.env, ...options.env }, stdio: ['ignore', 'pipe', 'pipe'] });
  running.add(child);
  let output = '';
  const exited = new Promise<void>((resolve) => child.once('exit', () => (running.delete(child), resolve())));
  const match = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`${command} not ready after ${options.timeoutMs ?? 60_000} ms:\n${output}`)),
      options.timeoutMs ?? 60_000,
    );
    const onData = (chunk: Buffer): void => {
      output += chunk.toString();
      const m = ready.exec(output);
      if (m) {
        clearTimeout(timer);
        resolve(m[1] ?? m[0]);
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('error', (error) => reject(error));
    void exited.then(() => {
      clearTimeout(timer);
      reject(new Error(`${command} exited before it was ready:\n${output}`));
    });
  }).catch(async (error: unknown) => {
    if (child.exitCode === null && child.signalCode === null) process.kill(child.pid!, 'SIGKILL');
    throw error;
  });
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      process.kill(child.pid!, 'SIGTERM');
      const timer = setTimeout(() => child.exitCode === null && process.kill(child.pid!, 'SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    }
  };
  return { pid: child.pid!, match, output: () => output, stop };
}

/** A free loopback port (for servers that cannot be told to pick one themselves). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as net.AddressInfo).port;
      server.close(() => resolve(port));
    });
  });
}

export function which(binary: string): string | null {
  for (const dir of (process.env.PATH ?? '').split(':').concat(['/usr/sbin', '/usr/local/sbin'])) {
    const candidate = `${dir}/${binary}`;
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return null;
}

/**
 * The Runnel broker for a benchmark: from dist/ when built (as `npm run bench` builds it), else
 * from source; RUNNEL_BENCH_SOURCE=1 forces source, RUNNEL_BENCH_BROKER_NODE_ARGS adds node flags
 * (e.g. --cpu-prof).
 */
export async function startRunnelBroker(
  root: string,
  dataDir: string,
  env: Record<string, string> = {},
): Promise<{ process: Started; baseUrl: string }> {
  const built = `${root}/dist/apps/broker/src/main.js`;
  const main =
    fs.existsSync(built) && process.env.RUNNEL_BENCH_SOURCE !== '1'
      ? [built]
      : ['-r', '@swc-node/register', `${root}/apps/broker/src/main.ts`];
  const nodeArgs = process.env.RUNNEL_BENCH_BROKER_NODE_ARGS?.split(' ').filter(Boolean) ?? [];
  const started = await startProcess(process.execPath, [...nodeArgs, ...main], /listening on https?:\/\/[^:]+:(\d+)/, {
    cwd: root,
    env: { RUNNEL_DATA_DIR: dataDir, RUNNEL_HTTP_PORT: '0', RUNNEL_HOST: '127.0.0.1', ...env },
  });
  const scheme = env.RUNNEL_TLS_CERT ? 'https' : 'http';
  return { process: started, baseUrl: `${scheme}://127.0.0.1:${started.match}` };
}
