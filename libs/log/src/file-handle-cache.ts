import * as fs from 'node:fs';
import { assert } from './errors';
import { GroupCommit } from './group-commit';
import { fsyncFd } from './io';

/**
 * An LRU of open file descriptors shared by every log of a broker, with a hard bound: at no time
 * are more than `maxOpenFiles` descriptors open through it. This is what lets 10,000 partitions
 * (30,000+ segment files) run on a few hundred descriptors: files are reopened on demand.
 *
 * Pinning: a caller holds a `FileHandle` from `acquire`/`acquireSync` until `release`. A pinned
 * descriptor is never closed under an in-flight read or fsync; `evict` of a pinned handle (segment
 * deleted, log closed) only detaches it, and the descriptor closes on its last release.
 *
 * Bound: descriptors are opened only when the count is below the bound or an unpinned one can be
 * closed. Async acquirers wait (FIFO) while `maxOpenFiles - syncReserve` distinct handles are
 * pinned, so the synchronous paths (append, truncate, recovery: they pin one or two handles and
 * release before yielding) always find a slot and never wait.
 *
 * Concurrency: single-threaded (one event loop); all methods are synchronous except `acquire`.
 */

/** rw: existing file; create: O_CREAT; new: O_CREAT|O_EXCL (a new segment); dir: fsync a directory. */
export type OpenMode = 'rw' | 'create' | 'new' | 'dir';

export interface FileHandle {
  readonly path: string;
  readonly fd: number;
}

interface Entry extends FileHandle {
  readonly mode: OpenMode;
  pins: number;
  /** Detached from the cache while pinned; the descriptor closes on the last release. */
  evicted: boolean;
}

const OPEN_FLAGS: Record<OpenMode, number> = {
  rw: fs.constants.O_RDWR,
  create: fs.constants.O_RDWR | fs.constants.O_CREAT,
  new: fs.constants.O_RDWR | fs.constants.O_CREAT | fs.constants.O_EXCL,
  dir: fs.constants.O_RDONLY | fs.constants.O_DIRECTORY,
};

export const DEFAULT_MAX_OPEN_FILES = 1024;

/**
 * Sizing against the process's real descriptor limit (RLIMIT_NOFILE, `ulimit -n`): the logs get
 * what was asked, but never more than the limit minus a reserve for everything else a broker
 * holds open (client sockets, SQLite and its WAL, node's own, checkpoint temp files): a quarter
 * of the limit, at least 128. Below MIN_LOG_DESCRIPTORS for the logs a broker cannot work well
 * (every read would reopen files), so it refuses to start, naming the limit it needs.
 */
export const MIN_LOG_DESCRIPTORS = 64;
const MIN_DESCRIPTOR_RESERVE = 128;

export class DescriptorLimitError extends Error {
  override readonly name = 'DescriptorLimitError';
  constructor(
    readonly limit: number,
    readonly needed: number,
  ) {
    super(
      `the open files limit (ulimit -n) is ${limit}; the broker needs at least ${needed}: raise it (ulimit -n ${needed}, or LimitNOFILE= under systemd)`,
    );
  }
}

/** Descriptors reserved for everything but the logs under a limit of `limit`. */
export function descriptorReserve(limit: number): number {
  return Math.max(MIN_DESCRIPTOR_RESERVE, Math.ceil(limit / 4));
}

/** The log layer's descriptor bound: `requested`, capped by `limit` (undefined: unlimited) minus the reserve. */
export function logDescriptorBudget(requested: number, limit: number | undefined): number {
  if (limit === undefined) return requested;
  const available = limit - descriptorReserve(limit);
  if (available < MIN_LOG_DESCRIPTORS) throw new DescriptorLimitError(limit, MIN_LOG_DESCRIPTORS + MIN_DESCRIPTOR_RESERVE);
  return Math.min(requested, available);
}

/** The soft RLIMIT_NOFILE of this process ("Max open files" in /proc/self/limits); undefined if unlimited or unknown. */
export function readOpenFilesLimit(limitsFile = '/proc/self/limits'): number | undefined {
  let text: string;
  try {
    text = fs.readFileSync(limitsFile, 'utf8');
  } catch {
    return undefined; // not Linux: no way to know without native code; the configured bound applies
  }
  const match = /^Max open files\s+(\S+)/m.exec(text);
  const soft = match ? Number(match[1]) : NaN;
  return Number.isSafeInteger(soft) && soft > 0 ? soft : undefined;
}

export class FileHandleCache {
  /** Map iteration order is the LRU order: least recently used first. */
  private readonly entries = new Map<string, Entry>();
  private openDescriptors = 0;
  private pinnedHandles = 0;
  private readonly waiters: Array<() => void> = [];
  /** The last entry of the LRU order: an append-heavy log re-acquires it without reordering. */
  private mostRecent: Entry | undefined;
  private readonly syncReserve: number;
  /** One group commit per directory: 10,000 logs created in one data dir share its fsyncs. */
  private readonly directorySyncs = new Map<string, GroupCommit>();

  readonly maxOpenFiles: number;

  /** `maxOpen` (or a bare number): the hard bound on open descriptors, at least 2. */
  constructor(opts: number | { maxOpen?: number } = {}) {
    const maxOpenFiles = typeof opts === 'number' ? opts : (opts.maxOpen ?? DEFAULT_MAX_OPEN_FILES);
    this.maxOpenFiles = maxOpenFiles;
    if (!Number.isInteger(maxOpenFiles) || maxOpenFiles < 2) {
      throw new RangeError(`maxOpenFiles must be an integer >= 2, got ${maxOpenFiles}`);
    }
    this.syncReserve = Math.min(4, maxOpenFiles - 1);
  }

  /** Descriptors currently open through the cache, pinned or not. */
  get openCount(): number {
    return this.openDescriptors;
  }

  get pinnedCount(): number {
    return this.pinnedHandles;
  }

  /**
   * Pins the descriptor of `path`, opening it in `mode` if it is not cached. Never waits; throws
   * the open's error (ENOENT for a file deleted meanwhile).
   */
  acquireSync(path: string, mode: OpenMode = 'rw'): FileHandle {
    const cached = this.entries.get(path);
    if (cached) {
      if (cached !== this.mostRecent) {
        this.entries.delete(path);
        this.entries.set(path, cached);
        this.mostRecent = cached;
      }
      this.pin(cached);
      return cached;
    }
    this.makeRoom();
    const fd = fs.openSync(path, OPEN_FLAGS[mode], 0o644);
    const entry: Entry = { path, fd, mode, pins: 0, evicted: false };
    this.openDescriptors++;
    this.entries.set(path, entry);
    this.mostRecent = entry;
    this.pin(entry);
    return entry;
  }

  /** As acquireSync, but waits while too many handles are pinned by other async operations. */
  async acquire(path: string, mode: OpenMode = 'rw'): Promise<FileHandle> {
    for (;;) {
      const cached = this.entries.get(path);
      if (cached && cached.pins > 0) return this.acquireSync(path, mode);
      if (this.pinnedHandles < this.maxOpenFiles - this.syncReserve) return this.acquireSync(path, mode);
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
  }

  release(handle: FileHandle): void {
    const entry = handle as Entry;
    assert(entry.pins > 0, () => `release of unpinned handle ${entry.path}`);
    entry.pins--;
    if (entry.pins > 0) return;
    this.pinnedHandles--;
    if (entry.evicted) this.closeEntry(entry);
    this.waiters.shift()?.();
  }

  /** Runs `fn` with the pinned descriptor of `path`, releasing it however `fn` ends. */
  async withFile<T>(path: string, fn: (fd: number) => Promise<T>, mode: OpenMode = 'rw'): Promise<T> {
    const handle = await this.acquire(path, mode);
    try {
      return await fn(handle.fd);
    } finally {
      this.release(handle);
    }
  }

  withFileSync<T>(path: string, fn: (fd: number) => T, mode: OpenMode = 'rw'): T {
    const handle = this.acquireSync(path, mode);
    try {
      return fn(handle.fd);
    } finally {
      this.release(handle);
    }
  }

  /**
   * fsyncs a directory (new, renamed or removed entries become durable). Concurrent calls for
   * the same directory are group-committed: they share one fsync, or the next one.
   */
  async syncDirectory(dir: string): Promise<void> {
    let commit = this.directorySyncs.get(dir);
    if (!commit) {
      commit = new GroupCommit(() => this.withFile(dir, fsyncFd, 'dir'));
      this.directorySyncs.set(dir, commit);
    }
    try {
      await commit.sync();
    } finally {
      // Keep the map bounded: forget a directory once nobody waits on its fsyncs.
      if (commit.idle && this.directorySyncs.get(dir) === commit) this.directorySyncs.delete(dir);
    }
  }

  /**
   * Forgets `path` (file renamed, deleted or its log closed): closes the descriptor now, or on the
   * last release if pinned. A later acquire opens the path afresh.
   */
  evict(path: string): void {
    const entry = this.entries.get(path);
    if (!entry) return;
    this.entries.delete(path);
    if (entry === this.mostRecent) this.mostRecent = undefined;
    if (entry.pins === 0) this.closeEntry(entry);
    else entry.evicted = true;
  }

  /** Evicts every cached path under `dir` (a closed or deleted log). */
  evictUnder(dir: string): void {
    const prefix = dir.endsWith('/') ? dir : dir + '/';
    for (const path of [...this.entries.keys()]) {
      if (path === dir || path.startsWith(prefix)) this.evict(path);
    }
  }

  /** Evicts everything; pinned descriptors close when their operations release them. */
  closeAll(): void {
    for (const path of [...this.entries.keys()]) this.evict(path);
  }

  private pin(entry: Entry): void {
    if (entry.pins === 0) this.pinnedHandles++;
    entry.pins++;
  }

  private makeRoom(): void {
    if (this.openDescriptors < this.maxOpenFiles) return;
    for (const entry of this.entries.values()) {
      if (entry.pins === 0) {
        this.entries.delete(entry.path);
        if (entry === this.mostRecent) this.mostRecent = undefined;
        this.closeEntry(entry);
        return;
      }
    }
    assert(false, () => `all ${this.maxOpenFiles} file handles are pinned`);
  }

  private closeEntry(entry: Entry): void {
    this.openDescriptors--;
    fs.closeSync(entry.fd);
  }
}
