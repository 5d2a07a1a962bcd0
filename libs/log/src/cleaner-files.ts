import * as fs from 'node:fs';
import * as path from 'node:path';
import { fsyncDirectory, writeFileAtomically } from './checkpoint-file';
import { parseSegmentFileName, segmentFilePath, TMP_FILE_SUFFIX, type SegmentFileKind } from './file-names';
import { assert } from './errors';
import { isNotFound, readFully, unlinkIfExists, unlinkIfExistsSync } from './io';

/**
 * The Cleaner's files in a partition directory (the `.cleaned` output, the checkpoint) and its
 * crash recovery (Kafka's rules).
 *
 * A segment at base offset B is replaced in these steps (see Cleaner):
 *   1. write and fsync `B.log.cleaned`               crash: the `.cleaned` file is deleted
 *   2. rename it to `B.log.swap`                     crash: the swap is completed (below)
 *   3. rename the old `B.{log,index,timeindex}` to `.deleted`
 *   4. rename `B.log.swap` to `B.log`; indexes are rebuilt from it (lazily after a crash)
 * A `.swap` file exists only once its content is complete and fsynced, so recovery completes it:
 * any live files of the same base offset (the old segment, or its now stale indexes) are
 * removed and the swap file takes the live name. `.cleaned` files are incomplete: deleted.
 *
 *   cleaner-offset-checkpoint := "0\n" <first dirty offset> "\n"
 * Offsets below the first dirty offset have been cleaned at least once. A missing or malformed
 * checkpoint means "nothing cleaned yet" (the next run cleans everything: safe, only slower).
 */

export const CLEANER_CHECKPOINT_FILE = 'cleaner-offset-checkpoint';
const CHECKPOINT_VERSION = '0';
const OUTPUT_CHUNK_BYTES = 1024 * 1024;
const SEGMENT_FILE_KINDS: readonly SegmentFileKind[] = ['log', 'index', 'timeindex'];

export interface CleanerRecovery {
  /** Base offsets whose `.swap` file was completed. */
  completedSwaps: number[];
  /** `.cleaned` (and stray index `.swap`) files deleted. */
  deletedFiles: number;
}

/**
 * Resolves what an interrupted compaction left in `dir`. Must run before the log is opened
 * (LogLoader refuses `.swap` files). A missing directory is nothing to recover.
 */
export async function recoverCleanerFiles(dir: string): Promise<CleanerRecovery> {
  let names: string[];
  try {
    names = await fs.promises.readdir(dir);
  } catch (error) {
    if (isNotFound(error)) return { completedSwaps: [], deletedFiles: 0 };
    throw error;
  }
  const result: CleanerRecovery = { completedSwaps: [], deletedFiles: 0 };
  for (const name of names) {
    const file = parseSegmentFileName(name);
    if (!file) continue;
    if (file.state === 'cleaned' || (file.state === 'swap' && file.kind !== 'log')) {
      await unlinkIfExists(path.join(dir, name)); // the Cleaner never writes index swap files
      result.deletedFiles++;
    }
  }
  for (const name of names) {
    const file = parseSegmentFileName(name);
    if (!file || file.state !== 'swap' || file.kind !== 'log') continue;
    for (const kind of SEGMENT_FILE_KINDS) await unlinkIfExists(segmentFilePath(dir, file.baseOffset, kind));
    await fs.promises.rename(path.join(dir, name), segmentFilePath(dir, file.baseOffset, 'log'));
    result.completedSwaps.push(file.baseOffset);
  }
  if (result.completedSwaps.length > 0 || result.deletedFiles > 0) await fsyncDirectory(dir);
  result.completedSwaps.sort((a, b) => a - b);
  return result;
}

/** The checkpointed first dirty offset, or undefined if none (or unreadable). */
export async function readCleanerCheckpoint(dir: string): Promise<number | undefined> {
  let text: string;
  try {
    text = await fs.promises.readFile(path.join(dir, CLEANER_CHECKPOINT_FILE), 'utf8');
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
  return parseCheckpoint(text);
}

export function writeCleanerCheckpoint(dir: string, firstDirtyOffset: number): Promise<void> {
  return writeFileAtomically(path.join(dir, CLEANER_CHECKPOINT_FILE), formatCheckpoint(firstDirtyOffset));
}

const formatCheckpoint = (firstDirtyOffset: number): string => `${CHECKPOINT_VERSION}\n${firstDirtyOffset}\n`;

function parseCheckpoint(text: string): number | undefined {
  const lines = text.split('\n');
  const offset = Number(lines[1]);
  if (lines[0] !== CHECKPOINT_VERSION || !/^\d+$/.test(lines[1] ?? '') || !Number.isSafeInteger(offset)) return undefined;
  return offset;
}

/**
 * Truncation (Kafka's maybeTruncateCheckpoint): offsets at and above `offset` are gone, and what
 * is appended there later has never been cleaned, so a checkpoint above `offset` comes down to
 * it. Synchronous, like the truncation that calls it, so no clean or append interleaves; the
 * temporary file is not the one `writeCleanerCheckpoint` uses, so a Cleaner's write in flight
 * cannot tear it (the Cleaner notices the truncation and rewrites its own checkpoint lower).
 */
export function lowerCleanerCheckpointSync(dir: string, offset: number): void {
  const file = path.join(dir, CLEANER_CHECKPOINT_FILE);
  let current: number | undefined;
  try {
    current = parseCheckpoint(fs.readFileSync(file, 'utf8'));
  } catch (error) {
    if (isNotFound(error)) return;
    throw error;
  }
  if (current === undefined) {
    unlinkIfExistsSync(file); // unreadable already meant "nothing cleaned"
    return;
  }
  if (current <= offset) return;
  const tmp = `${file}.truncate${TMP_FILE_SUFFIX}`;
  const fd = fs.openSync(tmp, 'w');
  try {
    fs.writeFileSync(fd, formatCheckpoint(offset));
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(tmp, file);
  const dirFd = fs.openSync(dir, 'r');
  try {
    fs.fsyncSync(dirFd);
  } finally {
    fs.closeSync(dirFd);
  }
}

/** The `.cleaned` file being written: appends buffered into chunks of OUTPUT_CHUNK_BYTES. */
export class CleanedFile {
  size = 0;
  private chunks: Buffer[] = [];
  private buffered = 0;

  private constructor(
    private readonly handle: fs.promises.FileHandle,
    private readonly path: string,
  ) {}

  /** Creates (or replaces a leftover) `path` holding the first `bytes` bytes of the file `sourceFd`. */
  static async startWithCopy(path: string, sourceFd: number, bytes: number): Promise<CleanedFile> {
    const file = new CleanedFile(await fs.promises.open(path, 'w'), path);
    const buf = Buffer.allocUnsafe(Math.min(bytes, OUTPUT_CHUNK_BYTES));
    for (let done = 0; done < bytes;) {
      const n = await readFully(sourceFd, buf, 0, Math.min(buf.length, bytes - done), done);
      assert(n > 0, () => `segment shorter than ${bytes} bytes while cleaning ${path}`);
      await file.write(Buffer.from(buf.subarray(0, n)));
      done += n;
    }
    return file;
  }

  async write(bytes: Buffer): Promise<void> {
    this.chunks.push(bytes);
    this.buffered += bytes.length;
    if (this.buffered >= OUTPUT_CHUNK_BYTES) await this.drain();
  }

  async finish(): Promise<void> {
    await this.drain();
    await this.handle.datasync();
    await this.handle.close();
  }

  async abandon(): Promise<void> {
    await this.handle.close().catch(() => undefined);
    await unlinkIfExists(this.path);
  }

  private async drain(): Promise<void> {
    const data = Buffer.concat(this.chunks);
    this.chunks = [];
    this.buffered = 0;
    for (let done = 0; done < data.length;) {
      const { bytesWritten } = await this.handle.write(data, done, data.length - done, this.size + done);
      done += bytesWritten;
    }
    this.size += data.length;
  }
}
