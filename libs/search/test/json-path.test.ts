import fc from 'fast-check';
import { JsonPathError, NOT_FOUND, evaluateJsonPath, jsonEquals, parseJsonPath } from '../src/json-path';

describe('JSON path', () => {
  it('parses $, .name, ["name"] and [index] steps', () => {
    expect(parseJsonPath('$')).toEqual([]);
    expect(parseJsonPath('$.order.items[0]["unit price"]')).toEqual([
      { kind: 'name', name: 'order' },
      { kind: 'name', name: 'items' },
      { kind: 'index', index: 0 },
      { kind: 'name', name: 'unit price' },
    ]);
    expect(parseJsonPath('$["a\\"b"][12]')).toEqual([
      { kind: 'name', name: 'a"b' },
      { kind: 'index', index: 12 },
    ]);
  });

  it.each([
    ['a.b', 'must start with "$"'],
    ['$.', 'expects a name after "." at position 1'],
    ['$[-1]', 'expects [index]'],
    ['$[01]', 'expects [index]'],
    ['$["a"', 'unterminated'],
    ['$..a', 'expects a name'],
    ['$a', 'expects ".name", ["name"] or [index] at position 1'],
    ['$[*]', 'expects [index]'],
  ])('refuses %s', (path, message) => {
    expect(() => parseJsonPath(path)).toThrow(JsonPathError);
    expect(() => parseJsonPath(path)).toThrow(message);
  });

  it('evaluates own properties and array indexes only', () => {
    const doc = JSON.parse('{"a":{"b":[10,{"c":null}]},"__proto__":{"x":1}}');
    expect(evaluateJsonPath(doc, parseJsonPath('$.a.b[0]'))).toBe(10);
    expect(evaluateJsonPath(doc, parseJsonPath('$.a.b[1].c'))).toBeNull();
    expect(evaluateJsonPath(doc, parseJsonPath('$.a.b[2]'))).toBe(NOT_FOUND);
    expect(evaluateJsonPath(doc, parseJsonPath('$.a["b"].length'))).toBe(NOT_FOUND);
    expect(evaluateJsonPath(doc, parseJsonPath('$.constructor'))).toBe(NOT_FOUND);
    expect(evaluateJsonPath(doc, parseJsonPath('$.__proto__.x'))).toBe(1); // JSON.parse makes it an own data property
    expect(evaluateJsonPath([1], parseJsonPath('$["0"]'))).toBe(NOT_FOUND);
    expect(evaluateJsonPath('text', parseJsonPath('$'))).toBe('text');
  });

  it('compares JSON values structurally', () => {
    expect(jsonEquals({ a: 1, b: [1, { c: 'x' }] }, { b: [1, { c: 'x' }], a: 1 })).toBe(true);
    expect(jsonEquals({ a: 1 }, { a: 1, b: 2 })).toBe(false);
    expect(jsonEquals([1, 2], [2, 1])).toBe(false);
    expect(jsonEquals([], {})).toBe(false);
    expect(jsonEquals(null, {})).toBe(false);
    expect(jsonEquals(1, 1.0)).toBe(true);
    expect(jsonEquals('1', 1)).toBe(false);
  });

  it('finds every value of a document at the path that leads to it', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 4 }), (doc) => {
        const walk = (node: unknown, path: string): void => {
          expect(jsonEquals(evaluateJsonPath(doc, parseJsonPath(path)), node)).toBe(true);
          if (Array.isArray(node)) node.forEach((child, i) => walk(child, `${path}[${i}]`));
          else if (node !== null && typeof node === 'object') {
            for (const [key, child] of Object.entries(node)) walk(child, `${path}[${JSON.stringify(key)}]`);
          }
        };
        walk(doc, '$');
      }),
      { numRuns: 300 },
    );
  });
});
