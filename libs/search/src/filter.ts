import { JsonPathError, parseJsonPath, type PathStep } from './json-path';
import { TextNeedle } from './text-match';

/**
 * The search filter language: data, never code. A filter is untrusted JSON from a client; it is
 * validated here into a typed tree, and evaluated by matcher.ts with plain comparisons (no eval,
 * no vm, no Function, no regular expression built from user input).
 *
 *   {"all":[F,...]} | {"any":[F,...]} | {"not":F}
 *   {"key"|"value": {"contains":"s"} | {"equals":"s"} | {"json":{"path":"$.a.b[0]","equals":<json>}},
 *    "case_insensitive"?: bool}                       (case_insensitive: contains / equals only)
 *   {"header":"name","contains"|"equals":"s","case_insensitive"?: bool}   (value as UTF-8)
 *   {"offset":{"gte"?:n,"lt"?:n}} | {"timestamp":{"gte"?:ms,"lt"?:ms}}
 *
 * Limits: nesting depth <= 8, <= 64 nodes, every string (and a json `equals` value's text)
 * <= 4 KiB of UTF-8; `all`/`any` hold 1..64 filters. Every error names the path of the bad node
 * (`filter.all[1].value.json.path: ...`).
 */
export const MAX_FILTER_DEPTH = 8;
export const MAX_FILTER_NODES = 64;
export const MAX_FILTER_STRING_BYTES = 4096;

export type Field = 'key' | 'value';

export type Filter =
  | { kind: 'all'; filters: Filter[] }
  | { kind: 'any'; filters: Filter[] }
  | { kind: 'not'; filter: Filter }
  | { kind: 'text'; field: Field; op: 'contains' | 'equals'; needle: TextNeedle }
  | { kind: 'json'; field: Field; path: string; steps: PathStep[]; equals: unknown }
  | { kind: 'header'; name: string; op: 'contains' | 'equals'; needle: TextNeedle }
  | { kind: 'range'; field: 'offset' | 'timestamp'; gte: number | undefined; lt: number | undefined };

export class FilterError extends Error {
  override readonly name = 'FilterError';
  constructor(
    readonly path: string,
    readonly reason: string,
  ) {
    super(`${path}: ${reason}`);
  }
}

const NODE_KEYS = ['all', 'any', 'not', 'key', 'value', 'header', 'offset', 'timestamp'] as const;

/** Validates `input` (parsed JSON) into a Filter; throws FilterError naming the bad node. */
export function parseFilter(input: unknown, path = 'filter'): Filter {
  const state = { nodes: 0 };
  return parseNode(input, path, 1, state);
}

function parseNode(input: unknown, path: string, depth: number, state: { nodes: number }): Filter {
  if (depth > MAX_FILTER_DEPTH) throw new FilterError(path, `filters nest at most ${MAX_FILTER_DEPTH} deep`);
  if (++state.nodes > MAX_FILTER_NODES) throw new FilterError(path, `a filter has at most ${MAX_FILTER_NODES} nodes`);
  const node = object(input, path, 'a filter object');
  const kinds = NODE_KEYS.filter((k) => Object.hasOwn(node, k));
  if (kinds.length !== 1) {
    throw new FilterError(
      path,
      kinds.length === 0
        ? `a filter object needs one of ${NODE_KEYS.map((k) => `"${k}"`).join(', ')}`
        : `a filter object has exactly one of ${kinds.map((k) => `"${k}"`).join(', ')}`,
    );
  }
  const kind = kinds[0];
  switch (kind) {
    case 'all':
    case 'any': {
      only(node, path, [kind]);
      const list = node[kind];
      if (!Array.isArray(list) || list.length === 0) throw new FilterError(`${path}.${kind}`, 'must be a non-empty array of filters');
      if (list.length > MAX_FILTER_NODES) throw new FilterError(`${path}.${kind}`, `holds at most ${MAX_FILTER_NODES} filters`);
      return { kind, filters: list.map((f, i) => parseNode(f, `${path}.${kind}[${i}]`, depth + 1, state)) };
    }
    case 'not':
      only(node, path, ['not']);
      return { kind: 'not', filter: parseNode(node.not, `${path}.not`, depth + 1, state) };
    case 'key':
    case 'value':
      return parseField(node, kind, path);
    case 'header':
      return parseHeader(node, path);
    case 'offset':
    case 'timestamp': {
      only(node, path, [kind]);
      const range = object(node[kind], `${path}.${kind}`, 'an object {"gte"?, "lt"?}');
      only(range, `${path}.${kind}`, ['gte', 'lt']);
      const gte = optionalInteger(range.gte, `${path}.${kind}.gte`);
      const lt = optionalInteger(range.lt, `${path}.${kind}.lt`);
      if (gte === undefined && lt === undefined) throw new FilterError(`${path}.${kind}`, 'needs "gte", "lt" or both');
      return { kind: 'range', field: kind, gte, lt };
    }
  }
}

function parseField(node: Record<string, unknown>, field: Field, path: string): Filter {
  only(node, path, [field, 'case_insensitive']);
  const caseInsensitive = optionalBoolean(node.case_insensitive, `${path}.case_insensitive`);
  const fieldPath = `${path}.${field}`;
  const test = object(node[field], fieldPath, 'an object with one of "contains", "equals", "json"');
  const ops = ['contains', 'equals', 'json'].filter((k) => Object.hasOwn(test, k));
  if (ops.length !== 1) throw new FilterError(fieldPath, 'needs exactly one of "contains", "equals", "json"');
  only(test, fieldPath, ops);
  const op = ops[0];
  if (op === 'json') {
    if (caseInsensitive !== undefined) throw new FilterError(`${path}.case_insensitive`, 'applies to "contains" and "equals" only');
    const json = object(test.json, `${fieldPath}.json`, 'an object {"path", "equals"}');
    only(json, `${fieldPath}.json`, ['path', 'equals']);
    const jsonPath = string(json.path, `${fieldPath}.json.path`);
    let steps: PathStep[];
    try {
      steps = parseJsonPath(jsonPath);
    } catch (error) {
      if (error instanceof JsonPathError)
        throw new FilterError(`${fieldPath}.json.path`, `${error.message} (got ${JSON.stringify(jsonPath)})`);
      throw error;
    }
    if (!Object.hasOwn(json, 'equals')) throw new FilterError(`${fieldPath}.json`, 'needs "equals" (any JSON value)');
    const text = JSON.stringify(json.equals);
    if (Buffer.byteLength(text) > MAX_FILTER_STRING_BYTES) {
      throw new FilterError(`${fieldPath}.json.equals`, `is longer than ${MAX_FILTER_STRING_BYTES} bytes as JSON`);
    }
    return { kind: 'json', field, path: jsonPath, steps, equals: JSON.parse(text) };
  }
  const text = string(test[op], `${fieldPath}.${op}`);
  return { kind: 'text', field, op: op as 'contains' | 'equals', needle: new TextNeedle(text, caseInsensitive ?? false) };
}

function parseHeader(node: Record<string, unknown>, path: string): Filter {
  const ops = ['contains', 'equals'].filter((k) => Object.hasOwn(node, k));
  if (ops.length !== 1) throw new FilterError(path, 'a header filter needs exactly one of "contains", "equals"');
  only(node, path, ['header', 'case_insensitive', ops[0]]);
  const name = string(node.header, `${path}.header`);
  const text = string(node[ops[0]], `${path}.${ops[0]}`);
  const caseInsensitive = optionalBoolean(node.case_insensitive, `${path}.case_insensitive`) ?? false;
  return { kind: 'header', name, op: ops[0] as 'contains' | 'equals', needle: new TextNeedle(text, caseInsensitive) };
}

function object(input: unknown, path: string, expected: string): Record<string, unknown> {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) throw new FilterError(path, `must be ${expected}`);
  return input as Record<string, unknown>;
}

function only(node: Record<string, unknown>, path: string, allowed: readonly string[]): void {
  for (const key of Object.keys(node)) {
    if (!allowed.includes(key)) {
      const shown = key.length > 64 ? `${key.slice(0, 64)}…` : key;
      throw new FilterError(path, `unknown field ${JSON.stringify(shown)} (allowed here: ${allowed.join(', ')})`);
    }
  }
}

function string(input: unknown, path: string): string {
  if (typeof input !== 'string') throw new FilterError(path, 'must be a string');
  if (Buffer.byteLength(input) > MAX_FILTER_STRING_BYTES) throw new FilterError(path, `is longer than ${MAX_FILTER_STRING_BYTES} bytes`);
  return input;
}

function optionalBoolean(input: unknown, path: string): boolean | undefined {
  if (input === undefined) return undefined;
  if (typeof input !== 'boolean') throw new FilterError(path, 'must be true or false');
  return input;
}

function optionalInteger(input: unknown, path: string): number | undefined {
  if (input === undefined) return undefined;
  if (typeof input !== 'number' || !Number.isSafeInteger(input)) throw new FilterError(path, 'must be an integer');
  return input;
}

/** The filter as canonical JSON (what the client sent, validated; keys in a fixed order), for hashing. */
export function canonicalFilter(filter: Filter): unknown {
  switch (filter.kind) {
    case 'all':
    case 'any':
      return { [filter.kind]: filter.filters.map(canonicalFilter) };
    case 'not':
      return { not: canonicalFilter(filter.filter) };
    case 'text':
      return { [filter.field]: { [filter.op]: filter.needle.text }, case_insensitive: filter.needle.caseInsensitive };
    case 'json':
      return { [filter.field]: { json: { path: filter.path, equals: canonicalJson(filter.equals) } } };
    case 'header':
      return { header: filter.name, [filter.op]: filter.needle.text, case_insensitive: filter.needle.caseInsensitive };
    case 'range':
      return { [filter.field]: { gte: filter.gte ?? null, lt: filter.lt ?? null } };
  }
}

/** A JSON value with object keys sorted (so `{"a":1,"b":2}` and `{"b":2,"a":1}` hash alike). */
function canonicalJson(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonicalJson);
  if (value === null || typeof value !== 'object') return value;
  const sorted: Record<string, unknown> = {};
  for (const key of Object.keys(value).sort()) sorted[key] = canonicalJson((value as Record<string, unknown>)[key]);
  return sorted;
}
