import { readInt64AsNumber, writeInt64FromNumber } from '@runnel/protocol';
import { assert } from './errors';
import { floorSearch, SparseIndex, type IndexStorage } from './sparse-index';

export interface TimestampOffset {
  timestamp: number;
  offset: number;
}

const ENTRY_SIZE = 12;
const INT32_MAX = 0x7fffffff;

/**
 * The sparse time index of one segment (Kafka's `.timeindex`): entry i says "the largest
 * timestamp among records up to `offset` is `timestamp`", where `offset` is the last offset of
 * the batch that first reached it.
 *
 *   entry := timestamp int64 (epoch ms) | relativeOffset int32   (big-endian)
 *
 * Invariants: timestamps strictly increase (an entry is added only when the segment's max
 * timestamp grew, at the offset index's interval); offsets never decrease. When a segment is
 * sealed or closed one final entry records its largest timestamp, so `lastEntry` is the
 * segment's largest timestamp (retention by time). Regular appends stop one entry short of
 * `maxEntries` to leave room for that final entry.
 *
 * Lookup(ts) = the entry with the largest timestamp <= ts: no record before its offset's batch has
 * a timestamp > ts, so a ListOffsets scan for the first timestamp >= ts may start there.
 */
export class TimeIndex extends SparseIndex {
  static readonly ENTRY_SIZE = ENTRY_SIZE;

  constructor(path: string, baseOffset: number, maxIndexBytes: number, storage: IndexStorage) {
    super(path, baseOffset, ENTRY_SIZE, maxIndexBytes, storage);
  }

  get isFull(): boolean {
    return this.entryCount >= this.maxEntries - 1;
  }

  /**
   * Appends (timestamp, offset) if `timestamp` is above the last entry's. `final` (seal/close)
   * may use the reserved last slot. Returns whether an entry was added.
   */
  maybeAppend(timestamp: number, offset: number, final = false): boolean {
    const count = this.entryCount;
    if (!final && count >= this.maxEntries - 1) return false;
    const relative = offset - this.baseOffset;
    const buf = this.bufferForAppend();
    const at = count * ENTRY_SIZE;
    if (count > 0 && timestamp <= readInt64AsNumber(buf, at - ENTRY_SIZE)) return false;
    if (relative < 0 || relative > INT32_MAX || (count > 0 && relative < buf.readInt32BE(at - 4))) {
      assert(false, `time index entry (${timestamp}, ${offset}) out of order or range in ${this.path}`);
    }
    writeInt64FromNumber(buf, at, timestamp);
    buf.writeInt32BE(relative, at + 8);
    this.commitEntry();
    return true;
  }

  /** Removes entries whose offset is >= `offset` (log truncation). */
  truncateToOffset(offset: number): void {
    const buf = this.residentBuffer;
    const keep = floorSearch(this.entryCount, offset - this.baseOffset - 1, (i) => buf.readInt32BE(i * ENTRY_SIZE + 8)) + 1;
    this.truncateEntries(keep);
  }

  /** The last entry of a mutable index, or undefined when empty. */
  lastEntry(): TimestampOffset | undefined {
    const count = this.entryCount;
    return count === 0 ? undefined : TimeIndex.entryAt(this.residentBuffer, this.baseOffset, count - 1);
  }

  static entryAt(entries: Buffer, baseOffset: number, i: number): TimestampOffset {
    return {
      timestamp: readInt64AsNumber(entries, i * ENTRY_SIZE),
      offset: baseOffset + entries.readInt32BE(i * ENTRY_SIZE + 8),
    };
  }

  /** The entry with the largest timestamp <= target, or (-1, base offset) when there is none. */
  static lookup(entries: Buffer, baseOffset: number, target: number): TimestampOffset {
    const count = entries.length / ENTRY_SIZE;
    const i = floorSearch(count, target, (k) => readInt64AsNumber(entries, k * ENTRY_SIZE));
    return i < 0 ? { timestamp: -1, offset: baseOffset } : TimeIndex.entryAt(entries, baseOffset, i);
  }

  check(entries: Buffer, endOffset: number): string | undefined {
    if (entries.length % ENTRY_SIZE !== 0) return `size ${entries.length} is not a multiple of ${ENTRY_SIZE}`;
    let lastTimestamp = -Infinity;
    let lastRelative = 0;
    for (let at = 0; at < entries.length; at += ENTRY_SIZE) {
      const timestamp = readInt64AsNumber(entries, at);
      const relative = entries.readInt32BE(at + 8);
      if (timestamp <= lastTimestamp) return `entry ${at / ENTRY_SIZE} timestamp does not increase`;
      if (relative < lastRelative) return `entry ${at / ENTRY_SIZE} offset decreases`;
      if (this.baseOffset + relative >= endOffset) return `entry offset ${this.baseOffset + relative} >= segment end ${endOffset}`;
      lastTimestamp = timestamp;
      lastRelative = relative;
    }
    return undefined;
  }
}
