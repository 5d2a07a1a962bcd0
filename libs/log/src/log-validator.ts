import {
  checkBatches,
  LOG_OVERHEAD,
  ProtocolError,
  setBaseOffset,
  setLogAppendTime,
  setPartitionLeaderEpoch,
  type BatchHeader,
} from '@runnel/protocol';
import { InvalidOffsetError } from './errors';

/**
 * The storage engine's part of Kafka's LogValidator: checks the batches of one append and, on a
 * leader, assigns their offsets — all without decoding a record. Framing, magic, CRC32C and
 * counts are the protocol's `checkBatches`; the checks here are the ones that depend on the log.
 * A failure throws before anything is written or patched, so an append is all or nothing.
 */

export interface CheckedBatches {
  /** Headers as read; `assignOffsets` updates baseOffset/maxTimestamp to what is stored. */
  headers: BatchHeader[];
  records: number;
}

const INT32_MAX = 0x7fffffff;

/** Batches from a producer: at most max.message.bytes each, records numbered 0..count-1. */
export function checkProducerBatches(batches: Buffer, maxMessageBytes: number, checked?: readonly BatchHeader[]): CheckedBatches {
  const headers = checked === undefined ? checkBatches(batches, maxMessageBytes) : trustedHeaders(batches, maxMessageBytes, checked);
  let records = 0;
  for (const header of headers) {
    if (header.recordCount === 0 || header.lastOffsetDelta !== header.recordCount - 1) {
      throw new ProtocolError('INVALID_RECORD', `batch of ${header.recordCount} records has last offset delta ${header.lastOffsetDelta}`);
    }
    records += header.recordCount;
  }
  if (batches.length > INT32_MAX) throw new ProtocolError('TOO_LARGE', `append of ${batches.length} bytes`);
  return { headers, records };
}

/**
 * Headers a caller has already checked for these bytes (CRC included): only what is cheap is
 * re-checked here — that they tile the buffer exactly and each is within max.message.bytes. Copies,
 * since assignOffsets updates them.
 */
function trustedHeaders(batches: Buffer, maxMessageBytes: number, checked: readonly BatchHeader[]): BatchHeader[] {
  let covered = 0;
  const headers = checked.map((header) => {
    const size = header.batchLength + LOG_OVERHEAD;
    if (size > maxMessageBytes)
      throw new ProtocolError('TOO_LARGE', `batch of ${size} bytes is larger than max.message.bytes ${maxMessageBytes}`);
    covered += size;
    return { ...header };
  });
  if (headers.length === 0 || covered !== batches.length) throw new Error(`checked headers cover ${covered} of ${batches.length} bytes`);
  return headers;
}

export interface StampOptions {
  /** Written into every batch's partitionLeaderEpoch (outside the CRC). */
  leaderEpoch?: number;
  /** LogAppendTime topics: the broker time written into every batch (CRC recomputed). */
  logAppendTimeMs?: number;
}

/**
 * Assigns consecutive offsets from `firstOffset` by rewriting each batch's base offset IN PLACE
 * in `batches` (plus leader epoch and LogAppendTime when asked). Returns the largest timestamp.
 */
export function assignOffsets(batches: Buffer, headers: BatchHeader[], firstOffset: number, opts: StampOptions): number {
  let position = 0;
  let nextOffset = firstOffset;
  let maxTimestampMs = -1;
  for (const header of headers) {
    const size = LOG_OVERHEAD + header.batchLength;
    setBaseOffset(batches, position, nextOffset);
    header.baseOffset = nextOffset;
    if (opts.leaderEpoch !== undefined) setPartitionLeaderEpoch(batches, position, opts.leaderEpoch);
    if (opts.logAppendTimeMs !== undefined) {
      setLogAppendTime(batches, position, size, opts.logAppendTimeMs);
      header.maxTimestamp = opts.logAppendTimeMs;
    }
    if (header.maxTimestamp > maxTimestampMs) maxTimestampMs = header.maxTimestamp;
    nextOffset += header.recordCount;
    position += size;
  }
  return maxTimestampMs;
}

export interface ReplicatedBatches extends CheckedBatches {
  lastOffset: number;
  maxTimestampMs: number;
}

/**
 * Batches replicated from the leader keep their offsets: they must continue the log (first base
 * offset >= logEndOffset) and increase. No size limit: the leader accepted them.
 */
export function checkReplicatedBatches(batches: Buffer, logEndOffset: number): ReplicatedBatches {
  const headers = checkBatches(batches, INT32_MAX);
  let expected = logEndOffset;
  let records = 0;
  let maxTimestampMs = -1;
  for (const header of headers) {
    if (!Number.isSafeInteger(header.baseOffset) || header.baseOffset < expected) {
      throw new InvalidOffsetError(`batch base offset ${header.baseOffset} is below the expected ${expected}`);
    }
    expected = header.baseOffset + header.lastOffsetDelta + 1;
    records += header.recordCount;
    if (header.maxTimestamp > maxTimestampMs) maxTimestampMs = header.maxTimestamp;
  }
  return { headers, records, lastOffset: expected - 1, maxTimestampMs };
}
