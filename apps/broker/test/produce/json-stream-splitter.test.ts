import { JsonObjectSplitter, JsonSplitError } from '../../src/produce/json-stream-splitter';

function split(chunks: (string | Buffer)[], maxObjectBytes = 1024): { objects: unknown[]; tooLarge: number[] } {
  const splitter = new JsonObjectSplitter(maxObjectBytes);
  const objects: unknown[] = [];
  const tooLarge: number[] = [];
  const sink = { object: (text: string) => objects.push(JSON.parse(text)), tooLarge: (bytes: number) => tooLarge.push(bytes) };
  for (const chunk of chunks) splitter.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk, sink);
  splitter.end();
  return { objects, tooLarge };
}

describe('JsonObjectSplitter', () => {
  it('splits NDJSON and objects one after another, with any whitespace between', () => {
    expect(split(['{"a":1}\n{"b":2}\r\n\t {"c":3}{"d":4}\n']).objects).toEqual([{ a: 1 }, { b: 2 }, { c: 3 }, { d: 4 }]);
  });

  it('ignores braces, brackets and escaped quotes inside strings', () => {
    const text = '{"s":"}{][\\"\\\\","n":{"x":[1,{"y":"]"}]}}{"t":"\\\\"}';
    expect(split([text]).objects).toEqual([{ s: '}{]["\\', n: { x: [1, { y: ']' }] } }, { t: '\\' }]);
  });

  it('gives the same objects whatever the chunk boundaries, including inside multi-byte characters', () => {
    const records = [{ v: 'héllo ☃ 𝄞' }, { k: '\\"}', n: [1, 2, { z: null }] }, {}, { e: 'end' }];
    const bytes = Buffer.from(records.map((r) => JSON.stringify(r)).join('\n') + '\n');
    for (let size = 1; size <= bytes.length; size += 3) {
      const chunks: Buffer[] = [];
      for (let i = 0; i < bytes.length; i += size) chunks.push(bytes.subarray(i, i + size));
      expect(split(chunks).objects).toEqual(records);
    }
  });

  it('reports an object over the limit without buffering it, and goes on', () => {
    const big = JSON.stringify({ v: 'x'.repeat(200) });
    const { objects, tooLarge } = split(['{"a":1}', big.slice(0, 50), big.slice(50), '{"b":2}'], 100);
    expect(objects).toEqual([{ a: 1 }, { b: 2 }]);
    expect(tooLarge).toEqual([Buffer.byteLength(big)]);
  });

  it('refuses bytes outside an object (the framing is lost)', () => {
    expect(() => split(['{"a":1} x'])).toThrow(JsonSplitError);
    expect(() => split(['[{"a":1}]'])).toThrow(/expected a JSON object, found '\['/);
    expect(() => split(['{"a":1}]'])).toThrow(/at byte 7/);
    expect(() => split(['42'])).toThrow(JsonSplitError);
  });

  it('refuses a body that ends inside an object', () => {
    expect(() => split(['{"a":', '1'])).toThrow(/ends inside a JSON object/);
    expect(() => split(['{"a":"}'])).toThrow(/ends inside a JSON object/);
  });

  it('delimits a malformed but balanced object, leaving JSON.parse to refuse it', () => {
    const splitter = new JsonObjectSplitter(1024);
    const texts: string[] = [];
    splitter.push(Buffer.from('{"a":tru}{"b":1}'), { object: (t) => texts.push(t), tooLarge: () => undefined });
    expect(texts).toEqual(['{"a":tru}', '{"b":1}']);
  });
});
