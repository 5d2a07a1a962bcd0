import type { Filter, Field } from './filter';
import { NOT_FOUND, evaluateJsonPath, jsonEquals } from './json-path';

/**
 * One stored record as the scan sees it: positions into the (decompressed) records section, as
 * @runnel/protocol's RecordView gives them, so testing a record allocates nothing for key and
 * value. A position of -1 means null.
 */
export interface SearchRecord {
  readonly section: Buffer;
  readonly offset: number;
  readonly timestamp: number;
  readonly keyStart: number;
  readonly keyEnd: number;
  readonly valueStart: number;
  readonly valueEnd: number;
  readonly headers: readonly { readonly key: string; readonly value: Buffer | null }[];
}

const UNPARSED: unique symbol = Symbol('unparsed');
const INVALID: unique symbol = Symbol('invalid JSON');

/**
 * Evaluates a validated Filter against records. A key or value is parsed as JSON at most once
 * per record, and only when a `json` test reaches it: all / any stop at the first answer and try
 * their cheapest members first (ranges, then headers, then text, then JSON; the tests have no
 * side effects, so the order changes only the cost). Text that is not JSON simply does not match
 * a `json` test, nor does null. One Matcher per scan; not re-entrant.
 */
export class Matcher {
  private record!: SearchRecord;
  private keyJson: unknown = UNPARSED;
  private valueJson: unknown = UNPARSED;

  private readonly plan: Filter;

  constructor(readonly filter: Filter) {
    this.plan = cheapestFirst(filter);
  }

  matches(record: SearchRecord): boolean {
    this.record = record;
    this.keyJson = UNPARSED;
    this.valueJson = UNPARSED;
    return this.test(this.plan);
  }

  private test(filter: Filter): boolean {
    const r = this.record;
    switch (filter.kind) {
      case 'all':
        for (const f of filter.filters) if (!this.test(f)) return false;
        return true;
      case 'any':
        for (const f of filter.filters) if (this.test(f)) return true;
        return false;
      case 'not':
        return !this.test(filter.filter);
      case 'range': {
        const v = filter.field === 'offset' ? r.offset : r.timestamp;
        return (filter.gte === undefined || v >= filter.gte) && (filter.lt === undefined || v < filter.lt);
      }
      case 'text': {
        const key = filter.field === 'key';
        const start = key ? r.keyStart : r.valueStart;
        const end = key ? r.keyEnd : r.valueEnd;
        if (start < 0) return false;
        return filter.op === 'contains' ? filter.needle.containedIn(r.section, start, end) : filter.needle.equals(r.section, start, end);
      }
      case 'header':
        for (const h of r.headers) {
          if (h.key !== filter.name || h.value === null) continue;
          const hit =
            filter.op === 'contains'
              ? filter.needle.containedIn(h.value, 0, h.value.length)
              : filter.needle.equals(h.value, 0, h.value.length);
          if (hit) return true;
        }
        return false;
      case 'json': {
        const root = this.json(filter.field);
        if (root === INVALID) return false;
        const node = evaluateJsonPath(root, filter.steps);
        return node !== NOT_FOUND && jsonEquals(node, filter.equals);
      }
    }
  }

  private json(field: Field): unknown {
    const cached = field === 'key' ? this.keyJson : this.valueJson;
    if (cached !== UNPARSED) return cached;
    const r = this.record;
    const start = field === 'key' ? r.keyStart : r.valueStart;
    const end = field === 'key' ? r.keyEnd : r.valueEnd;
    let parsed: unknown = INVALID;
    if (start >= 0) {
      try {
        parsed = JSON.parse(r.section.toString('utf8', start, end));
      } catch {
        parsed = INVALID;
      }
    }
    if (field === 'key') this.keyJson = parsed;
    else this.valueJson = parsed;
    return parsed;
  }
}

/** Relative cost of evaluating a filter on one record (JSON parsing dominates). */
function costOf(filter: Filter): number {
  switch (filter.kind) {
    case 'range':
      return 1;
    case 'header':
      return 2;
    case 'text':
      return 3;
    case 'json':
      return 100;
    case 'not':
      return costOf(filter.filter);
    case 'all':
    case 'any':
      return filter.filters.reduce((sum, f) => sum + costOf(f), 0);
  }
}

/** The same filter with every all / any trying its cheapest members first (stable otherwise). */
function cheapestFirst(filter: Filter): Filter {
  switch (filter.kind) {
    case 'not':
      return { kind: 'not', filter: cheapestFirst(filter.filter) };
    case 'all':
    case 'any': {
      const filters = filter.filters.map(cheapestFirst);
      const costs = new Map(filters.map((f) => [f, costOf(f)]));
      return { kind: filter.kind, filters: [...filters].sort((a, b) => costs.get(a)! - costs.get(b)!) };
    }
    default:
      return filter;
  }
}
