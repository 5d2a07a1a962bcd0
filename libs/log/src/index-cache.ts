/**
 * An LRU of the entries of closed (sealed) index files, bounded in bytes and shared by every log
 * of a broker. Active segments keep their index entries resident (they are written on every
 * append); a closed segment's index lives on disk and is loaded here on its first lookup, so
 * memory stays bounded however many partitions and segments there are.
 *
 * A buffer larger than the whole bound is not kept (the caller uses it once and drops it).
 * Concurrency: single-threaded, all methods synchronous.
 */
export const DEFAULT_INDEX_CACHE_BYTES = 64 * 1024 * 1024;

export class IndexCache {
  /** Map iteration order is the LRU order: least recently used first. */
  private readonly buffers = new Map<object, Buffer>();
  private cachedBytes = 0;

  constructor(readonly maxBytes: number = DEFAULT_INDEX_CACHE_BYTES) {
    if (!Number.isSafeInteger(maxBytes) || maxBytes < 0) throw new RangeError(`maxBytes must be >= 0, got ${maxBytes}`);
  }

  get sizeBytes(): number {
    return this.cachedBytes;
  }

  get size(): number {
    return this.buffers.size;
  }

  get(key: object): Buffer | undefined {
    const buf = this.buffers.get(key);
    if (buf) {
      this.buffers.delete(key);
      this.buffers.set(key, buf);
    }
    return buf;
  }

  set(key: object, buf: Buffer): void {
    this.delete(key);
    if (buf.length > this.maxBytes) return;
    this.buffers.set(key, buf);
    this.cachedBytes += buf.length;
    for (const [oldest, old] of this.buffers) {
      if (this.cachedBytes <= this.maxBytes) break;
      this.buffers.delete(oldest);
      this.cachedBytes -= old.length;
    }
  }

  delete(key: object): void {
    const buf = this.buffers.get(key);
    if (!buf) return;
    this.buffers.delete(key);
    this.cachedBytes -= buf.length;
  }
}
