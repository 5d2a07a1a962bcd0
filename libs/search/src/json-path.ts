/**
 * The JSON path subset of search filters: `$` followed by steps `.name`, `["name"]` or `[index]`
 * (`$.order.items[0]["unit price"]`). Parsed once when the filter is validated; evaluated on a
 * value that JSON.parse produced, reading own properties only (a path never reaches a prototype:
 * `$.constructor` of `{}` finds nothing).
 */
export type PathStep = { kind: 'name'; name: string } | { kind: 'index'; index: number };

/** Most steps one path may have (a path string is at most 4 KiB anyway). */
export const MAX_PATH_STEPS = 64;
const MAX_INDEX = 2 ** 31 - 1;
const NAME_CHAR = /[^.[\]\s"']/;

export class JsonPathError extends Error {}

/** The steps of `path`, or JsonPathError saying what is wrong and where. */
export function parseJsonPath(path: string): PathStep[] {
  if (path[0] !== '$') throw new JsonPathError('must start with "$"');
  const steps: PathStep[] = [];
  let i = 1;
  while (i < path.length) {
    if (steps.length >= MAX_PATH_STEPS) throw new JsonPathError(`has more than ${MAX_PATH_STEPS} steps`);
    const c = path[i];
    if (c === '.') {
      let end = i + 1;
      while (end < path.length && NAME_CHAR.test(path[end])) end++;
      if (end === i + 1) throw new JsonPathError(`expects a name after "." at position ${i}`);
      steps.push({ kind: 'name', name: path.slice(i + 1, end) });
      i = end;
    } else if (c === '[' && path[i + 1] === '"') {
      const end = closingQuote(path, i + 2);
      if (end < 0 || path[end + 1] !== ']') throw new JsonPathError(`has an unterminated ["name"] at position ${i}`);
      let name: unknown;
      try {
        name = JSON.parse(path.slice(i + 1, end + 1));
      } catch {
        throw new JsonPathError(`has an invalid quoted name at position ${i}`);
      }
      steps.push({ kind: 'name', name: name as string });
      i = end + 2;
    } else if (c === '[') {
      const close = path.indexOf(']', i);
      const digits = close < 0 ? '' : path.slice(i + 1, close);
      if (!/^(0|[1-9]\d{0,9})$/.test(digits) || Number(digits) > MAX_INDEX) {
        throw new JsonPathError(`expects [index] (a non-negative integer) or ["name"] at position ${i}`);
      }
      steps.push({ kind: 'index', index: Number(digits) });
      i = close + 1;
    } else {
      throw new JsonPathError(`expects ".name", ["name"] or [index] at position ${i}, got ${JSON.stringify(c)}`);
    }
  }
  return steps;
}

/** Index of the `"` closing a JSON string whose body starts at `from` (escapes skipped), or -1. */
function closingQuote(text: string, from: number): number {
  for (let i = from; i < text.length; i++) {
    if (text[i] === '\\') i++;
    else if (text[i] === '"') return i;
  }
  return -1;
}

const NOT_FOUND: unique symbol = Symbol('not found');
export type PathResult = unknown | typeof NOT_FOUND;
export { NOT_FOUND };

/** The node `steps` lead to in `root`, or NOT_FOUND. */
export function evaluateJsonPath(root: unknown, steps: readonly PathStep[]): PathResult {
  let node: unknown = root;
  for (const step of steps) {
    if (step.kind === 'index') {
      if (!Array.isArray(node) || step.index >= node.length) return NOT_FOUND;
      node = node[step.index];
    } else {
      if (node === null || typeof node !== 'object' || Array.isArray(node) || !Object.hasOwn(node, step.name)) return NOT_FOUND;
      node = (node as Record<string, unknown>)[step.name];
    }
  }
  return node;
}

/** Structural equality of two JSON values (object keys in any order; numbers by value). */
export function jsonEquals(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!jsonEquals(a[i], b[i])) return false;
    return true;
  }
  if (Array.isArray(b)) return false;
  const aKeys = Object.keys(a);
  if (aKeys.length !== Object.keys(b).length) return false;
  for (const key of aKeys) {
    if (!Object.hasOwn(b, key) || !jsonEquals((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key])) return false;
  }
  return true;
}
