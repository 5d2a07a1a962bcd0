import { ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/**
 * `scripts/faults/run.ts --dry-run` end to end against the BUILT broker (one node, no PostgreSQL):
 * a real broker process behind the proxy, the workload, a kill -9 of the broker and its restart,
 * the final reads, the on-disk replica check and the summary. What a user sees: exit 0, the
 * totals line with acknowledged writes and lost 0, and no broker left running.
 */
const ROOT = path.resolve(__dirname, '../../..');
const DEADLINE_MS = 240_000;
let suite: ChildProcess | undefined;

afterEach(() => {
  if (suite?.pid && suite.exitCode === null && suite.signalCode === null) process.kill(suite.pid, 'SIGTERM');
});

/** Runs the dry-run suite with `env`; answers its exit code and output. */
async function runSuite(env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  suite = spawn(process.execPath, ['-r', '@swc-node/register', 'scripts/faults/run.ts', '--dry-run'], {
    cwd: ROOT,
    env: { ...process.env, FAULTS_SECONDS: '1', FAULTS_SEED: '1', FAULTS_PRODUCERS: '2', FAULTS_CONSUMERS: '1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  suite.stdout!.on('data', (chunk) => (output += chunk.toString()));
  suite.stderr!.on('data', (chunk) => (output += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => suite!.once('exit', (c) => resolve(c)));
  return { code, output };
}

it(
  'runs a kill -9 fault against one broker and reports lost 0',
  async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'runnel-faults-e2e-'));
    suite = spawn(process.execPath, ['-r', '@swc-node/register', 'scripts/faults/run.ts', '--dry-run'], {
      cwd: ROOT,
      env: {
        ...process.env,
        FAULTS_FAULTS: 'kill-leader',
        FAULTS_SECONDS: '1',
        FAULTS_SEED: '1',
        FAULTS_DIR: dir,
        FAULTS_PRODUCERS: '2',
        FAULTS_CONSUMERS: '1',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    suite.stdout!.on('data', (chunk) => (output += chunk.toString()));
    suite.stderr!.on('data', (chunk) => (output += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => suite!.once('exit', (c) => resolve(c)));
    if (code !== 0) throw new Error(`the suite exited ${code}:\n${output}`);
    const totals = /runs: 1, faults: 1, acknowledged: (\d+), lost: 0, inconsistent: 0/.exec(output);
    expect(totals).not.toBeNull();
    expect(Number(totals![1])).toBeGreaterThan(0);
    expect(output).toContain('kill -9 broker 0');
    expect(output).toMatch(/identical\(3\)/);
    // The group member's acknowledged commits survived the kill -9 (committed offsets read after it).
    const commits = /group commits acknowledged: (\d+), commits lost: 0/.exec(output);
    expect(commits).not.toBeNull();
    expect(Number(commits![1])).toBeGreaterThan(0);
    expect(output).toContain('RESULT: PASS');
    // A passing run removes its run directory; every broker process it started is gone.
    expect(fs.readdirSync(dir)).toEqual([]);
    const pids = [...output.matchAll(/pid (\d+)/g)].map((m) => Number(m[1]));
    expect(pids.length).toBeGreaterThanOrEqual(2); // the first start and the restart after kill -9
    for (const pid of pids) expect(() => process.kill(pid, 0)).toThrow();
    fs.rmSync(dir, { recursive: true, force: true });
  },
  DEADLINE_MS,
);

it(
  'catches acknowledged writes destroyed on disk (the sabotage self-test): exit 1, lost writes named, the run kept',
  async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'runnel-faults-e2e-'));
    const { code, output } = await runSuite({ FAULTS_FAULTS: 'sabotage-truncate', FAULTS_DIR: dir });
    expect(code).toBe(1);
    const totals = /runs: 1, faults: 1, acknowledged: \d+, lost: (\d+)/.exec(output);
    expect(totals).not.toBeNull();
    expect(Number(totals![1])).toBeGreaterThan(0);
    expect(output).toMatch(/lost at partition \d offset \d+ value "r1:producer-\d:\d+": acknowledged by broker 0/);
    expect(output).toContain('RESULT: FAIL (1 of 1 runs)');
    // A failed run keeps its broker logs and data for the reader.
    const kept = path.join(dir, 'run-1-sabotage-truncate');
    expect(fs.existsSync(path.join(kept, 'broker-0.log'))).toBe(true);
    // …and what the checkers saw: every operation, and the final log.
    const ops = fs
      .readFileSync(path.join(kept, 'history.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(ops.some((op) => op.kind === 'produce' && op.outcome === 'ok')).toBe(true);
    expect(Object.keys(JSON.parse(fs.readFileSync(path.join(kept, 'final.json'), 'utf8'))).sort()).toEqual(['0', '1', '2']);
    fs.rmSync(dir, { recursive: true, force: true });
  },
  DEADLINE_MS,
);
