import {
  LOG_OVERHEAD,
  MAGIC_V2,
  MIN_BATCH_LENGTH,
  OFFSET_BATCH_LENGTH,
  OFFSET_LAST_OFFSET_DELTA,
  OFFSET_MAGIC,
  OFFSET_PARTITION_LEADER_EPOCH,
  readInt64AsNumber,
} from '@runnel/protocol';
import { readFullySync } from './io';
import { OffsetIndex } from './offset-index';
import type { LogSegment, SegmentContext } from './segment';
import type { SegmentSet } from './segment-set';

const CHUNK_BYTES = 64 * 1024;
const HEADER_BYTES = OFFSET_LAST_OFFSET_DELTA + 4;

interface HeaderFields {
  baseOffset: number;
  lastOffset: number;
  epoch: number;
}

/**
 * Visits (partitionLeaderEpoch, baseOffset) of the batches with offsets in [from, to), in order,
 * reading headers only, to rebuild a leader epoch cache. Two economies:
 * - a 64 KiB window that jumps ahead over big batches, so small batches cost no syscall each and
 *   big ones are not read;
 * - epochs never decrease along a log, so a segment wholly inside the range whose first and last
 *   batches carry the same epoch holds only that epoch: its first batch is visited and the rest
 *   skipped. The last batch is found from the segment's offset index (its last entry, a hint that
 *   is verified by walking from it to the exact end of the file; any doubt walks the whole file).
 * The bytes were checked when appended or by recovery; a header that does not frame stops the walk
 * of its segment (the read path reports such a file as corrupt).
 */
export function walkBatchEpochs(
  ctx: SegmentContext,
  segments: SegmentSet,
  from: number,
  to: number,
  visit: (epoch: number, baseOffset: number) => void,
): void {
  const reader = new HeaderReader(Buffer.allocUnsafe(CHUNK_BYTES));
  for (let i = Math.max(0, segments.floorIndex(from)); i < segments.count; i++) {
    const segment = segments.at(i);
    if (segment.baseOffset >= to) break;
    ctx.handles.withFileSync(segment.logPath, (fd) => {
      reader.reset(fd, segment.size);
      if (segment.baseOffset >= from) {
        const uniform = uniformEpoch(reader, lastIndexedPosition(segment), to);
        if (uniform) {
          visit(uniform.epoch, uniform.baseOffset);
          return;
        }
      }
      reader.walk(0, (h) => {
        if (h.baseOffset >= to) return false;
        if (h.lastOffset >= from) visit(h.epoch, h.baseOffset);
        return true;
      });
    });
  }
}

/** The segment's only epoch and first batch, when its first and last batches (below `to`) share one. */
function uniformEpoch(reader: HeaderReader, hint: number, to: number): HeaderFields | undefined {
  if (hint <= 0) return undefined;
  let first: HeaderFields | undefined;
  reader.walk(0, (h) => {
    first = h;
    return false;
  });
  let last: HeaderFields | undefined;
  const complete = reader.walk(hint, (h) => {
    last = h;
    return true;
  });
  if (!complete || !first || !last || first.epoch !== last.epoch || last.baseOffset >= to) return undefined;
  return first;
}

/** Where the last indexed batch of the segment starts (0 when unknown): a hint, not trusted. */
function lastIndexedPosition(segment: LogSegment): number {
  try {
    const index = segment.offsetIndex;
    const entries = index.entriesInMemory() ?? index.readFileSync();
    const count = entries ? Math.floor(entries.length / OffsetIndex.ENTRY_SIZE) : 0;
    return count === 0 ? 0 : OffsetIndex.entryAt(entries!, segment.baseOffset, count - 1).position;
  } catch {
    return 0; // an unreadable index only costs the full walk
  }
}

/** Walks batch headers of one `.log` file through a reused window. */
class HeaderReader {
  private fd = -1;
  private size = 0;
  private bufPosition = 0;
  private bufLength = 0;

  constructor(private readonly buf: Buffer) {}

  reset(fd: number, size: number): void {
    this.fd = fd;
    this.size = size;
    this.bufPosition = 0;
    this.bufLength = 0;
  }

  /**
   * Calls `visit` for each batch from `position` until it returns false. Returns true when the
   * batches framed exactly up to the end of the file.
   */
  walk(position: number, visit: (header: HeaderFields) => boolean): boolean {
    while (position + HEADER_BYTES <= this.size) {
      if (position < this.bufPosition || position + HEADER_BYTES > this.bufPosition + this.bufLength) {
        this.bufPosition = position;
        this.bufLength = readFullySync(this.fd, this.buf, 0, Math.min(this.buf.length, this.size - position), position);
        if (this.bufLength < HEADER_BYTES) return false;
      }
      const at = position - this.bufPosition;
      const batchLength = this.buf.readInt32BE(at + OFFSET_BATCH_LENGTH);
      if (this.buf[at + OFFSET_MAGIC] !== MAGIC_V2 || batchLength < MIN_BATCH_LENGTH || position + LOG_OVERHEAD + batchLength > this.size) {
        return false;
      }
      const baseOffset = readInt64AsNumber(this.buf, at);
      const header = {
        baseOffset,
        lastOffset: baseOffset + this.buf.readInt32BE(at + OFFSET_LAST_OFFSET_DELTA),
        epoch: this.buf.readInt32BE(at + OFFSET_PARTITION_LEADER_EPOCH),
      };
      position += LOG_OVERHEAD + batchLength;
      if (!visit(header)) return false;
    }
    return position === this.size;
  }
}
