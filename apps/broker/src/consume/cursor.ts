import { parsePartitionIdText } from '@runnel/protocol';
import { badRequest } from '../common/errors';

/**
 * The event stream's resumable position: base64url of the JSON object {"<partition>": nextOffset}
 * for every partition of the stream (Zilla-style cursor). Clients treat it as opaque; passing it
 * back (Last-Event-ID, or `from=`) resumes each partition right after what was delivered.
 */

/** Longer than any cursor for the partition limit; refuses oversized input before decoding it. */
const CURSOR_CHARS_MAX = 512 * 1024;

export function encodeCursor(partitions: readonly number[], offsets: readonly number[]): string {
  let json = '{';
  for (let i = 0; i < partitions.length; i++) json += `${i === 0 ? '' : ','}"${partitions[i]}":${offsets[i]}`;
  return Buffer.from(`${json}}`, 'utf8').toString('base64url');
}

/** Parses a cursor into partition → next offset; anything malformed is a 40001. */
export function decodeCursor(raw: string): Map<number, number> {
  const invalid = () => badRequest('cursor is not a position this broker issued');
  if (raw.length === 0 || raw.length > CURSOR_CHARS_MAX || !/^[A-Za-z0-9_-]+$/.test(raw)) throw invalid();
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8'));
  } catch {
    throw invalid();
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw invalid();
  const positions = new Map<number, number>();
  for (const [key, value] of Object.entries(parsed)) {
    const partition = parsePartitionIdText(key);
    if (partition === undefined || typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) throw invalid();
    positions.set(partition, value);
  }
  return positions;
}

/**
 * Builds one cursor per delivered record cheaply: while one partition's chunk is rendered the
 * other partitions' positions are fixed, so only that partition's offset changes in the JSON.
 */
export class CursorWriter {
  private prefix = '';
  private suffix = '';

  constructor(
    private readonly partitions: readonly number[],
    private readonly offsets: number[],
  ) {}

  /** Fixes the JSON around partition index `i` for the records of one chunk. */
  begin(i: number): void {
    let prefix = '{';
    for (let j = 0; j < i; j++) prefix += `"${this.partitions[j]}":${this.offsets[j]},`;
    this.prefix = `${prefix}"${this.partitions[i]}":`;
    let suffix = '';
    for (let j = i + 1; j < this.partitions.length; j++) suffix += `,"${this.partitions[j]}":${this.offsets[j]}`;
    this.suffix = `${suffix}}`;
  }

  /** The cursor with the chunk's partition at `nextOffset`. */
  at(nextOffset: number): string {
    return Buffer.from(this.prefix + nextOffset + this.suffix, 'utf8').toString('base64url');
  }
}
