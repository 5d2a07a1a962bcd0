import { FilterError, parseFilter, type Filter } from '@runnel/search';
import { parsePartitionIdText } from '@runnel/protocol';
import { ReadFormat, parseReadFormat } from '../common/encodings';
import { badRequest } from '../common/errors';
import { Query, parsePartitionList, parseSafeInteger, queryString } from '../consume/consume-params';

/**
 * The two request shapes of broker-side search (contracts §4), validated strictly: anything a
 * client may get wrong is a 400/40001 naming the field (the filter's own errors name the node).
 *
 * A range end is a position: `earliest` (log start), `latest` (the high watermark when the
 * search starts), an offset, or a timestamp (the first offset whose record timestamp is >= it,
 * found with the time index). `from` is inclusive, `to` exclusive: `to: {"offset": 100}` scans
 * offsets below 100, `to: {"timestamp": t}` records before the first one at or after t.
 */
export type RangeSpec =
  { kind: 'earliest' } | { kind: 'latest' } | { kind: 'offset'; offset: number } | { kind: 'timestamp'; timestamp: number };

export interface EstimateRequest {
  partitions: number[] | undefined;
  from: RangeSpec;
  to: RangeSpec;
}

export interface SearchRequest extends EstimateRequest {
  filter: Filter;
  maxMatches: number;
  maxMs: number;
  maxBytes: number;
  format: ReadFormat;
  cursor: string | undefined;
}

export const MAX_MATCHES_DEFAULT = 100;
export const MAX_MATCHES_LIMIT = 1000;
export const BUDGET_MS_DEFAULT = 30_000;
export const BUDGET_MS_LIMIT = 600_000;
export const BUDGET_BYTES_DEFAULT = 1024 * 1024 * 1024;
export const BUDGET_BYTES_LIMIT = 2 ** 50;
const MAX_PARTITIONS = 10_000;
const MAX_CURSOR_CHARS = 4 * 1024 * 1024;

const SEARCH_FIELDS = ['filter', 'partitions', 'from', 'to', 'max_matches', 'budget', 'format', 'cursor'];

/** `?partitions=0,1&from=<spec>&to=<spec>` of records:estimate; a spec is earliest|latest|offset:<n>|timestamp:<ms>. */
export function parseEstimateQuery(query: Query): EstimateRequest {
  return {
    partitions: parsePartitionList(query),
    from: parseSpecText('from', queryString(query, 'from'), { kind: 'earliest' }),
    to: parseSpecText('to', queryString(query, 'to'), { kind: 'latest' }),
  };
}

function parseSpecText(name: string, raw: string | undefined, fallback: RangeSpec): RangeSpec {
  if (raw === undefined || raw === '') return fallback;
  if (raw === 'earliest' || raw === 'latest') return { kind: raw };
  const colon = raw.indexOf(':');
  const kind = raw.slice(0, colon);
  if (colon > 0 && kind === 'offset') return { kind, offset: parseSafeInteger(`${name} offset`, raw.slice(colon + 1)) };
  if (colon > 0 && kind === 'timestamp') return { kind, timestamp: parseSafeInteger(`${name} timestamp`, raw.slice(colon + 1)) };
  throw badRequest(`${name} must be earliest, latest, offset:<n> or timestamp:<epoch ms>, got ${JSON.stringify(raw.slice(0, 100))}`);
}

/** The JSON body of records:search. */
export function parseSearchBody(body: unknown): SearchRequest {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) throw badRequest('the body must be a JSON object with a "filter"');
  const input = body as Record<string, unknown>;
  for (const key of Object.keys(input)) {
    if (!SEARCH_FIELDS.includes(key))
      throw badRequest(`unknown field ${JSON.stringify(key.slice(0, 64))} (allowed: ${SEARCH_FIELDS.join(', ')})`);
  }
  if (input.filter === undefined) throw badRequest('filter is required (for example {"value":{"contains":"text"}})');
  let filter: Filter;
  try {
    filter = parseFilter(input.filter);
  } catch (error) {
    if (error instanceof FilterError) throw badRequest(`invalid filter: ${error.message}`);
    throw error;
  }
  const budget = input.budget ?? {};
  if (budget === null || typeof budget !== 'object' || Array.isArray(budget))
    throw badRequest('budget must be an object {"max_ms"?, "max_bytes"?}');
  for (const key of Object.keys(budget)) {
    if (key !== 'max_ms' && key !== 'max_bytes') throw badRequest(`unknown field budget.${key.slice(0, 64)} (allowed: max_ms, max_bytes)`);
  }
  const { max_ms: maxMs, max_bytes: maxBytes } = budget as Record<string, unknown>;
  if (
    input.cursor !== undefined &&
    (typeof input.cursor !== 'string' || input.cursor.length === 0 || input.cursor.length > MAX_CURSOR_CHARS)
  ) {
    throw badRequest('cursor must be the cursor string of a previous answer');
  }
  return {
    filter,
    partitions: parsePartitionArray(input.partitions),
    from: parseSpecObject('from', input.from, { kind: 'earliest' }),
    to: parseSpecObject('to', input.to, { kind: 'latest' }),
    maxMatches: integerIn('max_matches', input.max_matches, MAX_MATCHES_DEFAULT, 1, MAX_MATCHES_LIMIT),
    maxMs: integerIn('budget.max_ms', maxMs, BUDGET_MS_DEFAULT, 1, BUDGET_MS_LIMIT),
    maxBytes: integerIn('budget.max_bytes', maxBytes, BUDGET_BYTES_DEFAULT, 1, BUDGET_BYTES_LIMIT),
    format: parseReadFormat(input.format),
    cursor: input.cursor as string | undefined,
  };
}

function parsePartitionArray(input: unknown): number[] | undefined {
  if (input === undefined || input === null) return undefined;
  if (!Array.isArray(input) || input.length === 0 || input.length > MAX_PARTITIONS) {
    throw badRequest(`partitions must be a non-empty array of at most ${MAX_PARTITIONS} partition ids`);
  }
  const ids = new Set<number>();
  for (const id of input) {
    const parsed = typeof id === 'number' ? parsePartitionIdText(String(id)) : undefined;
    if (parsed === undefined) throw badRequest(`partitions must hold partition ids (non-negative integers), got ${JSON.stringify(id)}`);
    ids.add(parsed);
  }
  return [...ids].sort((a, b) => a - b);
}

function parseSpecObject(name: string, input: unknown, fallback: RangeSpec): RangeSpec {
  if (input === undefined || input === null) return fallback;
  if (input === 'earliest' || input === 'latest') return { kind: input };
  if (typeof input === 'object' && !Array.isArray(input)) {
    const keys = Object.keys(input);
    const value = (input as Record<string, unknown>)[keys[0]];
    if (
      keys.length === 1 &&
      (keys[0] === 'offset' || keys[0] === 'timestamp') &&
      typeof value === 'number' &&
      Number.isSafeInteger(value) &&
      value >= 0
    ) {
      return keys[0] === 'offset' ? { kind: 'offset', offset: value } : { kind: 'timestamp', timestamp: value };
    }
  }
  throw badRequest(`${name} must be "earliest", "latest", {"offset": n} or {"timestamp": epoch ms}`);
}

function integerIn(name: string, input: unknown, fallback: number, min: number, max: number): number {
  if (input === undefined || input === null) return fallback;
  if (typeof input !== 'number' || !Number.isSafeInteger(input) || input < min || input > max) {
    throw badRequest(`${name} must be an integer from ${min} to ${max}, got ${JSON.stringify(input)}`);
  }
  return input;
}
