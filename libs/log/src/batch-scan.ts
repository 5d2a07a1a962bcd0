import {
  ATTR_TIMESTAMP_TYPE,
  BATCH_HEADER_SIZE,
  compressionOf,
  LOG_OVERHEAD,
  MIN_BATCH_LENGTH,
  OFFSET_ATTRIBUTES,
  OFFSET_BASE_TIMESTAMP,
  OFFSET_BATCH_LENGTH,
  OFFSET_LAST_OFFSET_DELTA,
  OFFSET_MAGIC,
  OFFSET_MAX_TIMESTAMP,
  MAGIC_V2,
  readInt64AsNumber,
} from '@runnel/protocol';
import { readFully, readFullySync } from './io';
import type { TimestampOffset } from './time-index';

/** A batch found by FileBatchReader; `buf` is the reader's and is valid until its next call. */
export interface BatchSlice {
  /** Byte position of the batch in the file. */
  position: number;
  buf: Buffer;
  /** Where the batch starts in `buf`. */
  start: number;
  /** Declared size (LOG_OVERHEAD + batchLength); 0 if the length field is unusable or too big. */
  size: number;
  /** Bytes of the batch present in `buf` from `start` (== size for a whole, well-framed batch). */
  available: number;
}

const DEFAULT_CHUNK_BYTES = 1024 * 1024;

/**
 * Walks the batches of a `.log` file from `position` to `end`, reading big chunks (one syscall
 * per chunk, not per batch) into one reused buffer. It frames only (length field); validity (CRC,
 * magic, offsets) is the caller's call. Used by recovery, index rebuilds, truncation and
 * ListOffsets scans; the fetch path has its own single-read loop in LogSegment.
 */
export class FileBatchReader {
  private buf: Buffer = Buffer.alloc(0);
  private bufPosition = 0;
  private bufLength = 0;

  constructor(
    private readonly fd: number,
    private position: number,
    private readonly end: number,
    private readonly chunkBytes = DEFAULT_CHUNK_BYTES,
  ) {}

  /** Position of the next batch (after the last whole batch returned). */
  get nextPosition(): number {
    return this.position;
  }

  nextSync(): BatchSlice | undefined {
    if (this.position >= this.end) return undefined;
    this.ensureSync(Math.min(this.end - this.position, BATCH_HEADER_SIZE));
    const size = this.declaredSize();
    if (size > 0) this.ensureSync(size);
    return this.take(size);
  }

  async next(): Promise<BatchSlice | undefined> {
    if (this.position >= this.end) return undefined;
    await this.ensure(Math.min(this.end - this.position, BATCH_HEADER_SIZE));
    const size = this.declaredSize();
    if (size > 0) await this.ensure(size);
    return this.take(size);
  }

  private loaded(length: number): boolean {
    return this.position >= this.bufPosition && this.position + length <= this.bufPosition + this.bufLength;
  }

  private prepareRead(length: number): number {
    const readLength = Math.min(this.end - this.position, Math.max(this.chunkBytes, length));
    if (this.buf.length < readLength) this.buf = Buffer.allocUnsafe(readLength);
    this.bufPosition = this.position;
    return readLength;
  }

  private ensureSync(length: number): void {
    if (this.loaded(length)) return;
    const readLength = this.prepareRead(length);
    this.bufLength = readFullySync(this.fd, this.buf, 0, readLength, this.position);
  }

  private async ensure(length: number): Promise<void> {
    if (this.loaded(length)) return;
    const readLength = this.prepareRead(length);
    this.bufLength = 0;
    this.bufLength = await readFully(this.fd, this.buf, 0, readLength, this.position);
  }

  /** The batch's declared size if it is plausible and inside [position, end), else 0. */
  private declaredSize(): number {
    const start = this.position - this.bufPosition;
    if (this.bufLength - start < LOG_OVERHEAD) return 0;
    const batchLength = this.buf.readInt32BE(start + OFFSET_BATCH_LENGTH);
    if (batchLength < MIN_BATCH_LENGTH || batchLength > this.end - this.position - LOG_OVERHEAD) return 0;
    return LOG_OVERHEAD + batchLength;
  }

  private take(size: number): BatchSlice {
    const start = this.position - this.bufPosition;
    const present = this.bufLength - start;
    const slice: BatchSlice = {
      position: this.position,
      buf: this.buf,
      start,
      size,
      available: size > 0 ? Math.min(size, present) : Math.min(present, this.end - this.position),
    };
    if (size > 0 && slice.available === size) this.position += size;
    return slice;
  }
}

/** Header fields the storage engine reads while walking batches (no allocation of a header). */
export const batchLastOffset = (buf: Buffer, start: number): number =>
  readInt64AsNumber(buf, start) + buf.readInt32BE(start + OFFSET_LAST_OFFSET_DELTA);
export const batchMaxTimestamp = (buf: Buffer, start: number): number => readInt64AsNumber(buf, start + OFFSET_MAX_TIMESTAMP);

/**
 * Cheap framing check of a batch header at `start` (whole header present): magic 2 and a sane
 * length. Used where the bytes were validated at append/recovery and only an index may be wrong.
 */
export function isPlausibleHeader(buf: Buffer, start: number): boolean {
  return buf[start + OFFSET_MAGIC] === MAGIC_V2 && buf.readInt32BE(start + OFFSET_BATCH_LENGTH) >= MIN_BATCH_LENGTH;
}

/**
 * The first record of the batch at buf[start, start + size) with offset >= minOffset and
 * timestamp >= target (Kafka ListOffsets semantics). LogAppendTime batches carry one timestamp
 * (maxTimestamp) for all records. Compressed batches are not decompressed here: their first
 * eligible offset with the batch's max timestamp is returned (a consumer starting there sees
 * every record at or after `target`). Undefined if no record qualifies.
 *
 * Record grammar (v2, inside the batch after the 61-byte header), varints zigzag-encoded:
 *   length varint | attributes int8 | timestampDelta varlong | offsetDelta varint | rest...
 */
export function findRecordAtTimestamp(
  buf: Buffer,
  start: number,
  size: number,
  target: number,
  minOffset: number,
): TimestampOffset | undefined {
  const baseOffset = readInt64AsNumber(buf, start);
  const lastOffset = batchLastOffset(buf, start);
  const maxTimestamp = batchMaxTimestamp(buf, start);
  if (maxTimestamp < target || lastOffset < minOffset) return undefined;
  const attributes = buf.readInt16BE(start + OFFSET_ATTRIBUTES);
  const firstEligible = Math.max(baseOffset, minOffset);
  if (attributes & ATTR_TIMESTAMP_TYPE || compressionOf(attributes) !== 0) {
    return { offset: firstEligible, timestamp: maxTimestamp };
  }
  const baseTimestamp = readInt64AsNumber(buf, start + OFFSET_BASE_TIMESTAMP);
  const end = start + size;
  const cursor = { pos: start + BATCH_HEADER_SIZE };
  while (cursor.pos < end) {
    const length = readVarint(buf, cursor, end);
    const recordEnd = cursor.pos + (length ?? -1);
    if (length === undefined || length < 0 || recordEnd > end || cursor.pos + 1 > end) break;
    cursor.pos += 1; // attributes
    const timestampDelta = readVarint(buf, cursor, recordEnd);
    const offsetDelta = readVarint(buf, cursor, recordEnd);
    if (timestampDelta === undefined || offsetDelta === undefined) break;
    const offset = baseOffset + offsetDelta;
    const timestamp = baseTimestamp + timestampDelta;
    if (offset >= minOffset && timestamp >= target) return { offset, timestamp };
    cursor.pos = recordEnd;
  }
  if (cursor.pos === end) return undefined;
  // Unreadable records (the CRC matched, so this is a producer bug): fall back to the batch.
  return { offset: firstEligible, timestamp: maxTimestamp };
}

/** Reads a zigzag varint/varlong (up to 10 bytes) as a number; undefined if malformed. */
function readVarint(buf: Buffer, cursor: { pos: number }, end: number): number | undefined {
  let raw = 0;
  let multiplier = 1;
  for (let i = 0; i < 10; i++) {
    if (cursor.pos >= end) return undefined;
    const byte = buf[cursor.pos++];
    raw += (byte & 0x7f) * multiplier;
    if ((byte & 0x80) === 0) return raw % 2 === 0 ? raw / 2 : -(raw + 1) / 2;
    multiplier *= 128;
  }
  return undefined;
}
