import { RunnelError } from '../../src/common/errors';
import { encodeCursor } from '../../src/consume/cursor';
import { StartFrom, StartPartition, resolveStart } from '../../src/consume/start-position';

/** The one start-position resolver (WebSocket subscribe and event streams both call it). */
describe('resolveStart', () => {
  // Partition p: log start 10 * p, HW 10 * p + 5; record timestamps are 1000 + offset.
  const partition = (p: number): StartPartition => ({
    partition: p,
    logStartOffset: 10 * p,
    highWatermark: 10 * p + 5,
    offsetForTimestamp: async (ts) => (ts - 1000 <= 10 * p + 4 ? { offset: Math.max(ts - 1000, 0) } : null),
  });
  const topics = {
    partitionCount: (topic: string) => {
      if (topic !== 'orders') throw new RunnelError('UNKNOWN_TOPIC_OR_PARTITION', 'no such topic');
      return 3;
    },
    partition: (_topic: string, p: number) => partition(p),
  };
  const start = async (from: StartFrom, named?: number[]) =>
    (await resolveStart(topics, 'orders', named, from, 100)).map((s) => [s.state.partition, s.offset]);
  const errorOf = async (run: Promise<unknown>) =>
    run.then(
      () => 'no error',
      (e: RunnelError) => e.errorCode,
    );

  it('earliest, latest and timestamp over every partition, or the named ones', async () => {
    expect(await start({ kind: 'earliest' })).toEqual([
      [0, 0],
      [1, 10],
      [2, 20],
    ]);
    expect(await start({ kind: 'latest' }, [2, 0])).toEqual([
      [2, 25],
      [0, 5],
    ]);
    // Timestamp 1012: offset 12 in partition 1; before the log start of 2 (20); past the end of 0 (HW).
    expect(await start({ kind: 'timestamp', timestamp: 1012 })).toEqual([
      [0, 5],
      [1, 12],
      [2, 20],
    ]);
  });

  it('an offset or a cursor position must lie in [log start, HW]: 416, never clamped', async () => {
    expect(await start({ kind: 'offset', offset: 5 }, [0])).toEqual([[0, 5]]);
    expect(await errorOf(start({ kind: 'offset', offset: 6 }, [0]))).toBe(416);
    expect(await errorOf(start({ kind: 'offset', offset: 9 }, [1]))).toBe(416);
    const cursor = encodeCursor('orders', [{ partition: 1, offset: 12 }]);
    expect(await start({ kind: 'cursor', cursor })).toEqual([[1, 12]]); // the cursor's partitions
    expect(await start({ kind: 'cursor', cursor }, [1, 2])).toEqual([
      [1, 12],
      [2, 20],
    ]); // not in it: log start
    expect(await errorOf(start({ kind: 'cursor', cursor: encodeCursor('orders', [{ partition: 2, offset: 26 }]) }))).toBe(416);
    expect(await errorOf(start({ kind: 'cursor', cursor: encodeCursor('payments', [{ partition: 0, offset: 0 }]) }))).toBe(40001);
    expect(await errorOf(start({ kind: 'earliest' }, [3]))).toBe(40403);
  });
});
