import type { Anomaly, CheckResult } from './checker';
import type { GroupCheck } from './group-checker';
import type { ReplicaDivergence } from './replica-check';

/**
 * The suite's report: one line per run and the totals the issue asks for (runs, faults,
 * acknowledged, lost = 0, inconsistent = 0), then the first anomalies and failures in words.
 * Pure, so the verdict and exit code are unit-tested.
 */
export interface RunResult {
  index: number;
  fault: string;
  /** Faults injected in this run (a combination counts each). */
  faultCount: number;
  durationMs: number;
  check?: CheckResult;
  replicas?: { compared: number; divergences: ReplicaDivergence[] };
  /** The consumer-group commit check (absent without a group workload or when the run failed first). */
  groups?: GroupCheck;
  /** The step that failed (the run could not be completed), with its message. */
  error?: string;
  /** Where the run's logs and data are kept. */
  dir: string;
}

export interface SuiteSummary {
  mode: 'cluster' | 'single';
  seed: number;
  runs: RunResult[];
  /** Runs of the plan not started because the time budget ran out. */
  skipped: string[];
  durationMs: number;
}

export function runFailed(run: RunResult): boolean {
  return (
    run.error !== undefined ||
    (run.check?.violations ?? 0) > 0 ||
    (run.replicas?.divergences.length ?? 0) > 0 ||
    (run.groups?.lost ?? 0) > 0
  );
}

/** 0 when every run completed without a violation, else 1. */
export function exitCodeOf(summary: SuiteSummary): number {
  return summary.runs.length > 0 && summary.runs.every((run) => !runFailed(run)) ? 0 : 1;
}

export function totals(summary: SuiteSummary): Record<string, number> {
  const sum = (pick: (c: CheckResult) => number): number => summary.runs.reduce((n, r) => n + (r.check ? pick(r.check) : 0), 0);
  return {
    runs: summary.runs.length,
    faults: summary.runs.reduce((n, r) => n + r.faultCount, 0),
    acknowledged: sum((c) => c.acknowledged),
    unknown: sum((c) => c.unknown),
    lost: sum((c) => c.lost),
    inconsistent: sum((c) => c.inconsistent),
    vanished: sum((c) => c.vanished),
    nonMonotonic: sum((c) => c.nonMonotonic),
    skipped: sum((c) => c.skipped),
    failedPresent: sum((c) => c.failedPresent),
    duplicates: sum((c) => c.duplicates),
    commits: summary.runs.reduce((n, r) => n + (r.groups?.commits ?? 0), 0),
    commitsLost: summary.runs.reduce((n, r) => n + (r.groups?.lost ?? 0), 0),
    membersNeverJoined: summary.runs.filter((r) => r.groups && !r.groups.joined).length,
    replicaDivergences: summary.runs.reduce((n, r) => n + (r.replicas?.divergences.length ?? 0), 0),
    failedRuns: summary.runs.filter(runFailed).length,
  };
}

const seconds = (ms: number): string => `${(ms / 1000).toFixed(1)}s`;

function pad(cells: string[], widths: number[]): string {
  return cells
    .map((c, i) => c.padEnd(widths[i]))
    .join('  ')
    .trimEnd();
}

export function formatSummary(summary: SuiteSummary): string {
  const lines: string[] = [];
  const t = totals(summary);
  lines.push(
    `Fault suite (${summary.mode === 'cluster' ? '3 brokers + PostgreSQL' : 'one broker, --dry-run'}), seed ${summary.seed}, ${seconds(summary.durationMs)}`,
  );
  const header = [
    'run',
    'fault',
    'acked',
    'unknown',
    'lost',
    'incons',
    'vanished',
    'nonmono',
    'skipped',
    'dups',
    'commits',
    'c-lost',
    'replicas',
    'time',
    'result',
  ];
  const rows = summary.runs.map((r) => [
    String(r.index),
    r.fault,
    String(r.check?.acknowledged ?? '-'),
    String(r.check?.unknown ?? '-'),
    String(r.check?.lost ?? '-'),
    String(r.check?.inconsistent ?? '-'),
    String(r.check?.vanished ?? '-'),
    String(r.check?.nonMonotonic ?? '-'),
    String(r.check?.skipped ?? '-'),
    String(r.check?.duplicates ?? '-'),
    r.groups ? (r.groups.joined ? String(r.groups.commits) : 'no-join') : '-',
    String(r.groups?.lost ?? '-'),
    r.replicas
      ? r.replicas.divergences.length === 0
        ? `identical(${r.replicas.compared})`
        : `DIVERGE(${r.replicas.divergences.length})`
      : '-',
    seconds(r.durationMs),
    runFailed(r) ? (r.error ? 'ERROR' : 'FAIL') : 'ok',
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
  lines.push(pad(header, widths));
  for (const row of rows) lines.push(pad(row, widths));
  lines.push('');
  lines.push(
    `runs: ${t.runs}, faults: ${t.faults}, acknowledged: ${t.acknowledged}, lost: ${t.lost}, inconsistent: ${t.inconsistent}, ` +
      `duplicates: ${t.duplicates}, vanished: ${t.vanished}, non-monotonic: ${t.nonMonotonic}, skipped: ${t.skipped}, ` +
      `failed-but-present: ${t.failedPresent}, replica divergences: ${t.replicaDivergences}, unknown outcomes: ${t.unknown}, ` +
      `group commits acknowledged: ${t.commits}, commits lost: ${t.commitsLost}` +
      (t.membersNeverJoined > 0 ? `, runs whose group member never joined: ${t.membersNeverJoined}` : ''),
  );
  if (summary.skipped.length > 0) lines.push(`not run (time budget used up): ${summary.skipped.join(', ')}`);
  for (const run of summary.runs.filter(runFailed)) {
    lines.push('');
    lines.push(`run ${run.index} (${run.fault}) FAILED — logs and data in ${run.dir}`);
    if (run.error) lines.push(`  ${run.error.split('\n').join('\n  ')}`);
    for (const anomaly of run.check?.anomalies.slice(0, 10) ?? []) lines.push(`  ${describeAnomaly(anomaly)}`);
    for (const anomaly of run.groups?.anomalies.slice(0, 10) ?? []) lines.push(`  ${anomaly}`);
    for (const divergence of run.replicas?.divergences.slice(0, 10) ?? [])
      lines.push(`  replicas of partition ${divergence.partition}: ${divergence.detail}`);
  }
  lines.push('');
  lines.push(exitCodeOf(summary) === 0 ? 'RESULT: PASS' : `RESULT: FAIL (${t.failedRuns} of ${t.runs} runs)`);
  return lines.join('\n');
}

export function describeAnomaly(anomaly: Anomaly): string {
  const where = `partition ${anomaly.partition}${anomaly.offset !== undefined ? ` offset ${anomaly.offset}` : ''}`;
  return `${anomaly.kind} at ${where}${anomaly.value !== undefined ? ` value ${JSON.stringify(anomaly.value)}` : ''}: ${anomaly.detail}`;
}
