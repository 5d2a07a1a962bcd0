import type { CheckResult } from '../../faults/checker';
import { exitCodeOf, formatSummary, totals, type RunResult, type SuiteSummary } from '../../faults/summary';

/** The printed verdict: totals the issue names, one line per run, failures explained, exit code. */
const clean: CheckResult = {
  acknowledged: 100,
  failed: 0,
  unknown: 3,
  unknownPresent: 1,
  reads: 50,
  recordsRead: 300,
  finalRecords: 101,
  lost: 0,
  vanished: 0,
  inconsistent: 0,
  nonMonotonic: 0,
  skipped: 0,
  failedPresent: 0,
  duplicates: 1,
  violations: 0,
  anomalies: [],
};
const run = (index: number, fault: string, extra: Partial<RunResult> = {}): RunResult => ({
  index,
  fault,
  faultCount: fault.split('+').length,
  durationMs: 30_000,
  check: clean,
  replicas: { compared: 3, divergences: [] },
  groups: { commits: 12, lost: 0, joined: true, anomalies: [] },
  dir: `/tmp/run-${index}`,
  ...extra,
});
const suite = (runs: RunResult[], skipped: string[] = []): SuiteSummary => ({
  mode: 'cluster',
  seed: 7,
  runs,
  skipped,
  durationMs: 60_000,
});

it('passes when every run completed without a violation, and prints the totals', () => {
  const summary = suite([run(1, 'kill-leader'), run(2, 'pause-leader+pg-restart')]);
  expect(exitCodeOf(summary)).toBe(0);
  const text = formatSummary(summary);
  expect(text).toContain('runs: 2, faults: 3, acknowledged: 200, lost: 0, inconsistent: 0, duplicates: 2');
  expect(text).toMatch(/^2\s+pause-leader\+pg-restart\s+100\s+3\s+0\s+0\s+0\s+0\s+0\s+1\s+12\s+0\s+identical\(3\)\s+30\.0s\s+ok$/m);
  expect(text).toContain('group commits acknowledged: 24, commits lost: 0');
  expect(text.trim().endsWith('RESULT: PASS')).toBe(true);
});

it('fails on a lost group commit and names it; a member that never joined is shown, not failed', () => {
  const lost = run(1, 'kill-leader', {
    groups: {
      commits: 7,
      lost: 1,
      joined: true,
      anomalies: ['commit lost: group g t-1 committed 3 after healing, below offset 9 acknowledged by broker 2 to member-0'],
    },
  });
  const neverJoined = run(2, 'isolate-client', { groups: { commits: 0, lost: 0, joined: false, anomalies: [] } });
  const summary = suite([lost, neverJoined]);
  expect(exitCodeOf(summary)).toBe(1);
  const text = formatSummary(summary);
  expect(text).toMatch(/^1\s+kill-leader\s+100\s+3\s+0\s+0\s+0\s+0\s+0\s+1\s+7\s+1\s+identical\(3\)\s+30\.0s\s+FAIL$/m);
  expect(text).toMatch(/^2\s+isolate-client\s+.*\s+no-join\s+0\s+identical\(3\)\s+30\.0s\s+ok$/m);
  expect(text).toContain('run 1 (kill-leader) FAILED');
  expect(text).toContain('  commit lost: group g t-1 committed 3 after healing, below offset 9 acknowledged by broker 2 to member-0');
  expect(text).toContain('commits lost: 1, runs whose group member never joined: 1');
  expect(text).toContain('RESULT: FAIL (1 of 2 runs)');
});

it('fails on a lost write and names it', () => {
  const lost: CheckResult = {
    ...clean,
    lost: 1,
    violations: 1,
    anomalies: [
      {
        kind: 'lost',
        partition: 2,
        offset: 17,
        value: 'r1:producer-0:5',
        detail: 'acknowledged by broker 1 at offset 17, not in the final log',
      },
    ],
  };
  const summary = suite([run(1, 'kill-leader', { check: lost }), run(2, 'kill-follower')]);
  expect(exitCodeOf(summary)).toBe(1);
  const text = formatSummary(summary);
  expect(text).toContain('run 1 (kill-leader) FAILED — logs and data in /tmp/run-1');
  expect(text).toContain('lost at partition 2 offset 17 value "r1:producer-0:5": acknowledged by broker 1 at offset 17');
  expect(text).toContain('RESULT: FAIL (1 of 2 runs)');
  expect(totals(summary).lost).toBe(1);
});

it('fails on diverging replicas and on a run that could not complete, quoting the failed step', () => {
  const diverged = run(1, 'isolate-leader', {
    replicas: { compared: 3, divergences: [{ partition: 0, detail: 'batch at offset 4 has different bytes on brokers 1 and 3' }] },
  });
  const broken = run(2, 'pg-restart', {
    check: undefined,
    replicas: undefined,
    error: "step 'recovery: every partition led' timed out after 65000 ms",
  });
  const summary = suite([diverged, broken], ['kill-all']);
  expect(exitCodeOf(summary)).toBe(1);
  const text = formatSummary(summary);
  expect(text).toContain('replicas of partition 0: batch at offset 4 has different bytes on brokers 1 and 3');
  expect(text).toContain("step 'recovery: every partition led' timed out after 65000 ms");
  expect(text).toMatch(/^2\s+pg-restart\s+-/m);
  expect(text).toContain('not run (time budget used up): kill-all');
});

it('a suite that ran nothing does not pass', () => {
  expect(exitCodeOf(suite([], ['kill-leader']))).toBe(1);
});
