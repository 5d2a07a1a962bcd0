import { GroupCommit } from '@runnel/log';

/** A controllable "fsync": each call waits until the test releases it. */
function controllableAction(): { action: () => Promise<void>; calls: number; release: (error?: Error) => void; pending: () => number } {
  const waiting: Array<(error?: Error) => void> = [];
  const state = {
    calls: 0,
    action: () => {
      state.calls++;
      return new Promise<void>((resolve, reject) => waiting.push((error) => (error ? reject(error) : resolve())));
    },
    release: (error?: Error) => waiting.shift()!(error),
    pending: () => waiting.length,
  };
  return state;
}

const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('GroupCommit', () => {
  it('runs one action at a time and makes all callers arriving meanwhile share the next', async () => {
    const fsync = controllableAction();
    const commit = new GroupCommit(fsync.action);
    const first = commit.sync();
    await tick();
    expect(fsync.calls).toBe(1);
    const waiters = Array.from({ length: 100 }, () => commit.sync());
    await tick();
    expect(fsync.pending()).toBe(1); // never two in flight
    let done = 0;
    waiters.forEach((w) => w.then(() => done++));
    fsync.release();
    await first;
    await tick();
    expect(done).toBe(0); // the waiters arrived during the first run: they need the second
    expect(fsync.calls).toBe(2);
    fsync.release();
    await Promise.all(waiters);
    expect(done).toBe(100);
    expect(commit.runCount).toBe(2);
    expect(commit.inFlight).toBe(false);
  });

  it('costs at most two runs for any number of concurrent callers', async () => {
    let calls = 0;
    const commit = new GroupCommit(async () => {
      calls++;
      await tick();
    });
    await Promise.all(Array.from({ length: 1000 }, () => commit.sync()));
    expect(calls).toBeLessThanOrEqual(2);
    await commit.sync();
    expect(calls).toBeLessThanOrEqual(3);
  });

  it('rejects only the callers of a failed run, and the next run starts afresh', async () => {
    const fsync = controllableAction();
    const commit = new GroupCommit(fsync.action);
    const failed = commit.sync();
    const next = commit.sync();
    await tick();
    fsync.release(new Error('EIO'));
    await expect(failed).rejects.toThrow('EIO');
    await tick();
    fsync.release();
    await expect(next).resolves.toBeUndefined();
  });
});
