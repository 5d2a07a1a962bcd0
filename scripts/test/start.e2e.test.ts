import { ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { makeDataDir } from '../../apps/broker/test/support/broker-process';

/**
 * `npm start` as a user or a supervisor runs it: a real npm, a real broker and console. What they
 * observe: the broker and the console answer (the start line says where the console is), a
 * signal to npm stops both cleanly (exit 0), a second start with nothing changed does not rebuild
 * (dist/.build-stamp untouched), and RUNNEL_CONSOLE=off starts the broker alone.
 */
const ROOT = path.resolve(__dirname, '../..');
const STAMP = path.join(ROOT, 'dist/.build-stamp');
// A start may build first (20-40 s on a loaded machine); waits are conditions with these deadlines.
const START_DEADLINE_MS = 150_000;
const STOP_DEADLINE_MS = 45_000;

interface NpmStart {
  npm: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
  brokerPid: number;
  baseUrl: string;
  consolePid: number;
  consoleUrl: string;
}

/** Every pid whose parent chain leads to `ancestor`, read from /proc. */
function descendants(ancestor: number): number[] {
  const parentOf = new Map<number, number>();
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      parentOf.set(Number(entry), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      // the process ended while we looked
    }
  }
  return [...parentOf.keys()].filter((pid) => {
    for (let p = parentOf.get(pid); p !== undefined && p > 1; p = parentOf.get(p)) if (p === ancestor) return true;
    return false;
  });
}

function commandLine(pid: number): string {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ');
  } catch {
    return '';
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function until(what: string, deadlineMs: number, check: () => boolean): Promise<void> {
  const deadline = Date.now() + deadlineMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`not within ${deadlineMs} ms: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

const started: NpmStart[] = [];

/** `npm start` in its own process group (as a terminal or supervisor would run it), until the broker listens. */
async function npmStart(env: Record<string, string> = {}): Promise<NpmStart> {
  const withConsole = env.RUNNEL_CONSOLE !== 'off';
  const npm = spawn('npm', ['start'], {
    cwd: ROOT,
    env: {
      ...process.env,
      RUNNEL_DATA_DIR: makeDataDir('runnel-npm-start-'),
      RUNNEL_HTTP_PORT: '0',
      RUNNEL_HOST: '127.0.0.1',
      RUNNEL_CONSOLE_PORT: '0',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let output = '';
  npm.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  npm.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => npm.once('exit', (code) => resolve(code)));
  const entry: NpmStart = { npm, output: () => output, exited, brokerPid: 0, baseUrl: '', consolePid: 0, consoleUrl: '' };
  started.push(entry);
  let port = 0;
  await until(`the broker's "listening" line; output so far:\n${output}`, START_DEADLINE_MS, () => {
    if (npm.exitCode !== null) throw new Error(`npm start exited with ${npm.exitCode}:\n${output}`);
    port = Number(/runnel broker listening on http:\/\/[^:]+:(\d+)/.exec(output)?.[1] ?? 0);
    return port > 0;
  });
  if (withConsole) {
    await until(`the "console on" start line; output so far:\n${output}`, START_DEADLINE_MS, () => {
      if (npm.exitCode !== null) throw new Error(`npm start exited with ${npm.exitCode}:\n${output}`);
      entry.consoleUrl = /runnel: console on (http:\/\/\S+)/.exec(output)?.[1].replace('localhost', '127.0.0.1') ?? '';
      return entry.consoleUrl !== '';
    });
    const consolePid = descendants(npm.pid!).find((pid) => commandLine(pid).includes('apps/console/server.js'));
    if (consolePid === undefined) throw new Error(`no console process under npm (pid ${npm.pid})`);
    entry.consolePid = consolePid;
  }
  const broker = descendants(npm.pid!).find((pid) => commandLine(pid).includes('dist/apps/broker/src/main.js'));
  if (broker === undefined) throw new Error(`no broker process under npm (pid ${npm.pid})`);
  entry.brokerPid = broker;
  entry.baseUrl = `http://127.0.0.1:${port}`;
  return entry;
}

afterEach(() => {
  // Whatever a failed test left behind is stopped by its own pid.
  for (const { npm, brokerPid, consolePid } of started.splice(0)) {
    for (const pid of [brokerPid, consolePid, ...descendants(npm.pid!), npm.pid!]) if (pid > 0 && alive(pid)) process.kill(pid, 'SIGKILL');
  }
});

describe('npm start', () => {
  it(
    'starts the console beside the broker and stops both when npm gets SIGTERM, and does not rebuild a current build',
    async () => {
      const first = await npmStart(); // builds if needed, so the second start finds a current build
      // The console answers and talks to this broker: its proxy reaches the broker's API.
      const clusters = await fetch(`${first.consoleUrl}/api/broker/v3/clusters`, { headers: { 'x-runnel-console': '1' } });
      expect(clusters.status).toBe(200);
      expect((await fetch(first.consoleUrl)).status).toBe(200);
      process.kill(first.npm.pid!, 'SIGTERM');
      expect(await first.exited).toBe(0);
      await until(`broker pid ${first.brokerPid} gone after SIGTERM to npm`, STOP_DEADLINE_MS, () => !alive(first.brokerPid));
      await until(`console pid ${first.consolePid} gone after SIGTERM to npm`, STOP_DEADLINE_MS, () => !alive(first.consolePid));

      const stampBefore = fs.statSync(STAMP).mtimeMs;
      const second = await npmStart();
      expect(second.output()).toContain('build is current');
      expect(second.output()).toContain('console build is current');
      expect(fs.statSync(STAMP).mtimeMs).toBe(stampBefore);
      expect((await fetch(`${second.baseUrl}/health/live`)).status).toBe(200);
      process.kill(second.npm.pid!, 'SIGTERM');
      expect(await second.exited).toBe(0);
      await until(`broker pid ${second.brokerPid} gone`, STOP_DEADLINE_MS, () => !alive(second.brokerPid));
    },
    2 * START_DEADLINE_MS + 3 * STOP_DEADLINE_MS,
  );

  it(
    'shuts the broker down cleanly on a Ctrl-C to the whole process group (one SIGINT reaches it, exit 0)',
    async () => {
      const run = await npmStart();
      process.kill(-run.npm.pid!, 'SIGINT'); // what a terminal does: every process of the foreground group
      expect(await run.exited).toBe(0); // a doubled SIGINT would make the broker exit 1 without flushing
      await until(`broker pid ${run.brokerPid} gone after SIGINT`, STOP_DEADLINE_MS, () => !alive(run.brokerPid));
      await until(`console pid ${run.consolePid} gone after SIGINT`, STOP_DEADLINE_MS, () => !alive(run.consolePid));
    },
    START_DEADLINE_MS + 2 * STOP_DEADLINE_MS,
  );

  it(
    'starts the broker alone with RUNNEL_CONSOLE=off',
    async () => {
      const run = await npmStart({ RUNNEL_CONSOLE: 'off' });
      expect((await fetch(`${run.baseUrl}/health/live`)).status).toBe(200);
      expect(descendants(run.npm.pid!).some((pid) => commandLine(pid).includes('apps/console/server.js'))).toBe(false);
      expect(run.output()).not.toContain('console on');
      process.kill(run.npm.pid!, 'SIGTERM');
      expect(await run.exited).toBe(0);
    },
    START_DEADLINE_MS + 2 * STOP_DEADLINE_MS,
  );
});
