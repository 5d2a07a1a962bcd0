import { JsonObjectSplitter } from '../../src/produce/json-stream-splitter';

/** Every item the splitter reports, in order: an object's text, `tooLarge:<bytes>` or `junk:<message>`. */
function items(chunks: (string | Buffer)[], options: { maxObjectBytes?: number; lines?: boolean } = {}): string[] {
  const splitter = new JsonObjectSplitter(options.maxObjectBytes ?? 1024, options.lines ?? false);
  const out: string[] = [];
  const sink = {
    object: (text: string) => out.push(text),
    tooLarge: (bytes: number) => out.push(`tooLarge:${bytes}`),
    junk: (m: string) => out.push(`junk:${m}`),
  };
  for (const chunk of chunks) splitter.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk, sink);
  splitter.end(sink);
  return out;
}

function split(chunks: (string | Buffer)[], maxObjectBytes = 1024): { objects: unknown[]; tooLarge: number[] } {
  const all = items(chunks, { maxObjectBytes });
  const junk = all.filter((i) => i.startsWith('junk:'));
  if (junk.length > 0) throw new Error(`unexpected junk: ${junk.join(', ')}`);
  return {
    objects: all.filter((i) => !i.startsWith('tooLarge:')).map((t) => JSON.parse(t)),
    tooLarge: all.filter((i) => i.startsWith('tooLarge:')).map((i) => Number(i.slice(9))),
  };
}

describe('JsonObjectSplitter', () => {
  it('reports the deepest nesting of each object, across chunks, ignoring brackets inside strings', () => {
    const depths: number[] = [];
    const splitter = new JsonObjectSplitter(1 << 20);
    const sink = { object: (_t: string, depth: number) => depths.push(depth), tooLarge: () => undefined, junk: () => undefined };
    const deep = `{"v":${'['.repeat(200)}${']'.repeat(200)}}`;
    splitter.push(Buffer.from('{"a":1} {"b":{"c":[1,{"d":"[[[{{{"}]}} '), sink);
    splitter.push(Buffer.from(deep.slice(0, 100)), sink);
    splitter.push(Buffer.from(deep.slice(100)), sink);
    splitter.end(sink);
    expect(depths).toEqual([1, 4, 201]);
  });

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

  it('reports a line that is not an object once, skips it to its newline, and goes on', () => {
    expect(items(['{"a":1} x y\n{"b":2}\n[{"c":3}]\n42\n{"d":4}'])).toEqual([
      '{"a":1}',
      expect.stringMatching(/^junk:Not a JSON record at byte 8 .*'x' in "x y"$/),
      '{"b":2}',
      expect.stringMatching(/^junk:Not a JSON record at byte 20 .*'\['/),
      expect.stringMatching(/^junk:Not a JSON record at byte 30 .*'4'/),
      '{"d":4}',
    ]);
  });

  it('bounds a skipped line: a huge bad line is scanned, never kept', () => {
    const out = items(['x'.repeat(5000), 'y'.repeat(5000), '\n{"a":1}'], { maxObjectBytes: 100 });
    expect(out).toHaveLength(2);
    expect(out[0].length).toBeLessThan(300);
    expect(out[1]).toBe('{"a":1}');
  });

  it('with lines (NDJSON), a newline ends an unbalanced object as its own bad record', () => {
    const out = items(['{"a":\n{"b":"x\n{"c":3}\n{"d":{"e":1}\n'], { lines: true });
    expect(out).toEqual(['{"a":', '{"b":"x', '{"c":3}', '{"d":{"e":1}']);
  });

  it('without lines, an object may span lines; an unfinished one is reported at the end', () => {
    expect(items(['{"a":\n1}'])).toEqual(['{"a":\n1}']);
    expect(items(['{"a":', '1'])).toEqual([expect.stringMatching(/^junk:The record stream ends inside a JSON object/)]);
    expect(items(['{"a":"}'])).toEqual([expect.stringMatching(/ends inside a JSON object/)]);
  });

  it('delimits a malformed but balanced object, leaving JSON.parse to refuse it', () => {
    const splitter = new JsonObjectSplitter(1024);
    const texts: string[] = [];
    splitter.push(Buffer.from('{"a":tru}{"b":1}'), { object: (t) => texts.push(t), tooLarge: () => undefined, junk: () => undefined });
    expect(texts).toEqual(['{"a":tru}', '{"b":1}']);
  });
});
