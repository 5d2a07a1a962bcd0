import * as fs from 'node:fs';
import * as path from 'node:path';
import { decodeRecordBatchesSync, encodeRecordBatch } from '@runnel/protocol';
import {
  CLEANER_CHECKPOINT_FILE,
  DEFAULT_LOG_CONFIG,
  LogManager,
  readCleanerCheckpoint,
  type CleanerStep,
  type LogConfig,
  type PartitionLog,
} from '@runnel/log';
import { makeTmpDir, randomInt, removeTmpDirs, rng } from './batch-builder';

/**
 * The compaction wiring of LogManager (LogCleanerManager): which log a run picks, the bounds it
 * respects (high watermark, min.compaction.lag.ms, policy, ratio), its interplay with delete,
 * close and truncation, and recovery of an interrupted clean when the manager reopens the data
 * directory. Checked, as in cleaner.test.ts, against a model of the appended records.
 */

afterAll(removeTmpDirs);

const T0 = 1_700_000_000_000;
const COMPACT: Partial<LogConfig> = {
  cleanupPolicy: 'compact',
  segmentBytes: 1500,
  indexIntervalBytes: 200,
  minCleanableDirtyRatio: 0.01,
  deleteRetentionMs: 10_000,
};
const DECODE = { maxDecompressedBytes: 1 << 24 };

interface Rec {
  offset: number;
  key: string;
  value: string | null;
}

function put(log: PartitionLog, records: Array<{ key: string; value: string | null }>, model: Rec[], timestamp = T0): void {
  const batch = encodeRecordBatch({
    records: records.map((r) => ({
      timestamp,
      key: Buffer.from(r.key),
      value: r.value === null ? null : Buffer.from(r.value),
      headers: [],
    })),
  });
  const { baseOffset } = log.append(batch);
  records.forEach((r, i) => model.push({ offset: baseOffset + i, ...r }));
}

/** `batches` batches of 1-4 records over `keys` keys with ~60-byte values. */
function fill(log: PartitionLog, model: Rec[], seed: number, batches: number, keys: number, timestamp = T0): void {
  const next = rng(seed);
  for (let b = 0; b < batches; b++) {
    const records = Array.from({ length: randomInt(next, 1, 4) }, () => ({
      key: `k${randomInt(next, 0, keys - 1)}`,
      value: `v${model.length}-`.padEnd(60, 'x'),
    }));
    put(log, records, model, timestamp);
  }
}

async function readAll(log: PartitionLog): Promise<Rec[]> {
  const out: Rec[] = [];
  for (let offset: number = log.logStartOffset; offset < log.logEndOffset;) {
    const r = await log.read(offset, 1 << 20);
    for (const batch of decodeRecordBatchesSync(r.bytes, DECODE)) {
      for (const rec of batch.records)
        if (rec.offset >= offset) out.push({ offset: rec.offset, key: rec.key!.toString(), value: rec.value?.toString() ?? null });
    }
    offset = r.nextOffset;
  }
  return out;
}

/** Latest record per key below `activeBase`, tombstones included; everything from `activeBase` on. */
function compacted(model: Rec[], activeBase: number): Rec[] {
  const latest = new Map<string, number>();
  for (const r of model) if (r.offset < activeBase) latest.set(r.key, r.offset);
  return model.filter((r) => r.offset >= activeBase || latest.get(r.key) === r.offset);
}

const activeBaseOf = (log: PartitionLog): number => log.segmentBaseOffsets().at(-1)!;

async function waitFor(condition: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 3000; i++) {
    if (condition()) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe('LogManager compaction (LogCleanerManager)', () => {
  it('cleans the compacted log with the highest dirty ratio, and only compacted logs', async () => {
    const manager = await LogManager.open(makeTmpDir());
    const light = await manager.getOrCreate('light', 0, COMPACT);
    const heavy = await manager.getOrCreate('heavy', 0, COMPACT);
    const plain = await manager.getOrCreate('plain', 0, { ...COMPACT, cleanupPolicy: 'delete' });
    const models: Record<string, Rec[]> = { light: [], heavy: [], plain: [] };
    fill(light, models.light, 1, 80, 5);
    fill(heavy, models.heavy, 2, 80, 5);
    fill(plain, models.plain, 3, 80, 5);
    // "light" was cleaned once and then got a little more: its dirty ratio is lower than heavy's 1.0.
    const first = await manager.runCleaner({ highWatermarkOf: (topic) => (topic === 'light' ? light.logEndOffset : 0) });
    expect(first).toMatchObject({ topic: 'light', cleaned: true, aborted: false });
    fill(light, models.light, 4, 40, 5);
    light.roll();

    const second = await manager.runCleaner();
    expect(second).toMatchObject({ topic: 'heavy', partition: 0, cleaned: true, dirtyRatio: 1 });
    expect(await readAll(heavy)).toEqual(compacted(models.heavy, activeBaseOf(heavy)));
    const third = await manager.runCleaner();
    expect(third).toMatchObject({ topic: 'light', cleaned: true });
    expect(third!.dirtyRatio).toBeLessThan(1);
    expect(await readAll(light)).toEqual(compacted(models.light, activeBaseOf(light)));
    // Nothing dirty is left anywhere; the delete-policy log was never touched.
    expect(await manager.runCleaner()).toBeUndefined();
    expect(await readAll(plain)).toEqual(models.plain);
    expect(fs.existsSync(path.join(plain.dir, CLEANER_CHECKPOINT_FILE))).toBe(false);

    const stats = manager.cleanerStats;
    expect(stats.runs).toBe(3);
    expect(stats.recordsRemoved).toBe(
      models.heavy.length + models.light.length - (await readAll(heavy)).length - (await readAll(light)).length,
    );
    expect(stats.bytesRead).toBeGreaterThan(stats.bytesWritten);
    expect(stats.segmentsRewritten).toBeGreaterThan(0);
    expect(stats.maxDirtyRatio).toBe(0);
    expect(stats.lastDurationMs).toBeGreaterThan(0);
    await manager.close();
  });

  it('respects min.cleanable.dirty.ratio, the high watermark and min.compaction.lag.ms; config changes apply to the next run', async () => {
    const manager = await LogManager.open(makeTmpDir());
    const log = await manager.getOrCreate('t', 0, { ...COMPACT, minCleanableDirtyRatio: 0.5 });
    const model: Rec[] = [];
    fill(log, model, 5, 60, 300); // mostly distinct keys: a clean leaves most of the log
    const bases = log.segmentBaseOffsets();
    expect(bases.length).toBeGreaterThan(5);

    // Not led here: skipped. Below the HW: only the segments wholly below it.
    expect(await manager.runCleaner({ highWatermarkOf: () => undefined })).toBeUndefined();
    const hw = bases[3] + 1;
    const run = await manager.runCleaner({ highWatermarkOf: () => hw });
    expect(run).toMatchObject({ cleaned: true, cleanedUpToOffset: bases[3] });
    expect(await readAll(log)).toEqual([
      ...compacted(
        model.filter((r) => r.offset < bases[3]),
        bases[3],
      ),
      ...model.filter((r) => r.offset >= bases[3]),
    ]);

    expect(await manager.runCleaner()).toMatchObject({ cleaned: true, firstDirtyOffset: bases[3], cleanedUpToOffset: activeBaseOf(log) });
    // A little new data: ratio below 0.5, nothing to do.
    fill(log, model, 6, 4, 4);
    log.roll();
    expect(await manager.runCleaner()).toBeUndefined();
    expect(manager.cleanerStats.maxDirtyRatio).toBeGreaterThan(0);
    expect(manager.cleanerStats.maxDirtyRatio).toBeLessThan(0.5);

    // min.compaction.lag.ms: records younger than the lag stay (T0 is "now - 1 s").
    await manager.getOrCreate('t', 0, { ...COMPACT, minCompactionLagMs: 60_000 });
    expect(await manager.runCleaner({ nowMs: T0 + 1000 })).toBeUndefined();
    const later = await manager.runCleaner({ nowMs: T0 + 61_000 });
    expect(later).toMatchObject({ cleaned: true, cleanedUpToOffset: activeBaseOf(log) });
    expect(await readAll(log)).toEqual(compacted(model, activeBaseOf(log)));

    // Switching the topic to delete-only stops compaction.
    fill(log, model, 7, 40, 4);
    log.roll();
    await manager.getOrCreate('t', 0, { ...COMPACT, cleanupPolicy: 'delete' });
    expect(await manager.runCleaner()).toBeUndefined();
    await manager.close();
  });

  it('max.compaction.lag.ms: cleans a log whose oldest dirty batch is older than the lag, whatever its dirty ratio', async () => {
    const manager = await LogManager.open(makeTmpDir());
    const log = await manager.getOrCreate('t', 0, COMPACT);
    const model: Rec[] = [];
    fill(log, model, 11, 60, 300);
    log.roll();
    expect(await manager.runCleaner({ nowMs: T0 + 1000 })).toMatchObject({ cleaned: true });
    // A little new data: far below a 0.99 ratio, so only the lag can make it due.
    await manager.getOrCreate('t', 0, { ...COMPACT, minCleanableDirtyRatio: 0.99, maxCompactionLagMs: 60_000 });
    fill(log, model, 12, 4, 4, T0 + 2000);
    log.roll();
    expect(await manager.runCleaner({ nowMs: T0 + 60_000 })).toBeUndefined();
    expect(await manager.runCleaner({ nowMs: T0 + 62_001 })).toMatchObject({ cleaned: true, cleanedUpToOffset: activeBaseOf(log) });
    expect(await readAll(log)).toEqual(compacted(model, activeBaseOf(log)));
    // Nothing dirty left: the lag alone does not trigger another run.
    expect(await manager.runCleaner({ nowMs: T0 + 600_000 })).toBeUndefined();
    await manager.close();
  });

  it('applies time and size retention only when cleanup.policy includes delete', async () => {
    const manager = await LogManager.open(makeTmpDir());
    const retention = { retentionMs: 1000, retentionBytes: 0 };
    const compactOnly = await manager.getOrCreate('c', 0, { ...COMPACT, ...retention });
    const both = await manager.getOrCreate('d', 0, { ...COMPACT, ...retention, cleanupPolicy: 'delete,compact' });
    for (const log of [compactOnly, both]) fill(log, [], 8, 40, 4, T0);
    const closedOfBoth = both.segmentCount - 1;
    expect(closedOfBoth).toBeGreaterThan(1);
    expect(await manager.runRetention(T0 + 3_600_000)).toBe(closedOfBoth);
    expect(compactOnly.logStartOffset).toBe(0);
    expect(both.logStartOffset).toBe(activeBaseOf(both));
    await manager.close();
  });

  it('truncation lowers the cleaner checkpoint, so what is appended again gets cleaned', async () => {
    const manager = await LogManager.open(makeTmpDir());
    const log = await manager.getOrCreate('t', 0, COMPACT);
    let model: Rec[] = [];
    fill(log, model, 9, 80, 4);
    await manager.runCleaner();
    const cleanedTo = activeBaseOf(log);
    expect(await readCleanerCheckpoint(log.dir)).toBe(cleanedTo);

    log.truncateTo(cleanedTo + 5); // above the checkpoint: unchanged
    expect(await readCleanerCheckpoint(log.dir)).toBe(cleanedTo);
    const cut = log.segmentBaseOffsets()[2] + 1;
    log.truncateTo(cut);
    expect(await readCleanerCheckpoint(log.dir)).toBe(cut);
    model = (await readAll(log)).filter((r) => r.offset < cut);
    // A follower re-fetches different data; many versions of k0 land right above the cut.
    for (let i = 0; i < 30; i++) put(log, [{ key: 'k0', value: `again-${i}` }], model);
    fill(log, model, 10, 40, 4);
    log.roll();
    await manager.runCleaner();
    expect(await readAll(log)).toEqual(compacted(model, activeBaseOf(log)));
    expect((await readAll(log)).filter((r) => r.key === 'k0')).toHaveLength(1);

    log.truncateFullyAndStartAt(0);
    expect(await readCleanerCheckpoint(log.dir)).toBe(0);
    await manager.close();
  });

  it('a truncation into the mapped range during a clean, then appends past it, leaves no stale checkpoint', async () => {
    const manager = await LogManager.open(makeTmpDir());
    const log = await manager.getOrCreate('t', 0, COMPACT);
    fill(log, [], 12, 200, 5);
    await log.flush();
    const running = manager.runCleaner({ ioBytesPerSecond: 100_000 });
    await waitFor(() => fs.readdirSync(log.dir).some((n) => n.endsWith('.cleaned')), 'the rewrite phase');
    const cut = log.segmentBaseOffsets()[1] + 1;
    log.truncateTo(cut); // a follower diverged below what the cleaner mapped...
    fill(log, [], 13, 200, 5); // ...and re-fetched past it before the cleaner noticed
    const run = await running;
    expect(run).toMatchObject({ cleaned: true, aborted: true });
    const checkpoint = await readCleanerCheckpoint(log.dir);
    expect(checkpoint === undefined || checkpoint <= cut).toBe(true);
    // The next run cleans the new records too: the latest per key, everything else gone.
    log.roll();
    const model = await readAll(log);
    await manager.runCleaner();
    expect(await readAll(log)).toEqual(compacted(model, activeBaseOf(log)));
    await manager.close();
  });

  it('does not stall the event loop while cleaning without a rate bound', async () => {
    const manager = await LogManager.open(makeTmpDir());
    const log = await manager.getOrCreate('t', 0, { ...COMPACT, segmentBytes: 1 << 20 });
    const model: Rec[] = [];
    for (let i = 0; i < 80; i++)
      put(
        log,
        Array.from({ length: 200 }, (_, j) => ({ key: `k${j % 50}`, value: 'v'.repeat(300) })),
        model,
      );
    log.roll();
    expect(log.sizeBytes).toBeGreaterThan(4 << 20);
    let ticks = 0;
    const ticker = setInterval(() => ticks++, 0);
    const run = await manager.runCleaner();
    clearInterval(ticker);
    expect(run).toMatchObject({ cleaned: true });
    expect(ticks).toBeGreaterThan(2); // timers ran during the clean
    expect(await readAll(log)).toEqual(compacted(model, activeBaseOf(log)));
    await manager.close();
  });

  it.each(['delete', 'close'] as const)('a %s during a clean aborts it and waits for it', async (action) => {
    const dataDir = makeTmpDir();
    const manager = await LogManager.open(dataDir);
    const log = await manager.getOrCreate('t', 0, COMPACT);
    const model: Rec[] = [];
    fill(log, model, 11, 300, 6);
    await log.flush();
    const running = manager.runCleaner({ ioBytesPerSecond: 100_000 }); // ~10 s for the whole log
    await waitFor(() => fs.readdirSync(log.dir).some((n) => n.endsWith('.cleaned')), 'the cleaner to write output');
    if (action === 'delete') {
      expect(await manager.delete('t', 0)).toBe(true);
      expect(fs.readdirSync(dataDir)).toEqual([]);
    } else {
      await manager.close();
    }
    const run = await running;
    expect(run).toMatchObject({ cleaned: true, aborted: true });
    expect(manager.cleanerStats.aborted).toBe(1);
    if (action === 'close') {
      expect(fs.readdirSync(log.dir).filter((n) => /\.(cleaned|swap)$/.test(n))).toEqual([]);
      expect(await readCleanerCheckpoint(log.dir)).toBeUndefined();
      const reopened = await LogManager.open(dataDir, { configFor: () => ({ ...DEFAULT_LOG_CONFIG, ...COMPACT }) });
      const after = await reopened.getOrCreate('t', 0);
      expect(await readAll(after)).toEqual(model); // nothing was swapped yet, nothing lost
      await reopened.close();
    }
  });

  describe('recovery on LogManager.open after a crash during a clean', () => {
    const STEPS: CleanerStep[] = ['cleaned', 'swap', 'deleted'];
    it.each(STEPS.flatMap((step) => [0, 2].map((nth) => [step, nth] as const)))('crash after step %s of swap #%i', async (step, nth) => {
      const dataDir = makeTmpDir();
      let swaps = 0;
      const crash = new Error('injected crash');
      const manager = await LogManager.open(dataDir, {
        cleaner: {
          onStep: (at) => {
            if (at === step && swaps++ === nth) throw crash;
          },
        },
      });
      const log = await manager.getOrCreate('t', 0, COMPACT);
      const model: Rec[] = [];
      fill(log, model, 20 + nth, 120, 5);
      put(log, [{ key: 'k1', value: null }], model); // a tombstone, young enough to be kept
      await log.flush();
      const leo = log.logEndOffset;
      const expected = compacted(model, activeBaseOf(log));
      await expect(manager.runCleaner({ nowMs: T0 })).rejects.toBe(crash);
      expect(manager.cleanerStats).toMatchObject({ errors: 1, uncleanablePartitions: 1 });
      manager.handles.closeAll(); // the process dies here: no close, no checkpoints

      const reopened = await LogManager.open(dataDir, { configFor: () => ({ ...DEFAULT_LOG_CONFIG, ...COMPACT }) });
      expect(fs.readdirSync(log.dir).filter((n) => /\.(cleaned|swap|deleted)$/.test(n))).toEqual([]);
      const recovered = reopened.get('t', 0)!;
      expect(recovered.logEndOffset).toBe(leo);
      const after = await readAll(recovered);
      const offsets = after.map((r) => r.offset);
      expect(offsets).toEqual([...new Set(offsets)].sort((a, b) => a - b)); // nothing duplicated
      const original = new Map(model.map((r) => [r.offset, r]));
      for (const r of after) expect(r).toEqual(original.get(r.offset)); // nothing invented
      const present = new Set(offsets);
      for (const r of expected) expect(present.has(r.offset)).toBe(true); // nothing lost that a clean keeps
      const newest = (records: Rec[]) => new Map(records.map((r) => [r.key, r]));
      expect(newest(after)).toEqual(newest(model)); // every key still reads as its latest value

      const run = await reopened.runCleaner({ nowMs: T0 });
      expect(run).toMatchObject({ cleaned: true, aborted: false });
      expect(await readAll(recovered)).toEqual(expected);
      await reopened.close();
    });
  });
});
