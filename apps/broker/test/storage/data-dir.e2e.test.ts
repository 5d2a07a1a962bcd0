import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { BrokerProcess, makeDataDir, startBroker } from '../support/broker-process';

const MAIN = path.resolve(__dirname, '../../../../dist/apps/broker/src/main.js');

/**
 * Runs the built broker on `dataDir` until it exits by itself or `deadlineMs` passes (then it is
 * killed by its pid and `exitCode` is undefined). For brokers expected to refuse to start.
 */
async function runExpectingExit(dataDir: string, deadlineMs = 20_000): Promise<{ exitCode: number | null | undefined; output: string }> {
  const child = spawn(process.execPath, [MAIN], {
    env: { ...process.env, RUNNEL_DATA_DIR: dataDir, RUNNEL_HTTP_PORT: '0', RUNNEL_HOST: '127.0.0.1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), deadlineMs)));
  try {
    const exitCode = await Promise.race([exited, deadline]);
    return { exitCode, output };
  } finally {
    clearTimeout(timer);
    if (child.exitCode === null && child.signalCode === null) {
      process.kill(child.pid!, 'SIGKILL');
      await exited;
    }
  }
}

describe('the data dir (real broker processes)', () => {
  const brokers: BrokerProcess[] = [];
  afterEach(async () => {
    for (const broker of brokers.splice(0)) await broker.stop('SIGKILL');
  });
  const start = async (dataDir: string): Promise<BrokerProcess> => {
    const broker = await startBroker({ dataDir });
    brokers.push(broker);
    return broker;
  };

  it('lets one broker at a time use a data dir; a second one exits naming the holder', async () => {
    const dataDir = makeDataDir();
    const first = await start(dataDir);
    const second = await runExpectingExit(dataDir);
    expect(second.exitCode).toBe(1);
    expect(second.output).toContain(`data dir ${dataDir} is in use by another broker (pid ${first.pid} on host`);
    // The first broker was not disturbed.
    expect((await fetch(`${first.baseUrl}/health/ready`)).status).toBe(200);
  }, 60_000);

  it('takes over the lock of a broker killed with SIGKILL', async () => {
    const dataDir = makeDataDir();
    const first = await start(dataDir);
    expect(JSON.parse(fs.readFileSync(path.join(dataDir, '.lock'), 'utf8'))).toMatchObject({ pid: first.pid });
    await first.stop('SIGKILL');
    const second = await start(dataDir);
    expect((await fetch(`${second.baseUrl}/health/ready`)).status).toBe(200);
    expect(JSON.parse(fs.readFileSync(path.join(dataDir, '.lock'), 'utf8'))).toMatchObject({ pid: second.pid });
    // ... and after a clean stop too.
    expect(await second.stop()).toBe(0);
    const third = await start(dataDir);
    expect((await fetch(`${third.baseUrl}/health/ready`)).status).toBe(200);
  }, 60_000);

  it('stops at once, naming RUNNEL_DATA_DIR, when the data dir cannot hold a log', async () => {
    // procfs: mkdir answers ENOENT (node's recursive mkdir spun on it at 90% CPU).
    const underProc = await runExpectingExit('/proc/runnel-data');
    expect(underProc.exitCode).toBe(1);
    expect(underProc.output).toContain('RUNNEL_DATA_DIR=/proc/runnel-data cannot hold a log');

    const file = path.join(makeDataDir(), 'a-file');
    fs.writeFileSync(file, 'not a directory');
    const onFile = await runExpectingExit(file);
    expect(onFile.exitCode).toBe(1);
    expect(onFile.output).toContain(`RUNNEL_DATA_DIR=${file} cannot hold a log: it is not a directory`);

    const underFile = await runExpectingExit(path.join(file, 'data'));
    expect(underFile.exitCode).toBe(1);
    expect(underFile.output).toContain(`RUNNEL_DATA_DIR=${path.join(file, 'data')} cannot hold a log`);
  }, 90_000);
});
