import type { BatchHeader } from '@runnel/protocol';
import type { Offset } from '@runnel/protocol';
import type { FileHandleCache } from './file-handle-cache';
import type { IndexCache } from './index-cache';

/** The public shapes of PartitionLog's API (kept apart so the class file stays about behaviour). */

export interface Clock {
  nowMs(): number;
}

/** Wall-clock milliseconds; tests pass a manual clock. */
export const SYSTEM_CLOCK: Clock = { nowMs: () => Date.now() };

export interface PartitionLogOptions {
  /** Shared descriptor cache (LogManager owns one per broker). */
  handles: FileHandleCache;
  /** Shared cache of closed segments' index entries; default: a private 8 MiB one. */
  indexCache?: IndexCache;
  clock?: Clock;
  /** Source of segment.jitter.ms draws, in [0, 1); default Math.random. */
  random?: () => number;
  /** From the recovery-point checkpoint; default 0 (everything is recovered). */
  recoveryPoint?: Offset;
  /** From the log-start-offset checkpoint; default: the first segment's base offset. */
  logStartOffset?: Offset;
  /** The previous shutdown was clean and `recoveryPoint` is its log end offset: scan nothing. */
  hadCleanShutdown?: boolean;
}

export interface AppendOptions {
  /** Stamped into every batch's partitionLeaderEpoch (outside the CRC). */
  leaderEpoch?: number;
  /**
   * The headers of exactly these bytes, already checked (framing, magic, CRC32C, at most
   * max.message.bytes) by the caller — the produce path's record validation does it — so the log
   * does not compute every CRC a second time. Their sizes must cover the buffer exactly.
   */
  checkedHeaders?: readonly BatchHeader[];
}

export interface AppendResult {
  baseOffset: Offset;
  lastOffset: Offset;
  /** The broker time stamped into the batches, or -1 for CreateTime topics. */
  logAppendTimeMs: number;
  maxTimestampMs: number;
  records: number;
  bytes: number;
}

export interface ReadResult {
  /** Whole RecordBatch v2 batches, ready to send untouched; empty at the end of the log. */
  bytes: Buffer;
  /** Where the next read continues. */
  nextOffset: Offset;
}

export interface TimestampLookup {
  offset: Offset;
  timestamp: number;
}
