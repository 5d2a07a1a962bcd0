import { parseFilter } from '../src/filter';
import { Matcher, type SearchRecord } from '../src/matcher';

/** A record laid out as a stored records section would hold it: key and value as positions in one buffer. */
function record(fields: {
  key?: string | null;
  value?: string | Buffer | null;
  headers?: [string, string | null][];
  offset?: number;
  timestamp?: number;
}): SearchRecord {
  const key = fields.key === undefined || fields.key === null ? null : Buffer.from(fields.key);
  const value =
    fields.value === undefined || fields.value === null ? null : Buffer.isBuffer(fields.value) ? fields.value : Buffer.from(fields.value);
  const section = Buffer.concat([
    Buffer.from('##'),
    key ?? Buffer.alloc(0),
    Buffer.from('##'),
    value ?? Buffer.alloc(0),
    Buffer.from('##'),
  ]);
  const keyStart = key ? 2 : -1;
  const valueStart = value ? 4 + (key?.length ?? 0) : -1;
  return {
    section,
    offset: fields.offset ?? 0,
    timestamp: fields.timestamp ?? 0,
    keyStart,
    keyEnd: key ? keyStart + key.length : -1,
    valueStart,
    valueEnd: value ? valueStart + value.length : -1,
    headers: (fields.headers ?? []).map(([k, v]) => ({ key: k, value: v === null ? null : Buffer.from(v) })),
  };
}

const matches = (filter: unknown, r: SearchRecord): boolean => new Matcher(parseFilter(filter)).matches(r);

describe('Matcher', () => {
  it('tests key and value text, null never matching', () => {
    const r = record({ key: 'order-42', value: 'Status: SHIPPED' });
    expect(matches({ key: { equals: 'order-42' } }, r)).toBe(true);
    expect(matches({ key: { equals: 'order-4' } }, r)).toBe(false);
    expect(matches({ value: { contains: 'shipped' } }, r)).toBe(false);
    expect(matches({ value: { contains: 'shipped' }, case_insensitive: true }, r)).toBe(true);
    expect(matches({ key: { contains: '' } }, record({ key: null, value: 'x' }))).toBe(false);
    expect(matches({ not: { key: { contains: 'x' } } }, record({ key: null }))).toBe(true);
  });

  it('tests JSON paths, parsing each field once and only when needed', () => {
    const r = record({ key: '{"id":7}', value: '{"a":{"b":[{"c":"x"},2]},"n":1.0}' });
    expect(matches({ value: { json: { path: '$.a.b[0]', equals: { c: 'x' } } } }, r)).toBe(true);
    expect(matches({ value: { json: { path: '$.a.b[1]', equals: 2 } } }, r)).toBe(true);
    expect(matches({ value: { json: { path: '$.n', equals: 1 } } }, r)).toBe(true);
    expect(matches({ value: { json: { path: '$.a.b[1]', equals: '2' } } }, r)).toBe(false);
    expect(matches({ value: { json: { path: '$.missing', equals: null } } }, r)).toBe(false);
    expect(matches({ key: { json: { path: '$.id', equals: 7 } } }, r)).toBe(true);
    expect(matches({ value: { json: { path: '$', equals: 'text' } } }, record({ value: 'text' }))).toBe(false); // not JSON
    expect(matches({ value: { json: { path: '$', equals: 'text' } } }, record({ value: '"text"' }))).toBe(true);
    expect(matches({ value: { json: { path: '$.a', equals: 1 } } }, record({ value: Buffer.from([0xff, 0x7b]) }))).toBe(false);

    const parse = jest.spyOn(JSON, 'parse');
    try {
      const m = new Matcher(
        parseFilter({
          all: [
            { value: { json: { path: '$.a.b[1]', equals: 2 } } },
            { value: { json: { path: '$.n', equals: 1 } } },
            { key: { json: { path: '$.id', equals: 7 } } },
          ],
        }),
      );
      parse.mockClear();
      expect(m.matches(r)).toBe(true);
      expect(parse).toHaveBeenCalledTimes(2); // value once, key once
      parse.mockClear();
      expect(m.matches(record({ key: '{"id":7}', value: 'x' }))).toBe(false);
      expect(parse).toHaveBeenCalledTimes(1); // all stopped at the value: the key was never parsed
      const early = new Matcher(parseFilter({ any: [{ key: { equals: 'k' } }, { value: { json: { path: '$', equals: 1 } } }] }));
      parse.mockClear();
      expect(early.matches(record({ key: 'k', value: '1' }))).toBe(true); // any stopped at the key
      expect(parse).not.toHaveBeenCalled();

      // Written JSON first, but the header is tested first: a record without it is never parsed.
      const reordered = new Matcher(
        parseFilter({ all: [{ value: { json: { path: '$.a', equals: 1 } } }, { header: 'type', equals: 'audit' }] }),
      );
      parse.mockClear();
      expect(reordered.matches(record({ value: '{"a":1}', headers: [['type', 'order']] }))).toBe(false);
      expect(parse).not.toHaveBeenCalled();
      expect(reordered.matches(record({ value: '{"a":1}', headers: [['type', 'audit']] }))).toBe(true);
      expect(parse).toHaveBeenCalledTimes(1);
    } finally {
      parse.mockRestore();
    }
  });

  it('tests headers by name, any of several, values as UTF-8', () => {
    const r = record({
      headers: [
        ['trace', 'abc-123'],
        ['type', 'Order'],
        ['type', 'Payment'],
        ['empty', null],
      ],
    });
    expect(matches({ header: 'trace', contains: 'c-1' }, r)).toBe(true);
    expect(matches({ header: 'type', equals: 'Payment' }, r)).toBe(true);
    expect(matches({ header: 'type', equals: 'payment' }, r)).toBe(false);
    expect(matches({ header: 'type', equals: 'payment', case_insensitive: true }, r)).toBe(true);
    expect(matches({ header: 'Trace', contains: 'a' }, r)).toBe(false); // names are exact
    expect(matches({ header: 'empty', contains: '' }, r)).toBe(false);
    expect(matches({ header: 'missing', contains: '' }, r)).toBe(false);
  });

  it('tests offset and timestamp ranges, gte inclusive and lt exclusive', () => {
    const r = record({ offset: 10, timestamp: 1000 });
    expect(matches({ offset: { gte: 10, lt: 11 } }, r)).toBe(true);
    expect(matches({ offset: { lt: 10 } }, r)).toBe(false);
    expect(matches({ timestamp: { gte: 1001 } }, r)).toBe(false);
    expect(matches({ all: [{ timestamp: { gte: 1000 } }, { not: { offset: { gte: 11 } } }] }, r)).toBe(true);
  });
});
