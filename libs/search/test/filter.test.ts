import { FilterError, MAX_FILTER_NODES, canonicalFilter, parseFilter } from '../src/filter';
import { filterHash } from '../src/search-cursor';

function errorOf(input: unknown): string {
  try {
    parseFilter(input);
  } catch (error) {
    expect(error).toBeInstanceOf(FilterError);
    return (error as Error).message;
  }
  throw new Error('expected a FilterError');
}

describe('parseFilter', () => {
  it('accepts every node of the language', () => {
    const filter = parseFilter({
      all: [
        { key: { equals: 'k1' } },
        { value: { contains: 'Shipped' }, case_insensitive: true },
        { value: { json: { path: '$.a.b[0]', equals: { x: [1, 'two', null] } } } },
        { header: 'trace', contains: 'abc' },
        { header: 'type', equals: 'order', case_insensitive: false },
        { not: { any: [{ offset: { gte: 10, lt: 20 } }, { timestamp: { lt: 1700000000000 } }] } },
      ],
    });
    expect(filter.kind).toBe('all');
    expect(canonicalFilter(filter)).toEqual({
      all: [
        { key: { equals: 'k1' }, case_insensitive: false },
        { value: { contains: 'Shipped' }, case_insensitive: true },
        { value: { json: { path: '$.a.b[0]', equals: { x: [1, 'two', null] } } } },
        { header: 'trace', contains: 'abc', case_insensitive: false },
        { header: 'type', equals: 'order', case_insensitive: false },
        { not: { any: [{ offset: { gte: 10, lt: 20 } }, { timestamp: { gte: null, lt: 1700000000000 } }] } },
      ],
    });
  });

  it.each([
    [null, 'filter: must be a filter object'],
    [[], 'filter: must be a filter object'],
    [{}, 'filter: a filter object needs one of "all", "any", "not", "key", "value", "header", "offset", "timestamp"'],
    [{ key: { equals: 'a' }, value: { equals: 'b' } }, 'filter: a filter object has exactly one of "key", "value"'],
    [{ all: [] }, 'filter.all: must be a non-empty array of filters'],
    [{ any: [{ value: { contains: 1 } }] }, 'filter.any[0].value.contains: must be a string'],
    [
      { all: [{ key: { equals: 'a' } }, { value: { json: { path: 'a', equals: 1 } } }] },
      'filter.all[1].value.json.path: must start with "$"',
    ],
    [{ value: { json: { path: '$.a' } } }, 'filter.value.json: needs "equals"'],
    [
      { value: { json: { path: '$.a', equals: 1 } }, case_insensitive: true },
      'filter.case_insensitive: applies to "contains" and "equals" only',
    ],
    [{ value: { contains: 'a', equals: 'b' } }, 'filter.value: needs exactly one of "contains", "equals", "json"'],
    [{ value: { matches: '.*' } }, 'filter.value: needs exactly one of'],
    [{ value: { contains: 'a' }, eval: 'x' }, 'filter: unknown field "eval"'],
    [{ header: 'h' }, 'filter: a header filter needs exactly one of "contains", "equals"'],
    [{ header: 5, equals: 'x' }, 'filter.header: must be a string'],
    [{ offset: {} }, 'filter.offset: needs "gte", "lt" or both'],
    [{ offset: { gte: 1.5 } }, 'filter.offset.gte: must be an integer'],
    [{ timestamp: { after: 1 } }, 'filter.timestamp: unknown field "after"'],
    [{ value: { contains: 'a' }, case_insensitive: 'yes' }, 'filter.case_insensitive: must be true or false'],
    [{ key: { contains: 'x'.repeat(4097) } }, 'filter.key.contains: is longer than 4096 bytes'],
    [{ key: { contains: 'é'.repeat(2049) } }, 'filter.key.contains: is longer than 4096 bytes'],
    [{ value: { json: { path: '$', equals: 'x'.repeat(5000) } } }, 'filter.value.json.equals: is longer than 4096 bytes as JSON'],
  ])('refuses %j naming the node', (input, message) => {
    expect(errorOf(input)).toContain(message);
  });

  it('bounds depth and node count', () => {
    let deep: unknown = { key: { equals: 'a' } };
    for (let i = 0; i < 7; i++) deep = { not: deep };
    expect(() => parseFilter(deep)).not.toThrow(); // depth 8
    expect(errorOf({ not: deep })).toBe('filter.not.not.not.not.not.not.not.not: filters nest at most 8 deep');
    const leaves = Array.from({ length: MAX_FILTER_NODES - 1 }, () => ({ key: { equals: 'a' } }));
    expect(() => parseFilter({ any: leaves })).not.toThrow(); // 64 nodes
    expect(errorOf({ any: [...leaves, { key: { equals: 'a' } }] })).toContain('a filter has at most 64 nodes');
  });

  it('hashes equal filters alike and different filters apart', () => {
    const a = filterHash(parseFilter({ value: { json: { path: '$.a', equals: { x: 1, y: 2 } } } }));
    const b = filterHash(parseFilter({ value: { json: { path: '$.a', equals: { y: 2, x: 1 } } } }));
    const c = filterHash(parseFilter({ value: { json: { path: '$.a', equals: { y: 2, x: 2 } } } }));
    expect(a).toBe(b);
    expect(a).not.toBe(c);
    expect(filterHash(parseFilter({ value: { contains: 'a' } }))).not.toBe(
      filterHash(parseFilter({ value: { contains: 'a' }, case_insensitive: true })),
    );
  });
});
