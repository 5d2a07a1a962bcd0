/**
 * `npm run test:faults` (needs `npm run build` first): the fault suite of issue #12. Three real
 * brokers on 127.0.0.1–3 and an embedded PostgreSQL (the test fixture), a TCP proxy on every
 * inter-broker, PostgreSQL and client link, a workload of acks=all producers and consumers over
 * the HTTP API, one fault (or a combination) per run, Jepsen-style checkers and a replica
 * byte-identity check after healing. Prints a summary; exits 1 on any violation or failed run.
 *
 *   --dry-run            one broker (no PostgreSQL, no cluster env): the same pipeline against the
 *                        single-node broker, with the faults that apply to one node
 *   FAULTS_FAULTS        comma-separated runs, e.g. "kill-leader,pause-leader+pg-restart" (default: all, then combinations)
 *   FAULTS_RUNS          number of runs (the plan is cycled; default: one per plan entry)
 *   FAULTS_SECONDS       how long each fault is held, in seconds (default 5: past the 2 s leases and the 3 s replica lag)
 *   FAULTS_PRODUCERS / FAULTS_CONSUMERS   workload concurrency (default 4 / 2)
 *   FAULTS_MEMBERS       consumer-group members over WebSocket committing every 500 ms (default 1; 0: none)
 *   FAULTS_SEED          seed of every random choice (default: time-based, printed)
 *   FAULTS_DEADLINE_MS   the whole suite's time budget (default 12 min); runs that would not fit are skipped and listed
 *   FAULTS_DIR           where run directories go (default: a temp dir; kept when a run fails)
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { startTestPostgres, type TestPostgres } from '../../libs/metadata/test/support/postgres';
import { BROKER_MAIN } from './cluster';
import { runFault, runWithinBudget } from './fault-run';
import { planRuns } from './faults';
import { killAllStarted } from './node-process';
import { seededRandom, step } from './steps';
import { exitCodeOf, formatSummary, runFailed, type RunResult } from './summary';

function envInt(name: string, fallback: number, min: number, max: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max)
    throw new Error(`${name} must be an integer from ${min} to ${max}, got ${JSON.stringify(raw)}`);
  return value;
}

/** A run needs about this long beyond the fault's hold time (start, replication, recovery, checks). */
const RUN_OVERHEAD_ESTIMATE_MS = { cluster: 45_000, single: 20_000 } as const;

async function main(): Promise<number> {
  const dryRun = process.argv.includes('--dry-run');
  const mode = dryRun ? 'single' : 'cluster';
  const seed = envInt('FAULTS_SEED', Date.now() % 2 ** 31, 0, 2 ** 31 - 1);
  const holdMs = envInt('FAULTS_SECONDS', dryRun ? 3 : 5, 1, 600) * 1000;
  const deadlineMs = envInt('FAULTS_DEADLINE_MS', 12 * 60_000, 10_000, 24 * 3_600_000);
  const only = process.env.FAULTS_FAULTS
    ? process.env.FAULTS_FAULTS.split(',')
        .map((s) => s.trim())
        .filter(Boolean)
    : undefined;
  const runsWanted = process.env.FAULTS_RUNS ? envInt('FAULTS_RUNS', 1, 1, 10_000) : undefined;
  const plan = planRuns({ dryRun, only, runs: runsWanted });
  const producers = envInt('FAULTS_PRODUCERS', 4, 1, 64);
  const consumers = envInt('FAULTS_CONSUMERS', 2, 0, 64);
  const members = envInt('FAULTS_MEMBERS', 1, 0, 8);
  if (!fs.existsSync(BROKER_MAIN)) {
    console.error(`faults: ${BROKER_MAIN} is missing: run "npm run build" first`);
    return 2;
  }
  const root = process.env.FAULTS_DIR ? path.resolve(process.env.FAULTS_DIR) : fs.mkdtempSync(path.join(os.tmpdir(), 'runnel-faults-'));
  fs.mkdirSync(root, { recursive: true });
  const log = (line: string): void => console.log(`[faults ${new Date().toISOString().slice(11, 19)}] ${line}`);
  log(
    `${mode} mode, ${plan.length} runs (${plan.join(', ')}), hold ${holdMs / 1000}s, seed ${seed}, budget ${deadlineMs / 1000}s, dir ${root}`,
  );

  const startedAt = Date.now();
  const random = seededRandom(seed);
  const runs: RunResult[] = [];
  const skipped: string[] = [];
  let postgres: TestPostgres | undefined;
  try {
    if (!dryRun) {
      postgres = cleanupPostgres = await step('start PostgreSQL (libs/metadata/test/support/postgres.ts)', 120_000, () =>
        startTestPostgres(),
      );
      log(`PostgreSQL (${postgres.kind}) on ${postgres.host}:${postgres.port}`);
    }
    for (const [i, fault] of plan.entries()) {
      const remaining = deadlineMs - (Date.now() - startedAt);
      if (remaining < holdMs + RUN_OVERHEAD_ESTIMATE_MS[mode]) {
        skipped.push(...plan.slice(i));
        log(`time budget: ${Math.round(remaining / 1000)}s left, not starting the ${plan.length - i} remaining runs`);
        break;
      }
      log(`run ${i + 1}/${plan.length}: ${fault}`);
      const result = await runWithinBudget(remaining, fault, i + 1, root, () =>
        runFault({
          index: i + 1,
          fault,
          mode,
          dir: root,
          postgres,
          random,
          warmupMs: 2_000,
          holdMs,
          afterMs: 3_000,
          producers,
          consumers,
          members,
          log,
        }),
      );
      runs.push(result);
      const c = result.check;
      log(
        `run ${i + 1} ${runFailed(result) ? 'FAILED' : 'ok'} in ${(result.durationMs / 1000).toFixed(1)}s` +
          (c ? `: ${c.acknowledged} acknowledged, ${c.lost} lost, ${c.inconsistent} inconsistent, ${c.unknown} unknown` : '') +
          (result.groups ? `, ${result.groups.commits} commits, ${result.groups.lost} commits lost` : '') +
          (result.error ? `: ${result.error.split('\n')[0]}` : ''),
      );
      if (!runFailed(result)) fs.rmSync(result.dir, { recursive: true, force: true });
    }
  } catch (error) {
    console.error(`faults: ${error instanceof Error ? error.message : String(error)}`);
    return 2;
  } finally {
    killAllStarted();
    if (postgres) await postgres.stop().catch((error) => console.error(`faults: stopping PostgreSQL failed: ${String(error)}`));
  }
  const summary = { mode, seed, runs, skipped, durationMs: Date.now() - startedAt } as const;
  console.log('');
  console.log(formatSummary(summary));
  const code = exitCodeOf(summary);
  if (code === 0 && !process.env.FAULTS_DIR) fs.rmSync(root, { recursive: true, force: true });
  return code;
}

let cleanupPostgres: TestPostgres | undefined;

// Ctrl-C / SIGTERM of the suite: no broker or PostgreSQL outlives it (each stopped by its pid).
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    killAllStarted();
    const pgPid = cleanupPostgres?.pid();
    if (pgPid !== undefined) {
      try {
        process.kill(pgPid, 'SIGINT'); // PostgreSQL's fast shutdown
      } catch {
        // already gone
      }
    }
    process.exit(130);
  });
}
process.on('exit', () => killAllStarted());

main().then(
  (code) => process.exit(code),
  (error) => {
    console.error(`faults: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    killAllStarted();
    process.exit(2);
  },
);
