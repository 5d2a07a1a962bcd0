import {
  Cleaner,
  dirtyStateOf,
  emptyCleanResult,
  isWorthCleaning,
  type CleanerOptions,
  type CleanResult,
  type DirtyState,
} from './cleaner';
import { OFFSET_MAX_TIMESTAMP, readInt64AsNumber } from '@runnel/protocol';
import { readCleanerCheckpoint } from './cleaner-files';
import { isCompacted } from './log-config';
import { SYSTEM_CLOCK, type Clock } from './log-types';
import type { PartitionLog } from './partition-log';

/**
 * Chooses which log the Cleaner works on and when (Kafka's LogCleanerManager), over the logs of
 * one LogManager.
 *
 * A run (`runCleaner`, called by the broker every log.cleaner.backoff.ms) looks at every log
 * whose cleanup.policy includes `compact`, computes its dirty ratio from segment sizes and its
 * `cleaner-offset-checkpoint` (reading no log data), over the closed segments wholly below
 * min(high watermark, the first segment younger than min.compaction.lag.ms), and cleans the
 * filthiest one whose ratio reaches its min.cleanable.dirty.ratio. Cumulative stats feed /metrics.
 *
 * Concurrency: at most one clean at a time (a run called during another waits for it and cleans
 * nothing). `stopCleaning(log)` aborts the clean of a log that is about to be deleted or closed
 * and resolves once the Cleaner has let go of it (at its next batch, `.cleaned` output removed,
 * no checkpoint written); `stop()` does that for good at shutdown. A log whose clean failed (a
 * corrupt batch, an I/O error) is marked uncleanable and skipped until it is reopened, so one
 * bad partition does not starve the others.
 */

/** A log with the partition it belongs to (LogManager's entries have this shape). */
export interface CleanableLog {
  topic: string;
  partition: number;
  log: PartitionLog;
}

export interface CleanerRunOptions {
  nowMs?: number;
  /** Read plus written bytes per second for this run; default unbounded. */
  ioBytesPerSecond?: number;
  /**
   * A partition's high watermark: nothing at or above it is cleaned. `undefined` = not served
   * here, skip it. Without this function: the log end offset (tests, single-process tools).
   */
  highWatermarkOf?: (topic: string, partition: number) => number | undefined;
}

export interface CleanerRun extends CleanResult {
  topic: string;
  partition: number;
  durationMs: number;
}

/** Cumulative over the manager's life (counters) and of the latest run (gauges). */
export interface LogCleanerStats {
  /** Runs that cleaned a log (read it), aborted ones included. */
  runs: number;
  bytesRead: number;
  bytesWritten: number;
  recordsRemoved: number;
  segmentsRewritten: number;
  /** Runs stopped by a truncation or by stopCleaning. */
  aborted: number;
  /** Runs that failed; their logs are now uncleanable. */
  errors: number;
  uncleanablePartitions: number;
  /** Dirty ratio of the log cleaned by the latest run. */
  lastDirtyRatio: number;
  /** Highest dirty ratio over the compacted logs, as of the latest run (Kafka's max-dirty-percent / 100). */
  maxDirtyRatio: number;
  lastDurationMs: number;
}

interface CurrentRun {
  log: PartitionLog | undefined;
  controller: AbortController;
  done: Promise<unknown>;
}

export class LogCleanerManager {
  readonly stats: LogCleanerStats = {
    runs: 0,
    bytesRead: 0,
    bytesWritten: 0,
    recordsRemoved: 0,
    segmentsRewritten: 0,
    aborted: 0,
    errors: 0,
    uncleanablePartitions: 0,
    lastDirtyRatio: 0,
    maxDirtyRatio: 0,
    lastDurationMs: 0,
  };
  private readonly cleaner: Cleaner;
  private readonly clock: Clock;
  private readonly uncleanable = new Set<PartitionLog>();
  private current: CurrentRun | undefined;
  private stopped = false;

  constructor(
    private readonly logs: () => Iterable<CleanableLog>,
    opts: CleanerOptions & { clock?: Clock } = {},
  ) {
    this.cleaner = new Cleaner(opts);
    this.clock = opts.clock ?? SYSTEM_CLOCK;
  }

  /** Cleans the filthiest compacted log that is due; undefined if none was (or another run was in progress). */
  async runCleaner(opts: CleanerRunOptions = {}): Promise<CleanerRun | undefined> {
    if (this.stopped) return undefined;
    if (this.current) {
      await this.current.done.catch(() => undefined);
      return undefined;
    }
    const run: CurrentRun = { log: undefined, controller: new AbortController(), done: Promise.resolve() };
    const done = this.cleanFilthiest(run, opts);
    run.done = done;
    this.current = run;
    try {
      return await done;
    } finally {
      this.current = undefined;
    }
  }

  /** Aborts the clean of `log` (or a run still choosing its log) and waits until it has stopped. */
  async stopCleaning(log: PartitionLog): Promise<void> {
    this.uncleanable.delete(log);
    this.stats.uncleanablePartitions = this.uncleanable.size;
    const run = this.current;
    if (!run || (run.log !== undefined && run.log !== log)) return;
    run.controller.abort();
    await run.done.catch(() => undefined);
  }

  /** Shutdown: no run starts from now on; the one in progress is aborted and awaited. */
  async stop(): Promise<void> {
    this.stopped = true;
    const run = this.current;
    if (!run) return;
    run.controller.abort();
    await run.done.catch(() => undefined);
  }

  private async cleanFilthiest(run: CurrentRun, opts: CleanerRunOptions): Promise<CleanerRun | undefined> {
    const nowMs = opts.nowMs ?? this.clock.nowMs();
    const chosen = await this.filthiest(nowMs, opts, run.controller.signal);
    if (!chosen || run.controller.signal.aborted || chosen.entry.log.isClosed) return undefined;
    const { entry, highWatermark } = chosen;
    const log = entry.log;
    run.log = log;
    const started = performance.now();
    let result: CleanResult;
    try {
      result = await this.cleaner.clean(log, {
        nowMs,
        deleteRetentionMs: log.config.deleteRetentionMs,
        // Past max.compaction.lag.ms the log is cleaned whatever its ratio (Kafka's needCompactionNow).
        minCleanableDirtyRatio: chosen.forced ? 0 : log.config.minCleanableDirtyRatio,
        ioBytesPerSecond: opts.ioBytesPerSecond,
        highWatermark,
        signal: run.controller.signal,
      });
    } catch (error) {
      if (!log.isClosed && !run.controller.signal.aborted) {
        this.uncleanable.add(log);
        this.stats.uncleanablePartitions = this.uncleanable.size;
        this.stats.errors++;
        throw error;
      }
      result = { ...emptyCleanResult(chosen.state), cleaned: true, aborted: true }; // the log went away under it
    }
    const durationMs = performance.now() - started;
    if (result.cleaned) {
      const s = this.stats;
      s.runs++;
      s.bytesRead += result.bytesRead;
      s.bytesWritten += result.bytesWritten;
      s.recordsRemoved += result.recordsRemoved;
      s.segmentsRewritten += result.segmentsRewritten;
      if (result.aborted) s.aborted++;
      s.lastDirtyRatio = result.dirtyRatio;
      s.lastDurationMs = durationMs;
    }
    return { ...result, topic: entry.topic, partition: entry.partition, durationMs };
  }

  /** The compacted log with the highest dirty ratio among those due; updates maxDirtyRatio. */
  private async filthiest(nowMs: number, opts: CleanerRunOptions, signal: AbortSignal): Promise<Filthiest | undefined> {
    let best: Filthiest | undefined;
    let maxDirtyRatio = 0;
    for (const entry of [...this.logs()]) {
      const { log } = entry;
      if (signal.aborted) return undefined;
      if (log.isClosed || !isCompacted(log.config) || this.uncleanable.has(log)) continue;
      const hw = opts.highWatermarkOf ? opts.highWatermarkOf(entry.topic, entry.partition) : log.logEndOffset;
      if (hw === undefined) continue;
      try {
        const highWatermark = Math.min(hw, await firstTooYoungOffset(log, nowMs));
        const checkpoint = await readCleanerCheckpoint(log.dir);
        if (log.isClosed) continue;
        const state = dirtyStateOf(log, checkpoint, highWatermark);
        maxDirtyRatio = Math.max(maxDirtyRatio, state.dirtyRatio);
        const due = isWorthCleaning(state, log.config.minCleanableDirtyRatio);
        const forced = !due && (await isPastMaxCompactionLag(log, state, nowMs));
        if (!due && !forced) continue;
        if (!best || state.dirtyRatio > best.state.dirtyRatio) best = { entry, state, highWatermark, forced };
      } catch (error) {
        if (!log.isClosed) throw error; // deleted while we looked: just skip it
      }
    }
    this.stats.maxDirtyRatio = maxDirtyRatio;
    return best;
  }
}

/** The log a run cleans; `forced` when only max.compaction.lag.ms makes it due. */
interface Filthiest {
  entry: CleanableLog;
  state: DirtyState;
  highWatermark: number;
  forced: boolean;
}

/**
 * max.compaction.lag.ms (Kafka's needCompactionNow): the log has dirty cleanable bytes and its
 * first dirty batch is older than the lag, by that batch's max timestamp as Kafka reads its
 * first batch's. A batch without a timestamp (-1) never forces a clean.
 */
async function isPastMaxCompactionLag(log: PartitionLog, state: DirtyState, nowMs: number): Promise<boolean> {
  const lagMs = log.config.maxCompactionLagMs;
  if (lagMs >= Number.MAX_SAFE_INTEGER || state.dirtyBytes === 0 || state.firstDirtyOffset >= state.cleanableEndOffset) return false;
  const first = await log.read(state.firstDirtyOffset, 1);
  if (first.bytes.length < OFFSET_MAX_TIMESTAMP + 8) return false;
  const timestamp = readInt64AsNumber(first.bytes, OFFSET_MAX_TIMESTAMP);
  return timestamp >= 0 && nowMs - timestamp > lagMs;
}

/**
 * min.compaction.lag.ms: the base offset of the first closed segment holding a record younger
 * than the lag (nothing from there on is cleaned yet), or +Infinity.
 */
async function firstTooYoungOffset(log: PartitionLog, nowMs: number): Promise<number> {
  const lagMs = log.config.minCompactionLagMs;
  if (lagMs <= 0) return Number.POSITIVE_INFINITY;
  for (const segment of log.closedSegments()) {
    if ((await segment.largestTimestamp()) > nowMs - lagMs) return segment.baseOffset;
  }
  return Number.POSITIVE_INFINITY;
}
