import * as fs from 'node:fs';
import { assert } from './errors';
import type { FileHandleCache } from './file-handle-cache';
import type { IndexCache } from './index-cache';
import { fdatasync, fileSize, readFully, readFullySync, unlinkIfExistsSync, writeFullySync } from './io';

export interface IndexStorage {
  readonly handles: FileHandleCache;
  readonly cache: IndexCache;
}

/**
 * Storage shared by OffsetIndex and TimeIndex: an array of fixed-size big-endian entries, sorted,
 * with offsets relative to the segment's base offset, exactly as the file holds them.
 *
 * Two states:
 * - mutable (the active segment): entries are resident in a growable buffer and only appended or
 *   truncated; the file is written when the segment is sealed or the log closes (until then the
 *   file is stale: the active segment is always rescanned after a crash, so nothing trusts it).
 * - sealed (closed segments): the file is the truth; entries are loaded on demand into the shared
 *   IndexCache (bounded in bytes) and may be evicted at any time.
 *
 * Index files are created lazily (on seal/close/rebuild); a missing file reads as "unknown", and
 * the segment rebuilds it from the log. Concurrency: single-threaded; the async file reads return
 * bytes only and mutate nothing, so callers re-check state after awaiting them.
 */
export abstract class SparseIndex {
  /** Entries beyond which appends are refused (the segment rolls first). */
  readonly maxEntries: number;
  private resident: Buffer | undefined;
  private residentCount = 0;
  /** Written since the last fsync. */
  private diskDirty = false;
  /** The file holds exactly the resident entries (loaded from it, or written since a change). */
  private fileMatches = false;

  protected constructor(
    readonly path: string,
    readonly baseOffset: number,
    readonly entrySize: number,
    maxIndexBytes: number,
    protected readonly storage: IndexStorage,
  ) {
    this.maxEntries = Math.floor(maxIndexBytes / entrySize);
  }

  /** Checks loaded entries against the segment's limits; a reason string when they are wrong. */
  abstract check(entries: Buffer, endOffset: number, logBytes: number): string | undefined;

  get isMutable(): boolean {
    return this.resident !== undefined;
  }

  /** Entries of a mutable index. */
  get entryCount(): number {
    if (this.resident === undefined) assert(false, `entryCount of sealed index ${this.path}`);
    return this.residentCount;
  }

  /** The entries if they are in memory (resident, or a sealed index still in the cache). */
  entriesInMemory(): Buffer | undefined {
    if (this.resident) return this.resident.subarray(0, this.residentCount * this.entrySize);
    return this.storage.cache.get(this);
  }

  /** The file's bytes, or undefined if the file does not exist. Not checked. */
  async readFile(): Promise<Buffer | undefined> {
    let handle;
    try {
      handle = await this.storage.handles.acquire(this.path);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
    try {
      const size = await fileSize(handle.fd);
      const buf = Buffer.allocUnsafe(size);
      const read = await readFully(handle.fd, buf, 0, size, 0);
      return buf.subarray(0, read);
    } finally {
      this.storage.handles.release(handle);
    }
  }

  readFileSync(): Buffer | undefined {
    let handle;
    try {
      handle = this.storage.handles.acquireSync(this.path);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
    try {
      const { size } = fs.fstatSync(handle.fd);
      const buf = Buffer.allocUnsafe(size);
      return buf.subarray(0, readFullySync(handle.fd, buf, 0, size, 0));
    } finally {
      this.storage.handles.release(handle);
    }
  }

  /** Installs checked entries of a sealed index in the shared cache. */
  cacheSealed(entries: Buffer): void {
    assert(!this.resident, () => `cacheSealed on mutable index ${this.path}`);
    this.storage.cache.set(this, entries);
  }

  /**
   * Makes the index mutable (the segment becomes active again), starting from `entries`, which
   * are the file's content unless `matchesFile` is false.
   */
  makeMutable(entries: Buffer, matchesFile = true): void {
    assert(entries.length % this.entrySize === 0, 'entries of whole size');
    const count = entries.length / this.entrySize;
    this.resident = Buffer.allocUnsafe(Math.max(count, 16) * this.entrySize);
    entries.copy(this.resident);
    this.residentCount = count;
    this.storage.cache.delete(this);
    this.fileMatches = matchesFile;
  }

  /** Writes the resident entries to the file (created if missing) unless it already holds them. */
  writeFileSync(): boolean {
    const entries = this.entriesInMemory();
    assert(entries && this.resident, () => `writeFileSync of sealed index ${this.path}`);
    if (this.fileMatches) return false;
    this.storage.handles.withFileSync(
      this.path,
      (fd) => {
        writeFullySync(fd, entries, 0, entries.length, 0);
        fs.ftruncateSync(fd, entries.length);
      },
      'create',
    );
    this.diskDirty = true;
    this.fileMatches = true;
    return true;
  }

  /** Removes the file if it exists (an empty index needs none; see LogSegment.persistIndexes). */
  deleteFileSync(): boolean {
    this.storage.handles.evict(this.path);
    this.diskDirty = false;
    return unlinkIfExistsSync(this.path);
  }

  /** Writes the file and moves the entries from resident memory to the shared cache. */
  seal(): void {
    this.writeFileSync();
    const entries = Buffer.from(this.entriesInMemory()!);
    this.resident = undefined;
    this.residentCount = 0;
    this.storage.cache.set(this, entries);
  }

  /** fsyncs the file if it was written since the last flush. */
  async flush(): Promise<void> {
    if (!this.diskDirty) return;
    this.diskDirty = false;
    try {
      await this.storage.handles.withFile(this.path, fdatasync);
    } catch (error) {
      this.diskDirty = true;
      throw error;
    }
  }

  /** Drops every in-memory trace (segment deleted or log closed). */
  discard(): void {
    this.storage.cache.delete(this);
    this.storage.handles.evict(this.path);
    this.resident = undefined;
    this.residentCount = 0;
    this.fileMatches = false;
  }

  /** The resident buffer, grown (doubling) to hold one more entry at entryCount * entrySize. */
  protected bufferForAppend(): Buffer {
    const resident = this.resident;
    if (resident === undefined) assert(false, `append to sealed index ${this.path}`);
    const used = this.residentCount * this.entrySize;
    if (used + this.entrySize <= resident.length) return resident;
    const grown = Buffer.allocUnsafe(Math.max(resident.length * 2, 16 * this.entrySize));
    resident.copy(grown, 0, 0, used);
    this.resident = grown;
    return grown;
  }

  protected commitEntry(): void {
    this.residentCount++;
    this.fileMatches = false;
  }

  protected get residentBuffer(): Buffer {
    if (this.resident === undefined) assert(false, `sealed index ${this.path} has no resident buffer`);
    return this.resident;
  }

  protected truncateEntries(count: number): void {
    assert(this.resident && count <= this.residentCount, 'truncate within resident entries');
    if (count !== this.residentCount) this.fileMatches = false;
    this.residentCount = count;
  }

  /** Starts an empty mutable index (new segment, or a rebuild). */
  resetMutable(): void {
    this.storage.cache.delete(this);
    this.resident = Buffer.allocUnsafe(0);
    this.residentCount = 0;
    this.fileMatches = false;
  }
}

/** Largest index i in [0, count) with key(i) <= target, or -1; `key` must be non-decreasing. */
export function floorSearch(count: number, target: number, key: (i: number) => number): number {
  let lo = 0;
  let hi = count - 1;
  let found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    if (key(mid) <= target) {
      found = mid;
      lo = mid + 1;
    } else {
      hi = mid - 1;
    }
  }
  return found;
}
