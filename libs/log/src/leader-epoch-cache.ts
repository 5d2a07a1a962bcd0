import * as fs from 'node:fs';
import * as path from 'node:path';
import { writeFileAtomically } from './checkpoint-file';
import { assert, CorruptLogError } from './errors';
import { isNotFound } from './io';

/** The partition directory's leader epoch file (Kafka's name and text format). */
export const LEADER_EPOCH_CHECKPOINT_FILE = 'leader-epoch-checkpoint';

export interface EpochEntry {
  epoch: number;
  /** The first offset written under `epoch`. */
  startOffset: number;
}

/** Kafka's UNDEFINED_EPOCH / UNDEFINED_EPOCH_OFFSET: what endOffsetForEpoch answers when it cannot tell. */
export const UNDEFINED_EPOCH = -1;
export const UNDEFINED_EPOCH_OFFSET = -1;

export interface EpochEndOffset {
  epoch: number;
  endOffset: number;
}

const VERSION = 0;

/**
 * Kafka's leader-epoch-checkpoint text format:
 *
 *   0                          version
 *   <n>                        number of entries
 *   <epoch> <startOffset>      n lines, epochs and start offsets strictly increasing
 */
export function formatLeaderEpochCheckpoint(entries: readonly EpochEntry[]): string {
  const lines = [String(VERSION), String(entries.length)];
  for (const { epoch, startOffset } of entries) lines.push(`${epoch} ${startOffset}`);
  return lines.join('\n') + '\n';
}

/** Parses the format above; anything malformed (or not strictly increasing) throws CorruptLogError. */
export function parseLeaderEpochCheckpoint(text: string, file: string): EpochEntry[] {
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  const fail = (line: number, reason: string): never => {
    throw new CorruptLogError(file, line, reason);
  };
  if (lines[0] !== String(VERSION)) fail(0, `unsupported version ${JSON.stringify(lines[0])}`);
  const count = /^\d+$/.test(lines[1] ?? '') ? Number(lines[1]) : NaN;
  if (!Number.isSafeInteger(count) || lines.length !== count + 2) fail(1, `expected ${lines[1]} entries, found ${lines.length - 2}`);
  const entries: EpochEntry[] = [];
  for (let i = 2; i < lines.length; i++) {
    const fields = lines[i].split(' ');
    if (fields.length !== 2 || !fields.every((f) => /^\d+$/.test(f))) fail(i, `malformed entry ${JSON.stringify(lines[i])}`);
    const epoch = Number(fields[0]);
    const startOffset = Number(fields[1]);
    if (epoch > 0x7fffffff || !Number.isSafeInteger(startOffset)) fail(i, `entry out of range ${JSON.stringify(lines[i])}`);
    const previous = entries[entries.length - 1];
    if (previous && (epoch <= previous.epoch || startOffset <= previous.startOffset)) fail(i, 'entries not strictly increasing');
    entries.push({ epoch, startOffset });
  }
  return entries;
}

/**
 * Which leader epoch wrote which offsets of one partition (Kafka's LeaderEpochFileCache, KIP-101):
 * a list of (epoch, startOffset), both strictly increasing; epoch e covers [its start, the next
 * entry's start), the latest covers up to the log end offset. Followers use it to find where their
 * log diverges from the leader's (endOffsetForEpoch), instead of trusting the high watermark.
 *
 * Invariants: entries[0].startOffset >= logStartOffset once `truncateFromStart` ran; every entry's
 * start < logEndOffset (the owning log truncates from the end when it truncates itself).
 *
 * Persistence: mutations are synchronous and in memory (they happen inside the log's synchronous
 * append and truncation); they mark the cache dirty and `persist()` writes the whole list
 * atomically (tmp + fsync + rename + directory fsync). The owning log persists before its recovery
 * point passes any offset, so the file always covers the durable part of the log; what lies above
 * the recovery point is rebuilt from batch headers at open. One write in flight at a time.
 */
export class LeaderEpochCache {
  readonly file: string;
  private entries: EpochEntry[];
  private dirty: boolean;
  private writing: Promise<void> | undefined;

  constructor(dir: string, entries: readonly EpochEntry[] = [], dirty = false) {
    this.file = path.join(dir, LEADER_EPOCH_CHECKPOINT_FILE);
    this.entries = entries.map((e) => ({ ...e }));
    this.dirty = dirty;
    this.checkInvariants();
  }

  /** Reads the file of `dir`: undefined when it is missing; CorruptLogError when unreadable. */
  static async read(dir: string): Promise<EpochEntry[] | undefined> {
    const file = path.join(dir, LEADER_EPOCH_CHECKPOINT_FILE);
    let text: string;
    try {
      text = await fs.promises.readFile(file, 'utf8');
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
    return parseLeaderEpochCheckpoint(text, file);
  }

  /** Whether the memory differs from what was last written. */
  get isDirty(): boolean {
    return this.dirty;
  }

  /** A copy of the entries, oldest first. */
  all(): EpochEntry[] {
    return this.entries.map((e) => ({ ...e }));
  }

  /** The latest epoch, or -1 when there is none. */
  latestEpoch(): number {
    return this.entries.length === 0 ? UNDEFINED_EPOCH : this.entries[this.entries.length - 1].epoch;
  }

  /** The entry for `epoch` itself, if known. */
  startOffsetOf(epoch: number): number | undefined {
    return this.entries.find((e) => e.epoch === epoch)?.startOffset;
  }

  /**
   * Records that `epoch` starts at `startOffset`. A no-op for a negative epoch (batches written
   * without one) or when `epoch` is already the latest at or below that offset. Otherwise entries
   * that would break monotonicity (epoch >= it, or start >= it) are dropped first — as Kafka does:
   * the newest information wins. Returns whether anything changed.
   */
  assign(epoch: number, startOffset: number): boolean {
    assert(Number.isSafeInteger(startOffset) && startOffset >= 0, () => `epoch start offset ${startOffset}`);
    if (!Number.isInteger(epoch) || epoch < 0) return false;
    const latest = this.entries[this.entries.length - 1];
    if (latest && latest.epoch === epoch && latest.startOffset <= startOffset) return false;
    this.entries = this.entries.filter((e) => e.epoch < epoch && e.startOffset < startOffset);
    this.entries.push({ epoch, startOffset });
    this.dirty = true;
    return true;
  }

  /** Drops entries starting at or after `endOffset` (the log was truncated to it). */
  truncateFromEnd(endOffset: number): void {
    const kept = this.entries.filter((e) => e.startOffset < endOffset);
    if (kept.length === this.entries.length) return;
    this.entries = kept;
    this.dirty = true;
  }

  /**
   * The log start moved to `startOffset`: entries wholly below it go; the one covering it stays,
   * with its start moved up to `startOffset` (Kafka's truncateFromStart).
   */
  truncateFromStart(startOffset: number): void {
    let covering = -1;
    for (let i = 0; i < this.entries.length && this.entries[i].startOffset <= startOffset; i++) covering = i;
    if (covering < 0) return;
    if (covering === 0 && this.entries[0].startOffset === startOffset) return;
    this.entries = this.entries.slice(covering);
    this.entries[0] = { epoch: this.entries[0].epoch, startOffset };
    this.dirty = true;
  }

  /** Forgets everything (the log was emptied). */
  clear(): void {
    if (this.entries.length === 0) return;
    this.entries = [];
    this.dirty = true;
  }

  /**
   * Kafka's OffsetsForLeaderEpoch on this log: the largest epoch <= `requested` and its end offset
   * (the next epoch's start, or `logEndOffset` for the latest). {-1, -1} when nothing is known,
   * when `requested` is below the first epoch (the offsets it wrote are gone or were never here),
   * or above the latest (a leader never answers for an epoch it has not seen).
   */
  endOffsetFor(requested: number, logEndOffset: number): EpochEndOffset {
    const undefinedAnswer = { epoch: UNDEFINED_EPOCH, endOffset: UNDEFINED_EPOCH_OFFSET };
    if (requested < 0 || this.entries.length === 0) return undefinedAnswer;
    const latest = this.entries[this.entries.length - 1];
    if (requested === latest.epoch) return { epoch: requested, endOffset: logEndOffset };
    if (requested > latest.epoch || requested < this.entries[0].epoch) return undefinedAnswer;
    let i = 0;
    while (this.entries[i + 1].epoch <= requested) i++;
    return { epoch: this.entries[i].epoch, endOffset: this.entries[i + 1].startOffset };
  }

  /**
   * Writes the entries if they changed since the last write; resolves once they are durable.
   * A failed write leaves the cache dirty (the next persist retries) and rejects.
   */
  async persist(): Promise<void> {
    while (this.dirty) {
      if (this.writing) {
        await this.writing.catch(() => undefined);
        continue;
      }
      this.dirty = false;
      const write = writeFileAtomically(this.file, formatLeaderEpochCheckpoint(this.entries));
      this.writing = write;
      try {
        await write;
      } catch (error) {
        this.dirty = true;
        throw error;
      } finally {
        this.writing = undefined;
      }
    }
    if (this.writing) await this.writing;
  }

  private checkInvariants(): void {
    for (let i = 1; i < this.entries.length; i++) {
      const [a, b] = [this.entries[i - 1], this.entries[i]];
      assert(a.epoch < b.epoch && a.startOffset < b.startOffset, () => `leader epoch entries not increasing at ${i}`);
    }
  }
}
