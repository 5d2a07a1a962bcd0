import fc from 'fast-check';
import { TextNeedle } from '../src/text-match';

/** The definition text-match.ts implements, on decoded strings. */
function reference(text: string, needle: string, caseInsensitive: boolean, op: 'contains' | 'equals'): boolean {
  const [t, n] = caseInsensitive ? [text.toLowerCase(), needle.toLowerCase()] : [text, needle];
  return op === 'contains' ? t.includes(n) : t === n;
}

function test(text: string, needle: string, caseInsensitive: boolean, op: 'contains' | 'equals'): boolean {
  // Embedded in a larger buffer: the range, not the whole buffer, is what is tested.
  const bytes = Buffer.from(text, 'utf8');
  const buf = Buffer.concat([Buffer.from('XYZ'), bytes, Buffer.from('abc')]);
  const n = new TextNeedle(needle, caseInsensitive);
  return op === 'contains' ? n.containedIn(buf, 3, 3 + bytes.length) : n.equals(buf, 3, 3 + bytes.length);
}

describe('TextNeedle', () => {
  it('finds substrings case-sensitively and insensitively, in ASCII and beyond', () => {
    expect(test('order shipped', 'shipped', false, 'contains')).toBe(true);
    expect(test('order SHIPPED', 'shipped', false, 'contains')).toBe(false);
    expect(test('order SHIPPED', 'shipped', true, 'contains')).toBe(true);
    expect(test('Straße in MÜNCHEN', 'münchen', true, 'contains')).toBe(true);
    expect(test('Ünïcödé', 'ÜNÏCÖDÉ', true, 'equals')).toBe(true);
    expect(test('\u212A', 'k', true, 'contains')).toBe(true); // KELVIN SIGN lowercases to ASCII k
    expect(test('日本語のテキスト', '語の', false, 'contains')).toBe(true);
    expect(test('abc', 'abcd', true, 'contains')).toBe(false);
    expect(test('ab', 'AB', true, 'equals')).toBe(true);
    expect(test('abc', 'AB', true, 'equals')).toBe(false);
  });

  it('does not match across the end of the tested range', () => {
    // "ab" + following "abc" in the buffer contains "bab" only if the range leaked.
    expect(test('ab', 'bab', false, 'contains')).toBe(false);
    expect(test('ab', 'BA', true, 'contains')).toBe(false);
  });

  it('agrees with lowercase-and-includes for any text and needle', () => {
    const alphabet = fc.constantFrom('a', 'B', 'k', 'K', '\u212A', 'ß', 'ẞ', 'İ', 'ı', 'Σ', 'ς', 'é', 'É', '日', '😀', ' ', '"');
    const text = fc.array(alphabet, { maxLength: 12 }).map((a) => a.join(''));
    fc.assert(
      fc.property(text, text, fc.boolean(), fc.constantFrom('contains' as const, 'equals' as const), (t, n, ci, op) => {
        expect(test(t, n, ci, op)).toBe(reference(t, n, ci, op));
      }),
      { numRuns: 3000 },
    );
    fc.assert(
      fc.property(
        fc.string({ unit: 'grapheme', maxLength: 20 }),
        fc.string({ unit: 'grapheme', maxLength: 4 }),
        fc.boolean(),
        (t, n, ci) => {
          expect(test(t, n, ci, 'contains')).toBe(reference(t, n, ci, 'contains'));
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('treats invalid UTF-8 as U+FFFD and never throws', () => {
    const buf = Buffer.from([0x61, 0xff, 0x62, 0x41]);
    expect(new TextNeedle('ba', true).containedIn(buf, 0, buf.length)).toBe(true);
    expect(new TextNeedle('a\uFFFDb', false).containedIn(buf, 0, buf.length)).toBe(false); // bytes differ from the encoded needle
    expect(new TextNeedle('A\uFFFDB', true).containedIn(buf, 0, buf.length)).toBe(true);
  });
});

describe('TextNeedle on long text', () => {
  it('agrees with the short-text loop beyond 1 KiB, and stays inside the range', () => {
    const long = 'x'.repeat(5000) + 'needle' + 'y'.repeat(100);
    expect(test(long, 'needle', false, 'contains')).toBe(true);
    expect(test(long, 'NEEDLE', true, 'contains')).toBe(true);
    expect(test(long, 'needles', false, 'contains')).toBe(false);
    const buf = Buffer.from('z'.repeat(2000) + 'tail');
    expect(new TextNeedle('tail', false).containedIn(buf, 0, 2002)).toBe(false);
    expect(new TextNeedle('tail', false).containedIn(buf, 0, 2004)).toBe(true);
  });
});
