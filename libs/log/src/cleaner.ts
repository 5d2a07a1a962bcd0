import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import {
  ATTR_CONTROL,
  decodeRecordBatch,
  isProtocolError,
  reencodeRecordBatch,
  scanRecordBatches,
  type Offset,
  type RecordBatch,
  type RecordView,
} from '@runnel/protocol';
import { FileBatchReader } from './batch-scan';
import { dirtyStateOf, isWorthCleaning, type DirtyState } from './cleaner-dirty-state';
import { CleanedFile, readCleanerCheckpoint, writeCleanerCheckpoint } from './cleaner-files';
import { CleanAborted, Pacer } from './cleaner-pacer';
import { assert, CorruptLogError } from './errors';
import { segmentFilePath } from './file-names';
import { unlinkIfExists } from './io';
import type { PartitionLog } from './partition-log';
import type { LogSegment } from './segment';

/**
 * Log compaction (`cleanup.policy=compact`), Kafka's LogCleaner for one log at a time.
 *
 * Cleanable: the closed segments wholly below the high watermark (followers truncate only above
 * it). State: per log, the first dirty offset in `cleaner-offset-checkpoint` (cleaner-files.ts): below
 * it every key occurs at most once (its latest record as of the last pass). The active segment
 * is never read or written. Offsets are never rewritten: a cleaned segment keeps the base offset
 * of the one it replaces, each kept batch keeps its baseOffset and lastOffsetDelta, and the
 * removed records leave gaps that reads skip.
 *
 * A pass: (1) map key -> latest offset over the dirty records [firstDirty, mapEnd), stopping
 * at `maxMapEntries` keys (then mapEnd is the first unmapped offset and more passes follow);
 * (2) rewrite every closed segment below mapEnd, oldest first, keeping a record unless a later
 * offset of its key is mapped, or it is a mapped-range tombstone whose batch is older than
 * delete.retention.ms; (3) checkpoint mapEnd. Oldest-first swaps mean a crash between two
 * segments never exposes an older value whose tombstone was already removed.
 *
 * Each segment is swapped crash-safely (`.cleaned` -> `.swap` -> old `.deleted` -> live; see
 * cleaner-files.ts for the recovery rules); the swap itself is synchronous, so no read or
 * append interleaves with it. Concurrency: one `clean` per log at a time (the caller's job,
 * LogCleanerManager's); appends, reads, retention and rolls may run meanwhile. A truncation into
 * the mapped range aborts the pass (its map may describe offsets that no longer exist) without a
 * checkpoint; so does `signal` (the log is being deleted or closed).
 *
 * Pacing: every byte read or written goes through a Pacer (cleaner-pacer.ts) — a token bucket
 * when `ioBytesPerSecond` is set, and in any case a turn of the event loop every 256 KiB — so a long clean never holds up produce or fetch for more than a few milliseconds at a time.
 */

export interface CleanOptions {
  nowMs: number;
  /** delete.retention.ms: how long a tombstone stays readable (by its batch's max timestamp). */
  deleteRetentionMs: number;
  /** min.cleanable.dirty.ratio: clean only when dirty bytes / closed bytes reaches this (0..1). */
  minCleanableDirtyRatio: number;
  /**
   * Read plus written bytes per second; default unbounded (the Cleaner then still yields to the
   * event loop every YIELD_EVERY_BYTES, so a long clean never stalls produce or fetch).
   */
  ioBytesPerSecond?: number;
  /** Stops the run at the next batch (the log is being deleted or closed): no checkpoint, `.cleaned` removed. */
  signal?: AbortSignal;
  /**
   * The high watermark: only segments wholly below it are cleaned (a follower may truncate
   * above it, and a map built over offsets that are later truncated would remove records whose
   * successors no longer exist). Default: the log end offset (single-node or tests).
   */
  highWatermark?: number;
}

export interface CleanResult {
  /** False when the dirty ratio was below the minimum (or there was nothing closed). */
  cleaned: boolean;
  dirtyRatio: number;
  firstDirtyOffset: Offset;
  /** The first dirty offset after the run (the checkpoint). */
  cleanedUpToOffset: Offset;
  passes: number;
  segmentsRewritten: number;
  recordsRemoved: number;
  bytesRead: number;
  bytesWritten: number;
  /** A truncation raced with the run, or `signal` fired: stopped without checkpointing the interrupted pass. */
  aborted: boolean;
}

export { dirtyStateOf, isWorthCleaning, type DirtyState } from './cleaner-dirty-state';

/** The result of a run that cleaned nothing (yet): the state it found, all counters at zero. */
export function emptyCleanResult(state: DirtyState): CleanResult {
  return {
    cleaned: false,
    dirtyRatio: state.dirtyRatio,
    firstDirtyOffset: state.firstDirtyOffset as Offset,
    cleanedUpToOffset: state.firstDirtyOffset as Offset,
    passes: 0,
    segmentsRewritten: 0,
    recordsRemoved: 0,
    bytesRead: 0,
    bytesWritten: 0,
    aborted: false,
  };
}

/** Points where a crash is simulated in tests (a hook that throws); called synchronously. */
export type CleanerStep = 'cleaned' | 'swap' | 'deleted';

export interface CleanerOptions {
  /** Bound of the key map (entries); more distinct dirty keys take several passes. */
  maxMapEntries?: number;
  /** Bound of one decompressed batch. */
  maxDecompressedBytes?: number;
  /** Test hook, run at each step of a segment swap. */
  onStep?: (step: CleanerStep, baseOffset: number) => void;
}

/** Cumulative counters over the Cleaner's life, for metrics. */
export interface CleanerStats {
  bytesRead: number;
  bytesWritten: number;
  segmentsCleaned: number;
  recordsRemoved: number;
  passes: number;
}

const DEFAULT_MAX_MAP_ENTRIES = 500_000;
const DEFAULT_MAX_DECOMPRESSED_BYTES = 64 * 1024 * 1024;
/** Keys up to this size are map keys as they are; longer ones by their SHA-1 (bounded memory). */
const INLINE_KEY_BYTES = 32;

interface KeyMap {
  latest: Map<string, number>;
  /** Exclusive end of the mapped offsets. */
  end: number;
  /** The segment holding the last mapped offset: a truncation below `end` removes or reactivates it. */
  last: LogSegment | undefined;
}

interface PassCounters {
  segmentsRewritten: number;
  recordsRemoved: number;
  bytesRead: number;
  bytesWritten: number;
}

export class Cleaner {
  readonly stats: CleanerStats = { bytesRead: 0, bytesWritten: 0, segmentsCleaned: 0, recordsRemoved: 0, passes: 0 };
  private readonly maxMapEntries: number;
  private readonly maxDecompressedBytes: number;
  private readonly onStep: (step: CleanerStep, baseOffset: number) => void;

  constructor(opts: CleanerOptions = {}) {
    this.maxMapEntries = opts.maxMapEntries ?? DEFAULT_MAX_MAP_ENTRIES;
    this.maxDecompressedBytes = opts.maxDecompressedBytes ?? DEFAULT_MAX_DECOMPRESSED_BYTES;
    this.onStep = opts.onStep ?? (() => {});
    if (!Number.isSafeInteger(this.maxMapEntries) || this.maxMapEntries < 1) throw new RangeError(`maxMapEntries ${this.maxMapEntries}`);
  }

  /** Cleans the closed segments of `log` if its dirty ratio reaches the minimum; see the class comment. */
  async clean(log: PartitionLog, opts: CleanOptions): Promise<CleanResult> {
    if (!(opts.minCleanableDirtyRatio >= 0 && opts.minCleanableDirtyRatio <= 1))
      throw new RangeError(`minCleanableDirtyRatio ${opts.minCleanableDirtyRatio}`);
    const state = dirtyStateOf(log, await readCleanerCheckpoint(log.dir), opts.highWatermark);
    const { firstDirtyOffset: firstDirty, cleanableEndOffset: cleanableEnd } = state;
    const result = emptyCleanResult(state);
    if (!isWorthCleaning(state, opts.minCleanableDirtyRatio) || opts.signal?.aborted) return result;
    result.cleaned = true;
    const pacer = new Pacer(opts.ioBytesPerSecond, opts.signal);
    const truncations = log.truncationCount;
    let start = firstDirty;
    try {
      do {
        const counters: PassCounters = { segmentsRewritten: 0, recordsRemoved: 0, bytesRead: 0, bytesWritten: 0 };
        let completed = false;
        let map: KeyMap = { latest: new Map(), end: start, last: undefined };
        try {
          map = await this.buildMap(log, start, cleanableEnd, counters, pacer);
          completed = await this.rewrite(log, map, opts, counters, pacer);
        } finally {
          result.passes++;
          result.segmentsRewritten += counters.segmentsRewritten;
          result.recordsRemoved += counters.recordsRemoved;
          result.bytesRead += counters.bytesRead;
          result.bytesWritten += counters.bytesWritten;
          this.stats.passes++;
        }
        if (!completed || log.logEndOffset < map.end || log.truncatedBelowSince(truncations, map.end)) {
          result.aborted = true;
          break;
        }
        await writeCleanerCheckpoint(log.dir, map.end);
        if (!log.isClosed && (log.logEndOffset < map.end || log.truncatedBelowSince(truncations, map.end))) {
          // Truncated meanwhile (perhaps appended past map.end again: offsets below it that were
          // never mapped must not pass for clean): the next run starts over.
          await writeCleanerCheckpoint(log.dir, log.logStartOffset);
          result.aborted = true;
          break;
        }
        result.cleanedUpToOffset = map.end as Offset;
        if (map.end === start) break; // nothing dirty (a pass that only expires tombstones)
        start = map.end;
      } while (start < Math.min(cleanableEnd, log.segmentBaseOffsets().at(-1)!));
    } catch (error) {
      if (!(error instanceof CleanAborted)) throw error;
      result.aborted = true; // `.cleaned` output was removed on the way out
    }
    return result;
  }

  /**
   * Key -> latest offset over [start, cleanableEnd), until the map is full. Records are visited
   * in place (scanRecordBatches): no record objects or key buffers, only the map's own strings.
   */
  private async buildMap(log: PartitionLog, start: number, cleanableEnd: number, counters: PassCounters, pacer: Pacer): Promise<KeyMap> {
    const latest = new Map<string, number>();
    const segments = log.closedSegments();
    const limit = Math.min(cleanableEnd, log.segmentBaseOffsets().at(-1)!); // a truncation may have come first
    const scanOptions = { maxDecompressedBytes: this.maxDecompressedBytes };
    let last: LogSegment | undefined;
    let fullAt = -1;
    const visit = (r: RecordView): boolean => {
      if ((r.batch.attributes & ATTR_CONTROL) !== 0) return true;
      if (r.offset < start || r.keyStart < 0) return true;
      const id = keyId(r.section, r.keyStart, r.keyEnd);
      if (!latest.has(id) && latest.size >= this.maxMapEntries) {
        fullAt = r.offset;
        return false;
      }
      latest.set(id, r.offset);
      return true;
    };
    for (let i = 0; i < segments.length; i++) {
      const segment = segments[i];
      const end = segments[i + 1]?.baseOffset ?? limit;
      if (end <= start || segment.baseOffset >= limit) continue;
      last = segment;
      for await (const { raw, position } of this.rawBatches(segment, counters, pacer)) {
        try {
          await scanRecordBatches(raw, scanOptions, visit);
        } catch (error) {
          if (isProtocolError(error)) throw new CorruptLogError(segment.logPath, position, error.message);
          throw error;
        }
        if (fullAt >= 0) return { latest, end: fullAt, last };
      }
    }
    return { latest, end: Math.max(start, limit), last };
  }

  /** Rewrites the closed segments below map.end; false if a truncation made the map stale. */
  private async rewrite(log: PartitionLog, map: KeyMap, opts: CleanOptions, counters: PassCounters, pacer: Pacer): Promise<boolean> {
    const targets = log.closedSegments().filter((s) => s.baseOffset < map.end);
    const guard = map.last ?? targets.at(-1);
    if (!guard) return true;
    const horizonMs = opts.nowMs - opts.deleteRetentionMs;
    // A truncation below the last mapped segment removes or reactivates it: the map is stale.
    const mapStillValid = (): boolean => log.isClosedSegment(guard) || swappedGuard;
    let swappedGuard = false;
    for (const segment of targets) {
      if (!mapStillValid()) return false;
      const outcome = await this.cleanSegment(log, segment, map, horizonMs, mapStillValid, counters, pacer);
      if (outcome === 'stale' && !mapStillValid()) return false;
      if (segment === guard && outcome === 'swapped') swappedGuard = true;
    }
    return true;
  }

  /**
   * Writes the kept batches of `segment` to `.cleaned` and swaps it in, unless nothing was
   * removed or, by then, the segment is gone or `mapStillValid()` says a truncation happened.
   */
  private async cleanSegment(
    log: PartitionLog,
    segment: LogSegment,
    map: KeyMap,
    horizonMs: number,
    mapStillValid: () => boolean,
    counters: PassCounters,
    pacer: Pacer,
  ): Promise<'swapped' | 'unchanged' | 'stale'> {
    const base = segment.baseOffset;
    const cleanedPath = segmentFilePath(log.dir, base, 'log', 'cleaned');
    const swapPath = segmentFilePath(log.dir, base, 'log', 'swap');
    let removed = 0;
    // Opened at the first removal (copying the batches before it as they are): a segment with
    // nothing to remove is only read.
    let out: CleanedFile | undefined;
    try {
      for await (const { raw, position, fd } of this.rawBatches(segment, counters, pacer)) {
        // Most batches keep every record: a scan in place says so without decoding them.
        if ((await this.removable(raw, segment, position, map, horizonMs)) === 0) {
          if (out) {
            await out.write(raw);
            await pacer.take(raw.length);
          }
          continue;
        }
        const batch = await this.decode(raw, segment, position);
        const kept = batch.records.filter((r) => keep(r, batch, map, horizonMs));
        if (kept.length < batch.records.length && !out) {
          out = await CleanedFile.startWithCopy(cleanedPath, fd, position);
          await pacer.take(position);
        }
        removed += batch.records.length - kept.length;
        if (!out || kept.length === 0) continue;
        const bytes = kept.length === batch.records.length ? raw : await reencodeRecordBatch(batch, { records: kept });
        await out.write(bytes);
        await pacer.take(bytes.length); // writes are paced as they are buffered, not in one lump
      }
      if (out) {
        await out.finish(); // fsynced: a `.swap` file is always complete
        counters.bytesWritten += out.size;
        this.stats.bytesWritten += out.size;
      }
    } catch (error) {
      await out?.abandon();
      throw error;
    }
    const size = out?.size ?? 0;
    // From the check to the end of the swap everything is synchronous: nothing interleaves.
    // The directory is fsynced with the checkpoint that follows the pass (same directory).
    if (removed === 0 || !log.isClosedSegment(segment) || !mapStillValid()) {
      await unlinkIfExists(cleanedPath); // nothing to gain, or the segment or the map is stale
      return removed === 0 ? 'unchanged' : 'stale';
    }
    this.onStep('cleaned', base);
    fs.renameSync(cleanedPath, swapPath);
    this.onStep('swap', base);
    const installed = log.replaceClosedSegment(segment, () => {
      this.onStep('deleted', base);
      fs.renameSync(swapPath, segment.logPath);
      return size;
    });
    assert(await installed, 'the segment was checked just before, synchronously');
    counters.segmentsRewritten++;
    counters.recordsRemoved += removed;
    this.stats.segmentsCleaned++;
    this.stats.recordsRemoved += removed;
    return 'swapped';
  }

  /** How many records of the batch in `raw` compaction removes (0 for a control batch). */
  private async removable(raw: Buffer, segment: LogSegment, position: number, map: KeyMap, horizonMs: number): Promise<number> {
    let removed = 0;
    try {
      await scanRecordBatches(raw, { maxDecompressedBytes: this.maxDecompressedBytes }, (r) => {
        if ((r.batch.attributes & ATTR_CONTROL) !== 0) return false;
        if (r.keyStart < 0) return true;
        const latest = map.latest.get(keyId(r.section, r.keyStart, r.keyEnd));
        const superseded = latest !== undefined && r.offset < latest;
        const expiredTombstone = r.valueStart < 0 && r.offset < map.end && r.batch.maxTimestamp < horizonMs;
        if (superseded || expiredTombstone) removed++;
        return true;
      });
    } catch (error) {
      if (isProtocolError(error)) throw new CorruptLogError(segment.logPath, position, error.message);
      throw error;
    }
    return removed;
  }

  /** The batch in `raw`, decoded (CRC checked). */
  private async decode(raw: Buffer, segment: LogSegment, position: number): Promise<RecordBatch> {
    try {
      return await decodeRecordBatch(raw, { maxDecompressedBytes: this.maxDecompressedBytes });
    } catch (error) {
      if (isProtocolError(error)) throw new CorruptLogError(segment.logPath, position, error.message);
      throw error;
    }
  }

  /** The raw batches of a closed segment (framing checked; CRC by whoever decodes them), read at the paced rate. */
  private async *rawBatches(
    segment: LogSegment,
    counters: PassCounters,
    pacer: Pacer,
  ): AsyncGenerator<{ raw: Buffer; position: number; fd: number }> {
    const end = segment.size;
    const handle = await fs.promises.open(segment.logPath, 'r');
    try {
      const reader = new FileBatchReader(handle.fd, 0, end);
      for (let slice = await reader.next(); slice; slice = await reader.next()) {
        if (slice.size === 0 || slice.available < slice.size)
          throw new CorruptLogError(segment.logPath, slice.position, 'not a whole batch');
        const raw = Buffer.from(slice.buf.subarray(slice.start, slice.start + slice.size));
        counters.bytesRead += raw.length;
        this.stats.bytesRead += raw.length;
        await pacer.take(raw.length);
        yield { raw, position: slice.position, fd: handle.fd };
      }
    } finally {
      await handle.close();
    }
  }
}

function keep(record: RecordBatch['records'][number], batch: RecordBatch, map: KeyMap, horizonMs: number): boolean {
  if (record.key === null) return true;
  const latest = map.latest.get(keyId(record.key, 0, record.key.length));
  if (latest !== undefined && record.offset < latest) return false;
  const expiredTombstone = record.value === null && record.offset < map.end && batch.maxTimestamp < horizonMs;
  return !expiredTombstone;
}

/** The map's identity of the key bytes buf[start, end): the bytes themselves when short, else a SHA-1. */
function keyId(buf: Buffer, start: number, end: number): string {
  if (end - start <= INLINE_KEY_BYTES) return 'k' + buf.toString('latin1', start, end);
  return 'h' + createHash('sha1').update(buf.subarray(start, end)).digest('base64');
}
