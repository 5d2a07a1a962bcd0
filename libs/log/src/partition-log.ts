import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { asLeaderEpoch, type BatchHeader, type Offset } from '@runnel/protocol';
import { lowerCleanerCheckpointSync } from './cleaner-files';
import { assert, LogClosedError, OffsetOutOfRangeError } from './errors';
import { deletedPartitionDirName } from './file-names';
import { GroupCommit } from './group-commit';
import { IndexCache } from './index-cache';
import { unlinkIfExists, unlinkIfExistsSync } from './io';
import type { EpochEndOffset, EpochEntry, LeaderEpochCache } from './leader-epoch-cache';
import { retainsByTimeAndSize, rollJitterMs, rollMs, validateLogConfig, type LogConfig } from './log-config';
import { loadLog } from './log-loader';
import {
  SYSTEM_CLOCK,
  type AppendOptions,
  type AppendResult,
  type Clock,
  type PartitionLogOptions,
  type ReadResult,
  type TimestampLookup,
} from './log-types';
import { countExpiredByTime, countOverSize } from './log-retention';
import { assignOffsets, checkProducerBatches, checkReplicatedBatches } from './log-validator';
import { LogSegment, type SegmentContext } from './segment';
import type { SegmentSet } from './segment-set';

const EMPTY = Buffer.alloc(0);
const INT32_MAX = 0x7fffffff;
const PRIVATE_INDEX_CACHE_BYTES = 8 * 1024 * 1024;
const RECENT_TRUNCATIONS = 16;

/**
 * One partition's log: a directory of segments (see LogSegment for the file format) with
 *   logStartOffset <= logEndOffset   and   recoveryPoint <= logEndOffset,
 * where [logStartOffset, logEndOffset) are readable offsets and every byte below recoveryPoint
 * has been fsynced (a crash loses nothing below it; recovery rescans from its segment).
 *
 * Durability: `append` returns once the bytes are written to the page cache (acks=1 "appended");
 * `flush()` resolves once everything appended before the call is fsynced (acks=all "durable",
 * the high watermark on one node). Flushes are group-committed: one fsync in flight, callers
 * arriving meanwhile share the next. fsyncs run on the thread pool, never on the event loop.
 *
 * Concurrency: one event loop, no locks. Appends, truncation, rolls and segment removal are
 * synchronous state changes; reads, flushes, retention and timestamp lookups are async and
 * tolerate those changes happening while they wait: a read that overlapped a truncation or a
 * segment removal is retried (`generation`), deleted files stay readable through pinned
 * descriptors, and the recovery point only advances if no truncation happened during the fsync.
 *
 * Leader epochs (KIP-101): a LeaderEpochCache follows every append (the leader's epoch, or each
 * replicated batch's), truncation and log start move; a flush writes its file before the recovery
 * point advances, so the durable part of the log always has its epochs on disk.
 */
export class PartitionLog {
  readonly dir: string;
  /** Bytes read and CRC-checked while opening (0 after a clean shutdown). */
  readonly bytesScannedAtOpen: number;
  private readonly segments: SegmentSet;
  private readonly epochs: LeaderEpochCache;
  private readonly groupCommit = new GroupCommit(() => this.flushNow());
  /** Background file work (unlinks, epoch file writes) that close and delete wait for. */
  private readonly pendingUnlinks = new Set<Promise<void>>();
  private leo: number;
  private lso: number;
  private rp: number;
  private totalBytes: number;
  /** Bumped by truncation and segment removal: an async read that spans one is retried. */
  private generation = 0;
  private truncations = 0;
  /** Offsets of the latest truncations (at most RECENT_TRUNCATIONS), newest last. */
  private readonly recentTruncations: number[] = [];
  private lastFlushMs: number;
  private dirDirty: boolean;
  private parentDirDirty: boolean;
  private closed = false;
  /** segment.jitter.ms share of the active segment: it rolls once older than segmentMs minus this. */
  private activeRollJitterMs: number;

  private constructor(
    private readonly ctx: SegmentContext,
    private readonly clock: Clock,
    loaded: Awaited<ReturnType<typeof loadLog>>,
    private readonly random: () => number,
  ) {
    this.dir = ctx.dir;
    this.segments = loaded.segments;
    this.epochs = loaded.epochs;
    this.leo = loaded.logEndOffset;
    this.lso = loaded.logStartOffset;
    this.rp = loaded.recoveryPoint;
    this.bytesScannedAtOpen = loaded.bytesScanned;
    this.dirDirty = loaded.dirChanged;
    this.parentDirDirty = loaded.createdDir;
    this.totalBytes = this.segments.all().reduce((sum, s) => sum + s.size, 0);
    this.lastFlushMs = clock.nowMs();
    this.activeRollJitterMs = rollJitterMs(ctx.config, random);
  }

  /** Opens (creating or recovering) the log in `dir`; see LogLoader for what is scanned. */
  static async open(dir: string, config: LogConfig, opts: PartitionLogOptions): Promise<PartitionLog> {
    const ctx: SegmentContext = {
      dir: path.resolve(dir),
      handles: opts.handles,
      indexCache: opts.indexCache ?? new IndexCache(PRIVATE_INDEX_CACHE_BYTES),
      config: validateLogConfig({ ...config }),
    };
    const loaded = await loadLog(ctx, opts);
    return new PartitionLog(ctx, opts.clock ?? SYSTEM_CLOCK, loaded, opts.random ?? Math.random);
  }

  get config(): Readonly<LogConfig> {
    return this.ctx.config;
  }
  get logStartOffset(): Offset {
    return this.lso as Offset;
  }
  get logEndOffset(): Offset {
    return this.leo as Offset;
  }
  get recoveryPoint(): Offset {
    return this.rp as Offset;
  }
  get sizeBytes(): number {
    return this.totalBytes;
  }
  get segmentCount(): number {
    return this.segments.count;
  }
  get isClosed(): boolean {
    return this.closed;
  }
  /** Truncations so far; with `truncatedBelowSince` the Cleaner tells whether its map went stale. */
  get truncationCount(): number {
    return this.truncations;
  }
  /** Whether a truncation after the `count`-th cut the log below `offset` (true if too long ago to tell). */
  truncatedBelowSince(count: number, offset: number): boolean {
    const missed = this.truncations - count;
    if (missed > this.recentTruncations.length) return true;
    return this.recentTruncations.slice(this.recentTruncations.length - missed).some((at) => at < offset);
  }
  /** Offsets appended but not yet covered by a completed flush (Kafka's unflushedMessages). */
  get unflushedMessages(): number {
    return this.leo - this.rp;
  }
  segmentBaseOffsets(): Offset[] {
    return this.segments.all().map((s) => s.baseOffset);
  }

  /** Applies a topic config change; index sizes apply to segments created from now on. */
  updateConfig(config: LogConfig): void {
    this.ctx.config = validateLogConfig({ ...config });
    // The active segment keeps its draw unless the new bounds no longer allow it.
    const jitterBound = this.ctx.config.segmentJitterMs > 0 ? Math.min(this.ctx.config.segmentJitterMs, this.ctx.config.segmentMs) - 1 : 0;
    this.activeRollJitterMs = Math.min(this.activeRollJitterMs, jitterBound);
  }

  /** flush.messages / flush.ms policy: whether a flush is due at `nowMs`. */
  shouldFlush(nowMs: number): boolean {
    const unflushed = this.unflushedMessages;
    return unflushed > 0 && (unflushed >= this.config.flushMessages || nowMs - this.lastFlushMs >= this.config.flushMs);
  }

  /**
   * Appends one or more whole batches (a produce request's records) as the leader: all are
   * checked first (framing, CRC32C, max.message.bytes — a ProtocolError appends nothing), then
   * offsets are assigned by rewriting each batch's base offset IN THE CALLER'S BUFFER (and its
   * leader epoch, and for LogAppendTime topics its timestamp and CRC), and the buffer is written
   * with one synchronous positional write, uncopied. Rolls first when the active segment is full
   * by size, age or index. On return the batches are readable; durable after `flush()`.
   */
  append(batches: Buffer, opts: AppendOptions = {}): AppendResult {
    this.assertOpen();
    const { headers, records } = checkProducerBatches(batches, this.config.maxMessageBytes, opts.checkedHeaders);
    const leaderEpoch = opts.leaderEpoch === undefined ? undefined : asLeaderEpoch(opts.leaderEpoch);
    const nowMs = this.clock.nowMs();
    const baseOffset = this.leo;
    const lastOffset = baseOffset + records - 1;
    assert(Number.isSafeInteger(lastOffset), 'offsets stay safe integers');
    this.maybeRoll(batches.length, headers.length, lastOffset, nowMs);
    const logAppendTimeMs = this.config.messageTimestampType === 'LogAppendTime' ? nowMs : undefined;
    const maxTimestampMs = assignOffsets(batches, headers, baseOffset, { leaderEpoch, logAppendTimeMs });
    this.write(batches, headers, lastOffset + 1, nowMs);
    if (leaderEpoch !== undefined) this.epochs.assign(leaderEpoch, baseOffset);
    return {
      baseOffset: baseOffset as Offset,
      lastOffset: lastOffset as Offset,
      logAppendTimeMs: logAppendTimeMs ?? -1,
      maxTimestampMs,
      records,
      bytes: batches.length,
    };
  }

  /**
   * Appends batches that already carry offsets (replication from the leader): checked as by
   * `append` except the size limit (the leader accepted them), offsets must continue the log
   * (first base offset >= logEndOffset, increasing), nothing is rewritten. Each batch's
   * partitionLeaderEpoch feeds the leader epoch cache.
   */
  appendAsFollower(batches: Buffer): AppendResult {
    this.assertOpen();
    const { headers, records, lastOffset, maxTimestampMs } = checkReplicatedBatches(batches, this.leo);
    const nowMs = this.clock.nowMs();
    this.maybeRoll(batches.length, headers.length, lastOffset, nowMs);
    this.write(batches, headers, lastOffset + 1, nowMs);
    for (const header of headers) this.epochs.assign(header.partitionLeaderEpoch, header.baseOffset);
    return {
      baseOffset: headers[0].baseOffset as Offset,
      lastOffset: lastOffset as Offset,
      logAppendTimeMs: -1,
      maxTimestampMs,
      records,
      bytes: batches.length,
    };
  }

  private write(batches: Buffer, headers: BatchHeader[], nextOffset: number, nowMs: number): void {
    this.segments.active.append(batches, headers, nowMs);
    this.leo = nextOffset;
    this.totalBytes += batches.length;
  }

  private maybeRoll(bytes: number, batchCount: number, lastOffset: number, nowMs: number): void {
    const active = this.segments.active;
    if (active.size === 0) return;
    const config = this.config;
    const full =
      !active.isActive || // a roll that failed after sealing (full disk): finish it
      active.size + bytes > config.segmentBytes ||
      active.size + bytes > INT32_MAX ||
      (active.firstAppendMs !== undefined && nowMs - active.firstAppendMs > rollMs(config) - this.activeRollJitterMs) ||
      !active.indexHasRoomFor(batchCount) ||
      lastOffset - active.baseOffset > INT32_MAX;
    if (full) this.roll();
  }

  /** Seals the active segment and starts a new one at the log end offset (no-op when empty). */
  roll(): Offset {
    this.assertOpen();
    const active = this.segments.active;
    if (active.size > 0) {
      // Either step may fail on a full disk; the log stays usable: appends retry the roll.
      if (active.isActive) active.seal(this.leo);
      this.segments.add(LogSegment.create(this.ctx, this.leo as Offset));
      this.dirDirty = true;
      this.activeRollJitterMs = rollJitterMs(this.config, this.random);
    }
    return this.segments.active.baseOffset;
  }

  /**
   * Raw batches from the one containing `offset` (or the next, if `offset` falls in a gap): whole
   * batches only, at most `maxBytes` unless the first batch alone is bigger, none whose base
   * offset is >= upperBoundOffset (the high watermark). A read may stop at a segment end;
   * `nextOffset` says where to continue. Empty at the upper bound. Throws OffsetOutOfRangeError
   * outside [logStartOffset, logEndOffset].
   */
  async read(offset: number, maxBytes: number, upperBoundOffset: number = this.leo): Promise<ReadResult> {
    for (;;) {
      this.assertOpen();
      if (!Number.isSafeInteger(offset) || offset < this.lso || offset > this.leo) {
        throw new OffsetOutOfRangeError(offset, this.logStartOffset, this.logEndOffset);
      }
      const upperBound = Math.min(upperBoundOffset, this.leo);
      if (offset >= upperBound) return { bytes: EMPTY, nextOffset: offset as Offset };
      const generation = this.generation;
      try {
        const result = await this.readSegments(offset, maxBytes, upperBound);
        if (generation === this.generation) return result;
      } catch (error) {
        if (generation === this.generation) throw error;
      }
    }
  }

  private async readSegments(offset: number, maxBytes: number, upperBound: number): Promise<ReadResult> {
    let segment = this.segments.floor(offset);
    assert(segment, () => `no segment holds offset ${offset} >= logStartOffset`);
    while (segment && segment.baseOffset < upperBound) {
      const found = await segment.read(offset, maxBytes, upperBound);
      if (found) return { bytes: found.bytes, nextOffset: found.nextOffset as Offset };
      segment = this.segments.next(segment);
    }
    return { bytes: EMPTY, nextOffset: upperBound as Offset };
  }

  /** Group-committed fsync of everything appended before the call; advances the recovery point. */
  flush(): Promise<void> {
    this.assertOpen();
    return this.groupCommit.sync();
  }

  private async flushNow(): Promise<void> {
    const truncations = this.truncations;
    const target = this.leo;
    const segments = this.segments.all().slice(Math.max(0, this.segments.floorIndex(this.rp)));
    for (const segment of segments) {
      try {
        await segment.flush();
      } catch (error) {
        if (!segment.isDeleted) throw error;
      }
    }
    if (this.parentDirDirty) await this.syncDirectory(path.dirname(this.dir), (dirty) => (this.parentDirDirty = dirty));
    if (this.dirDirty) await this.syncDirectory(this.dir, (dirty) => (this.dirDirty = dirty));
    await this.epochs.persist();
    if (truncations === this.truncations) this.rp = Math.max(this.rp, Math.min(target, this.leo));
    this.lastFlushMs = this.clock.nowMs();
  }

  /** fsyncs a directory whose entries changed; it stays marked dirty if the fsync fails. */
  private async syncDirectory(dir: string, setDirty: (dirty: boolean) => void): Promise<void> {
    setDirty(false);
    try {
      await this.ctx.handles.syncDirectory(dir);
    } catch (error) {
      setDirty(true);
      throw error;
    }
  }

  /**
   * Removes every offset >= `offset` (a follower diverging from its leader): later segments are
   * deleted, the segment holding `offset` is cut before the batch containing it, and the log end
   * offset becomes `offset`. No-op at or above the log end offset.
   */
  truncateTo(offset: number): void {
    this.assertOpen();
    if (!Number.isSafeInteger(offset) || offset < 0) throw new RangeError(`truncation offset ${offset}`);
    if (offset >= this.leo) return;
    if (offset <= this.segments.first.baseOffset) {
      this.truncateFullyAndStartAt(offset);
      return;
    }
    this.generation++;
    this.noteTruncation(offset);
    this.removeSegments(this.segments.removeFrom(offset)).forEach(unlinkIfExistsSync);
    const active = this.segments.active;
    active.activate(Number.MAX_SAFE_INTEGER, true);
    this.totalBytes -= active.truncateTo(offset);
    if (active.size > 0) active.firstAppendMs ??= this.clock.nowMs();
    this.leo = offset;
    this.lso = Math.min(this.lso, offset);
    this.rp = Math.min(this.rp, offset);
    lowerCleanerCheckpointSync(this.dir, offset); // offsets from here on are new: dirty again
    this.epochs.truncateFromEnd(offset);
    this.persistEpochsSoon();
  }

  /** Deletes all data and restarts the log empty at `offset` (start = end = recovery point). */
  truncateFullyAndStartAt(offset: number): void {
    this.assertOpen();
    if (!Number.isSafeInteger(offset) || offset < 0) throw new RangeError(`start offset ${offset}`);
    this.generation++;
    this.noteTruncation(offset);
    this.removeSegments(this.segments.clear()).forEach(unlinkIfExistsSync);
    this.segments.add(LogSegment.create(this.ctx, offset as Offset));
    this.totalBytes = 0;
    this.leo = this.lso = this.rp = offset;
    lowerCleanerCheckpointSync(this.dir, offset);
    this.epochs.clear();
    this.persistEpochsSoon();
  }

  /** The latest leader epoch that wrote (or, as leader, will write) this log; -1 when none. */
  latestEpoch(): number {
    return this.epochs.latestEpoch();
  }

  /**
   * Kafka's OffsetsForLeaderEpoch: the largest epoch <= `epoch` this log knows and the offset where
   * it ended (the next epoch's start, or the log end offset for the latest); {-1, -1} when `epoch`
   * is below the first known epoch or above the latest, or nothing is known.
   */
  endOffsetForEpoch(epoch: number): EpochEndOffset {
    this.assertOpen();
    return this.epochs.endOffsetFor(epoch, this.leo);
  }

  /** The (epoch, startOffset) entries, oldest first (a copy). */
  epochEntries(): EpochEntry[] {
    return this.epochs.all();
  }

  /**
   * A new leader's epoch starts at the current log end offset even before it appends (Kafka's
   * maybeAssignEpochStartOffset on becoming leader), so followers asking about the previous epoch
   * learn where it ended here. No-op when `epoch` is already the latest.
   */
  assignEpochStartOffset(epoch: number): void {
    this.assertOpen();
    if (this.epochs.assign(asLeaderEpoch(epoch), this.leo)) this.persistEpochsSoon();
  }

  /**
   * Writes the epoch file now in the background (close and delete wait for it); a failure leaves
   * the cache dirty for the next flush to retry and report.
   */
  private persistEpochsSoon(): void {
    const write = this.epochs.persist().catch(() => undefined);
    this.pendingUnlinks.add(write);
    void write.finally(() => this.pendingUnlinks.delete(write));
  }

  /**
   * Moves the log start offset to `offset` (DeleteRecords) and deletes closed segments wholly
   * below it. Never past the log end offset (the caller bounds it by the high watermark).
   */
  async deleteRecordsBefore(offset: number): Promise<void> {
    this.assertOpen();
    if (!Number.isSafeInteger(offset) || offset > this.leo) throw new OffsetOutOfRangeError(offset, this.logStartOffset, this.logEndOffset);
    if (offset <= this.lso) return;
    this.lso = offset;
    this.epochs.truncateFromStart(offset);
    let n = 0;
    while (n + 1 < this.segments.count && this.segments.at(n + 1).baseOffset <= offset) n++;
    await this.deleteSegments(this.segments.removeFirst(n));
  }

  /**
   * Retention: deletes closed segments, oldest first, whose largest timestamp is more than
   * retention.ms before `nowMs`, then while the log exceeds retention.bytes (only when
   * cleanup.policy includes `delete`). Never the active segment. Moves the log start offset. Returns the number of segments deleted.
   */
  async deleteRetainedSegments(nowMs: number = this.clock.nowMs()): Promise<number> {
    this.assertOpen();
    if (!retainsByTimeAndSize(this.config)) return 0; // compact-only: the Cleaner owns old data
    const candidates = this.segments.all().slice(0, -1);
    const expired = await countExpiredByTime(candidates, this.config.retentionMs, nowMs);
    if (this.closed) return 0;
    // The await above may have raced with truncation or another retention run: re-check.
    const current = this.segments.all();
    let byTime = 0;
    while (byTime < expired && byTime < current.length - 1 && current[byTime] === candidates[byTime]) byTime++;
    const n = countOverSize(current, byTime, this.totalBytes, this.config.retentionBytes);
    if (n === 0) return 0;
    await this.deleteSegments(this.segments.removeFirst(n));
    return n;
  }

  /** Kafka ListOffsets by timestamp: the first offset whose record timestamp is >= timestampMs. */
  async offsetForTimestamp(timestampMs: number): Promise<TimestampLookup | null> {
    for (;;) {
      this.assertOpen();
      const generation = this.generation;
      const lso = this.lso;
      let found: { offset: number; timestamp: number } | undefined;
      try {
        for (const segment of this.segments.all()) {
          if ((await segment.largestTimestamp()) < timestampMs) continue;
          found = await segment.findOffsetByTimestamp(timestampMs, lso);
          if (found) break;
        }
      } catch (error) {
        if (generation === this.generation) throw error;
      }
      if (generation !== this.generation) continue;
      return found && found.offset < this.leo ? { offset: found.offset as Offset, timestamp: found.timestamp } : null;
    }
  }

  /** For the Cleaner: the closed segments (all but the active one), oldest first. */
  closedSegments(): readonly LogSegment[] {
    this.assertOpen();
    return this.segments.all().slice(0, -1);
  }

  /** For the Cleaner: whether `segment` is still a closed segment of this log (not removed, not active). */
  isClosedSegment(segment: LogSegment): boolean {
    const i = this.segments.floorIndex(segment.baseOffset);
    return !this.closed && i >= 0 && i < this.segments.count - 1 && this.segments.at(i) === segment;
  }

  /**
   * For the Cleaner: replaces closed segment `old` by a cleaned file holding a subset of its
   * batches at their original offsets. Synchronously: the old files are renamed `.deleted`, then
   * `install()` puts the new `.log` file at the live name and returns its size, then its indexes
   * are built by scanning it. Reads in flight on the old segment are retried (`generation`).
   * Returns false, touching nothing, if `old` is no longer a closed segment. If `install` throws
   * the log is unusable in memory (reopen it: the Cleaner's recovery completes the swap).
   */
  async replaceClosedSegment(old: LogSegment, install: () => number): Promise<boolean> {
    if (!this.isClosedSegment(old)) return false;
    const i = this.segments.floorIndex(old.baseOffset);
    const endOffset = this.segments.at(i + 1).baseOffset;
    this.generation++;
    this.dirDirty = true;
    const doomed = old.markDeleted();
    const size = install();
    const replacement = LogSegment.open(this.ctx, old.baseOffset, size, endOffset);
    const scanned = replacement.scan(old.baseOffset, endOffset, false);
    assert(scanned.invalidBytes === 0, () => `cleaned segment ${replacement.logPath} holds invalid bytes`);
    replacement.seal(endOffset);
    this.segments.replaceAt(i, replacement);
    this.totalBytes += size - old.size;
    const unlinks = Promise.all(doomed.map(unlinkIfExists)).then(() => undefined);
    this.pendingUnlinks.add(unlinks);
    try {
      await unlinks;
    } finally {
      this.pendingUnlinks.delete(unlinks);
    }
    return true;
  }

  private noteTruncation(offset: number): void {
    this.truncations++;
    this.recentTruncations.push(offset);
    if (this.recentTruncations.length > RECENT_TRUNCATIONS) this.recentTruncations.shift();
  }

  /** Takes segments out of service now: files renamed `.deleted`, returned for unlinking. */
  private removeSegments(doomed: LogSegment[]): string[] {
    if (doomed.length === 0) return [];
    this.generation++;
    this.dirDirty = true;
    const files: string[] = [];
    for (const segment of doomed) {
      this.totalBytes -= segment.size;
      files.push(...segment.markDeleted());
    }
    return files;
  }

  /** Removes segments now (log start offset follows); resolves when their files are unlinked. */
  private async deleteSegments(doomed: LogSegment[]): Promise<void> {
    const files = this.removeSegments(doomed);
    this.lso = Math.max(this.lso, this.segments.first.baseOffset);
    this.epochs.truncateFromStart(this.lso);
    const unlinks = Promise.all(files.map(unlinkIfExists)).then(() => undefined);
    this.pendingUnlinks.add(unlinks);
    try {
      await unlinks;
    } finally {
      this.pendingUnlinks.delete(unlinks);
    }
  }

  /**
   * Clean close: writes the active segment's index files, fsyncs everything (so the recovery
   * point reaches the log end offset and the next open scans nothing), releases descriptors.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    try {
      if (this.segments.active.persistIndexes()) this.dirDirty = true; // index files may be new or gone
      await this.groupCommit.sync();
      await Promise.all(this.pendingUnlinks);
    } finally {
      this.release();
    }
  }

  /** Closes without flushing and removes the directory (rename to `*-delete`, then rm -r). */
  async delete(): Promise<void> {
    this.closed = true;
    this.release();
    await Promise.allSettled(this.pendingUnlinks);
    const doomed = path.join(path.dirname(this.dir), deletedPartitionDirName(path.basename(this.dir), randomUUID().replace(/-/g, '')));
    await fs.promises.rename(this.dir, doomed);
    await fs.promises.rm(doomed, { recursive: true, force: true });
  }

  private release(): void {
    for (const segment of this.segments.all()) segment.close();
    this.ctx.handles.evictUnder(this.dir);
  }

  private assertOpen(): void {
    if (this.closed) throw new LogClosedError(this.dir);
  }
}
