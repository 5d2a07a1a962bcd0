import { spawn } from 'node:child_process';
import * as path from 'node:path';
import { BrokerProcess, makeDataDir, startBroker } from '../support/broker-process';

const MAIN = path.resolve(__dirname, '../../../../dist/apps/broker/src/main.js');

/** Runs the built broker to its exit (it must exit by itself); stopped by pid if it does not within the deadline. */
function runToExit(env: Record<string, string>, deadlineMs = 30_000): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [MAIN], {
      env: { ...process.env, RUNNEL_DATA_DIR: makeDataDir(), RUNNEL_HOST: '127.0.0.1', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const timer = setTimeout(() => process.kill(child.pid!, 'SIGKILL'), deadlineMs);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

describe('broker process: start-up and logs', () => {
  let broker: BrokerProcess | undefined;
  afterEach(async () => {
    await broker?.stop();
    broker = undefined;
  });

  it('logs JSON lines: the start line names version, port and data dir; SIGTERM logs the shutdown', async () => {
    broker = await startBroker();
    const start = broker
      .output()
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as Record<string, unknown>)
      .find((line) => String(line.msg).includes('listening on'));
    expect(start).toMatchObject({
      level: 'info',
      context: 'Broker',
      version: expect.any(String),
      dataDir: broker.dataDir,
      port: Number(new URL(broker.baseUrl).port),
    });
    expect(await broker.stop()).toBe(0);
    const lines = broker.output().trim().split('\n');
    for (const line of lines) expect(() => JSON.parse(line)).not.toThrow();
    expect(lines.some((line) => (JSON.parse(line) as { msg: string }).msg.includes('shutting down'))).toBe(true);
  });

  it('on a taken port, exits 1 with one line naming RUNNEL_HTTP_PORT and no stack trace', async () => {
    broker = await startBroker();
    const { code, output } = await runToExit({ RUNNEL_HTTP_PORT: new URL(broker.baseUrl).port });
    expect(code).toBe(1);
    expect(output).toContain('already in use');
    expect(output).toContain('RUNNEL_HTTP_PORT');
    expect(output).not.toMatch(/\n\s+at /);
  });

  it('on a bad value, exits 1 with one line naming the variable', async () => {
    const { code, output } = await runToExit({ RUNNEL_HTTP_PORT: '0x1F90' });
    expect(code).toBe(1);
    expect(output.trim().split('\n')).toHaveLength(1);
    expect(output).toContain('RUNNEL_HTTP_PORT=0x1F90 is not a TCP port');
  });

  it('RUNNEL_LOG_LEVEL=debug adds debug lines; the default level does not; with error the start line still shows', async () => {
    broker = await startBroker({ env: { RUNNEL_LOG_LEVEL: 'debug' } });
    expect(broker.output()).toContain('"level":"debug"');
    await broker.stop();
    broker = await startBroker();
    expect(broker.output()).not.toContain('"level":"debug"');
    await broker.stop();
    broker = await startBroker({ env: { RUNNEL_LOG_LEVEL: 'error' } });
    expect(broker.output()).toContain('listening on');
    await broker.stop();
    expect(broker.output()).not.toContain('shutting down');
  });
});
