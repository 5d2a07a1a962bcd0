import type { BatchHeader, CompressionCodec, TimestampType } from './record-batch-header';

/**
 * The record-level half of Kafka's RecordBatch v2 (the 61-byte header is in record-batch-header.ts)
 * and the types the encoder (record-batch-encoder.ts) and decoder (record-batch-decoder.ts) share.
 *
 * Grammar of the records section, which follows the header and, when attributes bits 0-2 name a
 * codec, is compressed as one block (see compression.ts); recordCount in the header says how many:
 *
 *   record       := length:varint               bytes from attributes to the end of the record
 *                   attributes:int8             unused, written as 0
 *                   timestampDelta:varlong      timestamp - baseTimestamp (may be negative)
 *                   offsetDelta:varint          offset - baseOffset; strictly increasing, <= lastOffsetDelta
 *                   key:varintBytes             -1 = null
 *                   value:varintBytes           -1 = null
 *                   headerCount:varint
 *                   header{headerCount}
 *   header       := key:varintString (never null) value:varintBytes (-1 = null)
 *
 * varint/varlong are zigzag-encoded (reader.ts). Invariants the decoder enforces: exactly
 * recordCount records fill the section, each record's fields use exactly its length, offset
 * deltas rise strictly from >= 0 to <= lastOffsetDelta. Timestamps: with CreateTime a record's
 * timestamp is baseTimestamp + timestampDelta; with LogAppendTime every record's is maxTimestamp.
 */

/** The smallest record: a 1-byte length and six 1-byte fields. */
export const MIN_RECORD_BYTES = 7;

export interface RecordHeader {
  key: string;
  value: Buffer | null;
}

/**
 * A record to encode. (Not named `Record`: that would shadow TypeScript's `Record<K, V>` in
 * every module that imports it.)
 */
export interface BatchRecord {
  /** Absolute offset; defaults to the previous record's + 1 (the first: baseOffset). */
  offset?: number;
  /** Epoch milliseconds. */
  timestamp: number;
  key: Buffer | null;
  value: Buffer | null;
  headers: RecordHeader[];
}

/** A decoded record. Its key, value and header values are views into the decoded bytes. */
export interface DecodedRecord extends BatchRecord {
  /** baseOffset + offsetDelta. */
  offset: number;
  offsetDelta: number;
  /** As written: with LogAppendTime `timestamp` is maxTimestamp and this is the producer's delta. */
  timestampDelta: number;
}

/** Everything a RecordBatch v2 holds: the header's fields, decoded flags, and the records. */
export interface RecordBatch extends BatchHeader {
  compression: CompressionCodec;
  timestampType: TimestampType;
  isTransactional: boolean;
  isControl: boolean;
  records: DecodedRecord[];
}

/** The fields of a batch to encode; the header's derived fields are computed from the records. */
export interface RecordBatchInit {
  records: readonly BatchRecord[];
  /** Default 0: producers send 0 and the broker assigns the real one (setBaseOffset). */
  baseOffset?: number;
  /** Default -1 (Kafka's NO_PARTITION_LEADER_EPOCH); the broker stamps it. */
  partitionLeaderEpoch?: number;
  /** Default None. */
  compression?: CompressionCodec;
  /** Default CreateTime. */
  timestampType?: TimestampType;
  isTransactional?: boolean;
  isControl?: boolean;
  /** Default -1n (no idempotence). */
  producerId?: bigint;
  /** Default -1. */
  producerEpoch?: number;
  /** Default -1. */
  baseSequence?: number;
  /** Default: the first record's timestamp, as Kafka's MemoryRecordsBuilder; -1 if there are none. */
  baseTimestamp?: number;
  /** Default: the largest record timestamp, -1 if none. Set it to the append time for LogAppendTime. */
  maxTimestamp?: number;
  /** Default: the last record's offset delta (0 if none); larger only for batches thinned by compaction. */
  lastOffsetDelta?: number;
}

export interface DecodeOptions {
  /** Refuse a compressed section that decompresses (or declares it would) past this many bytes. */
  maxDecompressedBytes: number;
  /** Refuse a batch declaring more records than this (TOO_LARGE), before decompressing it. */
  maxRecords?: number;
  /** Refuse a batch larger than this (TOO_LARGE); default: no limit beyond the buffer. */
  maxBatchBytes?: number;
}

export interface DecodeBatchesOptions extends DecodeOptions {
  /**
   * Treat an incomplete last batch as the end of the data instead of an error (TRUNCATED):
   * a Kafka fetch response may cut the last batch at its byte limit.
   */
  allowPartialTail?: boolean;
}
