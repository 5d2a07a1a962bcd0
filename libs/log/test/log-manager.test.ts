import * as fs from 'node:fs';
import * as path from 'node:path';
import { CLEAN_SHUTDOWN_FILE, DEFAULT_LOG_CONFIG, LogClosedError, LogManager, type LogConfig } from '@runnel/log';
import { buildBatch, makeTmpDir, ManualClock, removeTmpDirs } from './batch-builder';

afterAll(removeTmpDirs);

const CONFIG: LogConfig = { ...DEFAULT_LOG_CONFIG, segmentBytes: 2000, indexIntervalBytes: 200 };

async function fill(manager: LogManager, topic: string, partitions: number, batches: number): Promise<void> {
  for (let p = 0; p < partitions; p++) {
    const log = await manager.getOrCreate(topic, p);
    for (let i = 0; i < batches; i++) log.append(buildBatch({ records: 3, valueBytes: 50, seed: p * 1000 + i }));
  }
}

async function contentOf(manager: LogManager, topic: string, partition: number): Promise<Buffer> {
  const log = manager.get(topic, partition)!;
  const chunks: Buffer[] = [];
  for (let offset: number = log.logStartOffset; offset < log.logEndOffset;) {
    const r = await log.read(offset, 1 << 20);
    chunks.push(r.bytes);
    offset = r.nextOffset;
  }
  return Buffer.concat(chunks);
}

describe('LogManager', () => {
  it('creates one directory per partition and returns the same log for the same partition', async () => {
    const dataDir = makeTmpDir();
    const manager = await LogManager.open(dataDir, { defaultConfig: CONFIG });
    const [a, b] = await Promise.all([manager.getOrCreate('orders', 0), manager.getOrCreate('orders', 0)]);
    expect(a).toBe(b);
    expect(await manager.getOrCreate('orders', 0)).toBe(a);
    await manager.getOrCreate('my-topic.v2', 7, { retentionMs: 1000 });
    expect(manager.get('my-topic.v2', 7)?.config.retentionMs).toBe(1000);
    expect(manager.get('orders', 1)).toBeUndefined();
    expect(fs.readdirSync(dataDir).sort()).toEqual(['my-topic.v2-7', 'orders-0']);
    expect(manager.partitions()).toEqual(
      expect.arrayContaining([
        { topic: 'orders', partition: 0 },
        { topic: 'my-topic.v2', partition: 7 },
      ]),
    );
    await expect(manager.getOrCreate('../etc', 0)).rejects.toThrow(RangeError);
    await manager.getOrCreate('orders', 0, { segmentMs: 5000 });
    expect(a.config.segmentMs).toBe(5000);
    await manager.close();
  });

  it("checkpoints recovery points and log start offsets in Kafka's format", async () => {
    const dataDir = makeTmpDir();
    const manager = await LogManager.open(dataDir, { defaultConfig: CONFIG });
    await fill(manager, 't', 2, 4);
    await manager.get('t', 0)!.flush();
    await manager.get('t', 1)!.deleteRecordsBefore(5);
    await manager.checkpoint();
    const lines = (file: string): string[] => fs.readFileSync(path.join(dataDir, file), 'utf8').trim().split('\n');
    expect(lines('recovery-point-offset-checkpoint')).toEqual(['0', '2', 't 0 12', 't 1 0']);
    expect(lines('log-start-offset-checkpoint')).toEqual(['0', '2', 't 0 0', 't 1 5']);
    await manager.close();
  });

  it('reopens after a clean shutdown without scanning, with the same data and offsets', async () => {
    const dataDir = makeTmpDir();
    const first = await LogManager.open(dataDir, { defaultConfig: CONFIG });
    await fill(first, 'a', 3, 30);
    await first.get('a', 2)!.deleteRecordsBefore(40);
    const before = await contentOf(first, 'a', 1);
    await first.close();
    expect(fs.existsSync(path.join(dataDir, CLEAN_SHUTDOWN_FILE))).toBe(true);
    await expect(first.getOrCreate('a', 0)).rejects.toThrow(LogClosedError);

    const second = await LogManager.open(dataDir, { defaultConfig: CONFIG });
    expect(second.hadCleanShutdown).toBe(true);
    expect(fs.existsSync(path.join(dataDir, CLEAN_SHUTDOWN_FILE))).toBe(false);
    expect(second.bytesScannedAtOpen).toBe(0);
    expect(second.partitions().length).toBe(3);
    expect((await contentOf(second, 'a', 1)).equals(before)).toBe(true);
    expect([second.get('a', 2)!.logStartOffset, second.get('a', 2)!.logEndOffset]).toEqual([40, 90]);
    expect(second.get('a', 0)!.append(buildBatch()).baseOffset).toBe(90);
    await second.close();
  });

  it('reopens hundreds of small partitions cleanly from their time index files alone', async () => {
    const dataDir = makeTmpDir();
    const first = await LogManager.open(dataDir, { defaultConfig: DEFAULT_LOG_CONFIG, maxOpenFiles: 32 });
    for (let p = 0; p < 300; p++) (await first.getOrCreate('many', p)).append(buildBatch({ records: 1, timestampMs: 5000 + p }));
    await first.close();
    expect(fs.readdirSync(path.join(dataDir, 'many-7')).sort()).toEqual(['00000000000000000000.log', '00000000000000000000.timeindex']);
    const second = await LogManager.open(dataDir, { maxOpenFiles: 32 });
    expect(second.bytesScannedAtOpen).toBe(0);
    expect(second.size).toBe(300);
    expect(await second.get('many', 7)!.offsetForTimestamp(5007)).toEqual({ offset: 0, timestamp: 5007 });
    expect(second.get('many', 299)!.append(buildBatch()).baseOffset).toBe(1);
    await second.close();
  });

  it('recovers from its recovery points after a crash, keeping everything flushed', async () => {
    const dataDir = makeTmpDir();
    const first = await LogManager.open(dataDir, { defaultConfig: CONFIG, maxOpenFiles: 16 });
    await fill(first, 'c', 4, 20);
    await first.flushAll();
    await first.checkpoint();
    const flushed = await Promise.all([0, 1, 2, 3].map((p) => contentOf(first, 'c', p)));
    first.get('c', 0)!.append(buildBatch({ records: 2 })); // unflushed: may or may not survive
    first.handles.closeAll(); // crash: no close, no marker

    const second = await LogManager.open(dataDir, { defaultConfig: CONFIG });
    expect(second.hadCleanShutdown).toBe(false);
    expect(second.bytesScannedAtOpen).toBeGreaterThan(0);
    for (let p = 0; p < 4; p++) {
      const content = await contentOf(second, 'c', p);
      expect(content.subarray(0, flushed[p].length).equals(flushed[p])).toBe(true);
    }
    await second.close();
  });

  it('scans everything when the checkpoint is unreadable', async () => {
    const dataDir = makeTmpDir();
    const first = await LogManager.open(dataDir, { defaultConfig: CONFIG });
    await fill(first, 'd', 1, 10);
    await first.close();
    fs.writeFileSync(path.join(dataDir, 'recovery-point-offset-checkpoint'), 'garbage');
    const second = await LogManager.open(dataDir, { defaultConfig: CONFIG });
    expect(second.hadCleanShutdown).toBe(false);
    expect(second.bytesScannedAtOpen).toBe(second.get('d', 0)!.sizeBytes);
    expect(second.get('d', 0)!.logEndOffset).toBe(30);
    await second.close();
  });

  it('deletes a partition and finishes interrupted deletions on open', async () => {
    const dataDir = makeTmpDir();
    const manager = await LogManager.open(dataDir, { defaultConfig: CONFIG });
    await fill(manager, 'e', 2, 5);
    expect(await manager.delete('e', 0)).toBe(true);
    expect(await manager.delete('e', 0)).toBe(false);
    expect(fs.readdirSync(dataDir)).toEqual(['e-1']);
    expect(manager.partitions()).toEqual([{ topic: 'e', partition: 1 }]);
    await manager.close();
    fs.mkdirSync(path.join(dataDir, 'e-5.0a1b2c-delete'));
    fs.writeFileSync(path.join(dataDir, 'e-5.0a1b2c-delete', '00000000000000000000.log'), 'x');
    const reopened = await LogManager.open(dataDir, { defaultConfig: CONFIG });
    expect(
      fs
        .readdirSync(dataDir)
        .filter((n) => !n.includes('checkpoint'))
        .sort(),
    ).toEqual(['e-1']);
    expect(fs.readFileSync(path.join(dataDir, 'recovery-point-offset-checkpoint'), 'utf8')).toBe('0\n1\ne 1 15\n');
    await reopened.close();
  });

  it('runs retention and due flushes over all logs', async () => {
    const clock = new ManualClock(1_700_000_000_000);
    const dataDir = makeTmpDir();
    const manager = await LogManager.open(dataDir, { defaultConfig: { ...CONFIG, retentionMs: 1000, flushMs: 500 }, clock });
    for (let p = 0; p < 3; p++) {
      const log = await manager.getOrCreate('r', p);
      for (let i = 0; i < 3; i++) {
        log.append(buildBatch({ records: 1, timestampMs: clock.now }));
        log.roll();
      }
      log.append(buildBatch({ records: 1, timestampMs: clock.now }));
    }
    expect(await manager.flushDue(clock.now + 499)).toBe(0);
    expect(await manager.flushDue(clock.now + 500)).toBe(3);
    expect(await manager.runRetention(clock.now + 1000)).toBe(0);
    expect(await manager.runRetention(clock.now + 1001)).toBe(9);
    expect(manager.partitions().map((tp) => manager.get(tp.topic, tp.partition)!.logStartOffset)).toEqual([3, 3, 3]);
    await manager.close();
  });
});
