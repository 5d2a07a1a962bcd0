import * as fs from 'node:fs';
import { checkBatch, isProtocolError, LOG_OVERHEAD, type BatchHeader, type Offset } from '@runnel/protocol';
import { batchLastOffset, batchMaxTimestamp, FileBatchReader, findRecordAtTimestamp, isPlausibleHeader } from './batch-scan';
import { assert, CorruptLogError } from './errors';
import type { FileHandleCache } from './file-handle-cache';
import { segmentFilePath, type SegmentFileKind } from './file-names';
import type { IndexCache } from './index-cache';
import { fdatasync, renameIfExistsSync, writeFullySync } from './io';
import type { LogConfig } from './log-config';
import { OffsetIndex } from './offset-index';
import { SegmentIndexes, type IndexLimits } from './segment-indexes';
import { readBatchRange, type BatchRange } from './segment-read';
import type { SparseIndex } from './sparse-index';
import { TimeIndex, type TimestampOffset } from './time-index';

/** What a segment needs from its log: where it lives, shared caches, the log's current config. */
export interface SegmentContext {
  readonly dir: string;
  readonly handles: FileHandleCache;
  readonly indexCache: IndexCache;
  config: LogConfig;
}

export interface SegmentRead {
  /** Whole batches, a view of one read buffer. */
  bytes: Buffer;
  /** The offset after the last returned batch. */
  nextOffset: number;
}

export interface ScanResult {
  /** Offset after the last valid batch; undefined if the segment holds none. */
  nextOffset: number | undefined;
  /** Bytes past the last valid batch (cut off when the scan truncates). */
  invalidBytes: number;
  /** Bytes read and checked. */
  scannedBytes: number;
}

interface StartPosition {
  position: number;
  /** Last offset of the batch at `position` per the index entry; -1 when not from the index. */
  expectedLastOffset: number;
}

const EMPTY = Buffer.alloc(0);
const INT32_MAX = 0x7fffffff;
const SCAN_CHUNK_BYTES = 64 * 1024;
const SEGMENT_FILE_KINDS: readonly SegmentFileKind[] = ['log', 'index', 'timeindex'];

/**
 * One segment: a `.log` file of RecordBatch v2 bytes, as Kafka writes them, holding offsets
 * [baseOffset, next segment's base), plus its sparse `.index` and `.timeindex`.
 *
 * State: active (the log's last segment: appended to, indexes resident and mutable) or sealed
 * (immutable bytes; indexes on disk, loaded into the shared IndexCache on demand). Truncation
 * may turn a sealed segment active again. Invariants: bytes [0, size) are whole batches with
 * increasing offsets, each batch's offsets fit int32 relative to baseOffset and its position fits
 * int32; flushedSize <= size; an offset index entry exists at most once per indexIntervalBytes.
 *
 * Concurrency: one event loop. Appends and truncation are synchronous and atomic with respect to
 * everything else; reads are async and work on a size snapshot taken when they start; bytes
 * below that snapshot change only by truncation, which bumps `truncations` (the owning log
 * then discards the read). Deletion renames files to `.deleted`; descriptors pinned by reads in
 * flight stay valid until released. `flush()` resolves once the bytes present when it was called
 * are fsynced.
 */
export class LogSegment {
  readonly logPath: string;
  readonly indexes: SegmentIndexes;
  /** Wall-clock time of the first append (segment.ms rolls); undefined while empty. */
  firstAppendMs: number | undefined;
  private bytes: number;
  private flushedBytes: number;
  /** Exclusive offset bound of a sealed segment (the next segment's base offset). */
  private sealedEndOffset = -1;
  private largestTimestampKnown: number | undefined;
  private deleted = false;
  private truncations = 0;
  /** Where the last fetch ended: a sequential reader's next fetch starts there, no index needed. */
  private hintOffset = -1;
  private hintPosition = -1;

  private constructor(
    readonly baseOffset: Offset,
    private readonly ctx: SegmentContext,
    bytes: number,
  ) {
    this.logPath = segmentFilePath(ctx.dir, baseOffset, 'log');
    const storage = { handles: ctx.handles, cache: ctx.indexCache };
    this.indexes = new SegmentIndexes(ctx.dir, baseOffset, ctx.config.segmentIndexBytes, storage);
    this.bytes = bytes;
    this.flushedBytes = bytes;
  }

  /** Creates an empty active segment; its `.log` must not exist (a name clash is a bug). */
  static create(ctx: SegmentContext, baseOffset: Offset): LogSegment {
    const segment = new LogSegment(baseOffset, ctx, 0);
    ctx.handles.release(ctx.handles.acquireSync(segment.logPath, 'new'));
    segment.indexes.reset();
    return segment;
  }

  /** A sealed view of an existing segment of `bytes` bytes; `activate` or `scan` to make it active. */
  static open(ctx: SegmentContext, baseOffset: Offset, bytes: number, endOffset: number): LogSegment {
    const segment = new LogSegment(baseOffset, ctx, bytes);
    segment.sealedEndOffset = endOffset;
    return segment;
  }

  get size(): number {
    return this.bytes;
  }

  get isActive(): boolean {
    return this.indexes.isMutable;
  }

  get offsetIndex(): OffsetIndex {
    return this.indexes.offsets;
  }

  get timeIndex(): TimeIndex {
    return this.indexes.times;
  }

  get isDeleted(): boolean {
    return this.deleted;
  }

  /** Whether the active segment's indexes have room for `batches` more entries. */
  indexHasRoomFor(batches: number): boolean {
    return this.indexes.hasRoomFor(batches);
  }

  /**
   * Writes `buf` — whole batches whose headers (offsets already assigned) are `batches` — at the
   * end of the active segment with one positional write, then indexes them. Synchronous: on
   * return the bytes are in the page cache (readable), not yet fsynced. A failed write cuts the
   * file back so the segment is unchanged.
   */
  append(buf: Buffer, batches: readonly BatchHeader[], nowMs: number): void {
    if (!this.isActive || this.deleted) assert(false, `append to inactive segment ${this.logPath}`);
    const position = this.bytes;
    const handle = this.ctx.handles.acquireSync(this.logPath);
    try {
      writeFullySync(handle.fd, buf, 0, buf.length, position);
    } catch (error) {
      try {
        fs.ftruncateSync(handle.fd, position);
      } catch {
        // The write's error is the one to report; recovery cuts any torn tail after a crash.
      }
      throw error;
    } finally {
      this.ctx.handles.release(handle);
    }
    this.firstAppendMs ??= nowMs;
    const interval = this.ctx.config.indexIntervalBytes;
    let batchPosition = position;
    for (const batch of batches) {
      const size = LOG_OVERHEAD + batch.batchLength;
      this.indexes.addBatch(batchPosition, batch.baseOffset + batch.lastOffsetDelta, batch.maxTimestamp, size, interval);
      batchPosition += size;
    }
    assert(batchPosition === position + buf.length, 'batch headers cover the appended bytes');
    this.bytes = batchPosition;
  }

  /**
   * Whole batches starting with the one that contains `target` (or the first after it), at most
   * `maxBytes` of them unless the first alone is bigger, none whose base offset is >= upperBound.
   * Undefined when no batch of this segment ends at or after `target`. Usually one read.
   */
  async read(target: number, maxBytes: number, upperBound: number): Promise<SegmentRead | undefined> {
    const end = this.bytes;
    const truncations = this.truncations;
    if (end === 0) return undefined;
    const start = await this.startPosition(target, true);
    let found: BatchRange | undefined;
    try {
      found = await this.readFrom(start, end, target, maxBytes, upperBound);
    } catch (error) {
      if (!(error instanceof CorruptLogError) || start.position === 0 || this.isActive || this.deleted) throw error;
      this.rebuildSealedIndexes(); // a wrong index entry pointed into the middle of a batch
      found = await this.readFrom(await this.startPosition(target, false), end, target, maxBytes, upperBound);
    }
    if (found && found.bytes.length > 0 && truncations === this.truncations) {
      this.hintOffset = found.nextOffset;
      this.hintPosition = found.endPosition;
    }
    return found;
  }

  private async readFrom(
    start: StartPosition,
    end: number,
    target: number,
    maxBytes: number,
    upperBound: number,
  ): Promise<BatchRange | undefined> {
    const handle = await this.ctx.handles.acquire(this.logPath);
    try {
      const file = { fd: handle.fd, path: this.logPath, baseOffset: this.baseOffset, end };
      const slack = this.ctx.config.indexIntervalBytes;
      return await readBatchRange(file, start.position, target, maxBytes, upperBound, slack, start.expectedLastOffset);
    } finally {
      this.ctx.handles.release(handle);
    }
  }

  private corrupt(position: number, reason: string): CorruptLogError {
    return new CorruptLogError(this.logPath, position, reason);
  }

  /** Where to start looking for `target`: the read hint, or the offset index floor entry. */
  private async startPosition(target: number, useHint: boolean): Promise<StartPosition> {
    if (useHint && target === this.hintOffset) return { position: this.hintPosition, expectedLastOffset: -1 };
    const entries = this.offsetIndex.entriesInMemory() ?? (await this.loadSealedIndex(this.offsetIndex));
    const entry = OffsetIndex.lookup(entries, this.baseOffset, target);
    return { position: entry.position, expectedLastOffset: entry.position > 0 ? entry.offset : -1 };
  }

  private limits(endOffset = this.sealedEndOffset): IndexLimits {
    return { endOffset, logBytes: this.bytes };
  }

  /** Entries of a sealed index for a lookup; rebuilds both indexes from the log if it is bad. */
  private async loadSealedIndex(index: SparseIndex): Promise<Buffer> {
    const entries = await this.indexes.entries(index, this.limits());
    if (entries) return entries;
    if (this.deleted) return EMPTY;
    if (!this.isActive) this.rebuildSealedIndexes();
    return index.entriesInMemory() ?? EMPTY;
  }

  /** Rebuilds the indexes of a sealed segment from its (already validated) bytes. */
  private rebuildSealedIndexes(): void {
    assert(!this.isActive, 'rebuild of a sealed segment');
    this.scan(this.baseOffset, this.sealedEndOffset, false);
    this.seal(this.sealedEndOffset);
  }

  /**
   * Makes a sealed segment the active one (clean open, or truncation back into it) from its
   * index files. Returns false if they are missing or inconsistent and `rebuild` is off; with
   * `rebuild` on, the indexes are rebuilt by scanning the log instead.
   */
  activate(logEndOffset: number, rebuild: boolean): boolean {
    if (this.isActive) return true;
    if (!this.indexes.resumeFromFiles(this.limits(logEndOffset), this.ctx.config.indexIntervalBytes)) {
      if (!rebuild) return false;
      this.scan(this.baseOffset, undefined, false);
    }
    this.largestTimestampKnown = undefined;
    return true;
  }

  /**
   * Scans the whole log batch by batch — framing, CRC32C, offsets increasing from `minOffset`
   * and below `endOffset` — rebuilding both indexes (the segment becomes active). With
   * `truncate`, the file is cut at the first invalid byte (crash recovery); without, the scan
   * just stops there. Synchronous: recovery and index repair run before the log serves anyone.
   */
  scan(minOffset: number, endOffset: number | undefined, truncate: boolean): ScanResult {
    this.indexes.reset();
    this.largestTimestampKnown = undefined;
    this.hintOffset = -1;
    // After a crash the bytes read may exist only in the page cache: fsync them before the
    // recovery point may pass them.
    if (truncate) this.flushedBytes = 0;
    const size = this.bytes;
    const handle = this.ctx.handles.acquireSync(this.logPath);
    let expected = minOffset;
    let nextOffset: number | undefined;
    let validBytes = 0;
    let scannedBytes = 0;
    try {
      const reader = new FileBatchReader(handle.fd, 0, size);
      for (let slice = reader.nextSync(); slice; slice = reader.nextSync()) {
        scannedBytes += slice.available;
        let header: BatchHeader;
        try {
          header = checkBatch(slice.buf, slice.start, slice.start + slice.available, INT32_MAX);
        } catch (error) {
          if (isProtocolError(error)) break;
          throw error;
        }
        const lastOffset = header.baseOffset + header.lastOffsetDelta;
        if (!Number.isSafeInteger(header.baseOffset) || header.baseOffset < expected) break;
        if (lastOffset - this.baseOffset > INT32_MAX || (endOffset !== undefined && lastOffset >= endOffset)) break;
        this.indexes.addBatch(slice.position, lastOffset, header.maxTimestamp, slice.size, this.ctx.config.indexIntervalBytes);
        expected = nextOffset = lastOffset + 1;
        validBytes = slice.position + slice.size;
      }
      if (truncate && validBytes < size) {
        fs.ftruncateSync(handle.fd, validBytes);
        this.bytes = validBytes;
        this.truncations++;
      }
    } finally {
      this.ctx.handles.release(handle);
    }
    return { nextOffset, invalidBytes: size - validBytes, scannedBytes };
  }

  /** Seals the active segment: final time index entry, index files written, entries to the cache. */
  seal(endOffset: number): void {
    this.largestTimestampKnown = this.indexes.maxTimestampSoFar;
    this.indexes.seal();
    this.sealedEndOffset = endOffset;
  }

  /**
   * Writes the active segment's index files for a clean shutdown, with the final time entry,
   * unless they already hold that. Returns whether files were written or removed.
   */
  persistIndexes(): boolean {
    return this.isActive && this.indexes.persist(this.bytes, this.ctx.config.indexIntervalBytes);
  }

  /**
   * Cuts the active segment before the batch holding `offset` (batches are atomic). Returns the
   * bytes removed. Durable with the next flush (the owning log lowers its recovery point).
   */
  truncateTo(offset: number): number {
    assert(this.isActive, () => `truncate of sealed segment ${this.logPath}`);
    const position = this.positionOf(offset);
    const removed = this.bytes - position;
    this.truncations++;
    this.hintOffset = -1;
    if (removed > 0) {
      this.ctx.handles.withFileSync(this.logPath, (fd) => fs.ftruncateSync(fd, position));
      this.bytes = position;
      this.flushedBytes = Math.min(this.flushedBytes, position);
    }
    const { from, observe } = this.indexes.truncate(position, offset, this.bytes);
    this.walkBatches(from, (buf, start) => observe(batchLastOffset(buf, start), batchMaxTimestamp(buf, start)));
    if (this.bytes === 0) this.firstAppendMs = undefined;
    return removed;
  }

  /** Position of the first batch whose last offset is >= offset, else the segment size. */
  private positionOf(offset: number): number {
    const start = OffsetIndex.lookup(this.offsetIndex.entriesInMemory()!, this.baseOffset, offset).position;
    return this.ctx.handles.withFileSync(this.logPath, (fd) => {
      const reader = new FileBatchReader(fd, start, this.bytes, SCAN_CHUNK_BYTES);
      for (let slice = reader.nextSync(); slice; slice = reader.nextSync()) {
        if (slice.size === 0 || slice.available < slice.size || !isPlausibleHeader(slice.buf, slice.start)) {
          throw this.corrupt(slice.position, 'not a whole batch');
        }
        if (batchLastOffset(slice.buf, slice.start) >= offset) return slice.position;
      }
      return this.bytes;
    });
  }

  /** Visits the whole batches from `from` to the end (trusted bytes: framing checked only). */
  private walkBatches(from: number, visit: (buf: Buffer, start: number) => void): void {
    this.ctx.handles.withFileSync(this.logPath, (fd) => {
      const reader = new FileBatchReader(fd, from, this.bytes, SCAN_CHUNK_BYTES);
      for (let slice = reader.nextSync(); slice; slice = reader.nextSync()) {
        if (slice.size === 0 || slice.available < slice.size) throw this.corrupt(slice.position, 'not a whole batch');
        visit(slice.buf, slice.start);
      }
    });
  }

  /** fsyncs the log (if it grew since the last flush) and any index file written since. */
  async flush(): Promise<void> {
    const target = this.bytes;
    const log = async (): Promise<void> => {
      if (target <= this.flushedBytes) return;
      await this.ctx.handles.withFile(this.logPath, fdatasync);
      this.flushedBytes = Math.max(this.flushedBytes, Math.min(target, this.bytes));
    };
    await Promise.all([log(), this.indexes.flush()]);
  }

  /** The largest record timestamp in the segment, -1 if unknown (empty segment). */
  async largestTimestamp(): Promise<number> {
    if (this.isActive) return this.indexes.maxTimestampSoFar;
    if (this.largestTimestampKnown === undefined) {
      const entries = this.timeIndex.entriesInMemory() ?? (await this.loadSealedIndex(this.timeIndex));
      const count = entries.length / TimeIndex.ENTRY_SIZE;
      this.largestTimestampKnown = count > 0 ? TimeIndex.entryAt(entries, this.baseOffset, count - 1).timestamp : -1;
    }
    return this.largestTimestampKnown;
  }

  /** First record with offset >= minOffset and timestamp >= target, via the time index. */
  async findOffsetByTimestamp(target: number, minOffset: number): Promise<TimestampOffset | undefined> {
    const end = this.bytes;
    const times = this.timeIndex.entriesInMemory() ?? (await this.loadSealedIndex(this.timeIndex));
    const from = Math.max(TimeIndex.lookup(times, this.baseOffset, target).offset, minOffset);
    const { position } = await this.startPosition(from, false);
    return this.ctx.handles.withFile(this.logPath, async (fd) => {
      const reader = new FileBatchReader(fd, position, end, SCAN_CHUNK_BYTES);
      for (let slice = await reader.next(); slice; slice = await reader.next()) {
        if (slice.size === 0 || slice.available < slice.size || !isPlausibleHeader(slice.buf, slice.start)) {
          throw this.corrupt(slice.position, 'not a whole batch');
        }
        const found = findRecordAtTimestamp(slice.buf, slice.start, slice.size, target, minOffset);
        if (found) return found;
      }
      return undefined;
    });
  }

  /**
   * Takes the segment out of service: renames its files to `.deleted` (reads in flight keep their
   * pinned descriptors) and returns the new paths for the caller to unlink.
   */
  markDeleted(): string[] {
    this.deleted = true;
    this.close();
    const renamed: string[] = [];
    for (const kind of SEGMENT_FILE_KINDS) {
      const to = segmentFilePath(this.ctx.dir, this.baseOffset, kind, 'deleted');
      if (renameIfExistsSync(segmentFilePath(this.ctx.dir, this.baseOffset, kind), to)) renamed.push(to);
    }
    return renamed;
  }

  /** Releases memory and cached descriptors (log closed); the files stay. */
  close(): void {
    this.indexes.discard();
    this.ctx.handles.evict(this.logPath);
  }
}
