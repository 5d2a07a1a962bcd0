import { compress, compressSync } from './compression';
import { ProtocolError } from './errors';
import {
  ATTR_COMPRESSION_MASK,
  ATTR_CONTROL,
  ATTR_TIMESTAMP_TYPE,
  ATTR_TRANSACTIONAL,
  BATCH_HEADER_SIZE,
  CompressionCodec,
  LOG_OVERHEAD,
  MAGIC_V2,
  OFFSET_ATTRIBUTES,
  OFFSET_BASE_SEQUENCE,
  OFFSET_BASE_TIMESTAMP,
  OFFSET_BATCH_LENGTH,
  OFFSET_CRC,
  OFFSET_LAST_OFFSET_DELTA,
  OFFSET_MAGIC,
  OFFSET_MAX_TIMESTAMP,
  OFFSET_PARTITION_LEADER_EPOCH,
  OFFSET_PRODUCER_EPOCH,
  OFFSET_PRODUCER_ID,
  OFFSET_RECORD_COUNT,
  TimestampType,
  computeBatchCrc,
  writeInt64FromNumber,
} from './record-batch-header';
import type { BatchRecord, RecordBatchInit } from './record-batch';
import { sizeOfVarint, sizeOfVarintBytes, sizeOfVarlong, writeVarintAt, writeVarlongAt } from './writer';

/**
 * Encodes a RecordBatch v2 (grammar in record-batch.ts and record-batch-header.ts).
 *
 * The hot path is a producer batching thousands of records, so the encoder sizes every record
 * first and then writes them all into one buffer: for an uncompressed batch that buffer is the
 * batch (one allocation, no copy); a compressed batch adds the codec's output and one buffer for
 * header + compressed section. No per-record buffers are allocated.
 *
 * `encodeRecordBatch` is synchronous and handles every codec but zstd (whose binding is async
 * only); `encodeRecordBatchAsync` handles all. Invalid record content (a timestamp or offset that
 * is not a safe integer, offsets not increasing, a batch over 2 GiB) is a ProtocolError
 * (INVALID_RECORD / TOO_LARGE); out-of-range header fields are caller bugs and throw RangeError.
 */

/** Sizes and derived header fields, computed in one pass before anything is written. */
interface BatchPlan {
  attributes: number;
  baseOffset: number;
  baseTimestamp: number;
  maxTimestamp: number;
  lastOffsetDelta: number;
  offsetDeltas: Int32Array;
  bodySizes: Int32Array;
  /** UTF-8 sizes of every header key, in record then header order. */
  headerKeySizes: number[];
  recordsBytes: number;
}

const INT32_MAX = 0x7fff_ffff;

function invalid(message: string): ProtocolError {
  return new ProtocolError('INVALID_RECORD', message);
}

function plan(init: RecordBatchInit): BatchPlan {
  const records = init.records;
  const count = records.length;
  const baseOffset = init.baseOffset ?? 0;
  if (!Number.isSafeInteger(baseOffset)) throw new RangeError(`base offset ${baseOffset} is not a safe integer`);
  const codec = init.compression ?? CompressionCodec.None;
  if (!(Number.isInteger(codec) && codec >= CompressionCodec.None && codec <= CompressionCodec.Zstd))
    throw new RangeError(`compression codec ${codec} is unknown`);
  const attributes =
    (codec & ATTR_COMPRESSION_MASK) |
    (init.timestampType === TimestampType.LogAppendTime ? ATTR_TIMESTAMP_TYPE : 0) |
    (init.isTransactional ? ATTR_TRANSACTIONAL : 0) |
    (init.isControl ? ATTR_CONTROL : 0);

  const baseTimestamp = init.baseTimestamp ?? (count > 0 ? records[0].timestamp : -1);
  if (!Number.isSafeInteger(baseTimestamp)) throw invalid(`base timestamp ${baseTimestamp} is not a safe integer`);
  let maxTimestamp = -1;
  const offsetDeltas = new Int32Array(count);
  const bodySizes = new Int32Array(count);
  const headerKeySizes: number[] = [];
  let recordsBytes = 0;
  let offsetDelta = -1;
  for (let i = 0; i < count; i++) {
    const record = records[i];
    const timestamp = record.timestamp;
    if (!Number.isSafeInteger(timestamp)) throw invalid(`record ${i}: timestamp ${timestamp} is not a safe integer`);
    if (timestamp > maxTimestamp) maxTimestamp = timestamp;
    const timestampDelta = timestamp - baseTimestamp;
    if (!Number.isSafeInteger(timestampDelta)) throw invalid(`record ${i}: timestamp delta is not a safe integer`);

    const nextDelta = record.offset === undefined ? offsetDelta + 1 : record.offset - baseOffset;
    if (!Number.isSafeInteger(nextDelta) || nextDelta <= offsetDelta || nextDelta > INT32_MAX) {
      throw invalid(`record ${i}: offset ${record.offset} does not follow the previous one within an int32 delta`);
    }
    offsetDelta = nextDelta;
    offsetDeltas[i] = offsetDelta;

    let size =
      1 +
      sizeOfVarlong(timestampDelta) +
      sizeOfVarint(offsetDelta) +
      sizeOfVarintBytes(record.key === null ? null : record.key.length) +
      sizeOfVarintBytes(record.value === null ? null : record.value.length) +
      sizeOfVarint(record.headers.length);
    for (const header of record.headers) {
      if (typeof header.key !== 'string') throw invalid(`record ${i}: a header key is not a string`);
      const keySize = utf8Size(header.key);
      headerKeySizes.push(keySize);
      size += sizeOfVarint(keySize) + keySize + sizeOfVarintBytes(header.value === null ? null : header.value.length);
    }
    if (size > INT32_MAX) throw new ProtocolError('TOO_LARGE', `record ${i} of ${size} bytes exceeds an int32 length`);
    bodySizes[i] = size;
    recordsBytes += sizeOfVarint(size) + size;
  }
  if (BATCH_HEADER_SIZE - LOG_OVERHEAD + recordsBytes > INT32_MAX) {
    throw new ProtocolError('TOO_LARGE', `records of ${recordsBytes} bytes exceed a batch's int32 length`);
  }

  const lastOffsetDelta = init.lastOffsetDelta ?? Math.max(offsetDelta, 0);
  if (!Number.isInteger(lastOffsetDelta) || lastOffsetDelta < offsetDelta || lastOffsetDelta > INT32_MAX) {
    throw invalid(`last offset delta ${lastOffsetDelta} is below the last record's ${offsetDelta}`);
  }
  maxTimestamp = init.maxTimestamp ?? maxTimestamp;
  if (!Number.isSafeInteger(maxTimestamp)) throw invalid(`max timestamp ${maxTimestamp} is not a safe integer`);
  return {
    attributes,
    baseOffset,
    baseTimestamp,
    maxTimestamp,
    lastOffsetDelta,
    offsetDeltas,
    bodySizes,
    headerKeySizes,
    recordsBytes,
  };
}

/** Header keys are short and usually ASCII: a JS loop beats a native call for those. */
const SHORT_STRING = 64;

function utf8Size(value: string): number {
  if (value.length > SHORT_STRING) return Buffer.byteLength(value, 'utf8');
  for (let i = 0; i < value.length; i++) {
    if (value.charCodeAt(i) >= 0x80) return Buffer.byteLength(value, 'utf8');
  }
  return value.length;
}

/** Writes `value` of UTF-8 size `size`; a size equal to its length means it is all ASCII. */
function writeUtf8At(buf: Buffer, pos: number, value: string, size: number): number {
  if (size !== value.length || size > SHORT_STRING) return pos + buf.write(value, pos, size, 'utf8');
  for (let i = 0; i < size; i++) buf[pos + i] = value.charCodeAt(i);
  return pos + size;
}

function writeBytesAt(buf: Buffer, pos: number, bytes: Buffer | null): number {
  if (bytes === null) return writeVarintAt(buf, pos, -1);
  pos = writeVarintAt(buf, pos, bytes.length);
  buf.set(bytes, pos);
  return pos + bytes.length;
}

/** Writes the records at `buf[start, start + p.recordsBytes)`. */
function writeRecords(buf: Buffer, start: number, records: readonly BatchRecord[], p: BatchPlan): void {
  let pos = start;
  let headerIndex = 0;
  for (let i = 0; i < records.length; i++) {
    const record = records[i];
    pos = writeVarintAt(buf, pos, p.bodySizes[i]);
    buf[pos++] = 0; // record attributes: unused
    pos = writeVarlongAt(buf, pos, record.timestamp - p.baseTimestamp);
    pos = writeVarintAt(buf, pos, p.offsetDeltas[i]);
    pos = writeBytesAt(buf, pos, record.key);
    pos = writeBytesAt(buf, pos, record.value);
    pos = writeVarintAt(buf, pos, record.headers.length);
    for (const header of record.headers) {
      const keySize = p.headerKeySizes[headerIndex++];
      pos = writeVarintAt(buf, pos, keySize);
      pos = writeUtf8At(buf, pos, header.key, keySize);
      pos = writeBytesAt(buf, pos, header.value);
    }
  }
  // The sizes were computed from the same records a moment ago: a mismatch is a bug here.
  if (pos !== start + p.recordsBytes) throw new Error(`records wrote ${pos - start} bytes, planned ${p.recordsBytes}`);
}

/** Fills in the header of `batch` (whose records section is in place) and its CRC. */
function writeHeader(batch: Buffer, init: RecordBatchInit, p: BatchPlan, recordCount: number): Buffer {
  writeInt64FromNumber(batch, 0, p.baseOffset);
  batch.writeInt32BE(batch.length - LOG_OVERHEAD, OFFSET_BATCH_LENGTH);
  batch.writeInt32BE(init.partitionLeaderEpoch ?? -1, OFFSET_PARTITION_LEADER_EPOCH);
  batch.writeInt8(MAGIC_V2, OFFSET_MAGIC);
  batch.writeInt16BE(p.attributes, OFFSET_ATTRIBUTES);
  batch.writeInt32BE(p.lastOffsetDelta, OFFSET_LAST_OFFSET_DELTA);
  writeInt64FromNumber(batch, OFFSET_BASE_TIMESTAMP, p.baseTimestamp);
  writeInt64FromNumber(batch, OFFSET_MAX_TIMESTAMP, p.maxTimestamp);
  batch.writeBigInt64BE(init.producerId ?? -1n, OFFSET_PRODUCER_ID);
  batch.writeInt16BE(init.producerEpoch ?? -1, OFFSET_PRODUCER_EPOCH);
  batch.writeInt32BE(init.baseSequence ?? -1, OFFSET_BASE_SEQUENCE);
  batch.writeInt32BE(recordCount, OFFSET_RECORD_COUNT);
  batch.writeUInt32BE(computeBatchCrc(batch, 0, batch.length), OFFSET_CRC);
  return batch;
}

function withCompressedSection(init: RecordBatchInit, p: BatchPlan, section: Buffer): Buffer {
  if (section.length > INT32_MAX - (BATCH_HEADER_SIZE - LOG_OVERHEAD)) {
    throw new ProtocolError('TOO_LARGE', `compressed records of ${section.length} bytes exceed a batch's int32 length`);
  }
  const batch = Buffer.allocUnsafe(BATCH_HEADER_SIZE + section.length);
  section.copy(batch, BATCH_HEADER_SIZE);
  return writeHeader(batch, init, p, init.records.length);
}

function uncompressedSection(init: RecordBatchInit, p: BatchPlan): Buffer {
  const section = Buffer.allocUnsafe(p.recordsBytes);
  writeRecords(section, 0, init.records, p);
  return section;
}

/** Encodes a batch synchronously; every codec but zstd (use `encodeRecordBatchAsync`). */
export function encodeRecordBatch(init: RecordBatchInit): Buffer {
  const p = plan(init);
  const codec = init.compression ?? CompressionCodec.None;
  if (codec === CompressionCodec.None) {
    const batch = Buffer.allocUnsafe(BATCH_HEADER_SIZE + p.recordsBytes);
    writeRecords(batch, BATCH_HEADER_SIZE, init.records, p);
    return writeHeader(batch, init, p, init.records.length);
  }
  return withCompressedSection(init, p, compressSync(codec, uncompressedSection(init, p)));
}

/** Encodes a batch with any codec; as fast as `encodeRecordBatch` for all but zstd. */
export async function encodeRecordBatchAsync(init: RecordBatchInit): Promise<Buffer> {
  const codec = init.compression ?? CompressionCodec.None;
  if (codec !== CompressionCodec.Zstd) return encodeRecordBatch(init);
  const p = plan(init);
  return withCompressedSection(init, p, await compress(codec, uncompressedSection(init, p)));
}
