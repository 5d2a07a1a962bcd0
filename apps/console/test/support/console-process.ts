import { ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { startBroker, type BrokerProcess } from '../../../broker/test/support/broker-process';
import { startSecureBroker } from '../../../broker/test/support/acl-helpers';

/**
 * Starts the real, built console (apps/console/server.js over apps/console/.next, built by
 * `npm test` before jest runs) as a child process on a free port, talking to a real broker, and
 * stops it by its own pid.
 */
export interface ConsoleProcess {
  readonly pid: number;
  readonly baseUrl: string;
  readonly output: () => string;
  stop(): Promise<number | null>;
}

const CONSOLE = path.resolve(__dirname, '../..');

export async function startConsole(brokerUrl: string, env: Record<string, string> = {}): Promise<ConsoleProcess> {
  if (!fs.existsSync(path.join(CONSOLE, '.next/BUILD_ID')))
    throw new Error('apps/console/.next is missing: run "npm run build" (npm test does)');
  const child: ChildProcess = spawn(process.execPath, [path.join(CONSOLE, 'server.js')], {
    cwd: CONSOLE,
    env: {
      ...process.env,
      RUNNEL_BROKER_URL: brokerUrl,
      RUNNEL_CONSOLE_PORT: '0',
      RUNNEL_CONSOLE_HOST: '127.0.0.1',
      NEXT_TELEMETRY_DISABLED: '1',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const port = await new Promise<number>((resolve, reject) => {
    const onData = (chunk: Buffer): void => {
      output += chunk.toString();
      const match = /runnel console listening on http:\/\/[^:]+:(\d+)/.exec(output);
      if (match) resolve(Number(match[1]));
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    void exited.then((code) => reject(new Error(`console exited with ${code} before listening:\n${output}`)));
  });
  return {
    pid: child.pid!,
    baseUrl: `http://127.0.0.1:${port}`,
    output: () => output,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) process.kill(child.pid!, 'SIGTERM');
      return exited;
    },
  };
}

/** A broker (auth off, or on with the test admin password) and a console in front of it. */
export interface Stack {
  broker: BrokerProcess;
  console: ConsoleProcess;
  stop(): Promise<void>;
}

export async function startStack(options: { auth?: boolean; brokerEnv?: Record<string, string> } = {}): Promise<Stack> {
  const broker = options.auth ? await startSecureBroker(options.brokerEnv) : await startBroker({ env: options.brokerEnv });
  let consoleProcess: ConsoleProcess;
  try {
    consoleProcess = await startConsole(broker.baseUrl);
  } catch (error) {
    await broker.stop();
    throw error;
  }
  return {
    broker,
    console: consoleProcess,
    stop: async () => {
      await Promise.allSettled([consoleProcess.stop(), broker.stop()]);
    },
  };
}
