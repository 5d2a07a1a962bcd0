import * as fs from 'node:fs';
import * as path from 'node:path';
import { DEFAULT_LOG_CONFIG, FileHandleCache, OffsetOutOfRangeError, PartitionLog, type LogConfig } from '@runnel/log';
import { buildBatch, makeTmpDir, ManualClock, removeTmpDirs } from './batch-builder';

const handles = new FileHandleCache(32);
afterAll(() => {
  handles.closeAll();
  removeTmpDirs();
});

const HOUR = 3_600_000;
const T0 = 1_700_000_000_000;

/** Five closed segments of 4 batches (one per hour of record time) plus an active one. */
async function hourlyLog(config: Partial<LogConfig>, clock = new ManualClock(T0)): Promise<PartitionLog> {
  const dir = path.join(makeTmpDir(), 'retention-0');
  const log = await PartitionLog.open(dir, { ...DEFAULT_LOG_CONFIG, ...config }, { handles, clock });
  for (let hour = 0; hour < 6; hour++) {
    for (let i = 0; i < 4; i++) log.append(buildBatch({ records: 5, valueBytes: 50, timestampMs: T0 + hour * HOUR + i * 1000 }));
    if (hour < 5) log.roll();
  }
  expect(log.segmentCount).toBe(6);
  return log;
}

describe('retention by time', () => {
  it('deletes closed segments whose newest record is older than retention.ms and moves the log start offset', async () => {
    const log = await hourlyLog({ retentionMs: 2 * HOUR });
    const bases = log.segmentBaseOffsets();
    // newest record of segment h is at T0 + h hours + 3 s; at T0 + 3h + 4s only segments 0 and 1 are more than 2h old
    expect(await log.deleteRetainedSegments(T0 + 3 * HOUR + 4000)).toBe(2);
    expect(log.segmentBaseOffsets()).toEqual(bases.slice(2));
    expect(log.logStartOffset).toBe(bases[2]);
    await expect(log.read(bases[2] - 1, 100)).rejects.toThrow(OffsetOutOfRangeError);
    expect(fs.readdirSync(log.dir).filter((f) => f.endsWith('.log')).length).toBe(4);
    expect(await log.deleteRetainedSegments(T0 + 3 * HOUR + 4000)).toBe(0);
    await log.close();
  });

  it('never deletes the active segment, however old', async () => {
    const log = await hourlyLog({ retentionMs: 1 });
    expect(await log.deleteRetainedSegments(T0 + 1000 * HOUR)).toBe(5);
    expect(log.segmentCount).toBe(1);
    expect(log.logStartOffset).toBe(100);
    expect(log.logEndOffset).toBe(120);
    expect((await log.read(100, 1 << 20)).bytes.length).toBeGreaterThan(0);
    await log.close();
  });

  it('keeps everything with retention.ms = -1 and retention.bytes = -1', async () => {
    const log = await hourlyLog({ retentionMs: -1, retentionBytes: -1 });
    expect(await log.deleteRetainedSegments(T0 + 1000 * HOUR)).toBe(0);
    expect(log.segmentCount).toBe(6);
    await log.close();
  });

  it('reads the largest timestamp of closed segments from their time index after a restart', async () => {
    const log = await hourlyLog({ retentionMs: 2 * HOUR });
    await log.close();
    const reopened = await PartitionLog.open(
      log.dir,
      { ...DEFAULT_LOG_CONFIG, retentionMs: 2 * HOUR },
      {
        handles,
        recoveryPoint: log.recoveryPoint,
        hadCleanShutdown: true,
      },
    );
    expect(reopened.bytesScannedAtOpen).toBe(0);
    expect(await reopened.deleteRetainedSegments(T0 + 3 * HOUR + 4000)).toBe(2);
    await reopened.close();
  });
});

describe('retention by size', () => {
  it('deletes the oldest closed segments while the log exceeds retention.bytes', async () => {
    const probe = await hourlyLog({ retentionMs: -1 });
    const segmentBytes = probe.sizeBytes / 6;
    await probe.close();
    const log = await hourlyLog({ retentionMs: -1, retentionBytes: Math.floor(segmentBytes * 3.5) });
    const bases = log.segmentBaseOffsets();
    expect(await log.deleteRetainedSegments(T0)).toBe(2);
    expect(log.sizeBytes).toBe(segmentBytes * 4);
    expect(log.segmentBaseOffsets()).toEqual(bases.slice(2));
    expect(log.logStartOffset).toBe(bases[2]);
    await log.close();
  });

  it('applies time and size together, time first', async () => {
    const log = await hourlyLog({ retentionMs: 3 * HOUR + 5000, retentionBytes: 0 });
    expect(await log.deleteRetainedSegments(T0 + 4 * HOUR)).toBe(5);
    expect(log.segmentCount).toBe(1);
    await log.close();
  });

  it('lets reads that started before the deletion finish', async () => {
    const log = await hourlyLog({ retentionMs: -1, retentionBytes: 0 });
    const reads = [0, 20, 40, 60].map((offset) =>
      log.read(offset, 1 << 20).then(
        (r) => r.bytes.length,
        (e: unknown) => e,
      ),
    );
    await log.deleteRetainedSegments(T0);
    for (const r of await Promise.all(reads)) {
      if (typeof r === 'number') expect(r).toBeGreaterThan(0);
      else expect(r).toBeInstanceOf(OffsetOutOfRangeError);
    }
    await log.close();
  });
});
