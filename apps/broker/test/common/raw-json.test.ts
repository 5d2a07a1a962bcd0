import * as fc from 'fast-check';
import { parseData } from '../../src/common/encodings';
import { parseRecordListText, parseRecordText, rawJsonOf } from '../../src/common/raw-json';

/** The raw `data` text found by the scanner, checked against JSON.parse as the reference. */
describe('raw JSON data of produced records', () => {
  it('keeps numbers JSON.parse would change, byte-exact', () => {
    const record = parseRecordText('{"value":{"type":"JSON","data":{"n":9007199254740993,"m":1e400,"d":0.10000000000000000001}}}') as {
      value: object;
    };
    expect(rawJsonOf(record.value)).toBe('{"n":9007199254740993,"m":1e400,"d":0.10000000000000000001}');
    expect(parseData('value', record.value)!.toString()).toBe('{"n":9007199254740993,"m":1e400,"d":0.10000000000000000001}');
  });

  it('follows JSON.parse on duplicate members, escaped names and non-JSON types', () => {
    const dup = parseRecordText('{"value":{"type":"JSON","data":1},"value":{"type":"JSON","data":2,"data":  3 }}') as { value: object };
    expect(rawJsonOf(dup.value)).toBe('3');
    const escaped = parseRecordText('{"\\u0076alue":{"type":"\\u004aSON","d\\u0061ta":[1, 2]}}') as { value: object };
    expect(rawJsonOf(escaped.value)).toBe('[1, 2]');
    const text = parseRecordText('{"value":{"type":"STRING","data":"JSON"}}') as { value: object };
    expect(rawJsonOf(text.value)).toBeUndefined();
  });

  it('finds each entry of a list (records:batch entries, WebSocket produce records)', () => {
    const body = parseRecordListText(
      '{"id":"x","entries":[{"key":{"type":"JSON","data":12345678901234567890}},{},{"value":{"type":"JSON","data":-0.0}}]}',
      'entries',
    ) as {
      entries: { key?: object; value?: object }[];
    };
    expect(rawJsonOf(body.entries[0].key)).toBe('12345678901234567890');
    expect(rawJsonOf(body.entries[2].value)).toBe('-0.0');
  });

  it('gives text that parses to the same value as JSON.parse, whatever the value and whitespace', () => {
    const ws = fc.constantFrom('', ' ', '\n', '\t ', '\r\n');
    fc.assert(
      fc.property(fc.jsonValue(), ws, ws, ws, fc.boolean(), (value, a, b, c, keyFirst) => {
        const data = JSON.stringify(value, null, a.length > 0 ? 1 : undefined) ?? 'null';
        const field = `{${a}"type"${b}:${c}"JSON"${a},${b}"data"${c}:${a}${data}${b}}`;
        const text = keyFirst ? `{"key":${field},${a}"value"${b}:${c}${field}}` : `{${a}"value":${field}${c}}`;
        const record = parseRecordText(text) as { key?: object; value: object };
        expect(rawJsonOf(record.value)).toBe(data);
        expect(JSON.parse(rawJsonOf(record.value)!)).toEqual(JSON.parse(data));
        if (keyFirst) expect(rawJsonOf(record.key)).toBe(data);
      }),
      { numRuns: 300 },
    );
  });
});
