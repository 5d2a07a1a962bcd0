import * as fs from 'node:fs';
import { segmentFilePath } from './file-names';
import { OffsetIndex } from './offset-index';
import type { IndexStorage, SparseIndex } from './sparse-index';
import { TimeIndex } from './time-index';

/** What a sealed index is checked against when loaded. */
export interface IndexLimits {
  /** Offsets in the segment are below this. */
  endOffset: number;
  /** Positions in the segment are below this. */
  logBytes: number;
}

const EMPTY = Buffer.alloc(0);

/**
 * The two sparse indexes of one segment and the running state that decides their entries, as
 * Kafka's LogSegment keeps it: bytes since the last entry (one entry per indexIntervalBytes), and
 * the largest timestamp so far with the offset of the batch that reached it (a time index entry
 * is added only when it grew; a final one is written when the segment is sealed or closed, so a
 * sealed time index ends with the segment's largest timestamp).
 *
 * The entries are mutable and resident while the segment is active, sealed on disk otherwise
 * (see SparseIndex). Loading a sealed index checks it against the segment's limits; a missing or
 * inconsistent one is reported to the caller, which rebuilds both from the log.
 * Concurrency: single-threaded; async loads return entries and never mutate indexes they do not
 * own at that point (a sealed index is only cached, not made mutable, by them).
 */
export class SegmentIndexes {
  readonly offsets: OffsetIndex;
  readonly times: TimeIndex;
  private bytesSinceLastEntry = 0;
  private maxTimestamp = -1;
  private offsetOfMaxTimestamp = -1;

  constructor(dir: string, baseOffset: number, maxIndexBytes: number, storage: IndexStorage) {
    this.offsets = new OffsetIndex(segmentFilePath(dir, baseOffset, 'index'), baseOffset, maxIndexBytes, storage);
    this.times = new TimeIndex(segmentFilePath(dir, baseOffset, 'timeindex'), baseOffset, maxIndexBytes, storage);
  }

  get isMutable(): boolean {
    return this.offsets.isMutable;
  }

  /** The largest timestamp indexed so far (mutable indexes), -1 if none. */
  get maxTimestampSoFar(): number {
    return this.maxTimestamp;
  }

  /** Whether an append of `batches` batches cannot overflow either index. */
  hasRoomFor(batches: number): boolean {
    return this.offsets.entryCount + batches <= this.offsets.maxEntries && !this.times.isFull;
  }

  /** Starts both indexes empty and mutable (new segment, or a rebuild by scanning). */
  reset(): void {
    this.offsets.resetMutable();
    this.times.resetMutable();
    this.bytesSinceLastEntry = 0;
    this.maxTimestamp = -1;
    this.offsetOfMaxTimestamp = -1;
  }

  /** Indexes one batch of `size` bytes at `position`; called in log order. */
  addBatch(position: number, lastOffset: number, maxTimestamp: number, size: number, intervalBytes: number): void {
    if (maxTimestamp > this.maxTimestamp) {
      this.maxTimestamp = maxTimestamp;
      this.offsetOfMaxTimestamp = lastOffset;
    }
    if (this.bytesSinceLastEntry > intervalBytes) {
      this.offsets.append(lastOffset, position);
      this.times.maybeAppend(this.maxTimestamp, this.offsetOfMaxTimestamp);
      this.bytesSinceLastEntry = 0;
    }
    this.bytesSinceLastEntry += size;
  }

  /**
   * Makes sealed indexes mutable again from their files (or the cache), checked against `limits`.
   * A missing offset index is taken as empty when the log is too small to have had an entry
   * (see `persist`). False if either is unusable: the caller rebuilds by scanning.
   */
  resumeFromFiles(limits: IndexLimits, intervalBytes: number): boolean {
    const offsets = loadSync(this.offsets, limits);
    const smallAndAbsent = !offsets && limits.logBytes <= intervalBytes && !fs.existsSync(this.offsets.path);
    const times = loadSync(this.times, limits);
    if ((!offsets && !smallAndAbsent) || !times) return false;
    this.offsets.makeMutable(offsets ?? EMPTY, offsets !== undefined);
    this.times.makeMutable(times);
    const last = this.times.lastEntry();
    this.maxTimestamp = last?.timestamp ?? -1;
    this.offsetOfMaxTimestamp = last?.offset ?? -1;
    this.bytesSinceLastEntry = 0;
    return true;
  }

  /**
   * Entries of `index` for a lookup: resident, cached, or loaded from the sealed file and checked.
   * Undefined when the file is missing or inconsistent (the caller rebuilds).
   */
  async entries(index: SparseIndex, limits: IndexLimits): Promise<Buffer | undefined> {
    const inMemory = index.entriesInMemory();
    if (inMemory) return inMemory;
    const raw = await index.readFile();
    const current = index.entriesInMemory(); // the segment may have changed while reading
    if (current) return current;
    if (!raw || index.check(raw, limits.endOffset, limits.logBytes) !== undefined) return undefined;
    index.cacheSealed(raw);
    return raw;
  }

  /**
   * After the log was cut at `position` (the first removed batch holds `offset`): drops the
   * entries at or past the cut and recomputes the running state from the last kept offset entry,
   * whose position is returned so the caller can walk the kept batches after it into `observe`.
   */
  truncate(
    position: number,
    offset: number,
    logBytes: number,
  ): { from: number; observe: (lastOffset: number, maxTimestamp: number) => void } {
    this.offsets.truncateToPosition(position);
    this.times.truncateToOffset(offset);
    const from = this.offsets.lastEntry()?.position ?? 0;
    const lastTime = this.times.lastEntry();
    this.maxTimestamp = lastTime?.timestamp ?? -1;
    this.offsetOfMaxTimestamp = lastTime?.offset ?? -1;
    this.bytesSinceLastEntry = logBytes - from;
    const observe = (lastOffset: number, maxTimestamp: number): void => {
      if (maxTimestamp > this.maxTimestamp) {
        this.maxTimestamp = maxTimestamp;
        this.offsetOfMaxTimestamp = lastOffset;
      }
    };
    return { from, observe };
  }

  /** Seals both: final time entry, files written, entries moved to the shared cache. */
  seal(): void {
    this.appendFinalTimeEntry();
    // Both files first: if a write fails (full disk) both indexes stay mutable and the seal can be retried.
    this.offsets.writeFileSync();
    this.times.writeFileSync();
    this.offsets.seal();
    this.times.seal();
  }

  /**
   * Writes both files for a clean shutdown (they stay mutable), unless they already hold the
   * entries. An empty offset index of a log no bigger than one interval gets no file: 10,000
   * small partitions would otherwise create 10,000 empty files at every shutdown. Returns
   * whether files were written or removed (the directory then wants an fsync).
   */
  persist(logBytes: number, intervalBytes: number): boolean {
    this.appendFinalTimeEntry();
    const offsetsChanged =
      this.offsets.entryCount === 0 && logBytes <= intervalBytes ? this.offsets.deleteFileSync() : this.offsets.writeFileSync();
    const timesChanged = this.times.writeFileSync();
    return offsetsChanged || timesChanged;
  }

  flush(): Promise<void[]> {
    return Promise.all([this.offsets.flush(), this.times.flush()]);
  }

  discard(): void {
    this.offsets.discard();
    this.times.discard();
  }

  private appendFinalTimeEntry(): void {
    if (this.maxTimestamp >= 0) this.times.maybeAppend(this.maxTimestamp, this.offsetOfMaxTimestamp, true);
  }
}

function loadSync(index: SparseIndex, limits: IndexLimits): Buffer | undefined {
  const cached = index.entriesInMemory();
  if (cached) return cached;
  const raw = index.readFileSync();
  return raw && index.check(raw, limits.endOffset, limits.logBytes) === undefined ? raw : undefined;
}
