import { BACKSLASH, CLOSE_BRACE, CLOSE_BRACKET, NEWLINE, OPEN_BRACE, OPEN_BRACKET, QUOTE, isJsonWhitespace } from '../common/json-chars';

/**
 * Splits a byte stream of JSON objects — NDJSON, or objects one after another with any
 * whitespace between them — into the text of each top-level object, without parsing it.
 *
 * It tracks only brace/bracket depth and whether it is inside a string (with backslash escapes),
 * which is all it takes to find where an object ends; the object's own syntax is JSON.parse's
 * job, so a malformed but delimited object is one bad record and the stream goes on. Structural
 * characters are ASCII and UTF-8 continuation bytes are >= 0x80, so chunk boundaries inside
 * multi-byte characters are harmless; bytes are decoded only once an object is complete.
 *
 * Recovery, so that one bad line never costs the records after it:
 *   - anything at depth 0 other than whitespace and `{` (a bare value, an array, text) is skipped
 *     up to the next newline and reported once through `junk`;
 *   - with `lines` (NDJSON: application/x-ndjson, application/jsonl) a newline also ends an
 *     object that is still open (an unbalanced line): its text goes to `object`, where JSON.parse
 *     refuses it. Without `lines` (application/json) objects may span lines, so an unbalanced
 *     object runs on to the end of the body and is reported once there.
 *
 * Limits: an object larger than `maxObjectBytes` is scanned to its end but never buffered, and
 * reported through `tooLarge`, so one huge record cannot exhaust memory and the stream goes on.
 * A skipped bad line keeps only its first bytes, for the message.
 */
export interface SplitterSink {
  /**
   * One complete top-level object (or, with `lines`, an unbalanced line), as UTF-8 text, with the
   * deepest array/object nesting seen in it (the scan already counts it: no second pass needed).
   */
  object(text: string, depth: number): void;
  /** A complete top-level object that was over the limit (its size in bytes). */
  tooLarge(bytes: number): void;
  /** A line that is not a JSON object, skipped; `message` says where and what it started with. */
  junk(message: string): void;
}

/** Bytes of a skipped line quoted in its error message. */
const JUNK_PREVIEW_BYTES = 60;

export class JsonObjectSplitter {
  private depth = 0;
  /** Deepest nesting of the current object so far. */
  private deepest = 0;
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
  /** Inside a line that is not an object: its position and first bytes, until the newline. */
  private junk: { at: number; preview: number[] } | null = null;

  constructor(
    private readonly maxObjectBytes: number,
    private readonly lines = false,
  ) {}

  /** True while an object has started but not ended. */
  get insideObject(): boolean {
    return this.depth > 0;
  }

  push(chunk: Buffer, sink: SplitterSink): void {
    let start = 0;
    const length = chunk.length;
    for (let i = 0; i < length; i++) {
      const c = chunk[i];
      if (this.junk !== null) {
        if (c === NEWLINE) this.endJunk(sink);
        else if (this.junk.preview.length < JUNK_PREVIEW_BYTES) this.junk.preview.push(c);
        continue;
      }
      if (this.depth === 0) {
        if (c === OPEN_BRACE) {
          this.depth = 1;
          this.deepest = 1;
          start = i;
        } else if (!isJsonWhitespace(c)) {
          this.junk = { at: this.position + i, preview: [c] };
        }
        continue;
      }
      if (c === NEWLINE && this.lines) {
        // An NDJSON line ended inside an object (or string): it is that line's bad record.
        this.emit(chunk, start, i, sink);
        continue;
      }
      if (this.inString) {
        if (this.escaped) this.escaped = false;
        else if (c === BACKSLASH) this.escaped = true;
        else if (c === QUOTE) this.inString = false;
        continue;
      }
      if (c === QUOTE) this.inString = true;
      else if (c === OPEN_BRACE || c === OPEN_BRACKET) {
        if (++this.depth > this.deepest) this.deepest = this.depth;
      } else if ((c === CLOSE_BRACE || c === CLOSE_BRACKET) && --this.depth === 0) this.emit(chunk, start, i + 1, sink);
    }
    if (this.depth > 0) this.carry(chunk, start);
    this.position += length;
  }

  /** The body ended: a line being skipped is reported, and so is an unfinished object. */
  end(sink: SplitterSink): void {
    if (this.junk !== null) this.endJunk(sink);
    if (this.depth > 0) {
      if (this.skipping) sink.tooLarge(this.carriedBytes);
      else sink.junk(`The record stream ends inside a JSON object: ${clip(Buffer.concat(this.parts).toString('utf8'))}`);
      this.reset();
    }
  }

  private emit(chunk: Buffer, start: number, end: number, sink: SplitterSink): void {
    const bytes = this.carriedBytes + end - start;
    if (this.skipping || bytes > this.maxObjectBytes) {
      sink.tooLarge(bytes);
    } else if (this.parts.length === 0) {
      sink.object(chunk.toString('utf8', start, end), this.deepest);
    } else {
      this.parts.push(chunk.subarray(start, end));
      sink.object(Buffer.concat(this.parts, bytes).toString('utf8'), this.deepest);
    }
    this.reset();
  }

  private reset(): void {
    this.depth = 0;
    this.deepest = 0;
    this.inString = false;
    this.escaped = false;
    this.parts = [];
    this.carriedBytes = 0;
    this.skipping = false;
  }

  private endJunk(sink: SplitterSink): void {
    const { at, preview } = this.junk!;
    this.junk = null;
    const text = Buffer.from(preview).toString('utf8').trimEnd();
    sink.junk(`Not a JSON record at byte ${at} (a record is a JSON object): ${describeByte(preview[0])} in ${clip(text)}`);
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

function clip(text: string): string {
  return JSON.stringify(text.length > JUNK_PREVIEW_BYTES ? `${text.slice(0, JUNK_PREVIEW_BYTES)}...` : text);
}

function describeByte(c: number): string {
  return c >= 0x20 && c < 0x7f ? `'${String.fromCharCode(c)}'` : `byte 0x${c.toString(16).padStart(2, '0')}`;
}
