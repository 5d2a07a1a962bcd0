import { RunnelError, badRequest } from '../common/errors';

/** A bad query parameter of the console's list views: 400/40001, as every other list route answers a bad limit or page token. */
export const invalidParameter = (message: string): RunnelError => badRequest(message);

/**
 * Server-side sort, search and paging of the console's list views (topic-summaries,
 * consumer-group-summaries). Pure: the service hands in rows with their sort value.
 *
 * Order: by the sort value (numbers, or strings compared by code unit; `desc` reverses it), ties
 * by name ascending. Paging is by key, not by position: the opaque `page_token` holds the last row's
 * (value, name) and the query it belongs to, and the next page starts after that row, so rows
 * created or deleted between pages never shift a page. A live value (throughput, lag) may change
 * between pages; a row then appears where its new value puts it.
 */
export interface ListQuery {
  search: string;
  sort: string;
  order: 'asc' | 'desc';
  limit: number;
  /** Other filters of the list (include_internal, state), part of the token's identity. */
  filters: Record<string, string>;
  after: { value: number | string; name: string } | undefined;
}

export interface PageRow {
  name: string;
  value: number | string;
}

export interface Page<T extends PageRow> {
  rows: T[];
  total: number;
  next: string | null;
}

export const MAX_LIMIT = 1000;
export const DEFAULT_LIMIT = 50;
const MAX_SEARCH = 256;

type RawQuery = Record<string, string | string[] | undefined>;

/** A parameter given at most once; empty (`sort=`, as a form sends it) is the same as absent. */
export function single(query: RawQuery, name: string): string | undefined {
  const value = query[name];
  if (Array.isArray(value)) throw invalidParameter(`${name} must be given once`);
  return value === '' ? undefined : value;
}

/** Parses the query string shared by the list views; 400/40001 naming the bad parameter. */
export function parseListQuery(query: RawQuery, sorts: readonly string[], filters: Record<string, string>): ListQuery {
  const search = single(query, 'search') ?? '';
  if (search.length > MAX_SEARCH) throw invalidParameter(`search must have at most ${MAX_SEARCH} characters`);
  const sort = single(query, 'sort') ?? 'name';
  if (!sorts.includes(sort)) throw invalidParameter(`sort must be one of ${sorts.join(', ')}`);
  const order = single(query, 'order') ?? 'asc';
  if (order !== 'asc' && order !== 'desc') throw invalidParameter('order must be asc or desc');
  const rawLimit = single(query, 'limit');
  let limit = DEFAULT_LIMIT;
  if (rawLimit !== undefined) {
    if (!/^\d{1,7}$/.test(rawLimit) || Number(rawLimit) < 1 || Number(rawLimit) > MAX_LIMIT) {
      throw invalidParameter(`limit must be an integer from 1 to ${MAX_LIMIT}`);
    }
    limit = Number(rawLimit);
  }
  const parsed: ListQuery = { search, sort, order, limit, filters, after: undefined };
  const token = single(query, 'page_token');
  if (token !== undefined && token !== '') parsed.after = decodeToken(token, parsed);
  return parsed;
}

/** The order of a list's rows: by value in the query's order, then by name. */
function rowOrder(query: ListQuery): (a: PageRow, b: PageRow) => number {
  const direction = query.order === 'asc' ? 1 : -1;
  return (a, b) => direction * compareValues(a.value, b.value) || compareValues(a.name, b.name);
}

/**
 * The page of a list whose rows are spread over brokers, from each broker's own page for the
 * same query (its first `limit` rows after the token): the first `limit` of their union in the
 * list's order, the totals summed, a next token when the union or any broker has more.
 */
export function mergePages<T extends PageRow>(parts: readonly Page<T>[], query: ListQuery): Page<T> {
  const rows = parts.flatMap((part) => part.rows).sort(rowOrder(query));
  const page = rows.slice(0, query.limit);
  const more = rows.length > query.limit || parts.some((part) => part.next !== null);
  const last = page[page.length - 1];
  return { rows: page, total: parts.reduce((sum, part) => sum + part.total, 0), next: more && last ? encodeToken(query, last) : null };
}

/** Sorts `rows`, and returns the page after the token with the total count. */
export function pageOf<T extends PageRow>(rows: T[], query: ListQuery): Page<T> {
  const compare = rowOrder(query);
  rows.sort(compare);
  let start = 0;
  const after = query.after;
  if (after) {
    let lo = 0;
    let hi = rows.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (compare(rows[mid], after) <= 0) lo = mid + 1;
      else hi = mid;
    }
    start = lo;
  }
  const page = rows.slice(start, start + query.limit);
  const last = page[page.length - 1];
  const next = start + query.limit < rows.length && last ? encodeToken(query, last) : null;
  return { rows: page, total: rows.length, next };
}

function compareValues(a: number | string, b: number | string): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  const x = String(a);
  const y = String(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

/** What a token must match: the same list, sort, order, search and filters. */
function identityOf(query: ListQuery): string {
  return JSON.stringify([query.sort, query.order, query.search, query.filters]);
}

function encodeToken(query: ListQuery, last: PageRow): string {
  return Buffer.from(JSON.stringify({ q: identityOf(query), v: last.value, n: last.name })).toString('base64url');
}

function decodeToken(token: string, query: ListQuery): { value: number | string; name: string } {
  const invalid = () => invalidParameter('page_token is not a token of this list (same sort, order, search and filters)');
  if (token.length > 4096 || !/^[A-Za-z0-9_-]+$/.test(token)) throw invalid();
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
  } catch {
    throw invalid();
  }
  const { q, v, n } = (parsed ?? {}) as { q?: unknown; v?: unknown; n?: unknown };
  if (q !== identityOf(query) || typeof n !== 'string' || (typeof v !== 'string' && (typeof v !== 'number' || !Number.isFinite(v)))) {
    throw invalid();
  }
  return { value: v, name: n };
}
