import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';

/**
 * The exclusive lock of a data directory (Kafka's `<log.dir>/.lock`): one broker per directory,
 * taken before anything in it is opened, held until the process ends.
 *
 * Why not a lock file alone: node has no flock(2), and a pid file cannot be both safe and
 * self-healing. A broker killed with SIGKILL leaves its file behind; deciding "stale" from the
 * recorded pid is wrong when the pid was reused, and two brokers that both decide "stale" at
 * once can both take over. So the lock itself is something the kernel releases when its holder
 * dies, however it dies, and that only one process can hold: on Linux, a listening Unix socket
 * in the abstract namespace (no file; the name is freed with the last descriptor) named after the
 * directory's device and inode (so `./data`, a symlink to it and a bind mount are one lock).
 * bind(2) is atomic: of two brokers starting together exactly one gets EADDRINUSE.
 *
 * The `.lock` file only says who holds the lock (pid, host, start time), for the refusal
 * message and for operators; it is rewritten by each new holder and is never trusted for
 * exclusivity. It doubles as a write probe of the directory.
 *
 * Limits: the abstract namespace is per network namespace, so two containers with separate
 * network namespaces sharing one volume do not see each other's lock (give each broker its own
 * directory). Elsewhere than Linux there is no abstract namespace: there the `.lock` file is the
 * lock (O_EXCL create, taken over only when its pid is on this host and no longer alive).
 */
export const DATA_DIR_LOCK_FILE = '.lock';

export interface LockHolder {
  pid: number;
  host: string;
  startedAt: string;
}

export class DataDirLockedError extends Error {
  override readonly name = 'DataDirLockedError';
  constructor(
    readonly dataDir: string,
    readonly holder: LockHolder | undefined,
  ) {
    super(
      `data dir ${dataDir} is in use by another broker` +
        (holder ? ` (pid ${holder.pid} on host ${holder.host}, started ${holder.startedAt})` : ' (its .lock file names no holder)') +
        '; stop it, or give this broker its own RUNNEL_DATA_DIR',
    );
  }
}

export class DataDirLock {
  private constructor(
    readonly dataDir: string,
    private readonly server: net.Server | undefined,
  ) {}

  /** Takes the lock of `dataDir` (which must exist) or throws DataDirLockedError. */
  static async acquire(dataDir: string): Promise<DataDirLock> {
    const dir = path.resolve(dataDir);
    const lockFile = path.join(dir, DATA_DIR_LOCK_FILE);
    const me: LockHolder = { pid: process.pid, host: os.hostname(), startedAt: new Date().toISOString() };
    if (process.platform !== 'linux') {
      acquireLockFile(dir, lockFile, me);
      return new DataDirLock(dir, undefined);
    }
    const { dev, ino } = fs.statSync(dir);
    const server = await listenExclusive(`\0runnel-data-dir:${dev}:${ino}`);
    if (!server) throw new DataDirLockedError(dir, readHolder(lockFile));
    try {
      fs.writeFileSync(lockFile, JSON.stringify(me) + '\n');
    } catch (error) {
      server.close();
      throw error;
    }
    return new DataDirLock(dir, server);
  }

  /** Releases the lock (clean shutdown); process exit releases it too. */
  release(): void {
    this.server?.close();
    if (!this.server) fs.rmSync(path.join(this.dataDir, DATA_DIR_LOCK_FILE), { force: true });
  }
}

/** A listening server on the abstract socket `name`, or undefined if another process holds it. */
function listenExclusive(name: string): Promise<net.Server | undefined> {
  return new Promise((resolve, reject) => {
    // Nobody is meant to connect; anyone who does is hung up on.
    const server = net.createServer((socket) => socket.destroy());
    server.once('error', (error: NodeJS.ErrnoException) => (error.code === 'EADDRINUSE' ? resolve(undefined) : reject(error)));
    server.listen({ path: name, exclusive: true }, () => {
      server.unref(); // the lock must not keep the process alive
      resolve(server);
    });
  });
}

function readHolder(lockFile: string): LockHolder | undefined {
  try {
    const parsed = JSON.parse(fs.readFileSync(lockFile, 'utf8')) as Partial<LockHolder>;
    if (typeof parsed.pid !== 'number' || typeof parsed.host !== 'string' || typeof parsed.startedAt !== 'string') return undefined;
    return { pid: parsed.pid, host: parsed.host, startedAt: parsed.startedAt };
  } catch {
    return undefined;
  }
}

/** The portable fallback: the file is the lock; a dead holder on this host is taken over. */
function acquireLockFile(dir: string, lockFile: string, me: LockHolder): void {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      fs.writeFileSync(lockFile, JSON.stringify(me) + '\n', { flag: 'wx' });
      return;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const holder = readHolder(lockFile);
    if (!holder || holder.host !== me.host || isAlive(holder.pid)) throw new DataDirLockedError(dir, holder);
    fs.rmSync(lockFile, { force: true });
  }
  throw new DataDirLockedError(dir, readHolder(lockFile));
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
