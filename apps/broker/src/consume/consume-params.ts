import { parsePartitionIdText } from '@runnel/protocol';
import { badRequest } from '../common/errors';

/**
 * Query-string parsing for the read endpoints. Fastify turns a repeated key into an array; any
 * value that is not exactly one well-formed string is a 40001 naming the parameter. Every number
 * is bounded so one request cannot ask the broker for unbounded work or memory.
 */

export const MAX_RECORDS_DEFAULT = 500;
export const MAX_RECORDS_LIMIT = 10_000;
export const MAX_BYTES_DEFAULT = 1024 * 1024;
export const MAX_BYTES_LIMIT = 64 * 1024 * 1024;
export const TIMEOUT_MS_LIMIT = 60_000;

export type Query = Record<string, unknown>;

/** The single string value of `name`, or undefined when absent. */
export function queryString(query: Query, name: string): string | undefined {
  const value = query[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw badRequest(`query parameter ${name} must be given once`);
  return value;
}

/** A non-negative integer below 2^53 (offsets, timestamps); larger, signed or fractional → 40001. */
export function parseSafeInteger(name: string, raw: string): number {
  const value = /^\d{1,16}$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isSafeInteger(value)) throw badRequest(`${name} must be a non-negative integer below 2^53, got ${JSON.stringify(raw)}`);
  return value;
}

export function boundedInteger(query: Query, name: string, fallback: number, min: number, max: number): number {
  const raw = queryString(query, name);
  if (raw === undefined || raw === '') return fallback;
  const value = /^\d{1,10}$/.test(raw) ? Number(raw) : NaN;
  if (!(value >= min && value <= max)) throw badRequest(`${name} must be an integer from ${min} to ${max}, got ${JSON.stringify(raw)}`);
  return value;
}

export interface FetchParams {
  /** undefined = the log start offset (earliest). */
  offset: number | undefined;
  maxRecords: number;
  maxBytes: number;
  timeoutMs: number;
}

export function parseFetchParams(query: Query): FetchParams {
  const rawOffset = queryString(query, 'offset');
  return {
    offset: rawOffset === undefined || rawOffset === '' ? undefined : parseSafeInteger('offset', rawOffset),
    maxRecords: boundedInteger(query, 'max_records', MAX_RECORDS_DEFAULT, 1, MAX_RECORDS_LIMIT),
    maxBytes: boundedInteger(query, 'max_bytes', MAX_BYTES_DEFAULT, 1, MAX_BYTES_LIMIT),
    timeoutMs: boundedInteger(query, 'timeout_ms', 0, 0, TIMEOUT_MS_LIMIT),
  };
}

export type OffsetSpec = { kind: 'earliest' } | { kind: 'latest' } | { kind: 'timestamp'; timestamp: number };

/** `at=earliest|latest|<epoch ms>` of the offsets lookup; required. */
export function parseOffsetSpec(query: Query): OffsetSpec {
  const at = queryString(query, 'at');
  if (at === undefined || at === '') throw badRequest('at is required: earliest, latest or an epoch-millisecond timestamp');
  if (at === 'earliest' || at === 'latest') return { kind: at };
  if (!/^\d+$/.test(at)) throw badRequest(`at must be earliest, latest or an epoch-millisecond timestamp, got ${JSON.stringify(at)}`);
  return { kind: 'timestamp', timestamp: parseSafeInteger('at', at) };
}

/** `partitions=0,1,2` of the event stream: distinct ids; undefined = every partition. */
export function parsePartitionList(query: Query): number[] | undefined {
  const raw = queryString(query, 'partitions');
  if (raw === undefined || raw === '') return undefined;
  const ids = raw.split(',');
  if (ids.length > 10_000) throw badRequest('partitions lists too many ids');
  const seen = new Set<number>();
  for (const id of ids) {
    const partition = parsePartitionIdText(id);
    if (partition === undefined) throw badRequest(`partitions must be comma-separated partition ids, got ${JSON.stringify(raw)}`);
    seen.add(partition);
  }
  return [...seen].sort((a, b) => a - b);
}
