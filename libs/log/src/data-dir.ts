import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * Checks, before a broker opens anything in it, that `dir` can hold logs: it exists or can be
 * created, is a directory, and a file can be created, written, fsynced and removed in it. Throws
 * DataDirError naming the reason otherwise, so a broker pointed at `/proc/x`, at a file or at
 * a read-only mount stops at once with a message instead of failing (or spinning) later.
 *
 * Node's own `mkdir({ recursive: true })` loops forever when mkdir(2) answers ENOENT for a
 * parent that exists (as procfs and sysfs do): parents are created here one at a time instead.
 */
export class DataDirError extends Error {
  override readonly name = 'DataDirError';
  constructor(
    readonly dir: string,
    readonly reason: string,
  ) {
    super(`${dir} cannot hold a log: ${reason}`);
  }
}

const PROBE_FILE = '.runnel-write-probe';
const MAX_DEPTH = 256;

export function prepareDataDir(dataDir: string): string {
  const dir = path.resolve(dataDir);
  try {
    makeDirectories(dir, 0);
  } catch (error) {
    throw new DataDirError(dir, describe(error, 'it cannot be created'));
  }
  if (!fs.statSync(dir).isDirectory()) throw new DataDirError(dir, 'it is not a directory');
  const probe = path.join(dir, PROBE_FILE);
  try {
    const fd = fs.openSync(probe, 'w');
    try {
      fs.writeSync(fd, 'runnel');
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.unlinkSync(probe);
  } catch (error) {
    throw new DataDirError(dir, describe(error, 'a file cannot be written in it'));
  }
  return dir;
}

function makeDirectories(dir: string, depth: number): void {
  try {
    fs.mkdirSync(dir);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return;
    const parent = path.dirname(dir);
    if (code !== 'ENOENT' || parent === dir || depth >= MAX_DEPTH || fs.existsSync(parent)) throw error;
    makeDirectories(parent, depth + 1);
    fs.mkdirSync(dir); // once more; a second ENOENT is final
  }
}

function describe(error: unknown, what: string): string {
  const e = error as NodeJS.ErrnoException;
  return e.code ? `${what} (${e.code}: ${e.message})` : `${what} (${e.message})`;
}
