import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DEFAULT_LOG_CONFIG, LogConfig, LogManager } from '@runnel/log';
import { encodeRecordBatch } from '@runnel/protocol';
import { ReplicaManager, isDurable } from '@runnel/replication';

const batch = (n: number): Buffer =>
  encodeRecordBatch({
    records: Array.from({ length: n }, (_, i) => ({ timestamp: 1000 + i, key: null, value: Buffer.from(`v${i}`), headers: [] })),
  });

describe('Partition / ReplicaManager (real logs in a temp dir)', () => {
  let dir: string;
  const open: { logs: LogManager; replicas: ReplicaManager }[] = [];
  const durable: LogConfig = { ...DEFAULT_LOG_CONFIG, flushMs: 0 };
  const pageCache: LogConfig = { ...DEFAULT_LOG_CONFIG, flushMs: 60_000 };

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'runnel-repl-'));
  });
  afterEach(async () => {
    for (const { logs, replicas } of open.splice(0)) {
      await replicas.shutdown();
      await logs.close();
    }
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const start = async () => {
    const logs = await LogManager.open(dir, { maxOpenFiles: 64 });
    const replicas = new ReplicaManager(logs);
    open.push({ logs, replicas });
    return { logs, replicas };
  };

  it('treats flush.ms=0 or flush.messages=1 as durable, anything else as page-cache mode', () => {
    expect(isDurable(durable)).toBe(true);
    expect(isDurable({ ...pageCache, flushMessages: 1 })).toBe(true);
    expect(isDurable(pageCache)).toBe(false);
  });

  it('acks=all answers only once the batch is below the high watermark; reads never pass it', async () => {
    const { replicas } = await start();
    const partition = await replicas.becomeLeader('t', 0, 0, durable);
    const result = await partition.append(batch(5), -1);
    expect(result).toMatchObject({ baseOffset: 0, lastOffset: 4 });
    expect(partition.highWatermark).toBe(5);
    expect(partition.log.recoveryPoint).toBe(5);
    const read = await partition.read(0 as never, 1 << 20);
    expect(read.highWatermark).toBe(5);
    expect(read.nextOffset).toBe(5);
  });

  it('acks=1 answers after the local append; the high watermark follows the group fsync', async () => {
    const { replicas } = await start();
    const partition = await replicas.becomeLeader('t', 0, 0, durable);
    const result = await partition.append(batch(3), 1);
    expect(result.lastOffset).toBe(2);
    expect(await partition.waitForData(2, 30_000)).toBe(true);
    expect(partition.highWatermark).toBe(3);
  });

  it('answers size and timestamp lookups itself (callers need not reach into the log), never past HW', async () => {
    const { replicas } = await start();
    const partition = await replicas.becomeLeader('t', 0, 0, durable);
    expect(partition.sizeBytes).toBe(0);
    await partition.append(batch(5), -1); // timestamps 1000..1004
    expect(partition.sizeBytes).toBe(partition.log.sizeBytes);
    expect(partition.sizeBytes).toBeGreaterThan(0);
    expect(partition.segmentCount).toBe(1);
    expect(await partition.offsetForTimestamp(1002)).toEqual({ offset: 2, timestamp: 1002 });
    expect(await partition.offsetForTimestamp(5000)).toBeNull();
    // A record appended (acks=1) but not yet fsynced, so not below HW, is not found until it is.
    // The log's fsync is held back here, so the lookup cannot race the group commit.
    const flush = partition.log.flush.bind(partition.log);
    let releaseFlush!: () => void;
    const flushHeld = new Promise<void>((resolve) => (releaseFlush = resolve));
    partition.log.flush = async () => {
      await flushHeld;
      return flush();
    };
    await partition.append(encodeRecordBatch({ records: [{ timestamp: 9000, key: null, value: Buffer.from('late'), headers: [] }] }), 1);
    expect(partition.highWatermark).toBe(5);
    expect(await partition.offsetForTimestamp(9000)).toBeNull();
    releaseFlush();
    expect(await partition.waitForData(5, 30_000)).toBe(true);
    expect(await partition.offsetForTimestamp(9000)).toEqual({ offset: 5, timestamp: 9000 });
  });

  it('page-cache mode moves the high watermark with the log end offset', async () => {
    const { replicas } = await start();
    const partition = await replicas.becomeLeader('t', 0, 0, pageCache);
    await partition.append(batch(4), 1);
    expect(partition.highWatermark).toBe(4);
    expect(partition.log.recoveryPoint).toBe(0);
  });

  it('after an unclean stop the recovered records are made durable and visible again', async () => {
    const first = await start();
    const partition = await first.replicas.becomeLeader('t', 0, 0, durable);
    await partition.append(batch(10), -1);
    // Simulated crash: no clean close, so no checkpoint records the recovery point.
    open.splice(0);
    first.logs.handles.closeAll();

    const { replicas } = await start();
    const again = await replicas.becomeLeader('t', 0, 0, durable);
    expect(again.logEndOffset).toBe(10);
    expect(again.highWatermark).toBe(10);
    expect((await again.read(0 as never, 1 << 20)).nextOffset).toBe(10);
  });

  it('wakes parked readers when data arrives and when the partition closes', async () => {
    const { replicas } = await start();
    const partition = await replicas.becomeLeader('t', 0, 0, durable);
    const arrives = partition.waitForData(0, 30_000);
    await partition.append(batch(1), 1);
    expect(await arrives).toBe(true);
    const parked = partition.waitForData(1, 30_000);
    const woken: number[] = [];
    partition.onHighWatermark((hw) => woken.push(hw));
    await replicas.stopReplica('t', 0, false);
    expect(await parked).toBe(false);
    expect(woken).toEqual([1]);
    expect(partition.isClosed).toBe(true);
  });

  it('refuses to delete records above the high watermark and moves the log start below it', async () => {
    const { replicas } = await start();
    const partition = await replicas.becomeLeader('t', 0, 0, durable);
    await partition.append(batch(5), -1);
    await expect(partition.deleteRecordsBefore(6 as never)).rejects.toThrow(RangeError);
    expect(await partition.deleteRecordsBefore(3 as never)).toBe(3);
    expect(partition.logStartOffset).toBe(3);
  });

  it('answers time lookups, sizes and out-of-range reads itself, so the broker never reaches into its log', async () => {
    const { replicas } = await start();
    const partition = await replicas.becomeLeader('t', 0, 0, durable);
    await partition.append(batch(5), -1); // timestamps 1000..1004
    expect(await partition.offsetForTimestamp(1002)).toMatchObject({ offset: 2, timestamp: 1002 });
    expect(await partition.offsetForTimestamp(5000)).toBeNull();
    expect(partition.sizeBytes).toBeGreaterThanOrEqual(batch(5).length);
    await partition.deleteRecordsBefore(3 as never);
    await expect(partition.read(1 as never, 1024)).rejects.toMatchObject({
      name: 'OffsetOutOfRangeError',
      topic: 't',
      partition: 0,
      requestedOffset: 1,
      logStartOffset: 3,
      highWatermark: 5,
    });
  });
});
