import { isPartitionId } from '@runnel/protocol';
import { badRequest } from '../common/errors';

/**
 * Resumable subscription cursors (API.md "WebSocket", after Zilla's): an opaque base64url token
 * holding the next offset of every partition of a subscription, so `from: {"cursor"}` resumes
 * each partition right after what was delivered up to the frame that carried it.
 *
 * Grammar (varints are unsigned LEB128, up to 2^53 - 1):
 *   cursor    := version:uint8 (= 1)  topicHash:uint32be  count:varint  entry{count}
 *   entry     := partitionDelta:varint  nextOffset:varint
 * partitionDelta is the partition id minus the previous entry's (the first: the id itself);
 * entries are sorted by partition, so every delta after the first is >= 1. topicHash (FNV-1a of
 * the topic name) refuses a cursor replayed against another topic. Decoding is strict: any
 * trailing byte, overlong varint or unsorted entry is a 40001.
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

export function decodeCursor(topic: string, token: unknown, maxEntries: number): CursorEntry[] {
  if (typeof token !== 'string' || token.length === 0 || !/^[A-Za-z0-9_-]+$/.test(token)) {
    throw badRequest('from.cursor must be a cursor string from a records frame');
  }
  // Cheap bound before decoding: an entry is at least 2 bytes.
  if (token.length > 16 + Math.ceil(((maxEntries * 2 * MAX_VARINT_BYTES) * 4) / 3)) throw invalid('it is too long');
  const bytes = Buffer.from(token, 'base64url');
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
    if (!isPartitionId(partition)) throw invalid('partition id out of range');
    entries.push({ partition, offset: readVarint(reader) });
  }
  if (reader.pos !== bytes.length) throw invalid('trailing bytes');
  return entries;
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
