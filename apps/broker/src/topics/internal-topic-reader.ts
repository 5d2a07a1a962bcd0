import { asOffset, decodeRecordBatchesSync } from '@runnel/protocol';
import type { PartitionHandle } from '@runnel/replication';

/** One read of an internal topic at a time: large enough to load quickly, small enough to bound memory. */
const READ_CHUNK_BYTES = 4 * 1024 * 1024;
/** Internal topics are written by the broker itself; this only bounds a damaged compressed batch. */
const MAX_DECOMPRESSED_BYTES = 64 * 1024 * 1024;

/**
 * Visits every keyed record of an internal topic's partition (`__consumer_offsets`,
 * `__idempotency`) from its log start up to its high watermark, in log order, one read chunk at a
 * time, so loading state at start costs the visitor's memory, not the log's. The key and value are
 * views into the read chunk: a visitor that keeps them must copy them.
 */
export async function forEachKeyedRecord(
  partition: PartitionHandle,
  visit: (key: Uint8Array, value: Uint8Array | null) => void,
): Promise<void> {
  await partition.sync?.();
  let offset = partition.logStartOffset as number;
  while (offset < partition.highWatermark) {
    const read = await partition.read(asOffset(offset), READ_CHUNK_BYTES);
    if (read.bytes.length === 0) break;
    for (const batch of decodeRecordBatchesSync(read.bytes, { maxDecompressedBytes: MAX_DECOMPRESSED_BYTES, allowPartialTail: true })) {
      for (const record of batch.records) {
        if (record.offset < offset || record.key === null) continue;
        visit(record.key, record.value);
      }
    }
    if (read.nextOffset <= offset) break;
    offset = read.nextOffset;
  }
}
