/**
 * Substring and equality tests of a UTF-8 needle against bytes of a record (key, value or a
 * header value), without decoding the bytes in the common case.
 *
 * Case-sensitive: byte comparison of the UTF-8 encodings (Buffer.indexOf). UTF-8 is
 * self-synchronising, so a valid needle can only match at character boundaries of valid text.
 *
 * Case-insensitive means `toLowerCase(text).includes(toLowerCase(needle))` (and `===` for
 * equals) on the text decoded as UTF-8 (invalid bytes as U+FFFD), locale-independent. When the
 * needle is ASCII, a byte loop folds A-Z on the fly: a hit there is a hit of the definition
 * (ASCII bytes decode to themselves), and only text with non-ASCII bytes that had no such hit is
 * decoded (a non-ASCII character may lowercase to ASCII: U+212A KELVIN SIGN → "k").
 */
export class TextNeedle {
  readonly bytes: Buffer;
  private readonly lowerText: string;
  /** Lowercased ASCII bytes when the lowercased needle is ASCII, else undefined. */
  private readonly lowerAscii: Uint8Array | undefined;

  constructor(
    readonly text: string,
    readonly caseInsensitive: boolean,
  ) {
    this.bytes = Buffer.from(text, 'utf8');
    this.lowerText = text.toLowerCase();
    this.lowerAscii = isAscii(this.lowerText) ? Buffer.from(this.lowerText, 'latin1') : undefined;
  }

  /** Whether `buf[start, end)` contains the needle. */
  containedIn(buf: Buffer, start: number, end: number): boolean {
    if (!this.caseInsensitive) {
      if (this.bytes.length === 0) return true;
      if (end - start < this.bytes.length) return false;
      // Short text (most keys and values): a byte loop beats a view plus a native call per record.
      // Longer text: a view bounds the native search (indexOf has no end: it would scan the whole section).
      if (end - start <= SHORT_TEXT_BYTES) return exactIndexOf(buf, start, end, this.bytes);
      return buf.subarray(start, end).indexOf(this.bytes) >= 0;
    }
    if (this.lowerAscii !== undefined) {
      const found = foldedIndexOf(buf, start, end, this.lowerAscii);
      if (found === FOUND) return true;
      if (found === NOT_FOUND_ASCII) return false;
    }
    return buf.toString('utf8', start, end).toLowerCase().includes(this.lowerText);
  }

  /** Whether `buf[start, end)` equals the needle. */
  equals(buf: Buffer, start: number, end: number): boolean {
    if (!this.caseInsensitive) return end - start === this.bytes.length && this.bytes.compare(buf, start, end) === 0;
    if (this.lowerAscii !== undefined && end - start === this.lowerAscii.length) {
      const found = foldedIndexOf(buf, start, end, this.lowerAscii);
      if (found === FOUND) return true;
      if (found === NOT_FOUND_ASCII) return false;
    } else if (this.lowerAscii !== undefined && asciiOnly(buf, start, end)) {
      return false; // ASCII text of another length cannot equal an ASCII needle
    }
    return buf.toString('utf8', start, end).toLowerCase() === this.lowerText;
  }
}

const SHORT_TEXT_BYTES = 1024;

/** Whether `needle` (non-empty) occurs in `buf[start, end)`. */
function exactIndexOf(buf: Buffer, start: number, end: number, needle: Uint8Array): boolean {
  const n = needle.length;
  const first = needle[0];
  const last = end - n;
  for (let i = start; i <= last; i++) {
    if (buf[i] !== first) continue;
    let j = 1;
    while (j < n && buf[i + j] === needle[j]) j++;
    if (j === n) return true;
  }
  return false;
}

const FOUND = 0;
const NOT_FOUND_ASCII = 1;
const UNDECIDED = 2;

/**
 * Searches `needle` (lowercase ASCII) in `buf[start, end)` folding A-Z to a-z. FOUND, or
 * NOT_FOUND_ASCII when the range is all ASCII (then the answer is final), else UNDECIDED.
 */
function foldedIndexOf(buf: Buffer, start: number, end: number, needle: Uint8Array): number {
  const n = needle.length;
  let sawHigh = false;
  if (n === 0) return FOUND;
  const first = needle[0];
  const last = end - n;
  for (let i = start; i < end; i++) {
    let c = buf[i];
    if (c >= 0x80) {
      sawHigh = true;
      continue;
    }
    if (i > last) continue; // only checking for non-ASCII bytes now
    if (c >= 0x41 && c <= 0x5a) c |= 0x20;
    if (c !== first) continue;
    let j = 1;
    for (; j < n; j++) {
      let d = buf[i + j];
      if (d >= 0x41 && d <= 0x5a) d |= 0x20;
      if (d !== needle[j]) break;
    }
    if (j === n) return FOUND;
  }
  return sawHigh ? UNDECIDED : NOT_FOUND_ASCII;
}

function asciiOnly(buf: Buffer, start: number, end: number): boolean {
  for (let i = start; i < end; i++) if (buf[i] >= 0x80) return false;
  return true;
}

function isAscii(text: string): boolean {
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) >= 0x80) return false;
  return true;
}
