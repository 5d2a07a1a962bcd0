import type { Acks } from '@runnel/replication';
import {
  BATCH_HEADER_SIZE as PROTOCOL_BATCH_HEADER_SIZE,
  RecordHeader,
  sizeOfVarint as protocolSizeOfVarint,
  sizeOfVarintBytes as protocolSizeOfVarintBytes,
} from '@runnel/protocol';
import { DataType, dataTypeOf, parseData, parseHeaders } from '../common/encodings';
import { RunnelError, badRequest } from '../common/errors';
import { parseTimestampInput } from '../common/rest-v3';

/**
 * Validation of one JSON record of API.md ("Produce": `{"partition_id"?, "key"?, "value"?,
 * "headers"?, "timestamp"?}`) into the bytes it will be stored as, and of the `acks` parameter.
 * Everything a record can be refused for is checked here, before it joins a batch, so one bad
 * record never fails the others it would have been batched with.
 */
export interface PreparedRecord {
  /** Explicit partition, or -1 to let the partitioner choose. */
  partition: number;
  key: Buffer | null;
  value: Buffer | null;
  headers: RecordHeader[];
  timestamp: number;
  keyType: DataType | null;
  valueType: DataType | null;
  /** Upper bound of its encoded size inside any batch (varint fields at their widest). */
  batchBytesUpperBound: number;
}

const INT32_MAX = 0x7fff_ffff;
// Module-local bindings: the package index re-exports through property getters (CommonJS
// output), and on this per-record path those getter calls cost as much as the sizing itself.
const BATCH_HEADER_SIZE = PROTOCOL_BATCH_HEADER_SIZE;
const sizeOfVarint = protocolSizeOfVarint;
const sizeOfVarintBytes = protocolSizeOfVarintBytes;
/** Widest varlong timestamp delta (10) and varint offset delta (5), less the 1 byte each takes alone. */
const DELTA_SLACK_BYTES = 9 + 4 + 1;

/**
 * `field` names the record in errors ("" for a lone record); with `index` >= 0 it is
 * `${field}[${index}]`. Names are built only when a record is refused: this is the per-record
 * hot path of JSON produce, and the common field shapes are parsed inline for the same reason.
 */
export function prepareRecord(input: unknown, field: string, nowMs: number, maxMessageBytes: number, index = -1): PreparedRecord {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw badRequest(
      `${recordName(field, index) || 'record'} must be a JSON object {"partition_id"?, "key"?, "value"?, "headers"?, "timestamp"?}`,
    );
  }
  const raw = input as { partition_id?: unknown; key?: unknown; value?: unknown; headers?: unknown; timestamp?: unknown };
  const partition = parsePartitionField(field, index, raw.partition_id);
  const timestamp = parseTimestamp(field, index, raw.timestamp, nowMs);
  const key =
    raw.key === undefined || raw.key === null ? null : (stringData(raw.key) ?? parseData(fieldName(field, index, 'key'), raw.key));
  const value =
    raw.value === undefined || raw.value === null
      ? null
      : (stringData(raw.value) ?? parseData(fieldName(field, index, 'value'), raw.value));
  const headers: RecordHeader[] =
    raw.headers === undefined || raw.headers === null ? [] : parseHeaders(fieldName(field, index, 'headers'), raw.headers);

  // Exact size as the only record of a batch (deltas 0): what max.message.bytes is checked against.
  let body = 3 + sizeOfVarintBytes(key === null ? null : key.length) + sizeOfVarintBytes(value === null ? null : value.length);
  body += sizeOfVarint(headers.length);
  for (const header of headers) {
    const keyBytes = Buffer.byteLength(header.key, 'utf8');
    body += sizeOfVarint(keyBytes) + keyBytes + sizeOfVarintBytes(header.value === null ? null : header.value.length);
  }
  const alone = BATCH_HEADER_SIZE + sizeOfVarint(Math.min(body, INT32_MAX)) + body;
  if (alone > maxMessageBytes) {
    throw new RunnelError(
      'TOO_LARGE',
      `${recordName(field, index) || 'record'} of ${alone} bytes as a batch exceeds the topic's max.message.bytes of ${maxMessageBytes}`,
    );
  }
  return {
    partition,
    key,
    value,
    headers,
    timestamp,
    keyType: key === null ? null : dataTypeOf(raw.key),
    valueType: value === null ? null : dataTypeOf(raw.value),
    batchBytesUpperBound: alone - BATCH_HEADER_SIZE + DELTA_SLACK_BYTES,
  };
}

/** parseData's result for the common `{"type":"STRING","data":"..."}`; undefined for anything else. */
function stringData(input: unknown): Buffer | undefined {
  if (typeof input !== 'object' || input === null) return undefined;
  const { type, data } = input as { type?: unknown; data?: unknown };
  return type === 'STRING' && typeof data === 'string' ? Buffer.from(data, 'utf8') : undefined;
}

function recordName(field: string, index: number): string {
  return index >= 0 ? `${field}[${index}]` : field;
}

/** "entries[3].key", or "key" for a lone record. */
function fieldName(field: string, index: number, name: string): string {
  const record = recordName(field, index);
  return record ? `${record}.${name}` : name;
}

function parsePartitionField(field: string, index: number, input: unknown): number {
  if (input === undefined || input === null) return -1;
  // Confluent answers a negative partition as a partition it does not have (40403).
  if (typeof input === 'number' && Number.isSafeInteger(input) && input < 0) {
    throw new RunnelError('UNKNOWN_TOPIC_OR_PARTITION', `${fieldName(field, index, 'partition_id')} ${input}: partition not found`);
  }
  if (typeof input !== 'number' || !Number.isSafeInteger(input) || input < 0) {
    throw badRequest(`${fieldName(field, index, 'partition_id')} must be a non-negative integer below 2^53`);
  }
  return input; // an id past the topic's partitions is the lookup's 40403, per record
}

/** The latest instant a date-time can name (ECMAScript's Date range): answers render timestamps as ISO-8601. */
const MAX_TIMESTAMP_MS = 8_640_000_000_000_000;

/** ISO-8601 date-time (the spec's type, e.g. "2021-02-05T19:14:42Z") or epoch milliseconds. */
function parseTimestamp(field: string, index: number, input: unknown, nowMs: number): number {
  if (input === undefined || input === null) return nowMs;
  if (typeof input === 'number' && Number.isSafeInteger(input) && input >= 0 && input <= MAX_TIMESTAMP_MS) return input;
  const name = fieldName(field, index, 'timestamp');
  const ms = parseTimestampInput(input, name);
  if (ms > MAX_TIMESTAMP_MS) throw badRequest(`${name} is past the latest date-time (+275760-09-13T00:00:00Z)`);
  return ms;
}

/** `?acks=0|1|all` (and Kafka's -1 for all); default all. */
export function parseAcks(input: unknown): Acks {
  if (input === undefined || input === '' || input === 'all' || input === '-1') return -1;
  if (input === '1') return 1;
  if (input === '0') return 0;
  throw badRequest(`acks must be one of 0, 1, all (got ${JSON.stringify(input)})`);
}
