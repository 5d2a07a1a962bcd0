import * as fs from 'node:fs';
import * as path from 'node:path';
import { DescriptorLimitError, FileHandleCache, MIN_LOG_DESCRIPTORS, logDescriptorBudget, readOpenFilesLimit } from '@runnel/log';
import { makeTmpDir, openFdCount, randomInt, removeTmpDirs, rng } from './batch-builder';

afterAll(removeTmpDirs);

function files(count: number): string[] {
  const dir = makeTmpDir();
  return Array.from({ length: count }, (_, i) => {
    const file = path.join(dir, `f${i}`);
    fs.writeFileSync(file, `file ${i}`);
    return file;
  });
}

const contentOf = (fd: number): string => {
  const buf = Buffer.alloc(32);
  return buf.subarray(0, fs.readSync(fd, buf, 0, 32, 0)).toString();
};

describe('FileHandleCache', () => {
  it('never holds more descriptors than its bound, under random use', async () => {
    const paths = files(60);
    const cache = new FileHandleCache(8);
    const before = openFdCount();
    const next = rng(3);
    const held: Array<ReturnType<FileHandleCache['acquireSync']>> = [];
    for (let i = 0; i < 2000; i++) {
      const choice = next();
      if (choice < 0.5 || held.length === 0) {
        if (held.length < 3) {
          const i = randomInt(next, 0, paths.length - 1);
          const handle = await cache.acquire(paths[i]);
          expect(contentOf(handle.fd)).toBe(`file ${i}`);
          held.push(handle);
        } else {
          cache.release(held.shift()!);
        }
      } else if (choice < 0.8) {
        cache.release(held.splice(randomInt(next, 0, held.length - 1), 1)[0]);
      } else {
        const i = randomInt(next, 0, paths.length - 1);
        expect(cache.withFileSync(paths[i], contentOf)).toBe(`file ${i}`);
      }
      expect(cache.openCount).toBeLessThanOrEqual(8);
      expect(openFdCount() - before).toBeLessThanOrEqual(8);
    }
    held.forEach((h) => cache.release(h));
    cache.closeAll();
    expect(cache.openCount).toBe(0);
    expect(openFdCount()).toBe(before);
  });

  it('never closes a pinned descriptor, even when evicted or churned past', () => {
    const paths = files(20);
    const cache = new FileHandleCache(4);
    const pinned = cache.acquireSync(paths[0]);
    for (let round = 0; round < 3; round++) for (const p of paths.slice(1)) cache.withFileSync(p, () => undefined);
    expect(contentOf(pinned.fd)).toBe('file 0');
    cache.evict(paths[0]);
    fs.renameSync(paths[0], paths[0] + '.deleted');
    expect(contentOf(pinned.fd)).toBe('file 0');
    const open = cache.openCount;
    cache.release(pinned);
    expect(cache.openCount).toBe(open - 1);
    expect(() => cache.acquireSync(paths[0])).toThrow(expect.objectContaining({ code: 'ENOENT' }));
    cache.closeAll();
  });

  it('makes async acquirers wait while too many handles are pinned, never the sync paths', async () => {
    const paths = files(10);
    const cache = new FileHandleCache(8); // 4 slots reserved for synchronous users
    const pinned = await Promise.all(paths.slice(0, 4).map((p) => cache.acquire(p)));
    let fifthDone = false;
    const fifth = cache.acquire(paths[4]).then((h) => {
      fifthDone = true;
      return h;
    });
    const again = await cache.acquire(paths[0]); // already pinned: shares it without waiting
    cache.release(again);
    await new Promise((resolve) => setImmediate(resolve));
    expect(fifthDone).toBe(false);
    expect(cache.withFileSync(paths[9], contentOf)).toBe('file 9');
    cache.release(pinned[1]);
    cache.release(await fifth);
    expect(fifthDone).toBe(true);
    [pinned[0], pinned[2], pinned[3]].forEach((h) => cache.release(h));
    expect(cache.pinnedCount).toBe(0);
    expect(cache.openCount).toBeLessThanOrEqual(8);
    cache.closeAll();
  });

  it('reopens evicted paths on demand and creates files only when asked', () => {
    const dir = makeTmpDir();
    const cache = new FileHandleCache({ maxOpen: 2 });
    const file = path.join(dir, 'new.log');
    expect(() => cache.acquireSync(file)).toThrow(expect.objectContaining({ code: 'ENOENT' }));
    cache.withFileSync(file, (fd) => fs.writeSync(fd, 'abc'), 'new');
    cache.release(cache.acquireSync(file, 'new')); // cached: no second open, so no EEXIST
    cache.closeAll();
    expect(() => cache.acquireSync(file, 'new')).toThrow(expect.objectContaining({ code: 'EEXIST' }));
    expect(cache.withFileSync(file, contentOf)).toBe('abc');
    cache.evictUnder(dir);
    expect(cache.openCount).toBe(0);
  });
});

describe('sizing against the process descriptor limit', () => {
  it('keeps a reserve for sockets and metadata, and refuses a limit too small to run', () => {
    expect(logDescriptorBudget(1024, undefined)).toBe(1024);
    expect(logDescriptorBudget(1024, 1024)).toBe(768);
    expect(logDescriptorBudget(1024, 1_048_576)).toBe(1024);
    expect(logDescriptorBudget(500, 400)).toBe(400 - 128);
    expect(() => logDescriptorBudget(1024, 150)).toThrow(new DescriptorLimitError(150, MIN_LOG_DESCRIPTORS + 128));
    expect(() => logDescriptorBudget(1024, 150)).toThrow('the open files limit (ulimit -n) is 150; the broker needs at least 192');
  });

  it('reads the soft limit from /proc/self/limits', () => {
    const dir = makeTmpDir();
    const file = (text: string): string => {
      fs.writeFileSync(path.join(dir, 'limits'), text);
      return path.join(dir, 'limits');
    };
    const header = 'Limit                     Soft Limit           Hard Limit           Units     \n';
    expect(readOpenFilesLimit(file(`${header}Max open files            1024                 524288               files     \n`))).toBe(
      1024,
    );
    expect(
      readOpenFilesLimit(file(`${header}Max open files            unlimited            unlimited            files     \n`)),
    ).toBeUndefined();
    expect(readOpenFilesLimit(path.join(dir, 'missing'))).toBeUndefined();
  });
});
