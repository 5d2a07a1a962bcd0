import { decompress } from './compression';
import { ProtocolError, inBatch } from './errors';
import {
  ATTR_CONTROL,
  ATTR_TRANSACTIONAL,
  BATCH_HEADER_SIZE,
  type BatchHeader,
  CompressionCodec,
  TimestampType,
  batchSize,
  checkBatch,
  compressionOf,
  timestampTypeOf,
} from './record-batch-header';
import { type RecordView, visitBatchRecords } from './record-batch-decoder';

/**
 * The record-level half of Kafka's LogValidator, for batches a producer sends: everything a
 * batch must be before the log may store it, so that every stored batch can be read back. The
 * log still checks framing and assigns offsets (libs/log log-validator.ts); this decodes what it
 * does not look at. Per batch, in order:
 *
 *   framing, magic, CRC, header counts, codec    checkBatch                   (CORRUPT_CRC, ...)
 *   not a control batch, not transactional       producers may not write them (INVALID_RECORD)
 *   1..n records, lastOffsetDelta = n - 1        as the log numbers them      (INVALID_RECORD)
 *   records section decompressed within
 *   `maxDecompressedBytes` (compressed only)     compression.ts               (TOO_LARGE, CORRUPT_COMPRESSED)
 *   every record decodes: lengths within the
 *   record and the section, offset deltas 0..n-1,
 *   exactly n records, no trailing bytes         the decoder's record scan    (INVALID_LENGTH, INVALID_RECORD)
 *   CreateTime timestamps (maxTimestamp and
 *   each record's) within `timestamps`           message.timestamp.*.max.ms   (INVALID_TIMESTAMP)
 *
 * Every failure is a BatchError naming the batch (index and byte position); nothing else is
 * thrown. Uncompressed batches are scanned in place (no copy); a compressed one is decompressed
 * once, here, and that copy is dropped: the log stores the bytes as they came.
 */

export interface ProducerBatchRules {
  /** max.message.bytes: the largest batch, header included. */
  maxBatchBytes: number;
  /** The most bytes a compressed batch's records section may decompress to. */
  maxDecompressedBytes: number;
  /** CreateTime bounds; omitted (LogAppendTime topics) the broker's clock replaces them anyway. */
  timestamps?: TimestampBounds;
}

/** Kafka's message.timestamp.before.max.ms / after.max.ms around the broker's clock. */
export interface TimestampBounds {
  nowMs: number;
  beforeMaxMs: number;
  afterMaxMs: number;
}

export interface ValidatedBatches {
  batches: number;
  records: number;
  /** The checked header of each batch, in order: the log may take them instead of checking the same bytes again. */
  headers: BatchHeader[];
}

/** The decompressed size cap Runnel applies whatever a topic's max.message.bytes says. */
export const MAX_DECOMPRESSED_BATCH_BYTES = 64 * 1024 * 1024;

export async function validateProducerBatches(buf: Buffer, rules: ProducerBatchRules): Promise<ValidatedBatches> {
  if (buf.length === 0) throw new ProtocolError('TRUNCATED', 'no record batch in an empty buffer');
  let batches = 0;
  let records = 0;
  const headers: BatchHeader[] = [];
  for (let position = 0; position < buf.length; batches++) {
    try {
      const header = checkBatch(buf, position, buf.length, rules.maxBatchBytes);
      await validateBatch(buf, position, header, rules);
      headers.push(header);
      records += header.recordCount;
      position += batchSize(header);
    } catch (error) {
      throw inBatch(error, batches, position);
    }
  }
  return { batches, records, headers };
}

function invalid(message: string): ProtocolError {
  return new ProtocolError('INVALID_RECORD', message);
}

async function validateBatch(buf: Buffer, position: number, header: BatchHeader, rules: ProducerBatchRules): Promise<void> {
  if (header.attributes & ATTR_CONTROL) throw invalid('control batches are written by the broker only, never by a client');
  if (header.attributes & ATTR_TRANSACTIONAL) throw invalid('transactional batches are not supported');
  if (header.recordCount === 0 || header.lastOffsetDelta !== header.recordCount - 1) {
    throw invalid(
      `batch of ${header.recordCount} records has last offset delta ${header.lastOffsetDelta}; a producer's batch numbers its records 0..n-1`,
    );
  }
  const section = buf.subarray(position + BATCH_HEADER_SIZE, position + batchSize(header));
  const codec = compressionOf(header.attributes) as CompressionCodec;
  const records = codec === CompressionCodec.None ? section : await decompress(codec, section, rules.maxDecompressedBytes);
  const bounds = timestampTypeOf(header.attributes) === TimestampType.CreateTime ? rules.timestamps : undefined;
  if (bounds !== undefined) checkTimestamp(header.maxTimestamp, bounds, 'max timestamp');
  visitBatchRecords(records, header, position, bounds === undefined ? acceptAll : (r) => checkRecordTimestamp(r, bounds));
}

const acceptAll = (): boolean => true;

function checkRecordTimestamp(record: RecordView, bounds: TimestampBounds): boolean {
  checkTimestamp(record.timestamp, bounds, `record ${record.offsetDelta} timestamp`);
  return true;
}

/** As Kafka: -1 (no timestamp) passes; otherwise within [now - before, now + after]. */
function checkTimestamp(timestampMs: number, bounds: TimestampBounds, what: string): void {
  if (timestampMs === -1) return;
  if (bounds.nowMs - timestampMs > bounds.beforeMaxMs) {
    throw new ProtocolError(
      'INVALID_TIMESTAMP',
      `${what} ${timestampMs} is more than message.timestamp.before.max.ms=${bounds.beforeMaxMs} before the broker's time ${bounds.nowMs}`,
    );
  }
  if (timestampMs - bounds.nowMs > bounds.afterMaxMs) {
    throw new ProtocolError(
      'INVALID_TIMESTAMP',
      `${what} ${timestampMs} is more than message.timestamp.after.max.ms=${bounds.afterMaxMs} after the broker's time ${bounds.nowMs}`,
    );
  }
}
