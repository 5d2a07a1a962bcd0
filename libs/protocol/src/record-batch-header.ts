import { crc32c } from '@node-rs/crc32';
import { ProtocolError } from './errors';

/**
 * The fixed 61-byte header of a Kafka RecordBatch v2 (magic 2) and the operations the log needs
 * on it without decoding records: framing and CRC checks, and in-place patches of the fields the
 * broker assigns (base offset, partition leader epoch, LogAppendTime).
 *
 * Grammar (big-endian), offsets in bytes from the start of the batch:
 *
 *   0  baseOffset            int64
 *   8  batchLength           int32   bytes after this field (total size = 12 + batchLength)
 *  12  partitionLeaderEpoch  int32
 *  16  magic                 int8    = 2
 *  17  crc                   uint32  CRC32C of bytes [21, 12 + batchLength)
 *  21  attributes            int16   bits 0-2 compression, 3 timestamp type (1 = LogAppendTime),
 *                                    4 transactional, 5 control, 6 delete horizon set
 *  23  lastOffsetDelta       int32
 *  27  baseTimestamp         int64
 *  35  maxTimestamp          int64
 *  43  producerId            int64
 *  51  producerEpoch         int16
 *  53  baseSequence          int32
 *  57  recordCount           int32
 *  61  records               recordCount records, possibly compressed as one block
 *
 * baseOffset and partitionLeaderEpoch sit before the CRC range, so the broker can rewrite them
 * without recomputing the CRC; LogAppendTime changes attributes and maxTimestamp and therefore
 * does recompute it.
 */

export const LOG_OVERHEAD = 12;
export const BATCH_HEADER_SIZE = 61;
export const MAGIC_V2 = 2;
/** Smallest legal batchLength: the header after the length field, with no records. */
export const MIN_BATCH_LENGTH = BATCH_HEADER_SIZE - LOG_OVERHEAD;

export const OFFSET_BASE_OFFSET = 0;
export const OFFSET_BATCH_LENGTH = 8;
export const OFFSET_PARTITION_LEADER_EPOCH = 12;
export const OFFSET_MAGIC = 16;
export const OFFSET_CRC = 17;
export const OFFSET_ATTRIBUTES = 21;
export const OFFSET_LAST_OFFSET_DELTA = 23;
export const OFFSET_BASE_TIMESTAMP = 27;
export const OFFSET_MAX_TIMESTAMP = 35;
export const OFFSET_PRODUCER_ID = 43;
export const OFFSET_PRODUCER_EPOCH = 51;
export const OFFSET_BASE_SEQUENCE = 53;
export const OFFSET_RECORD_COUNT = 57;

export const ATTR_COMPRESSION_MASK = 0x07;
export const ATTR_TIMESTAMP_TYPE = 0x08;
export const ATTR_TRANSACTIONAL = 0x10;
export const ATTR_CONTROL = 0x20;
export const ATTR_DELETE_HORIZON = 0x40;

export enum CompressionCodec {
  None = 0,
  Gzip = 1,
  Snappy = 2,
  Lz4 = 3,
  Zstd = 4,
}

export enum TimestampType {
  CreateTime = 0,
  LogAppendTime = 1,
}

export interface BatchHeader {
  /** May be lossy above 2^53 for client-sent batches; the broker rewrites it before storing. */
  baseOffset: number;
  batchLength: number;
  partitionLeaderEpoch: number;
  magic: number;
  crc: number;
  attributes: number;
  lastOffsetDelta: number;
  baseTimestamp: number;
  maxTimestamp: number;
  producerId: bigint;
  producerEpoch: number;
  baseSequence: number;
  recordCount: number;
}

/** Reads a signed int64 as a number; exact below 2^53, which is what offsets and timestamps use. */
export function readInt64AsNumber(buf: Buffer, pos: number): number {
  return buf.readInt32BE(pos) * 0x1_0000_0000 + buf.readUInt32BE(pos + 4);
}

export function writeInt64FromNumber(buf: Buffer, pos: number, value: number): void {
  // A fraction or an unsafe integer would be written as silently wrong bytes.
  if (!Number.isSafeInteger(value)) throw new RangeError(`int64 ${value} is not a safe integer`);
  const hi = Math.floor(value / 0x1_0000_0000);
  buf.writeInt32BE(hi, pos);
  buf.writeUInt32BE(value - hi * 0x1_0000_0000, pos + 4);
}

/** Reads the header at `pos`; the caller has checked that BATCH_HEADER_SIZE bytes are there. */
export function readBatchHeader(buf: Buffer, pos = 0): BatchHeader {
  return {
    baseOffset: readInt64AsNumber(buf, pos + OFFSET_BASE_OFFSET),
    batchLength: buf.readInt32BE(pos + OFFSET_BATCH_LENGTH),
    partitionLeaderEpoch: buf.readInt32BE(pos + OFFSET_PARTITION_LEADER_EPOCH),
    magic: buf.readInt8(pos + OFFSET_MAGIC),
    crc: buf.readUInt32BE(pos + OFFSET_CRC),
    attributes: buf.readInt16BE(pos + OFFSET_ATTRIBUTES),
    lastOffsetDelta: buf.readInt32BE(pos + OFFSET_LAST_OFFSET_DELTA),
    baseTimestamp: readInt64AsNumber(buf, pos + OFFSET_BASE_TIMESTAMP),
    maxTimestamp: readInt64AsNumber(buf, pos + OFFSET_MAX_TIMESTAMP),
    producerId: buf.readBigInt64BE(pos + OFFSET_PRODUCER_ID),
    producerEpoch: buf.readInt16BE(pos + OFFSET_PRODUCER_EPOCH),
    baseSequence: buf.readInt32BE(pos + OFFSET_BASE_SEQUENCE),
    recordCount: buf.readInt32BE(pos + OFFSET_RECORD_COUNT),
  };
}

export function batchSize(header: Pick<BatchHeader, 'batchLength'>): number {
  return LOG_OVERHEAD + header.batchLength;
}

/** The offset after the batch's last record (its "next offset"). */
export function batchNextOffset(header: Pick<BatchHeader, 'baseOffset' | 'lastOffsetDelta'>): number {
  return header.baseOffset + header.lastOffsetDelta + 1;
}

export function compressionOf(attributes: number): number {
  return attributes & ATTR_COMPRESSION_MASK;
}

export function timestampTypeOf(attributes: number): TimestampType {
  return attributes & ATTR_TIMESTAMP_TYPE ? TimestampType.LogAppendTime : TimestampType.CreateTime;
}

/** CRC32C over attributes..end of the batch at `pos` of total size `size`. */
export function computeBatchCrc(buf: Buffer, pos: number, size: number): number {
  return crc32c(buf.subarray(pos + OFFSET_ATTRIBUTES, pos + size)) >>> 0;
}

/**
 * Checks the framing of the batch at `pos` within `buf[pos, end)` — magic, length, CRC and the
 * header's counts — and returns its header. A batch declaring more bytes than `end` leaves is
 * TRUNCATED even above `maxBatchBytes`: TOO_LARGE means a whole batch that is really too big. Throws ProtocolError; never reads past `end`.
 * Records are not decoded: this is what the log runs on every append and during recovery.
 */
export function checkBatch(buf: Buffer, pos: number, end: number, maxBatchBytes: number): BatchHeader {
  const remaining = end - pos;
  if (remaining < BATCH_HEADER_SIZE) {
    throw new ProtocolError('TRUNCATED', `batch header needs ${BATCH_HEADER_SIZE} bytes, ${remaining} remain`);
  }
  // Magic first: bytes that are not a batch at all must not be answered as a "too large" one.
  const magic = buf.readInt8(pos + OFFSET_MAGIC);
  if (magic !== MAGIC_V2) {
    throw new ProtocolError('UNSUPPORTED_MAGIC', `not a Kafka RecordBatch v2 (magic ${magic}, expected ${MAGIC_V2})`);
  }
  const batchLength = buf.readInt32BE(pos + OFFSET_BATCH_LENGTH);
  if (batchLength < MIN_BATCH_LENGTH) {
    throw new ProtocolError('INVALID_LENGTH', `batch length ${batchLength} is below the minimum ${MIN_BATCH_LENGTH}`);
  }
  const size = LOG_OVERHEAD + batchLength;
  // A length past the bytes there is a malformed (or not a) batch; only a whole one is too large.
  if (size > remaining) {
    throw new ProtocolError('TRUNCATED', `batch declares ${size} bytes, ${remaining} remain`);
  }
  if (size > maxBatchBytes) {
    throw new ProtocolError('TOO_LARGE', `batch of ${size} bytes exceeds the limit of ${maxBatchBytes}`);
  }
  const header = readBatchHeader(buf, pos);
  const crc = computeBatchCrc(buf, pos, size);
  if (crc !== header.crc) {
    throw new ProtocolError('CORRUPT_CRC', `batch CRC ${header.crc} does not match computed ${crc}`);
  }
  if (header.recordCount < 0 || header.lastOffsetDelta < 0) {
    throw new ProtocolError('INVALID_RECORD', 'negative record count or last offset delta');
  }
  if (header.recordCount > 0 && header.lastOffsetDelta < header.recordCount - 1) {
    throw new ProtocolError(
      'INVALID_RECORD',
      `last offset delta ${header.lastOffsetDelta} is below record count ${header.recordCount} - 1`,
    );
  }
  if (compressionOf(header.attributes) > CompressionCodec.Zstd) {
    throw new ProtocolError('UNSUPPORTED_COMPRESSION', `compression codec ${compressionOf(header.attributes)} is unknown`);
  }
  return header;
}

/**
 * Checks a buffer holding one or more whole batches back to back and returns their headers.
 * Trailing bytes that do not form a whole batch are an error: a produce request is all or nothing.
 */
export function checkBatches(buf: Buffer, maxBatchBytes: number, maxBatches = Number.MAX_SAFE_INTEGER): BatchHeader[] {
  const headers: BatchHeader[] = [];
  let pos = 0;
  while (pos < buf.length) {
    if (headers.length >= maxBatches) {
      throw new ProtocolError('TOO_LARGE', `more than ${maxBatches} batches in one request`);
    }
    const header = checkBatch(buf, pos, buf.length, maxBatchBytes);
    headers.push(header);
    pos += batchSize(header);
  }
  if (headers.length === 0) throw new ProtocolError('TRUNCATED', 'no record batch in an empty buffer');
  return headers;
}

/** Patches the base offset of the batch at `pos` (outside the CRC range). */
export function setBaseOffset(buf: Buffer, pos: number, baseOffset: number): void {
  writeInt64FromNumber(buf, pos + OFFSET_BASE_OFFSET, baseOffset);
}

/** Patches the partition leader epoch of the batch at `pos` (outside the CRC range). */
export function setPartitionLeaderEpoch(buf: Buffer, pos: number, epoch: number): void {
  buf.writeInt32BE(epoch, pos + OFFSET_PARTITION_LEADER_EPOCH);
}

/**
 * Stamps the batch at `pos` (total `size` bytes) with LogAppendTime `timestampMs`, as Kafka does
 * for topics with message.timestamp.type=LogAppendTime: the timestamp-type bit and maxTimestamp
 * change, so the CRC is recomputed. Records keep their deltas; readers take maxTimestamp.
 */
export function setLogAppendTime(buf: Buffer, pos: number, size: number, timestampMs: number): void {
  const attributes = buf.readInt16BE(pos + OFFSET_ATTRIBUTES);
  buf.writeInt16BE(attributes | ATTR_TIMESTAMP_TYPE, pos + OFFSET_ATTRIBUTES);
  writeInt64FromNumber(buf, pos + OFFSET_MAX_TIMESTAMP, timestampMs);
  buf.writeUInt32BE(computeBatchCrc(buf, pos, size), pos + OFFSET_CRC);
}
