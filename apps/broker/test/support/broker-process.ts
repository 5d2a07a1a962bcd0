import { ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/**
 * Starts the real, built broker (`dist/apps/broker/src/main.js`, built by `npm test` before jest
 * runs) as a child process on a temp data dir and a free port, and stops it by its own pid.
 * Tests call `stop()` in afterEach/afterAll, so a failing test still stops its broker.
 */
export interface BrokerProcess {
  readonly pid: number;
  readonly baseUrl: string;
  readonly dataDir: string;
  readonly output: () => string;
  /** SIGTERM and wait for exit; `kill9` simulates a crash. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

const ROOT = path.resolve(__dirname, '../../../..');
const MAIN = path.join(ROOT, 'dist/apps/broker/src/main.js');
/** RUNNEL_E2E_SOURCE=1 runs apps/broker/src/main.ts through @swc-node/register: no build needed. */
const FROM_SOURCE = process.env.RUNNEL_E2E_SOURCE === '1';

export function makeDataDir(prefix = 'runnel-e2e-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

export async function startBroker(options: { dataDir?: string; env?: Record<string, string> } = {}): Promise<BrokerProcess> {
  if (!FROM_SOURCE && !fs.existsSync(MAIN)) throw new Error(`${MAIN} is missing: run "npm run build" (npm test does)`);
  const args = FROM_SOURCE ? ['-r', '@swc-node/register', path.join(ROOT, 'apps/broker/src/main.ts')] : [MAIN];
  const dataDir = options.dataDir ?? makeDataDir();
  const child: ChildProcess = spawn(process.execPath, args, {
    cwd: ROOT,
    env: { ...process.env, RUNNEL_DATA_DIR: dataDir, RUNNEL_HTTP_PORT: '0', RUNNEL_HOST: '127.0.0.1', ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const [scheme, port] = await new Promise<[string, number]>((resolve, reject) => {
    const onData = (chunk: Buffer): void => {
      output += chunk.toString();
      const match = /listening on (https?):\/\/[^:]+:(\d+)/.exec(output);
      if (match) resolve([match[1], Number(match[2])]);
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    void exited.then((code) => reject(new Error(`broker exited with ${code} before listening:\n${output}`)));
  });
  const stop = async (signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> => {
    if (child.exitCode === null && child.signalCode === null) process.kill(child.pid!, signal);
    return exited;
  };
  // A broker bound to one loopback address (cluster tests use 127.0.0.1-3) is reached there.
  const host = options.env?.RUNNEL_HOST && options.env.RUNNEL_HOST !== '0.0.0.0' ? options.env.RUNNEL_HOST : '127.0.0.1';
  return { pid: child.pid!, baseUrl: `${scheme}://${host}:${port}`, dataDir, output: () => output, stop };
}
