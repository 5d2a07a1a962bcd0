import { decodeRecordBatches, timestampTypeOf, TimestampType } from '@runnel/protocol';
import { ReadFormat, RenderedData, renderData, renderHeaders } from './encodings';

/**
 * Turns raw batches from a read into the JSON records of API.md (REST reads, SSE, WebSocket).
 * This is the one place stored bytes are decoded for JSON clients; binary clients get the bytes
 * untouched. Records below `fromOffset` (the read starts at the batch containing it) are skipped.
 */
export interface JsonRecord {
  partition_id: number;
  offset: number;
  timestamp: number;
  timestamp_type: 'CREATE_TIME' | 'LOG_APPEND_TIME';
  key: RenderedData | null;
  value: RenderedData | null;
  headers: { name: string; value: string | null }[];
}

export interface RenderedRecords {
  records: JsonRecord[];
  /** The offset after the last record returned, or `readNextOffset` when every record fit. */
  nextOffset: number;
}

/** Decompressed bytes allowed per batch while rendering (stored batches were capped on produce). */
export const MAX_RENDER_DECOMPRESSED_BYTES = 64 * 1024 * 1024;

export async function renderRecords(
  bytes: Buffer,
  options: { partition: number; fromOffset: number; maxRecords: number; format: ReadFormat; readNextOffset: number },
): Promise<RenderedRecords> {
  const records: JsonRecord[] = [];
  for await (const batch of decodeRecordBatches(bytes, { maxDecompressedBytes: MAX_RENDER_DECOMPRESSED_BYTES })) {
    const logAppendTime = timestampTypeOf(batch.attributes) === TimestampType.LogAppendTime;
    for (const record of batch.records) {
      if (record.offset < options.fromOffset) continue;
      if (records.length >= options.maxRecords) return { records, nextOffset: record.offset };
      records.push({
        partition_id: options.partition,
        offset: record.offset,
        timestamp: record.timestamp,
        timestamp_type: logAppendTime ? 'LOG_APPEND_TIME' : 'CREATE_TIME',
        key: renderData(record.key, options.format),
        value: renderData(record.value, options.format),
        headers: renderHeaders(record.headers),
      });
    }
  }
  return { records, nextOffset: options.readNextOffset };
}
