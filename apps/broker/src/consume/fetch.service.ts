import { BeforeApplicationShutdown, Injectable } from '@nestjs/common';
import { OffsetOutOfRangeError } from '@runnel/log';
import { BATCH_HEADER_SIZE, LOG_OVERHEAD, OFFSET_BATCH_LENGTH, OFFSET_RECORD_COUNT, asOffset } from '@runnel/protocol';
import type { PartitionHandle } from '@runnel/replication';
import { ReadFormat } from '../common/encodings';
import { CorruptRecordBatchError, corruptBatchAnswer } from '../common/corrupt-batch';
import { RunnelError, offsetOutOfRange } from '../common/errors';
import { JsonRecord, renderRecords } from '../common/record-render';
import { MetricsService } from '../metrics/metrics.service';
import type { Caller } from '../security/caller';
import { TopicsService } from '../topics/topics.service';
import { FetchParams, OffsetSpec } from './consume-params';

/**
 * Stateless reads of one partition (API.md "Consume (stateless)"): JSON records, raw batches and
 * offset lookups. Contract:
 * - A read never goes past the high watermark (HW) and answers 416 with the valid range
 *   [earliest_offset, high_watermark] for an offset outside it; offset == HW is an empty answer
 *   after waiting up to `timeoutMs` on the partition's HW notification (no timer loop). The wait
 *   ends early when the client leaves or the broker shuts down (`signal`, `shutdownSignal`).
 * - Bytes are read once: raw clients get them untouched; JSON clients get them decoded once by
 *   `renderRecords`. A corrupt stored batch ends a JSON read right before it; a read that starts
 *   at it answers 50001 naming its offset (common/corrupt-batch.ts). `maxBytes` bounds the batch bytes read (the first batch is returned whole
 *   even when larger, as Kafka does, so a read always makes progress).
 * - Every read and offset lookup needs READ on the topic (Kafka's Fetch and ListOffsets), checked
 *   before the topic is looked up: 40301 whether it exists or not.
 */
export interface RecordsAnswer {
  data: JsonRecord[];
  next_offset: number;
  high_watermark: number;
}

export interface RawAnswer {
  /** Whole RecordBatch v2 batches as stored; the first may start before the requested offset. */
  bytes: Buffer;
  nextOffset: number;
  highWatermark: number;
}

export interface OffsetAnswer {
  offset: number;
  timestamp: number;
}

@Injectable()
export class FetchService implements BeforeApplicationShutdown {
  private readonly shutdown = new AbortController();

  constructor(
    private readonly topics: TopicsService,
    private readonly metrics: MetricsService,
  ) {}

  /** Aborted when the broker starts shutting down: long polls and event streams end at once. */
  get shutdownSignal(): AbortSignal {
    return this.shutdown.signal;
  }

  beforeApplicationShutdown(): void {
    this.shutdown.abort();
  }

  async records(
    caller: Caller,
    topic: string,
    partitionId: number,
    params: FetchParams,
    format: ReadFormat,
    signal: AbortSignal,
  ): Promise<RecordsAnswer> {
    this.topics.authorize(caller, 'READ', topic);
    const partition = this.topics.partition(topic, partitionId);
    await partition.sync?.();
    const start = await this.startOffset(partition, params, signal);
    let offset = start;
    let bytesLeft = params.maxBytes;
    let highWatermark = partition.highWatermark as number;
    let data: JsonRecord[] = [];
    let bytesRead = 0;
    // A read may stop at a segment end, so keep reading until a limit or HW is reached.
    while (data.length < params.maxRecords && bytesLeft > 0 && offset < partition.highWatermark) {
      const read = await this.read(partition, offset, bytesLeft);
      highWatermark = read.highWatermark;
      if (read.bytes.length === 0) {
        offset = read.nextOffset; // Everything up to HW was compacted away.
        break;
      }
      // Only the first batch may exceed max_bytes; a later oversized one waits for the next request.
      if (bytesRead > 0 && read.bytes.length > bytesLeft) break;
      let rendered;
      try {
        rendered = await renderRecords(read.bytes, {
          partition: partitionId,
          fromOffset: offset,
          maxRecords: params.maxRecords - data.length,
          format,
          readNextOffset: read.nextOffset,
        });
      } catch (error) {
        if (!(error instanceof CorruptRecordBatchError)) throw error;
        if (data.length > 0) break; // the next read starts at the bad batch and gets the error
        throw corruptBatchAnswer(topic, partitionId, error);
      }
      if (data.length === 0) data = rendered.records;
      else for (const record of rendered.records) data.push(record);
      offset = rendered.nextOffset;
      bytesRead += read.bytes.length;
      bytesLeft -= read.bytes.length;
      if (rendered.stoppedAtCorruptBatch) break;
    }
    this.metrics.fetched(topic, data.length, bytesRead);
    return { data, next_offset: offset, high_watermark: highWatermark };
  }

  /** One read of raw batches for `Accept: application/vnd.kafka.record-batch` (max_records does not apply). */
  async rawBatches(caller: Caller, topic: string, partitionId: number, params: FetchParams, signal: AbortSignal): Promise<RawAnswer> {
    this.topics.authorize(caller, 'READ', topic);
    const partition = this.topics.partition(topic, partitionId);
    await partition.sync?.();
    const start = await this.startOffset(partition, params, signal);
    const read = await this.read(partition, start, params.maxBytes);
    this.metrics.fetched(topic, countRecords(read.bytes), read.bytes.length);
    return { bytes: read.bytes, nextOffset: read.nextOffset, highWatermark: read.highWatermark };
  }

  /**
   * `earliest` = log start, `latest` = HW (timestamp -1 for both, as Kafka's ListOffsets); a
   * timestamp gives the first offset below HW whose record timestamp is >= it, or HW with
   * timestamp -1 when there is none (where a consumer would continue).
   */
  async offsetFor(caller: Caller, topic: string, partitionId: number, spec: OffsetSpec): Promise<OffsetAnswer> {
    this.topics.authorize(caller, 'READ', topic);
    const partition = this.topics.partition(topic, partitionId);
    await partition.sync?.();
    if (spec.kind === 'earliest') return { offset: partition.logStartOffset, timestamp: -1 };
    if (spec.kind === 'latest') return { offset: partition.highWatermark, timestamp: -1 };
    const highWatermark = partition.highWatermark;
    const found = await partition.offsetForTimestamp(spec.timestamp);
    if (!found || found.offset >= highWatermark) return { offset: highWatermark, timestamp: -1 };
    return { offset: found.offset, timestamp: found.timestamp };
  }

  /** Checks the range, and at HW waits for data; returns the offset to read from. */
  private async startOffset(partition: PartitionHandle, params: FetchParams, signal: AbortSignal): Promise<number> {
    const offset = params.offset ?? partition.logStartOffset;
    checkRange(partition, offset);
    if (offset === partition.highWatermark && params.timeoutMs > 0) {
      await partition.waitForData(offset, params.timeoutMs, anySignal(signal, this.shutdown.signal));
    }
    return offset;
  }

  private async read(partition: PartitionHandle, offset: number, maxBytes: number) {
    try {
      return await partition.read(asOffset(offset), maxBytes);
    } catch (error) {
      // Retention may move the log start between the range check and the read.
      if (error instanceof OffsetOutOfRangeError) throw outOfRange(partition, offset);
      throw error;
    }
  }
}

/** 416 unless logStartOffset <= offset <= HW. */
export function checkRange(partition: PartitionHandle, offset: number): void {
  if (offset < partition.logStartOffset || offset > partition.highWatermark) throw outOfRange(partition, offset);
}

export function outOfRange(partition: PartitionHandle, offset: number): RunnelError {
  return offsetOutOfRange(`${partition.topic}-${partition.partition}`, offset, partition.logStartOffset, partition.highWatermark);
}

/** Records in whole stored batches, from their headers (no decoding). */
function countRecords(bytes: Buffer): number {
  let count = 0;
  for (let pos = 0; pos + BATCH_HEADER_SIZE <= bytes.length; pos += LOG_OVERHEAD + bytes.readInt32BE(pos + OFFSET_BATCH_LENGTH)) {
    count += bytes.readInt32BE(pos + OFFSET_RECORD_COUNT);
  }
  return count;
}

export function anySignal(...signals: AbortSignal[]): AbortSignal {
  return AbortSignal.any(signals);
}
