import {
  MAX_DECOMPRESSED_BATCH_BYTES,
  RecordHeader,
  type RecordView,
  TimestampType,
  scanRecordBatches,
  timestampTypeOf,
} from '@runnel/protocol';
import { BatchCheckpoints, CorruptRecordBatchError } from './corrupt-batch';
import { ReadFormat, RenderedData, renderData, renderHeaders } from './encodings';
import { rawJsonOf } from './raw-json';

/**
 * Turns raw batches from a read into the JSON records of API.md (REST reads, SSE, WebSocket).
 * This is the one place stored bytes are decoded for JSON clients; binary clients get the bytes
 * untouched. Records below `fromOffset` (the read starts at the batch containing it) are skipped.
 *
 * Two renderings of the same records: `renderRecords` builds objects (REST, SSE), and
 * `renderRecordsText` writes the WebSocket record shape straight into a frame's bytes. The
 * latter is the delivery hot path, so it works on field positions in the stored bytes
 * (scanRecordBatches: no per-record Buffer or object), copies plain-ASCII string values as
 * bytes, and renders each record once, never re-stringifying it.
 */
export interface JsonRecord {
  partition_id: number;
  offset: number;
  timestamp: number;
  timestamp_type: 'CREATE_TIME' | 'LOG_APPEND_TIME';
  key: RenderedData | null;
  value: RenderedData | null;
  headers: { name: string; value: string | null }[];
}

export interface RenderedRecords {
  records: JsonRecord[];
  /** The offset after the last record returned, or `readNextOffset` when every record fit. */
  nextOffset: number;
  /** The read stopped before a corrupt batch at `nextOffset` (corrupt-batch.ts). */
  stoppedAtCorruptBatch?: boolean;
}

export interface RenderOptions {
  /** Set to name the topic in every rendered record (WebSocket group subscriptions span topics). */
  topic?: string;
  partition: number;
  fromOffset: number;
  maxRecords: number;
  format: ReadFormat;
  readNextOffset: number;
}

/** Decompressed bytes allowed per batch while rendering: what produce allows, so every stored batch renders. */
export const MAX_RENDER_DECOMPRESSED_BYTES = MAX_DECOMPRESSED_BATCH_BYTES;
const SCAN_OPTIONS = { maxDecompressedBytes: MAX_RENDER_DECOMPRESSED_BYTES };

/**
 * Throws CorruptRecordBatchError when the first batch does not decode; a later bad batch ends
 * the records returned right before it (`stoppedAtCorruptBatch`).
 */
export async function renderRecords(bytes: Buffer, options: RenderOptions): Promise<RenderedRecords> {
  const records: JsonRecord[] = [];
  let nextOffset = options.readNextOffset;
  const { fromOffset, maxRecords, format, partition } = options;
  const checkpoints = new BatchCheckpoints(fromOffset);
  let batchStart = 0;
  try {
    await scanRecordBatches(bytes, SCAN_OPTIONS, (r) => {
      if (checkpoints.enters(r)) batchStart = records.length;
      return visit(r);
    });
  } catch (error) {
    const stop = checkpoints.stopFor(error);
    if (stop.rollBack) records.length = batchStart;
    if (records.length === 0) throw new CorruptRecordBatchError(stop.offset, stop.reason);
    return { records, nextOffset: stop.offset, stoppedAtCorruptBatch: true };
  }
  return { records, nextOffset };

  function visit(r: RecordView): boolean {
    if (r.offset < fromOffset) return true;
    if (records.length >= maxRecords) {
      nextOffset = r.offset;
      return false;
    }
    const section = r.section;
    records.push({
      partition_id: partition,
      offset: r.offset,
      timestamp: r.timestamp,
      timestamp_type: timestampTypeOf(r.batch.attributes) === TimestampType.LogAppendTime ? 'LOG_APPEND_TIME' : 'CREATE_TIME',
      key: r.keyStart < 0 ? null : renderData(section.subarray(r.keyStart, r.keyEnd), format),
      value: r.valueStart < 0 ? null : renderData(section.subarray(r.valueStart, r.valueEnd), format),
      headers: renderHeaders(r.headers),
    });
    return true;
  }
}

/**
 * The JSON text of a rendered record (REST reads, SSE). Not `JSON.stringify(record)`: a JSON
 * value is written as it is stored (raw-json.ts), so a number beyond a double's precision
 * (`9007199254740993`, `1e400`) reads back exactly as it was produced.
 */
export function jsonRecordText(record: JsonRecord): string {
  return (
    `{"partition_id":${record.partition_id},"offset":${record.offset},"timestamp":${record.timestamp},` +
    `"timestamp_type":"${record.timestamp_type}","key":${renderedDataText(record.key)},` +
    `"value":${renderedDataText(record.value)},"headers":${JSON.stringify(record.headers)}}`
  );
}

/** `{"data":[records],"next_offset","high_watermark"}` of a REST read, records as jsonRecordText. */
export function recordsAnswerText(answer: { data: readonly JsonRecord[]; next_offset: number; high_watermark: number }): string {
  let records = '';
  for (const record of answer.data) records += (records === '' ? '' : ',') + jsonRecordText(record);
  return `{"data":[${records}],"next_offset":${answer.next_offset},"high_watermark":${answer.high_watermark}}`;
}

/** The JSON text of a rendered key or value: a JSON value's stored text as it is (raw-json.ts). */
export function renderedDataText(rendered: RenderedData | null): string {
  if (rendered === null) return 'null';
  const raw = rendered.type === 'JSON' ? rawJsonOf(rendered) : undefined;
  if (raw !== undefined) return `{"type":"JSON","data":${raw}}`;
  return JSON.stringify(rendered);
}

/**
 * Growable output for JSON text built from stored bytes (the WebSocket records frame): ASCII
 * pieces and value bytes are written straight into one Buffer, so a frame never exists as a
 * JavaScript string (no per-record strings, no rope to flatten, no second UTF-8 encoding pass).
 */
export class JsonTextBuffer {
  private buf: Buffer;
  private pos = 0;

  constructor(initialBytes: number) {
    this.buf = Buffer.allocUnsafe(Math.max(256, initialBytes));
  }

  get length(): number {
    return this.pos;
  }

  /** The text so far (a view: valid until the next write). */
  toBuffer(): Buffer {
    return this.buf.subarray(0, this.pos);
  }

  /** `text` must be ASCII (JSON punctuation, numbers, base64, escaped JSON). */
  ascii(text: string): void {
    const n = text.length;
    this.reserve(n);
    if (n <= 48) {
      // Short constant pieces: a loop beats the native call's overhead.
      const buf = this.buf;
      let pos = this.pos;
      for (let i = 0; i < n; i++) buf[pos++] = text.charCodeAt(i);
      this.pos = pos;
    } else {
      this.pos += this.buf.write(text, this.pos, n, 'latin1');
    }
  }

  /** Drops the last `n` bytes written. */
  unwrite(n: number): void {
    this.pos -= n;
  }

  /** An integer in decimal, as JSON.stringify writes it (below 1e21), digit by digit (no string). */
  integer(value: number): void {
    this.reserve(24); // sign + the 19 digits of any int64
    if (!Number.isInteger(value) || Math.abs(value) >= 1e21) {
      this.ascii(JSON.stringify(value));
      return;
    }
    const buf = this.buf;
    let v = value;
    if (v < 0) {
      buf[this.pos++] = 0x2d; // '-'
      v = -v;
    }
    let digits = 1;
    for (let t = v; t >= 10; t = Math.floor(t / 10)) digits++;
    let pos = this.pos + digits;
    this.pos = pos;
    do {
      const q = Math.floor(v / 10);
      buf[--pos] = 0x30 + (v - q * 10);
      v = q;
    } while (v > 0);
  }

  utf8(text: string): void {
    const n = Buffer.byteLength(text, 'utf8');
    this.reserve(n);
    this.pos += this.buf.write(text, this.pos, n, 'utf8');
  }

  /**
   * Copies `source[start, end)` if it is printable ASCII without `"` or `\\` (then it is its
   * own JSON string body); otherwise writes nothing and returns false. One pass for both.
   */
  plainAscii(source: Buffer, start: number, end: number): boolean {
    this.reserve(end - start);
    const buf = this.buf;
    let pos = this.pos;
    for (let i = start; i < end; i++) {
      const c = source[i];
      if (c < 0x20 || c > 0x7e || c === 0x22 || c === 0x5c) return false;
      buf[pos++] = c;
    }
    this.pos = pos;
    return true;
  }

  private reserve(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const grown = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + n));
    this.buf.copy(grown, 0, 0, this.pos);
    this.buf = grown;
  }
}

export interface RenderedText {
  /** Records written (comma-separated, as the inside of the frame's `records` array). */
  count: number;
  /** As RenderedRecords.nextOffset. */
  nextOffset: number;
  /** As RenderedRecords.stoppedAtCorruptBatch. */
  stoppedAtCorruptBatch?: boolean;
}

/**
 * The WebSocket rendering of `renderRecords`: appends the records as JSON objects
 * `{"partition","offset","timestamp","key","value","headers"}` (API.md WebSocket `records`
 * frame) to `out`, comma-separated; `leadingComma` when `out` already holds records.
 */
export async function renderRecordsText(
  bytes: Buffer,
  options: RenderOptions,
  out: JsonTextBuffer,
  leadingComma = false,
): Promise<RenderedText> {
  let count = 0;
  let nextOffset = options.readNextOffset;
  const { fromOffset, maxRecords, format } = options;
  const topicField = options.topic === undefined ? '' : `"topic":${JSON.stringify(options.topic)},`;
  const prefix = `{${topicField}"partition":${options.partition},"offset":`;
  const prefixWithComma = ',' + prefix;
  const checkpoints = new BatchCheckpoints(fromOffset);
  let batchStart = { count: 0, length: out.length };
  try {
    await scanRecordBatches(bytes, SCAN_OPTIONS, (r) => {
      if (checkpoints.enters(r)) batchStart = { count, length: out.length };
      return visit(r);
    });
  } catch (error) {
    // As renderRecords; `out` goes back to where the failing batch began.
    const stop = checkpoints.stopFor(error);
    if (stop.rollBack) {
      count = batchStart.count;
      out.unwrite(out.length - batchStart.length);
    }
    if (count === 0) throw new CorruptRecordBatchError(stop.offset, stop.reason);
    return { count, nextOffset: stop.offset, stoppedAtCorruptBatch: true };
  }
  return { count, nextOffset };

  function visit(r: RecordView): boolean {
    if (r.offset < fromOffset) return true;
    if (count >= maxRecords) {
      nextOffset = r.offset;
      return false;
    }
    const section = r.section;
    out.ascii(count === 0 && !leadingComma ? prefix : prefixWithComma);
    out.integer(r.offset);
    out.ascii(',"timestamp":');
    out.integer(r.timestamp);
    out.ascii(',"key":');
    if (r.keyStart < 0) out.ascii('null');
    else writeData(out, section, r.keyStart, r.keyEnd, format);
    out.ascii(',"value":');
    if (r.valueStart < 0) out.ascii('null');
    else writeData(out, section, r.valueStart, r.valueEnd, format);
    if (r.headers.length === 0) out.ascii(',"headers":[]}');
    else out.utf8(',"headers":' + headersText(r.headers) + '}');
    count++;
    return true;
  }
}

/** renderData(bytes, format) as JSON text. */
function writeData(out: JsonTextBuffer, buf: Buffer, start: number, end: number, format: ReadFormat): void {
  if (format === 'string') {
    // Printable ASCII without `"` or `\` (the common case) is its own JSON string body: copied.
    out.ascii('{"type":"STRING","data":"');
    if (out.plainAscii(buf, start, end)) {
      out.ascii('"}');
    } else {
      // JSON.stringify escapes exactly as the object rendering would (invalid UTF-8 becomes
      // U+FFFD, as toString does).
      out.unwrite(1);
      out.utf8(JSON.stringify(buf.toString('utf8', start, end)) + '}');
    }
    return;
  }
  if (format === 'json') {
    const rendered = renderData(buf.subarray(start, end), 'json')!;
    if (rendered.type !== 'BINARY') {
      out.utf8(renderedDataText(rendered));
      return;
    }
  }
  // base64 needs no JSON escaping.
  out.ascii('{"type":"BINARY","data":"');
  out.ascii(buf.toString('base64', start, end));
  out.ascii('"}');
}

function headersText(headers: readonly RecordHeader[]): string {
  let text = '[';
  for (let i = 0; i < headers.length; i++) {
    const h = headers[i];
    text +=
      (i === 0 ? '{"name":' : ',{"name":') +
      JSON.stringify(h.key) +
      ',"value":' +
      (h.value === null ? 'null' : '"' + h.value.toString('base64') + '"') +
      '}';
  }
  return text + ']';
}
