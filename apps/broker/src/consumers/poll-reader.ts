import { OffsetOutOfRangeError } from '@runnel/log';
import { asOffset } from '@runnel/protocol';
import type { PartitionHandle } from '@runnel/replication';
import { CorruptRecordBatchError, corruptBatchAnswer } from '../common/corrupt-batch';
import type { RenderedData } from '../common/encodings';
import { RunnelError } from '../common/errors';
import { rawJsonOf } from '../common/raw-json';
import { type JsonRecord, renderRecords } from '../common/record-render';

/**
 * The read side of an HTTP consumer poll: stored batches of one partition, from the instance's
 * position, rendered once into the spec's ConsumerRecord JSON text. Bounds: `maxBytes` of stored
 * batch bytes per poll (the first batch whole, so a poll always progresses) and
 * MAX_RECORDS_PER_POLL records.
 */
export type ConsumerFormat = 'binary' | 'json';

export const MAX_RECORDS_PER_POLL = 10_000;

/** Where an owned partition is read next. */
export interface Position {
  readonly topic: string;
  readonly partition: number;
  next: number;
}

/** What one poll has gathered so far. */
export interface PollOutput {
  records: string[];
  /** Stored batch bytes read so far. */
  bytes: number;
  maxBytes: number;
  full: boolean;
}

export interface PartitionReader {
  readonly format: ConsumerFormat;
  /** auto.offset.reset: the position to use when the current one is out of range. */
  reset(partition: PartitionHandle): number;
  /** Whether the instance still owns the position (it may be revoked during an await). */
  owned(): boolean;
}

/**
 * Reads `partition` from `position` into `out` until the partition is caught up (its high
 * watermark), `out` is full, or the partition stops being owned (checked after every await: a
 * read whose partition was revoked meanwhile is discarded, its records are another member's).
 * A position out of range (retention passed it, or a seek beyond the end) restarts at `reset`,
 * as Kafka's auto.offset.reset. Returns false when the poll must end here: a corrupt batch or a
 * record this format cannot return follows what was read (the next poll starts at it, and gets
 * its error when it is first).
 */
export async function readPartition(
  partition: PartitionHandle,
  position: Position,
  out: PollOutput,
  reader: PartitionReader,
): Promise<boolean> {
  const { owned } = reader;
  while (!out.full && owned()) {
    // Out of range (retention passed it, or a seek beyond the end): auto.offset.reset, as Kafka.
    if (position.next < partition.logStartOffset || position.next > partition.highWatermark) position.next = reader.reset(partition);
    if (position.next >= partition.highWatermark) return true;
    const bytesLeft = out.maxBytes - out.bytes;
    let read: { bytes: Buffer; nextOffset: number };
    try {
      read = await partition.read(asOffset(position.next), Math.max(1, bytesLeft));
    } catch (error) {
      if (!(error instanceof OffsetOutOfRangeError)) throw error;
      position.next = reader.reset(partition); // retention moved the start meanwhile
      continue;
    }
    if (!owned()) return true; // revoked while reading: its records are another member's now
    if (read.bytes.length === 0) {
      position.next = Math.max(position.next, read.nextOffset); // everything up to HW was compacted away
      return true;
    }
    if (out.bytes > 0 && read.bytes.length > bytesLeft) {
      out.full = true; // only a poll's first batch may exceed max_bytes
      return true;
    }
    let records: JsonRecord[];
    let nextOffset: number;
    let stopped = false;
    try {
      const rendered = await renderRecords(read.bytes, {
        partition: position.partition,
        fromOffset: position.next,
        maxRecords: MAX_RECORDS_PER_POLL - out.records.length,
        format: reader.format,
        readNextOffset: read.nextOffset,
      });
      ({ records, nextOffset } = rendered);
      stopped = rendered.stoppedAtCorruptBatch === true;
    } catch (error) {
      if (!(error instanceof CorruptRecordBatchError)) throw error;
      if (out.records.length > 0) return false; // the next poll starts at the bad batch and gets the error
      throw corruptBatchAnswer(position.topic, position.partition, error);
    }
    if (!owned()) return true;
    for (const record of records) {
      const text = recordText(position.topic, record, reader.format);
      if (text === undefined) {
        position.next = record.offset;
        if (out.records.length > 0) return false;
        throw new RunnelError(
          'CONSUMER_FORMAT_MISMATCH',
          `The record at offset ${record.offset} of ${position.topic}-${position.partition} is not JSON: read it with a binary consumer, or seek past it`,
        );
      }
      out.records.push(text);
      position.next = record.offset + 1;
    }
    position.next = Math.max(position.next, nextOffset);
    out.bytes += read.bytes.length;
    if (out.records.length >= MAX_RECORDS_PER_POLL || out.bytes >= out.maxBytes) out.full = true;
    if (stopped) return false;
  }
  return true;
}

/**
 * A record in the spec's ConsumerRecord shape: `{"topic","key","value","partition","offset",
 * "timestamp","headers"?}`; binary keys/values as base64 strings, JSON ones as stored (exact
 * numbers). Undefined when a JSON consumer meets a key or value that is not JSON.
 */
function recordText(topic: string, record: JsonRecord, format: ConsumerFormat): string | undefined {
  const key = dataText(record.key, format);
  const value = dataText(record.value, format);
  if (key === undefined || value === undefined) return undefined;
  const headers =
    record.headers.length === 0 ? '' : `,"headers":${JSON.stringify(record.headers.map((h) => ({ key: h.name, value: h.value ?? '' })))}`;
  return (
    `{"topic":${JSON.stringify(topic)},"key":${key},"value":${value},"partition":${record.partition_id},` +
    `"offset":${record.offset},"timestamp":${record.timestamp}${headers}}`
  );
}

function dataText(data: RenderedData | null, format: ConsumerFormat): string | undefined {
  if (data === null) return 'null';
  if (format === 'binary') return JSON.stringify(data.data);
  if (data.type !== 'JSON') return undefined;
  return rawJsonOf(data) ?? JSON.stringify(data.data);
}
