import { assert } from './errors';
import { floorSearch, SparseIndex, type IndexStorage } from './sparse-index';

export interface OffsetPosition {
  offset: number;
  position: number;
}

const ENTRY_SIZE = 8;
const INT32_MAX = 0x7fffffff;

/**
 * The sparse offset index of one segment (Kafka's `.index`): entry i maps the LAST offset of a
 * batch to the byte position where that batch starts in the `.log`.
 *
 *   entry := relativeOffset int32 (offset - segment base offset) | position int32   (big-endian)
 *
 * Invariants: relative offsets and positions strictly increase; an entry is added at most once
 * per `indexIntervalBytes` of log; at most `maxEntries` (segmentIndexBytes / 8) entries, after
 * which appends are skipped (the log rolls on `isFull` first, so skips only happen inside one
 * oversized append and cost nothing but a longer scan).
 *
 * Lookup(target) = the entry with the largest offset <= target (binary search), else position 0:
 * the batch holding `target` starts at or after that position.
 */
export class OffsetIndex extends SparseIndex {
  static readonly ENTRY_SIZE = ENTRY_SIZE;

  constructor(path: string, baseOffset: number, maxIndexBytes: number, storage: IndexStorage) {
    super(path, baseOffset, ENTRY_SIZE, maxIndexBytes, storage);
  }

  get isFull(): boolean {
    return this.entryCount >= this.maxEntries;
  }

  /** Adds (batch last offset, batch position); false (skipped) when full. */
  append(offset: number, position: number): boolean {
    const count = this.entryCount;
    if (count >= this.maxEntries) return false;
    const relative = offset - this.baseOffset;
    const buf = this.bufferForAppend();
    const at = count * ENTRY_SIZE;
    const inOrder = count === 0 || (relative > buf.readInt32BE(at - ENTRY_SIZE) && position > buf.readInt32BE(at - 4));
    if (!inOrder || relative < 0 || relative > INT32_MAX || position < 0 || position > INT32_MAX) {
      assert(false, `index entry (${offset}, ${position}) out of order or range in ${this.path}`);
    }
    buf.writeInt32BE(relative, at);
    buf.writeInt32BE(position, at + 4);
    this.commitEntry();
    return true;
  }

  /** Removes the entries of batches starting at or after `position` (log truncation). */
  truncateToPosition(position: number): void {
    const buf = this.residentBuffer;
    const keep = floorSearch(this.entryCount, position - 1, (i) => buf.readInt32BE(i * ENTRY_SIZE + 4)) + 1;
    this.truncateEntries(keep);
  }

  /** The last entry of a mutable index, or undefined when empty. */
  lastEntry(): OffsetPosition | undefined {
    const count = this.entryCount;
    if (count === 0) return undefined;
    return OffsetIndex.entryAt(this.residentBuffer, this.baseOffset, count - 1);
  }

  static entryAt(entries: Buffer, baseOffset: number, i: number): OffsetPosition {
    return { offset: baseOffset + entries.readInt32BE(i * ENTRY_SIZE), position: entries.readInt32BE(i * ENTRY_SIZE + 4) };
  }

  /** Floor lookup over `entries` (file layout): the largest entry offset <= target, or (base, 0). */
  static lookup(entries: Buffer, baseOffset: number, target: number): OffsetPosition {
    const count = entries.length / ENTRY_SIZE;
    const relative = target - baseOffset;
    const i = floorSearch(count, relative, (k) => entries.readInt32BE(k * ENTRY_SIZE));
    return i < 0 ? { offset: baseOffset, position: 0 } : OffsetIndex.entryAt(entries, baseOffset, i);
  }

  check(entries: Buffer, endOffset: number, logBytes: number): string | undefined {
    if (entries.length % ENTRY_SIZE !== 0) return `size ${entries.length} is not a multiple of ${ENTRY_SIZE}`;
    let lastRelative = -1;
    let lastPosition = -1;
    for (let at = 0; at < entries.length; at += ENTRY_SIZE) {
      const relative = entries.readInt32BE(at);
      const position = entries.readInt32BE(at + 4);
      if (relative <= lastRelative || position <= lastPosition) return `entry ${at / ENTRY_SIZE} does not increase`;
      if (this.baseOffset + relative >= endOffset) return `entry offset ${this.baseOffset + relative} >= segment end ${endOffset}`;
      if (position >= logBytes) return `entry position ${position} >= log size ${logBytes}`;
      lastRelative = relative;
      lastPosition = position;
    }
    return undefined;
  }
}
