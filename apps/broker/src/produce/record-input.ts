import type { Acks } from '@runnel/replication';
import { BATCH_HEADER_SIZE, RecordHeader, sizeOfVarint, sizeOfVarintBytes } from '@runnel/protocol';
import { DataType, dataTypeOf, parseData, parseHeaders } from '../common/encodings';
import { RunnelError, badRequest } from '../common/errors';

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
/** Widest varlong timestamp delta (10) and varint offset delta (5), less the 1 byte each takes alone. */
const DELTA_SLACK_BYTES = 9 + 4 + 1;

export function prepareRecord(input: unknown, field: string, nowMs: number, maxMessageBytes: number): PreparedRecord {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw badRequest(`${field || 'record'} must be a JSON object {"partition_id"?, "key"?, "value"?, "headers"?, "timestamp"?}`);
  }
  const raw = input as { partition_id?: unknown; key?: unknown; value?: unknown; headers?: unknown; timestamp?: unknown };
  const prefix = field ? `${field}.` : '';
  const partition = parsePartitionField(`${prefix}partition_id`, raw.partition_id);
  const timestamp = parseTimestamp(`${prefix}timestamp`, raw.timestamp, nowMs);
  const key = parseData(`${prefix}key`, raw.key);
  const value = parseData(`${prefix}value`, raw.value);
  const headers = parseHeaders(`${prefix}headers`, raw.headers);

  // Exact size as the only record of a batch (deltas 0): what max.message.bytes is checked against.
  let body = 3 + sizeOfVarintBytes(key === null ? null : key.length) + sizeOfVarintBytes(value === null ? null : value.length);
  body += sizeOfVarint(headers.length);
  for (const header of headers) {
    const keyBytes = Buffer.byteLength(header.key, 'utf8');
    body += sizeOfVarint(keyBytes) + keyBytes + sizeOfVarintBytes(header.value === null ? null : header.value.length);
  }
  const alone = BATCH_HEADER_SIZE + sizeOfVarint(Math.min(body, INT32_MAX)) + body;
  if (alone > maxMessageBytes) {
    throw new RunnelError('TOO_LARGE', `${field || 'record'} of ${alone} bytes as a batch exceeds the topic's max.message.bytes of ${maxMessageBytes}`);
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

function parsePartitionField(field: string, input: unknown): number {
  if (input === undefined || input === null) return -1;
  if (typeof input !== 'number' || !Number.isSafeInteger(input) || input < 0) {
    throw badRequest(`${field} must be a non-negative integer below 2^53`);
  }
  return input; // an id past the topic's partitions is the lookup's 40403, per record
}

function parseTimestamp(field: string, input: unknown, nowMs: number): number {
  if (input === undefined || input === null) return nowMs;
  if (typeof input !== 'number' || !Number.isSafeInteger(input) || input < 0) {
    throw badRequest(`${field} must be epoch milliseconds: a non-negative integer below 2^53`);
  }
  return input;
}

/** `?acks=0|1|all` (and Kafka's -1 for all); default all. */
export function parseAcks(input: unknown): Acks {
  if (input === undefined || input === '' || input === 'all' || input === '-1') return -1;
  if (input === '1') return 1;
  if (input === '0') return 0;
  throw badRequest(`acks must be one of 0, 1, all (got ${JSON.stringify(input)})`);
}
