import { MAX_DECOMPRESSED_BATCH_BYTES, asOffset, scanRecordBatches } from '@runnel/protocol';
import type { PartitionHandle } from '@runnel/replication';

/**
 * The timestamp of the record at an offset, for lag in time: one read of the batch holding it
 * (the first record at or after the offset, as a consumer would get it), remembered in a bounded
 * LRU map so 10,000 groups sampled every interval do not re-read the log for offsets they sit
 * at. A partition object gets its own number, so a topic deleted and created again never answers
 * from the old one's entries. `reads` counts log reads (the sampler bounds them per sample).
 */
export class RecordTimestamps {
  private readonly cache = new Map<string, number>();
  private readonly ids = new WeakMap<PartitionHandle, number>();
  private nextId = 0;
  reads = 0;

  constructor(readonly maxEntries = 100_000) {}

  /** A cached timestamp, or undefined when finding it would read the log. */
  cached(partition: PartitionHandle, offset: number): number | undefined {
    const key = this.keyOf(partition, offset);
    const hit = this.cache.get(key);
    if (hit !== undefined) {
      this.cache.delete(key);
      this.cache.set(key, hit);
    }
    return hit;
  }

  /** The timestamp of the first record at or after `offset` below the high watermark, or null (none, or unreadable). */
  async at(partition: PartitionHandle, offset: number): Promise<number | null> {
    const hit = this.cached(partition, offset);
    if (hit !== undefined) return hit;
    if (offset >= partition.highWatermark || offset < partition.logStartOffset) return null;
    this.reads++;
    let found: number | null = null;
    try {
      const { bytes } = await partition.read(asOffset(offset), 1);
      await scanRecordBatches(bytes, { maxDecompressedBytes: MAX_DECOMPRESSED_BATCH_BYTES }, (record) => {
        if (record.offset < offset) return true;
        found = record.timestamp;
        return false;
      });
    } catch {
      return null; // deleted by retention meanwhile, or a batch that does not decode: unknown
    }
    if (found !== null) {
      this.cache.set(this.keyOf(partition, offset), found);
      if (this.cache.size > this.maxEntries) this.cache.delete(this.cache.keys().next().value!);
    }
    return found;
  }

  get size(): number {
    return this.cache.size;
  }

  private keyOf(partition: PartitionHandle, offset: number): string {
    let id = this.ids.get(partition);
    if (id === undefined) {
      id = this.nextId++;
      this.ids.set(partition, id);
    }
    return `${id}:${offset}`;
  }
}
