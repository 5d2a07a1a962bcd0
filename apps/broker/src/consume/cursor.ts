import { parsePartitionIdText } from '@runnel/protocol';
import { badRequest } from '../common/errors';

/**
 * The one resumable cursor of Runnel (after Zilla's): an opaque base64url token holding the next
 * offset of every partition of a read, issued by WebSocket records frames (`cursor`) and by event
 * streams (each event's `id`), and accepted by both (`from: {"cursor"}`, `from=`,
 * `Last-Event-ID`): a cursor from one transport resumes the other.
 *
 * Grammar (varints are unsigned LEB128, up to 2^53 - 1):
 *   cursor    := version:uint8 (= 1)  topicHash:uint32be  count:varint  entry{count}
 *   entry     := partitionDelta:varint  nextOffset:varint
 * partitionDelta is the partition id minus the previous entry's (the first: the id itself);
 * entries are sorted by partition, so every delta after the first is >= 1. topicHash (FNV-1a of
 * the topic name) refuses a cursor replayed against another topic. Decoding is strict: any
 * trailing byte, overlong varint or unsorted entry is a 40001.
 *
 * Compatibility: event streams used to issue base64url JSON `{"<partition>": nextOffset}`; such a
 * token (it decodes to text starting with `{`) is still accepted, without the topic check.
 */
export interface CursorEntry {
  partition: number;
  offset: number;
}

const VERSION = 1;
const MAX_VARINT_BYTES = 8; // 7 bits each: 56 bits covers 2^53

export function encodeCursor(topic: string, entries: readonly CursorEntry[]): string {
  const bytes: number[] = [VERSION];
  const hash = topicHash(topic);
  bytes.push(hash >>> 24, (hash >>> 16) & 0xff, (hash >>> 8) & 0xff, hash & 0xff);
  pushVarint(bytes, entries.length);
  let previous = 0;
  for (const entry of entries) {
    pushVarint(bytes, entry.partition - previous);
    pushVarint(bytes, entry.offset);
    previous = entry.partition;
  }
  return Buffer.from(bytes).toString('base64url');
}

/** Decodes a cursor issued for `topic` into sorted entries; anything malformed is a 40001. */
export function decodeCursor(topic: string, token: unknown, maxEntries: number): CursorEntry[] {
  if (typeof token !== 'string' || token.length === 0 || !/^[A-Za-z0-9_-]+$/.test(token)) {
    throw badRequest('from.cursor must be a cursor string from a records frame or an event id');
  }
  // Cheap bound before decoding: an entry is at least 2 bytes (a legacy JSON one at least 6 characters).
  if (token.length > 16 + Math.ceil((maxEntries * 2 * MAX_VARINT_BYTES * 4) / 3) + maxEntries * 24) throw invalid('it is too long');
  const bytes = Buffer.from(token, 'base64url');
  if (bytes[0] === 0x7b) return decodeLegacyJson(bytes, maxEntries); // '{'
  if (bytes.length < 6 || bytes[0] !== VERSION) throw invalid('unknown version');
  if (bytes.readUInt32BE(1) !== topicHash(topic)) throw badRequest(`from.cursor was not issued for topic '${topic}'`);
  const reader = { bytes, pos: 5 };
  const count = readVarint(reader);
  if (count < 1 || count > maxEntries) throw invalid(`it must hold 1 to ${maxEntries} partitions`);
  const entries: CursorEntry[] = [];
  let partition = 0;
  for (let i = 0; i < count; i++) {
    const delta = readVarint(reader);
    if (i > 0 && delta === 0) throw invalid('partitions are not sorted');
    partition += delta;
    if (partition > 0x7fffffff) throw invalid('partition id out of range');
    entries.push({ partition, offset: readVarint(reader) });
  }
  if (reader.pos !== bytes.length) throw invalid('trailing bytes');
  return entries;
}

function decodeLegacyJson(bytes: Buffer, maxEntries: number): CursorEntry[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(bytes.toString('utf8'));
  } catch {
    throw invalid('not JSON');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw invalid('not an object');
  const entries: CursorEntry[] = [];
  for (const [key, value] of Object.entries(parsed)) {
    const partition = parsePartitionIdText(key);
    if (partition === undefined) throw invalid('partition id out of range');
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) throw invalid('offset out of range');
    entries.push({ partition, offset: value });
  }
  if (entries.length < 1 || entries.length > maxEntries) throw invalid(`it must hold 1 to ${maxEntries} partitions`);
  return entries.sort((a, b) => a.partition - b.partition);
}

/**
 * One cursor per delivered record, cheaply (event streams): while one partition's chunk is
 * rendered the other partitions' positions are fixed, so only that entry's offset varint changes;
 * the bytes before and after it are built once per chunk.
 */
export class CursorWriter {
  /** Stream index -> rank in partition order (cursor entries are sorted by partition). */
  private readonly order: number[];
  private prefix: number[] = [];
  private suffix: number[] = [];

  constructor(
    private readonly topic: string,
    private readonly partitions: readonly number[],
    /** Next offset per stream index; read at begin(). */
    private readonly offsets: readonly number[],
  ) {
    this.order = partitions.map((_, i) => i).sort((a, b) => partitions[a] - partitions[b]);
  }

  /** Fixes the bytes around stream index `i` for the records of one chunk. */
  begin(i: number): void {
    const bytes: number[] = [VERSION];
    const hash = topicHash(this.topic);
    bytes.push(hash >>> 24, (hash >>> 16) & 0xff, (hash >>> 8) & 0xff, hash & 0xff);
    pushVarint(bytes, this.order.length);
    let previous = 0;
    let suffixStart = -1;
    for (const index of this.order) {
      pushVarint(bytes, this.partitions[index] - previous);
      previous = this.partitions[index];
      if (index === i) {
        this.prefix = bytes.slice();
        suffixStart = bytes.length;
      } else {
        pushVarint(bytes, this.offsets[index]);
      }
    }
    this.suffix = bytes.slice(suffixStart);
  }

  /** The cursor with the chunk's partition at `nextOffset`. */
  at(nextOffset: number): string {
    const bytes = this.prefix.slice();
    pushVarint(bytes, nextOffset);
    for (const b of this.suffix) bytes.push(b);
    return Buffer.from(bytes).toString('base64url');
  }
}

function invalid(why: string): Error {
  return badRequest(`from.cursor is not a valid cursor (${why})`);
}

function pushVarint(out: number[], value: number): void {
  // Arithmetic, not bitwise: offsets exceed 32 bits.
  let v = value;
  while (v >= 0x80) {
    out.push((v % 0x80) | 0x80);
    v = Math.floor(v / 0x80);
  }
  out.push(v);
}

function readVarint(reader: { bytes: Buffer; pos: number }): number {
  let value = 0;
  let scale = 1;
  for (let i = 0; i < MAX_VARINT_BYTES; i++) {
    if (reader.pos >= reader.bytes.length) throw invalid('truncated');
    const byte = reader.bytes[reader.pos++];
    value += (byte & 0x7f) * scale;
    if ((byte & 0x80) === 0) {
      if (i > 0 && byte === 0) throw invalid('overlong varint');
      if (!Number.isSafeInteger(value)) throw invalid('offset out of range');
      return value;
    }
    scale *= 0x80;
  }
  throw invalid('varint too long');
}

/** 32-bit FNV-1a over the UTF-16 code units of the name (topic names are ASCII). */
function topicHash(topic: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < topic.length; i++) {
    hash ^= topic.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}
