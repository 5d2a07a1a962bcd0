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

afterAll(() => {
  if (suite?.pid && suite.exitCode === null) process.kill(suite.pid, 'SIGTERM');
});

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
