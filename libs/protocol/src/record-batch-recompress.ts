import { BATCH_HEADER_SIZE, CompressionCodec, TimestampType, batchSize, compressionOf, readBatchHeader } from './record-batch-header';
import type { DecodedRecord, DecodeOptions, RecordBatch } from './record-batch';
import { decodeRecordBatch } from './record-batch-decoder';
import { encodeRecordBatchAsync } from './record-batch-encoder';

/**
 * Re-encoding stored or received batches: with fewer records (compaction) or with another codec
 * (a topic's compression.type that differs from the producer's, as Kafka's broker recompresses).
 * Everything but the records section is kept: base offset, last offset delta (so gaps left by
 * compaction stay), leader epoch, timestamps (LogAppendTime's too), producer id/epoch/sequence,
 * transactional and control flags.
 */
export function reencodeRecordBatch(
  batch: RecordBatch,
  options: { records?: readonly DecodedRecord[]; compression?: CompressionCodec } = {},
): Promise<Buffer> {
  const records = options.records ?? batch.records;
  const logAppendTime = batch.timestampType === TimestampType.LogAppendTime;
  return encodeRecordBatchAsync({
    records: records.map((r) => ({
      offset: r.offset,
      // With LogAppendTime a decoded record's timestamp is the batch's; the delta is the producer's.
      timestamp: logAppendTime ? batch.baseTimestamp + r.timestampDelta : r.timestamp,
      key: r.key,
      value: r.value,
      headers: r.headers,
    })),
    baseOffset: batch.baseOffset,
    lastOffsetDelta: batch.lastOffsetDelta,
    partitionLeaderEpoch: batch.partitionLeaderEpoch,
    compression: options.compression ?? batch.compression,
    timestampType: batch.timestampType,
    isTransactional: batch.isTransactional,
    isControl: batch.isControl,
    producerId: batch.producerId,
    producerEpoch: batch.producerEpoch,
    baseSequence: batch.baseSequence,
    ...(logAppendTime ? { baseTimestamp: batch.baseTimestamp, maxTimestamp: batch.maxTimestamp } : {}),
  });
}

/** True if some batch of the checked, back-to-back batches in `buf` is not compressed with `codec`. */
export function needsRecompression(buf: Buffer, codec: CompressionCodec): boolean {
  for (let pos = 0; pos + BATCH_HEADER_SIZE <= buf.length;) {
    const header = readBatchHeader(buf, pos);
    if (compressionOf(header.attributes) !== codec) return true;
    pos += batchSize(header);
  }
  return false;
}

/**
 * The batches of `buf` (already checked with checkBatches) with every batch compressed with
 * `codec`; a batch that already is, is copied as it is. Throws ProtocolError for a batch that
 * does not decode (CRC, decompression bound).
 */
export async function recompressRecordBatches(buf: Buffer, codec: CompressionCodec, options: DecodeOptions): Promise<Buffer> {
  const parts: Buffer[] = [];
  for (let pos = 0; pos + BATCH_HEADER_SIZE <= buf.length;) {
    const header = readBatchHeader(buf, pos);
    const size = batchSize(header);
    const raw = buf.subarray(pos, pos + size);
    parts.push(
      compressionOf(header.attributes) === codec
        ? raw
        : await reencodeRecordBatch(await decodeRecordBatch(raw, options), { compression: codec }),
    );
    pos += size;
  }
  return parts.length === 1 ? parts[0] : Buffer.concat(parts);
}
