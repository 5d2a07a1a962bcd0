import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Offset } from '@runnel/protocol';
import {
  writeFileAtomically,
  fsyncDirectory,
  readOffsetCheckpoint,
  formatOffsetCheckpoint,
  type OffsetCheckpointEntry,
} from './checkpoint-file';
import { assert, LogClosedError, LogError } from './errors';
import { FileHandleCache, DEFAULT_MAX_OPEN_FILES, logDescriptorBudget, readOpenFilesLimit } from './file-handle-cache';
import {
  CLEAN_SHUTDOWN_FILE,
  isDeletedPartitionDirName,
  LOG_START_OFFSET_CHECKPOINT_FILE,
  parsePartitionDirName,
  partitionDirName,
  RECOVERY_POINT_CHECKPOINT_FILE,
  type TopicPartition,
} from './file-names';
import type { CleanerOptions } from './cleaner';
import { recoverCleanerFiles } from './cleaner-files';
import { DEFAULT_INDEX_CACHE_BYTES, IndexCache } from './index-cache';
import { forEachConcurrently, isNotFound } from './io';
import { LogCleanerManager, type CleanerRun, type CleanerRunOptions, type LogCleanerStats } from './log-cleaner-manager';
import { DEFAULT_LOG_CONFIG, validateLogConfig, type LogConfig } from './log-config';
import { SYSTEM_CLOCK, type Clock } from './log-types';
import { PartitionLog } from './partition-log';
import { StorageHealth, storageErrnoOf } from './storage-health';

export interface LogManagerOptions {
  /** Config of logs without overrides; default DEFAULT_LOG_CONFIG. */
  defaultConfig?: LogConfig;
  /**
   * Hard bound on descriptors open for all logs; default 1024. Capped to fit the process's real
   * limit (see logDescriptorBudget); a limit too small to run throws DescriptorLimitError.
   */
  maxOpenFiles?: number;
  /** The process's descriptor limit; default: read from /proc/self/limits (null: ignore it). */
  openFilesLimit?: number | null;
  /** Bound of the shared cache of closed segments' indexes; default 64 MiB. */
  indexCacheBytes?: number;
  clock?: Clock;
  /** Config of a partition found on disk at open (topic overrides); default: defaultConfig. */
  configFor?: (topic: string, partition: number) => LogConfig | undefined;
  /** Logs opened, flushed and closed concurrently; default 16. */
  concurrency?: number;
  /** The compaction Cleaner's bounds (and, in tests, its crash hook). */
  cleaner?: CleanerOptions;
}

interface ManagedLog extends TopicPartition {
  log: PartitionLog;
}

/**
 * All partition logs of one broker, under one data directory:
 *
 *   <dataDir>/<topic>-<partition>/...             one PartitionLog each
 *   <dataDir>/recovery-point-offset-checkpoint    Kafka text format, written atomically
 *   <dataDir>/log-start-offset-checkpoint
 *   <dataDir>/.runnel_cleanshutdown               written last by close(), removed by open()
 *
 * Clean shutdown protocol: close() flushes every log (recovery point = log end offset), writes
 * both checkpoints, then the marker. open() removes the marker (durably) before any log can
 * change; a log whose checkpoint entry exists when the marker was present opens without
 * scanning. Anything else (crash, missing checkpoint entry) recovers from its recovery point.
 *
 * Resources: one FileHandleCache (hard descriptor bound) and one IndexCache (byte bound) are
 * shared by all logs, so 10,000 partitions cost a few hundred descriptors and bounded memory;
 * per log, only the active segment's index entries are resident. Existing logs are opened at
 * startup `concurrency` at a time; after a clean shutdown that is a readdir, a stat and two
 * small index reads per partition.
 *
 * Compaction: a LogCleanerManager over these logs (`runCleaner`, scheduled by the broker). Before
 * a log directory is opened, what an interrupted compaction left there is resolved
 * (recoverCleanerFiles: `.swap` completed, `.cleaned` dropped). delete() and close() abort a
 * clean of the log(s) they remove and wait for it, so a clean never races a removal.
 *
 * Concurrency: one event loop; getOrCreate of the same partition concurrently opens it once;
 * checkpoints are serialized.
 */
export class LogManager {
  readonly dataDir: string;
  readonly handles: FileHandleCache;
  readonly indexCache: IndexCache;
  /** Whether the data dir can be written now; fed by log creation, checkpoints and (through Partition) appends and fsyncs. */
  readonly health: StorageHealth;
  /** The previous close() completed. */
  readonly hadCleanShutdown: boolean;
  private readonly logs = new Map<string, ManagedLog>();
  private readonly opening = new Map<string, Promise<PartitionLog>>();
  private readonly defaultConfig: LogConfig;
  private readonly clock: Clock;
  private readonly concurrency: number;
  private readonly cleaner: LogCleanerManager;
  private checkpointChain: Promise<void> = Promise.resolve();
  private closed = false;

  private constructor(dataDir: string, opts: LogManagerOptions, hadCleanShutdown: boolean) {
    this.dataDir = dataDir;
    this.handles = new FileHandleCache(opts.maxOpenFiles ?? DEFAULT_MAX_OPEN_FILES);
    this.indexCache = new IndexCache(opts.indexCacheBytes ?? DEFAULT_INDEX_CACHE_BYTES);
    this.defaultConfig = validateLogConfig({ ...(opts.defaultConfig ?? DEFAULT_LOG_CONFIG) });
    this.clock = opts.clock ?? SYSTEM_CLOCK;
    this.concurrency = opts.concurrency ?? 16;
    this.hadCleanShutdown = hadCleanShutdown;
    this.health = new StorageHealth(() => this.clock.nowMs());
    this.cleaner = new LogCleanerManager(() => this.logs.values(), { ...opts.cleaner, clock: this.clock });
  }

  static async open(dataDir: string, options: LogManagerOptions = {}): Promise<LogManager> {
    // Sized (or refused) before anything in the data dir is touched.
    const limit = options.openFilesLimit === null ? undefined : (options.openFilesLimit ?? readOpenFilesLimit());
    const opts = { ...options, maxOpenFiles: logDescriptorBudget(options.maxOpenFiles ?? DEFAULT_MAX_OPEN_FILES, limit) };
    const dir = path.resolve(dataDir);
    await fs.promises.mkdir(dir, { recursive: true });
    const marker = path.join(dir, CLEAN_SHUTDOWN_FILE);
    let hadCleanShutdown = await fs.promises.access(marker).then(
      () => true,
      () => false,
    );
    const recoveryPoints = await readCheckpointMap(path.join(dir, RECOVERY_POINT_CHECKPOINT_FILE));
    const startOffsets = await readCheckpointMap(path.join(dir, LOG_START_OFFSET_CHECKPOINT_FILE));
    if (!recoveryPoints) hadCleanShutdown = false; // unreadable checkpoint: recover everything
    if (
      await fs.promises.unlink(marker).then(
        () => true,
        () => false,
      )
    )
      await fsyncDirectory(dir);

    const manager = new LogManager(dir, opts, hadCleanShutdown);
    const found: Array<{ name: string } & TopicPartition> = [];
    for (const entry of await fs.promises.readdir(dir, { withFileTypes: true })) {
      if (!entry.isDirectory()) continue;
      if (isDeletedPartitionDirName(entry.name)) {
        await fs.promises.rm(path.join(dir, entry.name), { recursive: true, force: true });
        continue;
      }
      const tp = parsePartitionDirName(entry.name);
      if (tp) found.push({ name: entry.name, ...tp });
    }
    await forEachConcurrently(found, manager.concurrency, async ({ name, topic, partition }) => {
      const recoveryPoint = recoveryPoints?.get(name);
      await recoverCleanerFiles(path.join(dir, name));
      const log = await PartitionLog.open(path.join(dir, name), opts.configFor?.(topic, partition) ?? manager.defaultConfig, {
        handles: manager.handles,
        indexCache: manager.indexCache,
        clock: manager.clock,
        recoveryPoint,
        logStartOffset: startOffsets?.get(name),
        hadCleanShutdown: hadCleanShutdown && recoveryPoint !== undefined,
      });
      manager.logs.set(name, { topic, partition, log });
    });
    return manager;
  }

  /** Bytes scanned by recovery over all logs opened at startup (0 after a clean shutdown). */
  get bytesScannedAtOpen(): number {
    let total = 0;
    for (const { log } of this.logs.values()) total += log.bytesScannedAtOpen;
    return total;
  }

  get size(): number {
    return this.logs.size;
  }

  /**
   * The log of a partition, created empty if absent. `configOverrides` apply over the default
   * config, on creation and — when given — to an existing log (a topic config change).
   */
  async getOrCreate(topic: string, partition: number, configOverrides?: Partial<LogConfig>): Promise<PartitionLog> {
    this.assertOpen();
    const name = partitionDirName(topic, partition);
    const config = configOverrides ? validateLogConfig({ ...this.defaultConfig, ...configOverrides }) : this.defaultConfig;
    const existing = this.logs.get(name);
    if (existing) {
      if (configOverrides) existing.log.updateConfig(config);
      return existing.log;
    }
    const pending = this.opening.get(name);
    if (pending) return pending;
    const dir = path.join(this.dataDir, name);
    const opening = recoverCleanerFiles(dir).then(() =>
      PartitionLog.open(dir, config, { handles: this.handles, indexCache: this.indexCache, clock: this.clock }),
    );
    this.opening.set(name, opening);
    try {
      const log = await opening;
      this.logs.set(name, { topic, partition, log });
      return log;
    } catch (error) {
      if (storageErrnoOf(error)) this.health.failed(`create log ${name}`, error);
      throw error;
    } finally {
      this.opening.delete(name);
    }
  }

  get(topic: string, partition: number): PartitionLog | undefined {
    return this.logs.get(partitionDirName(topic, partition))?.log;
  }

  partitions(): TopicPartition[] {
    return [...this.logs.values()].map(({ topic, partition }) => ({ topic, partition }));
  }

  /** Deletes a partition's log and directory; false if there was none. */
  async delete(topic: string, partition: number): Promise<boolean> {
    this.assertOpen();
    const name = partitionDirName(topic, partition);
    await this.opening.get(name)?.catch(() => undefined);
    const managed = this.logs.get(name);
    if (!managed) return false;
    this.logs.delete(name);
    await this.cleaner.stopCleaning(managed.log);
    await managed.log.delete();
    return true;
  }

  /**
   * One run of the compaction Cleaner: cleans the compacted log with the highest dirty ratio at
   * or above its min.cleanable.dirty.ratio, below its high watermark (see LogCleanerManager).
   */
  runCleaner(opts: CleanerRunOptions = {}): Promise<CleanerRun | undefined> {
    this.assertOpen();
    return this.cleaner.runCleaner({ nowMs: this.clock.nowMs(), ...opts });
  }

  /** Stops the Cleaner for good (shutdown): aborts a clean in progress and waits for it. */
  stopCleaner(): Promise<void> {
    return this.cleaner.stop();
  }

  get cleanerStats(): Readonly<LogCleanerStats> {
    return this.cleaner.stats;
  }

  /** fsyncs every log with unflushed data. */
  async flushAll(): Promise<void> {
    this.assertOpen();
    await forEachConcurrently(this.openLogs(), this.concurrency, (log) => log.flush());
  }

  /** flush.messages / flush.ms: fsyncs the logs whose policy says a flush is due; returns how many. */
  async flushDue(nowMs: number = this.clock.nowMs()): Promise<number> {
    this.assertOpen();
    const due = this.openLogs().filter((log) => log.shouldFlush(nowMs));
    await forEachConcurrently(due, this.concurrency, (log) => log.flush());
    return due.length;
  }

  /** Applies retention.ms / retention.bytes to every log; returns the segments deleted. */
  async runRetention(nowMs: number = this.clock.nowMs()): Promise<number> {
    this.assertOpen();
    let deleted = 0;
    await forEachConcurrently(this.openLogs(), this.concurrency, async (log) => {
      const count = await log.deleteRetainedSegments(nowMs);
      deleted += count; // not `deleted += await ...`: that reads `deleted` before the await
    });
    return deleted;
  }

  /** Writes both offset checkpoints atomically (serialized with other checkpoint calls). */
  checkpoint(): Promise<void> {
    const run = this.checkpointChain.then(() =>
      this.writeCheckpoints().catch((error: unknown) => {
        if (storageErrnoOf(error)) this.health.failed('write checkpoints', error);
        throw error;
      }),
    );
    this.checkpointChain = run.catch(() => undefined);
    return run;
  }

  private async writeCheckpoints(): Promise<void> {
    const recoveryPoints: OffsetCheckpointEntry[] = [];
    const startOffsets: OffsetCheckpointEntry[] = [];
    for (const { topic, partition, log } of this.logs.values()) {
      recoveryPoints.push({ topic, partition, offset: log.recoveryPoint });
      startOffsets.push({ topic, partition, offset: log.logStartOffset });
    }
    await writeFileAtomically(path.join(this.dataDir, RECOVERY_POINT_CHECKPOINT_FILE), formatOffsetCheckpoint(recoveryPoints));
    await writeFileAtomically(path.join(this.dataDir, LOG_START_OFFSET_CHECKPOINT_FILE), formatOffsetCheckpoint(startOffsets));
  }

  /** Clean shutdown: every log flushed and closed, checkpoints written, then the marker. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.cleaner.stop();
    await Promise.allSettled(this.opening.values());
    try {
      await forEachConcurrently(this.openLogs(), this.concurrency, (log) => log.close());
      for (const { log } of this.logs.values()) {
        assert(log.recoveryPoint === log.logEndOffset, () => `closed log ${log.dir} is flushed to its end`);
      }
      await this.checkpoint();
      await writeFileAtomically(path.join(this.dataDir, CLEAN_SHUTDOWN_FILE), '');
    } finally {
      this.handles.closeAll();
    }
  }

  private openLogs(): PartitionLog[] {
    return [...this.logs.values()].map(({ log }) => log);
  }

  private assertOpen(): void {
    if (this.closed) throw new LogClosedError(this.dataDir);
  }
}

/** A checkpoint as dir name → offset; empty if missing, undefined if unreadable. */
async function readCheckpointMap(file: string): Promise<Map<string, Offset> | undefined> {
  try {
    const entries = (await readOffsetCheckpoint(file)) ?? [];
    return new Map(entries.map((e) => [partitionDirName(e.topic, e.partition), e.offset as Offset]));
  } catch (error) {
    if (error instanceof LogError || isNotFound(error)) return undefined;
    throw error;
  }
}
