import { createHash } from 'node:crypto';
import { canonicalFilter, type Filter } from './filter';

/**
 * The resumable cursor of a search: opaque to clients, base64url of
 * `{"v":1,"t":topic,"f":<filter hash>,"p":[[partition, next offset, end offset], ...]}` for every
 * partition not yet done. A cursor holds the range the first search resolved (its end offsets),
 * so a resumed search scans exactly the records the first one had left, once. It is only valid
 * with the same topic and the same filter (hash of the canonical filter): anything else, or
 * text that is not such a cursor, is a CursorError.
 */
export interface CursorPosition {
  partition: number;
  next: number;
  end: number;
}

export class CursorError extends Error {}

/** Partitions one cursor may hold (a topic has at most this many). */
export const MAX_CURSOR_PARTITIONS = 100_000;
const MAX_CURSOR_CHARS = 4 * 1024 * 1024;

export function filterHash(filter: Filter): string {
  return createHash('sha256')
    .update(JSON.stringify(canonicalFilter(filter)))
    .digest('base64url')
    .slice(0, 22);
}

export function encodeCursor(topic: string, hash: string, positions: readonly CursorPosition[]): string {
  const body = { v: 1, t: topic, f: hash, p: positions.map((p) => [p.partition, p.next, p.end]) };
  return Buffer.from(JSON.stringify(body)).toString('base64url');
}

export function decodeCursor(text: string, topic: string, hash: string): CursorPosition[] {
  if (text.length > MAX_CURSOR_CHARS || !/^[A-Za-z0-9_-]+$/.test(text)) throw new CursorError('cursor is not a search cursor');
  let body: unknown;
  try {
    body = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
  } catch {
    throw new CursorError('cursor is not a search cursor');
  }
  const { v, t, f, p } = (body ?? {}) as { v?: unknown; t?: unknown; f?: unknown; p?: unknown };
  if (v !== 1 || typeof t !== 'string' || typeof f !== 'string' || !Array.isArray(p) || p.length > MAX_CURSOR_PARTITIONS) {
    throw new CursorError('cursor is not a search cursor');
  }
  if (t !== topic) throw new CursorError(`cursor belongs to a search of another topic`);
  if (f !== hash) throw new CursorError('cursor belongs to a search with another filter: resume with the filter it was given with');
  const seen = new Set<number>();
  return p.map((entry: unknown) => {
    const ok =
      Array.isArray(entry) &&
      entry.length === 3 &&
      entry.every((n) => Number.isSafeInteger(n) && n >= 0) &&
      entry[1] <= entry[2] &&
      !seen.has(entry[0]);
    if (!ok) throw new CursorError('cursor is not a search cursor');
    seen.add(entry[0]);
    return { partition: entry[0], next: entry[1], end: entry[2] };
  });
}
