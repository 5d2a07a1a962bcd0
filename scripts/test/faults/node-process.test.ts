import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { NodeProcess, killAllStarted, liveProcessCount } from '../../faults/node-process';

/**
 * Process handling with a tiny real node script in place of a broker: ready line, kill -9,
 * SIGSTOP / SIGCONT, a clean stop, a stop that needs SIGKILL, restart, and the clear error of a
 * process that dies before it is ready. Every process is stopped by its pid in afterEach.
 */
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'runnel-faults-proc-'));
const script = path.join(dir, 'fake-broker.js');
fs.writeFileSync(
  script,
  `
if (process.env.FAIL_AT_START === '1') { console.error('boom: cannot start'); process.exit(3); }
if (process.env.IGNORE_TERM === '1') process.on('SIGTERM', () => console.log('ignoring SIGTERM'));
else process.on('SIGTERM', () => { console.log('clean shutdown'); process.exit(0); });
let ticks = 0;
setInterval(() => { ticks++; require('fs').writeFileSync(process.env.TICK_FILE, String(ticks)); }, 20);
console.log('runnel broker listening on http://127.0.0.1:1 (fake)');
`,
);

const made: NodeProcess[] = [];
function fake(env: Record<string, string> = {}): NodeProcess {
  const node = new NodeProcess({
    name: 'fake broker',
    args: [script],
    env: { TICK_FILE: path.join(dir, `ticks-${made.length}`), ...env },
    cwd: dir,
    logFile: path.join(dir, `fake-${made.length}.log`),
  });
  made.push(node);
  return node;
}

const ticks = (node: NodeProcess): number => Number(fs.readFileSync(node.options.env.TICK_FILE, 'utf8') || 0);

async function until(condition: () => boolean, what: string): Promise<void> {
  const end = Date.now() + 20_000;
  while (!condition()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

afterEach(async () => {
  for (const node of made.splice(0)) await node.stop(5_000);
});
afterAll(() => {
  killAllStarted();
  fs.rmSync(dir, { recursive: true, force: true });
});

it('starts, reports its pid, stops cleanly with SIGTERM and logs to its file', async () => {
  const node = fake();
  await node.start(20_000);
  expect(node.running).toBe(true);
  expect(node.pid).toBeGreaterThan(0);
  expect(await node.stop(10_000)).toBe(true);
  expect(node.running).toBe(false);
  expect(fs.readFileSync(node.options.logFile, 'utf8')).toContain('clean shutdown');
});

it('kill -9 ends it at once and a restart starts a new process', async () => {
  const node = fake();
  await node.start(20_000);
  const first = node.pid;
  await node.crash();
  expect(node.running).toBe(false);
  await node.start(20_000);
  expect(node.pid).not.toBe(first);
  expect(node.starts).toBe(2);
});

it('SIGSTOP freezes it and SIGCONT resumes it', async () => {
  const node = fake();
  await node.start(20_000);
  await until(() => fs.existsSync(node.options.env.TICK_FILE) && ticks(node) > 0, 'first tick');
  node.kill('SIGSTOP');
  expect(node.isPaused).toBe(true);
  const frozenAt = ticks(node);
  await new Promise((r) => setTimeout(r, 200));
  expect(ticks(node)).toBeLessThanOrEqual(frozenAt + 1); // one write may have been in flight
  node.kill('SIGCONT');
  await until(() => ticks(node) > frozenAt + 2, 'ticks after SIGCONT');
});

it('a stop that is ignored ends with SIGKILL after the deadline', async () => {
  const node = fake({ IGNORE_TERM: '1' });
  await node.start(20_000);
  expect(await node.stop(300)).toBe(false);
  expect(node.running).toBe(false);
});

it('a paused process can still be stopped', async () => {
  const node = fake();
  await node.start(20_000);
  node.kill('SIGSTOP');
  expect(await node.stop(10_000)).toBe(true);
});

it('a process that exits before its ready line fails the start with its output', async () => {
  const node = fake({ FAIL_AT_START: '1' });
  await expect(node.start(20_000)).rejects.toThrow(/exited \(3\) before it was ready[\s\S]*boom: cannot start/);
});

it('killAllStarted kills every process still running, also paused ones', async () => {
  const a = fake();
  const b = fake();
  await a.start(20_000);
  await b.start(20_000);
  b.kill('SIGSTOP');
  killAllStarted();
  await Promise.all([a.waitForExit(), b.waitForExit()]);
  expect(liveProcessCount()).toBe(0);
});
