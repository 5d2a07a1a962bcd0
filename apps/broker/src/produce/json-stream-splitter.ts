/**
 * Splits a byte stream of JSON objects — NDJSON, or objects one after another with any
 * whitespace between them — into the text of each top-level object, without parsing it.
 *
 * It tracks only brace/bracket depth and whether it is inside a string (with backslash escapes),
 * which is all it takes to find where an object ends; the object's own syntax is JSON.parse's
 * job, so a malformed but delimited object is one bad record and the stream goes on. Anything
 * at depth 0 other than whitespace and `{` (a bare value, a stray `]`, text) means the stream's
 * framing is lost: `JsonSplitError`, and the caller ends the stream. Structural characters are
 * ASCII and UTF-8 continuation bytes are >= 0x80, so chunk boundaries inside multi-byte
 * characters are harmless; bytes are decoded only once an object is complete.
 *
 * Limits: an object larger than `maxObjectBytes` is scanned to its end but never buffered, and
 * reported through `tooLarge`, so one huge record cannot exhaust memory and the stream goes on.
 */
export class JsonSplitError extends Error {
  override readonly name = 'JsonSplitError';
}

export interface SplitterSink {
  /** One complete top-level object, as UTF-8 text. */
  object(text: string): void;
  /** A complete top-level object that was over the limit (its size in bytes). */
  tooLarge(bytes: number): void;
}

const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;

function isWhitespace(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}

export class JsonObjectSplitter {
  private depth = 0;
  private inString = false;
  private escaped = false;
  /** Pieces of the current object from earlier chunks (empty when skipping). */
  private parts: Buffer[] = [];
  /** Bytes of the current object seen in earlier chunks. */
  private carriedBytes = 0;
  /** The current object passed the limit: it is scanned, not kept. */
  private skipping = false;
  /** Bytes consumed before the current chunk, for error positions. */
  private position = 0;

  constructor(private readonly maxObjectBytes: number) {}

  /** True while an object has started but not ended. */
  get insideObject(): boolean {
    return this.depth > 0;
  }

  push(chunk: Buffer, sink: SplitterSink): void {
    let start = 0;
    const length = chunk.length;
    for (let i = 0; i < length; i++) {
      const c = chunk[i];
      if (this.depth === 0) {
        if (c === OPEN_BRACE) {
          this.depth = 1;
          start = i;
        } else if (!isWhitespace(c)) {
          throw new JsonSplitError(
            `Unparsable record stream at byte ${this.position + i}: expected a JSON object, found ${describeByte(c)}`,
          );
        }
        continue;
      }
      if (this.inString) {
        if (this.escaped) this.escaped = false;
        else if (c === BACKSLASH) this.escaped = true;
        else if (c === QUOTE) this.inString = false;
        continue;
      }
      if (c === QUOTE) this.inString = true;
      else if (c === OPEN_BRACE || c === OPEN_BRACKET) this.depth++;
      else if ((c === CLOSE_BRACE || c === CLOSE_BRACKET) && --this.depth === 0) this.emit(chunk, start, i + 1, sink);
    }
    if (this.depth > 0) this.carry(chunk, start);
    this.position += length;
  }

  /** The body ended: an unfinished object is a broken stream. */
  end(): void {
    if (this.depth > 0) throw new JsonSplitError('The record stream ends inside a JSON object');
  }

  private emit(chunk: Buffer, start: number, end: number, sink: SplitterSink): void {
    const bytes = this.carriedBytes + end - start;
    if (this.skipping || bytes > this.maxObjectBytes) {
      sink.tooLarge(bytes);
    } else if (this.parts.length === 0) {
      sink.object(chunk.toString('utf8', start, end));
    } else {
      this.parts.push(chunk.subarray(start, end));
      sink.object(Buffer.concat(this.parts, bytes).toString('utf8'));
    }
    this.parts = [];
    this.carriedBytes = 0;
    this.skipping = false;
  }

  /** Keeps the unfinished tail of `chunk` (from `start`) for the next one, unless over the limit. */
  private carry(chunk: Buffer, start: number): void {
    const tail = chunk.length - start;
    this.carriedBytes += tail;
    if (this.skipping) return;
    if (this.carriedBytes > this.maxObjectBytes) {
      this.skipping = true;
      this.parts = [];
      return;
    }
    // A copy: the socket's chunk buffers may be pooled and the object may span many chunks.
    this.parts.push(Buffer.from(chunk.subarray(start)));
  }
}

function describeByte(c: number): string {
  return c >= 0x20 && c < 0x7f ? `'${String.fromCharCode(c)}'` : `byte 0x${c.toString(16).padStart(2, '0')}`;
}
