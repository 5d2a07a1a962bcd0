import { decompress, decompressSync } from './compression';
import { ProtocolError, inBatch } from './errors';
import {
  ATTR_CONTROL,
  ATTR_TRANSACTIONAL,
  BATCH_HEADER_SIZE,
  type BatchHeader,
  CompressionCodec,
  LOG_OVERHEAD,
  OFFSET_BATCH_LENGTH,
  TimestampType,
  batchSize,
  checkBatch,
  compressionOf,
  timestampTypeOf,
} from './record-batch-header';
import {
  MIN_RECORD_BYTES,
  type DecodeBatchesOptions,
  type DecodeOptions,
  type DecodedRecord,
  type RecordBatch,
  type RecordHeader,
} from './record-batch';
import { Reader } from './reader';

/**
 * Decodes RecordBatch v2 bytes that nobody has vouched for (grammar in record-batch.ts and
 * record-batch-header.ts). Every malformed input ends in a ProtocolError, never another
 * exception, an over-read or an allocation larger than the input (or, for a compressed batch,
 * than `maxDecompressedBytes`):
 *
 *   framing, CRC, magic, header counts, codec id    checkBatch (record-batch-header.ts)
 *   more records declared than maxRecords           TOO_LARGE, before decompressing
 *   decompression                                   compression.ts (CORRUPT_COMPRESSED, TOO_LARGE)
 *   a record length < 6 or past the section         INVALID_LENGTH
 *   fields running past their record's length,
 *   fewer records than declared, trailing bytes,
 *   offset deltas not rising or past lastOffsetDelta,
 *   a negative header count or a null header key    INVALID_RECORD
 *
 * Keys, values and header values are views into `buf` (uncompressed) or into the decompressed
 * section: they stay valid as long as the caller does not reuse `buf`.
 *
 * The sync functions handle every codec but zstd, for which they throw UNSUPPORTED_COMPRESSION;
 * the async ones handle all, at the cost of a promise per batch.
 */

const MIN_RECORD_BODY_BYTES = MIN_RECORD_BYTES - 1;
/** A header needs at least a 1-byte key length and a 1-byte value length. */
const MIN_HEADER_BYTES = 2;

function invalid(message: string): ProtocolError {
  return new ProtocolError('INVALID_RECORD', message);
}

/** Checks the framing of the one batch `buf` must hold exactly. */
function checkSingleBatch(buf: Buffer, options: DecodeOptions): BatchHeader {
  const header = checkBatch(buf, 0, buf.length, options.maxBatchBytes ?? Number.MAX_SAFE_INTEGER);
  const size = batchSize(header);
  if (size !== buf.length) {
    throw new ProtocolError('INVALID_LENGTH', `batch of ${size} bytes is followed by ${buf.length - size} more`);
  }
  return header;
}

/** The batch's records section, after the per-batch limits that need no decompression. */
function recordsSection(buf: Buffer, pos: number, header: BatchHeader, options: DecodeOptions): Buffer {
  if (options.maxRecords !== undefined && header.recordCount > options.maxRecords) {
    throw new ProtocolError('TOO_LARGE', `batch of ${header.recordCount} records exceeds the limit of ${options.maxRecords}`);
  }
  return buf.subarray(pos + BATCH_HEADER_SIZE, pos + batchSize(header));
}

export function decodeRecordBatchSync(buf: Buffer, options: DecodeOptions): RecordBatch {
  const header = checkSingleBatch(buf, options);
  return decodeCheckedSync(buf, 0, header, options);
}

export async function decodeRecordBatch(buf: Buffer, options: DecodeOptions): Promise<RecordBatch> {
  const header = checkSingleBatch(buf, options);
  return decodeChecked(buf, 0, header, options);
}

/** An empty section needs no decompressing, whatever the codec bits say (an emptied batch). */
function isPlain(codec: CompressionCodec, section: Buffer): boolean {
  return codec === CompressionCodec.None || section.length === 0;
}

function decodeCheckedSync(buf: Buffer, pos: number, header: BatchHeader, options: DecodeOptions): RecordBatch {
  const section = recordsSection(buf, pos, header, options);
  const codec = compressionOf(header.attributes) as CompressionCodec;
  const records = isPlain(codec, section) ? section : decompressSync(codec, section, options.maxDecompressedBytes);
  return assemble(header, decodeRecords(records, header));
}

async function decodeChecked(buf: Buffer, pos: number, header: BatchHeader, options: DecodeOptions): Promise<RecordBatch> {
  const section = recordsSection(buf, pos, header, options);
  const codec = compressionOf(header.attributes) as CompressionCodec;
  const records = isPlain(codec, section) ? section : await decompress(codec, section, options.maxDecompressedBytes);
  return assemble(header, decodeRecords(records, header));
}

function assemble(header: BatchHeader, records: DecodedRecord[]): RecordBatch {
  return {
    ...header,
    compression: compressionOf(header.attributes) as CompressionCodec,
    timestampType: timestampTypeOf(header.attributes),
    isTransactional: (header.attributes & ATTR_TRANSACTIONAL) !== 0,
    isControl: (header.attributes & ATTR_CONTROL) !== 0,
    records,
  };
}

/**
 * The position and header of each batch in `buf[0, end)`, checked; a partial last batch ends
 * the walk when `allowPartialTail` is set.
 */
function* checkedBatches(buf: Buffer, options: DecodeBatchesOptions): Generator<[number, BatchHeader]> {
  const maxBatchBytes = options.maxBatchBytes ?? Number.MAX_SAFE_INTEGER;
  for (let pos = 0; pos < buf.length;) {
    if (options.allowPartialTail && isPartialBatch(buf, pos)) return;
    const header = checkBatch(buf, pos, buf.length, maxBatchBytes);
    yield [pos, header];
    pos += batchSize(header);
  }
}

/** True if `buf[pos..]` is too short to hold the batch it begins (but is not malformed so far). */
function isPartialBatch(buf: Buffer, pos: number): boolean {
  const remaining = buf.length - pos;
  if (remaining < LOG_OVERHEAD) return true;
  const batchLength = buf.readInt32BE(pos + OFFSET_BATCH_LENGTH);
  return batchLength >= BATCH_HEADER_SIZE - LOG_OVERHEAD && LOG_OVERHEAD + batchLength > remaining;
}

/** Decodes back-to-back batches; an error is thrown at the first bad batch, after the good ones. */
export function* decodeRecordBatchesSync(buf: Buffer, options: DecodeBatchesOptions): Generator<RecordBatch> {
  for (const [pos, header] of checkedBatches(buf, options)) yield decodeCheckedSync(buf, pos, header, options);
}

export async function* decodeRecordBatches(buf: Buffer, options: DecodeBatchesOptions): AsyncGenerator<RecordBatch> {
  for (const [pos, header] of checkedBatches(buf, options)) yield await decodeChecked(buf, pos, header, options);
}

/** Decodes exactly `header.recordCount` records filling `section` (already decompressed). */
function decodeRecords(section: Buffer, header: BatchHeader): DecodedRecord[] {
  // Bounds the array below by the input's size, not by a count read from it.
  if (header.recordCount > section.length / MIN_RECORD_BYTES) {
    throw invalid(`batch declares ${header.recordCount} records, its ${section.length}-byte section cannot hold them`);
  }
  const records = new Array<DecodedRecord>(header.recordCount);
  let i = 0;
  scanRecords(section, header, new RecordViewImpl(), (view) => {
    records[i++] = {
      offset: view.offset,
      offsetDelta: view.offsetDelta,
      timestamp: view.timestamp,
      timestampDelta: view.timestampDelta,
      key: view.keyStart < 0 ? null : section.subarray(view.keyStart, view.keyEnd),
      value: view.valueStart < 0 ? null : section.subarray(view.valueStart, view.valueEnd),
      headers: view.headers,
    };
    return true;
  });
  return records;
}

/**
 * One record of a batch as positions in its records section, for renderers that turn stored
 * bytes straight into text: no per-record object, no Buffer view. The same instance is reused
 * for every record of a scan, so a visitor must copy what it keeps. A null key or value has
 * start -1. `headers` is a fresh array only when the record has headers.
 */
export interface RecordView {
  /** The batch's (decompressed) records section the positions point into. */
  readonly section: Buffer;
  readonly batch: BatchHeader;
  /** Where `batch` starts in the scanned buffer (tells one batch from the next). */
  readonly batchPosition: number;
  offset: number;
  offsetDelta: number;
  timestamp: number;
  timestampDelta: number;
  keyStart: number;
  keyEnd: number;
  valueStart: number;
  valueEnd: number;
  headers: RecordHeader[];
}

const NO_HEADERS: RecordHeader[] = [];

class RecordViewImpl implements RecordView {
  section: Buffer = Buffer.alloc(0);
  batch!: BatchHeader;
  batchPosition = 0;
  offset = 0;
  offsetDelta = 0;
  timestamp = 0;
  timestampDelta = 0;
  keyStart = -1;
  keyEnd = -1;
  valueStart = -1;
  valueEnd = -1;
  headers: RecordHeader[] = NO_HEADERS;
}

/** Return false to stop the scan after this record. */
export type RecordVisitor = (view: RecordView) => boolean;

/**
 * Visits every record of the back-to-back batches in `buf`, checked exactly as
 * `decodeRecordBatches` checks them, in order; stops early when `visit` returns false.
 * Uncompressed batches are scanned synchronously; a compressed one is decompressed with the
 * async codec (off the event loop where the codec allows), so the result is a promise only when
 * `buf` holds a compressed batch.
 *
 * A bad batch throws a BatchError naming it (index, byte position) after the records of the
 * batches before it were visited — and possibly some of its own: a visitor that must treat a
 * batch as a whole keeps what it saw of a batch until `view.batchPosition` moves on.
 */
export function scanRecordBatches(buf: Buffer, options: DecodeBatchesOptions, visit: RecordVisitor): void | Promise<void> {
  const walk = new BatchWalk(buf, options);
  try {
    for (let header = walk.next(); header !== undefined; header = walk.next()) {
      const section = recordsSection(buf, walk.position, header, options);
      const codec = compressionOf(header.attributes) as CompressionCodec;
      if (!isPlain(codec, section)) return scanRestAsync(walk, section, header, options, visit);
      if (!scanRecords(section, header, walk.view, visit)) return;
    }
  } catch (error) {
    throw inBatch(error, walk.index, walk.position);
  }
}

/** checkedBatches with the index and position of the batch at hand, for scanRecordBatches. */
class BatchWalk {
  readonly view = new RecordViewImpl();
  index = -1;
  position = 0;
  private nextPosition = 0;

  constructor(
    readonly buf: Buffer,
    private readonly options: DecodeBatchesOptions,
  ) {}

  next(): BatchHeader | undefined {
    const { buf, options } = this;
    if (this.nextPosition >= buf.length) return undefined;
    if (options.allowPartialTail && isPartialBatch(buf, this.nextPosition)) return undefined;
    this.index++;
    this.position = this.nextPosition;
    const header = checkBatch(buf, this.position, buf.length, options.maxBatchBytes ?? Number.MAX_SAFE_INTEGER);
    this.nextPosition = this.position + batchSize(header);
    this.view.batchPosition = this.position;
    return header;
  }
}

async function scanRestAsync(
  walk: BatchWalk,
  section: Buffer,
  header: BatchHeader,
  options: DecodeBatchesOptions,
  visit: RecordVisitor,
): Promise<void> {
  try {
    for (;;) {
      const codec = compressionOf(header.attributes) as CompressionCodec;
      const records = isPlain(codec, section) ? section : await decompress(codec, section, options.maxDecompressedBytes);
      if (!scanRecords(records, header, walk.view, visit)) return;
      const next = walk.next();
      if (next === undefined) return;
      header = next;
      section = recordsSection(walk.buf, walk.position, header, options);
    }
  } catch (error) {
    throw inBatch(error, walk.index, walk.position);
  }
}

/**
 * Visits the records of one batch's (decompressed) records section with the checks of
 * `scanRecordBatches`; for validators that have located and decompressed the batch themselves.
 */
export function visitBatchRecords(section: Buffer, header: BatchHeader, batchPosition: number, visit: RecordVisitor): void {
  const view = new RecordViewImpl();
  view.batchPosition = batchPosition;
  scanRecords(section, header, view, visit);
}

/**
 * Walks exactly `header.recordCount` records filling `section` (already decompressed), filling
 * `view` for each; false if `visit` stopped it.
 */
function scanRecords(section: Buffer, header: BatchHeader, view: RecordViewImpl, visit: RecordVisitor): boolean {
  const count = header.recordCount;
  // Bounds the work below by the input's size, not by a count read from it.
  if (count > section.length / MIN_RECORD_BYTES) {
    throw invalid(`batch declares ${count} records, its ${section.length}-byte section cannot hold them`);
  }
  const reader = new Reader(section);
  const sectionEnd = section.length;
  const { baseOffset, baseTimestamp, lastOffsetDelta } = header;
  const logAppendTime = timestampTypeOf(header.attributes) === TimestampType.LogAppendTime;
  view.section = section;
  view.batch = header;
  let previousDelta = -1;
  let i = 0;
  try {
    for (; i < count; i++) {
      if (reader.remaining === 0) throw invalid(`batch declares ${count} records, holds ${i}`);
      const length = reader.readVarint();
      if (length < MIN_RECORD_BODY_BYTES || length > reader.remaining) {
        throw new ProtocolError('INVALID_LENGTH', `record length ${length} is impossible with ${reader.remaining} bytes left`);
      }
      const recordEnd = reader.pos + length;
      reader.end = recordEnd;
      reader.skip(1); // attributes: unused
      const timestampDelta = reader.readVarlong();
      const offsetDelta = reader.readVarint();
      if (offsetDelta <= previousDelta || offsetDelta > lastOffsetDelta) {
        throw invalid(`offset delta ${offsetDelta} does not follow ${previousDelta} within last offset delta ${lastOffsetDelta}`);
      }
      previousDelta = offsetDelta;
      const keyStart = bytesField(reader);
      const keyEnd = reader.pos;
      const valueStart = bytesField(reader);
      const valueEnd = reader.pos;
      const headers = decodeHeaders(reader);
      if (reader.pos !== recordEnd) {
        throw invalid(`record fields use ${reader.pos - (recordEnd - length)} of its ${length} bytes`);
      }
      reader.end = sectionEnd;
      view.offset = baseOffset + offsetDelta;
      view.offsetDelta = offsetDelta;
      view.timestamp = logAppendTime ? header.maxTimestamp : baseTimestamp + timestampDelta;
      view.timestampDelta = timestampDelta;
      view.keyStart = keyStart;
      view.keyEnd = keyEnd;
      view.valueStart = valueStart;
      view.valueEnd = valueEnd;
      view.headers = headers;
      if (!visit(view)) return false;
    }
  } catch (error) {
    // Inside a checked batch, running out of bytes means a record lies about its own length.
    if (error instanceof ProtocolError && error.code === 'TRUNCATED') throw invalid(`record ${i}: ${error.message}`);
    throw error;
  }
  if (reader.remaining !== 0) throw invalid(`${reader.remaining} bytes follow the batch's ${count} records`);
  return true;
}

/** Skips a varintBytes field (as Reader.readVarintBytes checks it); its start, or -1 for null. */
function bytesField(reader: Reader): number {
  const length = reader.readVarint();
  if (length === -1) return -1;
  if (length < 0) throw new ProtocolError('INVALID_LENGTH', `length ${length} at offset ${reader.pos} is negative`);
  reader.need(length);
  const start = reader.pos;
  reader.pos = start + length;
  return start;
}

function decodeHeaders(reader: Reader): RecordHeader[] {
  const count = reader.readVarint();
  if (count === 0) return [];
  if (count < 0 || count > reader.remaining / MIN_HEADER_BYTES) {
    throw invalid(`header count ${count} is impossible with ${reader.remaining} bytes left in the record`);
  }
  const headers = new Array<RecordHeader>(count);
  for (let i = 0; i < count; i++) {
    const key = reader.readVarintString();
    if (key === null) throw invalid('a header key is null');
    headers[i] = { key, value: reader.readVarintBytes() };
  }
  return headers;
}
