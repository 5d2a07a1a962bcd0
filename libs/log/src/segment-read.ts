import { BATCH_HEADER_SIZE, LOG_OVERHEAD, OFFSET_BATCH_LENGTH, readInt64AsNumber } from '@runnel/protocol';
import { batchLastOffset, isPlausibleHeader } from './batch-scan';
import { CorruptLogError } from './errors';
import { readFully } from './io';

/** The `.log` being read: an open descriptor and the size snapshot taken when the read began. */
export interface SegmentFile {
  fd: number;
  path: string;
  baseOffset: number;
  /** Bytes [0, end) are whole batches; nothing at or past `end` is looked at. */
  end: number;
}

export interface BatchRange {
  /** Whole batches: a view of one read buffer (no copy). */
  bytes: Buffer;
  /** Offset after the last returned batch (the upper bound if a gap reaches it). */
  nextOffset: number;
  /** File position after the last returned batch, -1 if none. */
  endPosition: number;
}

const EMPTY = Buffer.alloc(0);

/**
 * The fetch path of a segment: starting at `position` (an index floor or the previous fetch's
 * end, at or before the wanted batch), returns whole batches from the first one whose last
 * offset is >= `target`, at most `maxBytes` of them (the first batch is returned whole even when
 * bigger, as Kafka's KIP-74), none whose base offset is >= `upperBound`. Undefined when no batch
 * before `end` reaches `target`.
 *
 * `expectedLastOffset` (>= 0 when `position` comes from an offset index entry) is the last offset
 * the batch at `position` must have: a cheap check that the index is not lying.
 *
 * One `Buffer.allocUnsafe` and one read cover the scan from the index entry and the returned
 * batches in the common case (the chunk is maxBytes plus an index interval of slack); a second
 * read happens only when the target batch starts too far into the chunk. Headers are checked
 * for plausibility only (CRCs were checked on append and by recovery): a failure here is a
 * CorruptLogError, which the segment answers by rebuilding a sealed index and retrying once.
 */
export async function readBatchRange(
  file: SegmentFile,
  position: number,
  target: number,
  maxBytes: number,
  upperBound: number,
  slackBytes: number,
  expectedLastOffset = -1,
): Promise<BatchRange | undefined> {
  const { end } = file;
  let chunkPosition = position;
  let chunk = EMPTY;
  let chunkLength = 0;
  let p = 0;
  // Phase 1: find the first batch whose last offset is >= target.
  for (;;) {
    if (chunkPosition + p >= end) return undefined;
    if (p + BATCH_HEADER_SIZE > chunkLength) {
      chunkPosition += p;
      p = 0;
      if (end - chunkPosition < BATCH_HEADER_SIZE) throw corrupt(file, chunkPosition, 'partial batch header at the end');
      const length = Math.min(end - chunkPosition, Math.max(maxBytes, 0) + slackBytes + 2 * BATCH_HEADER_SIZE);
      chunk = Buffer.allocUnsafe(length);
      chunkLength = await readFully(file.fd, chunk, 0, length, chunkPosition);
      if (chunkLength < BATCH_HEADER_SIZE) throw corrupt(file, chunkPosition, 'file shorter than the segment');
      continue;
    }
    checkHeader(file, chunk, p, chunkPosition + p);
    const lastOffset = batchLastOffset(chunk, p);
    if (expectedLastOffset >= 0 && chunkPosition + p === position && lastOffset !== expectedLastOffset) {
      throw corrupt(file, position, `index entry says offset ${expectedLastOffset}, batch ends at ${lastOffset}`);
    }
    if (lastOffset >= target) break;
    p += LOG_OVERHEAD + chunk.readInt32BE(p + OFFSET_BATCH_LENGTH);
  }
  // Phase 2: whole batches from p; re-read from p when the chunk cut off batches that fit.
  for (;;) {
    let q = p;
    let nextOffset = -1;
    let firstSize = 0;
    let incomplete = false;
    while (chunkPosition + q < end) {
      if (q + BATCH_HEADER_SIZE > chunkLength) {
        incomplete = true;
        break;
      }
      checkHeader(file, chunk, q, chunkPosition + q);
      if (readInt64AsNumber(chunk, q) >= upperBound) break;
      const size = LOG_OVERHEAD + chunk.readInt32BE(q + OFFSET_BATCH_LENGTH);
      if (q === p) firstSize = size;
      else if (q - p + size > maxBytes) break;
      if (q + size > chunkLength) {
        incomplete = true;
        break;
      }
      nextOffset = batchLastOffset(chunk, q) + 1;
      q += size;
    }
    const needed = Math.min(end - chunkPosition - p, Math.max(maxBytes, firstSize, BATCH_HEADER_SIZE));
    if (!incomplete || chunkLength - p >= needed) {
      if (q === p) return { bytes: EMPTY, nextOffset: upperBound, endPosition: -1 };
      return { bytes: chunk.subarray(p, q), nextOffset, endPosition: chunkPosition + q };
    }
    chunkPosition += p;
    p = 0;
    chunk = Buffer.allocUnsafe(needed);
    chunkLength = await readFully(file.fd, chunk, 0, needed, chunkPosition);
    if (chunkLength < needed) throw corrupt(file, chunkPosition, 'file shorter than the segment');
  }
}

function checkHeader(file: SegmentFile, buf: Buffer, at: number, position: number): void {
  if (!isPlausibleHeader(buf, at)) throw corrupt(file, position, 'not a batch header');
  if (position + LOG_OVERHEAD + buf.readInt32BE(at + OFFSET_BATCH_LENGTH) > file.end) {
    throw corrupt(file, position, 'batch crosses the segment end');
  }
  if (readInt64AsNumber(buf, at) < file.baseOffset) throw corrupt(file, position, 'batch offset below the segment base');
}

function corrupt(file: SegmentFile, position: number, reason: string): CorruptLogError {
  return new CorruptLogError(file.path, position, reason);
}
