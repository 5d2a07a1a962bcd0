import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DataDirError, DataDirLock, DataDirLockedError, prepareDataDir } from '../src';

describe('DataDirLock', () => {
  const tmp = (): string => fs.mkdtempSync(path.join(os.tmpdir(), 'runnel-lock-'));

  it('is held by one owner at a time and names the holder to the next', async () => {
    const dir = tmp();
    const lock = await DataDirLock.acquire(dir);
    const refused = DataDirLock.acquire(dir);
    await expect(refused).rejects.toBeInstanceOf(DataDirLockedError);
    await expect(refused).rejects.toMatchObject({ holder: { pid: process.pid, host: os.hostname() } });
    lock.release();
    const again = await DataDirLock.acquire(dir);
    again.release();
  });

  it('is one lock for a directory however it is named (symlink)', async () => {
    const dir = tmp();
    const link = path.join(tmp(), 'link');
    fs.symlinkSync(dir, link);
    const lock = await DataDirLock.acquire(dir);
    await expect(DataDirLock.acquire(link)).rejects.toBeInstanceOf(DataDirLockedError);
    lock.release();
  });

  it('ignores a .lock file left by a holder that is gone', async () => {
    const dir = tmp();
    fs.writeFileSync(path.join(dir, '.lock'), JSON.stringify({ pid: 999_999_999, host: os.hostname(), startedAt: 'then' }));
    const lock = await DataDirLock.acquire(dir);
    expect(JSON.parse(fs.readFileSync(path.join(dir, '.lock'), 'utf8'))).toMatchObject({ pid: process.pid });
    lock.release();
  });
});

describe('prepareDataDir', () => {
  it('creates missing parents and refuses what cannot hold a log', () => {
    const base = fs.mkdtempSync(path.join(os.tmpdir(), 'runnel-dir-'));
    expect(prepareDataDir(path.join(base, 'a/b/c'))).toBe(path.join(base, 'a/b/c'));
    expect(fs.statSync(path.join(base, 'a/b/c')).isDirectory()).toBe(true);
    fs.writeFileSync(path.join(base, 'file'), '');
    expect(() => prepareDataDir(path.join(base, 'file'))).toThrow(new DataDirError(path.join(base, 'file'), 'it is not a directory'));
    expect(() => prepareDataDir(path.join(base, 'file/sub'))).toThrow(DataDirError);
    expect(() => prepareDataDir('/proc/runnel-data/x')).toThrow(DataDirError);
  });
});
