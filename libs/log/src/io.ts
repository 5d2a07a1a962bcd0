import * as fs from 'node:fs';

/**
 * Positional file I/O on raw descriptors. Node's `fs.read`/`fs.write` may transfer fewer bytes
 * than asked; these loop until done (or end of file for reads). The async forms run on libuv's
 * thread pool, so the event loop never waits on the disk for them.
 */

/** Reads up to `length` bytes at `position` into `buf[offset...]`; fewer only at end of file. */
export function readFully(fd: number, buf: Buffer, offset: number, length: number, position: number): Promise<number> {
  return new Promise((resolve, reject) => {
    let done = 0;
    const step = (): void => {
      fs.read(fd, buf, offset + done, length - done, position + done, (error, bytesRead) => {
        if (error) return reject(error);
        done += bytesRead;
        if (bytesRead === 0 || done === length) resolve(done);
        else step();
      });
    };
    if (length === 0) resolve(0);
    else step();
  });
}

export function readFullySync(fd: number, buf: Buffer, offset: number, length: number, position: number): number {
  let done = 0;
  while (done < length) {
    const bytesRead = fs.readSync(fd, buf, offset + done, length - done, position + done);
    if (bytesRead === 0) break;
    done += bytesRead;
  }
  return done;
}

/**
 * TEST-ONLY fault injection (the "file I/O seam"): when set, called before every log write and
 * fsync; throwing from it makes that operation fail as the disk would (e.g. ENOSPC). Production
 * code never sets it.
 */
export type IoFaultInjector = (operation: 'write' | 'sync') => void;
let injectedFault: IoFaultInjector | undefined;

export function injectIoFaults(injector: IoFaultInjector | undefined): void {
  injectedFault = injector;
}

/** An errno error as node's fs raises it, for fault injection. */
export function errnoError(code: string, syscall: string, message: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`${code}: ${message}, ${syscall}`), { code, syscall });
}

export function writeFullySync(fd: number, buf: Buffer, offset: number, length: number, position: number): void {
  injectedFault?.('write');
  let done = 0;
  while (done < length) {
    done += fs.writeSync(fd, buf, offset + done, length - done, position + done);
  }
}

export function fdatasync(fd: number): Promise<void> {
  return new Promise((resolve, reject) => {
    injectedFault?.('sync');
    fs.fdatasync(fd, (error) => (error ? reject(error) : resolve()));
  });
}

export function fsyncFd(fd: number): Promise<void> {
  return new Promise((resolve, reject) => {
    injectedFault?.('sync');
    fs.fsync(fd, (error) => (error ? reject(error) : resolve()));
  });
}

export function fileSize(fd: number): Promise<number> {
  return new Promise((resolve, reject) => fs.fstat(fd, (error, stats) => (error ? reject(error) : resolve(stats.size))));
}

export function isNotFound(error: unknown): boolean {
  return (error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT';
}

/** Renames, treating a missing source as already done (index files are created lazily). */
export function renameIfExistsSync(from: string, to: string): boolean {
  try {
    fs.renameSync(from, to);
    return true;
  } catch (error) {
    if (isNotFound(error)) return false;
    throw error;
  }
}

export async function unlinkIfExists(file: string): Promise<void> {
  try {
    await fs.promises.unlink(file);
  } catch (error) {
    if (!isNotFound(error)) throw error;
  }
}

/** Unlinks `file`; false if it did not exist. */
export function unlinkIfExistsSync(file: string): boolean {
  try {
    fs.unlinkSync(file);
    return true;
  } catch (error) {
    if (!isNotFound(error)) throw error;
    return false;
  }
}

/**
 * Runs `fn` over `items` with at most `limit` calls in flight. Every item is attempted even if
 * some fail (closing 10,000 logs should not stop at the first bad disk); the first error is
 * rethrown at the end.
 */
export async function forEachConcurrently<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  let firstError: { error: unknown } | undefined;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const item = items[next++];
      try {
        await fn(item);
      } catch (error) {
        firstError ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  if (firstError) throw firstError.error;
}
