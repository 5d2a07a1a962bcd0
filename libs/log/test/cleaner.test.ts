import * as fs from 'node:fs';
import * as path from 'node:path';
import { CompressionCodec, decodeRecordBatchesSync, encodeRecordBatch } from '@runnel/protocol';
import {
  Cleaner,
  CLEANER_CHECKPOINT_FILE,
  DEFAULT_LOG_CONFIG,
  FileHandleCache,
  PartitionLog,
  readCleanerCheckpoint,
  recoverCleanerFiles,
  segmentFileName,
  type CleanerStep,
  type CleanOptions,
  type LogConfig,
} from '@runnel/log';
import { makeTmpDir, randomInt, removeTmpDirs, rng } from './batch-builder';

/**
 * Compaction checked against a reference model: an array of every appended record (offset, key,
 * value, its batch's max timestamp). After a clean, reading the whole log must give exactly the
 * model's records that a compacted log keeps — below the active segment's base, the latest
 * record per key, and a tombstone only while its batch is younger than delete.retention.ms;
 * everything in the active segment — at their original offsets.
 */

const handles = new FileHandleCache(64);
afterAll(() => {
  handles.closeAll();
  removeTmpDirs();
});

const CONFIG: LogConfig = { ...DEFAULT_LOG_CONFIG, segmentBytes: 1500, indexIntervalBytes: 200 };
const T0 = 1_700_000_000_000;
const RETENTION_MS = 10_000;

interface ModelRecord {
  offset: number;
  key: string | null;
  value: string | null;
  batchMaxTimestamp: number;
}

interface Fixture {
  dir: string;
  log: PartitionLog;
  model: ModelRecord[];
}

function batchOf(
  records: Array<{ key: string | null; value: string | null; timestamp: number }>,
  compression = CompressionCodec.None,
): Buffer {
  return encodeRecordBatch({
    compression,
    records: records.map((r) => ({
      timestamp: r.timestamp,
      key: r.key === null ? null : Buffer.from(r.key),
      value: r.value === null ? null : Buffer.from(r.value),
      headers: [],
    })),
  });
}

/** Appends `batches` random batches (1-4 records, `keys` keys, 20% tombstones, 5% keyless). */
function appendRandom(f: Fixture, next: () => number, batches: number, keys: number, timestamp: () => number): void {
  for (let b = 0; b < batches; b++) {
    const ts = timestamp();
    const records = Array.from({ length: randomInt(next, 1, 4) }, (_, i) => {
      const roll = next();
      const key = roll < 0.05 ? null : `key-${randomInt(next, 0, keys - 1)}`;
      const value = roll > 0.8 && key !== null ? null : `v-${f.model.length + i}-${'x'.repeat(randomInt(next, 0, 40))}`;
      return { key, value, timestamp: ts };
    });
    const result = f.log.append(batchOf(records));
    records.forEach((r, i) => f.model.push({ offset: result.baseOffset + i, key: r.key, value: r.value, batchMaxTimestamp: ts }));
  }
}

async function fixture(): Promise<Fixture> {
  const dir = path.join(makeTmpDir(), 'compacted-0');
  const log = await PartitionLog.open(dir, CONFIG, { handles });
  return { dir, log, model: [] };
}

/** What compaction of everything below `activeBase` keeps (the model after a clean). */
function compacted(model: ModelRecord[], activeBase: number, opts: CleanOptions): ModelRecord[] {
  const latest = new Map<string, number>();
  for (const r of model) if (r.offset < activeBase && r.key !== null) latest.set(r.key, r.offset);
  return model.filter((r) => {
    if (r.offset >= activeBase || r.key === null) return true;
    if (latest.get(r.key) !== r.offset) return false;
    return r.value !== null || r.batchMaxTimestamp >= opts.nowMs - opts.deleteRetentionMs;
  });
}

interface ReadRecord {
  offset: number;
  key: string | null;
  value: string | null;
}

const DECODE = { maxDecompressedBytes: 1 << 24 };

async function readFrom(log: PartitionLog, from: number): Promise<ReadRecord[]> {
  const out: ReadRecord[] = [];
  for (let offset = from; offset < log.logEndOffset;) {
    const r = await log.read(offset, 1 << 20);
    for (const batch of decodeRecordBatchesSync(r.bytes, DECODE)) {
      for (const rec of batch.records) {
        if (rec.offset < from) continue; // a read returns whole batches, as consumers skip too
        out.push({ offset: rec.offset, key: rec.key?.toString() ?? null, value: rec.value?.toString() ?? null });
      }
    }
    expect(r.nextOffset).toBeGreaterThan(offset);
    offset = r.nextOffset;
  }
  return out;
}

const view = (records: ModelRecord[]): ReadRecord[] => records.map(({ offset, key, value }) => ({ offset, key, value }));
const activeBaseOf = (log: PartitionLog): number => log.segmentBaseOffsets().at(-1)!;

describe('Cleaner', () => {
  it.each([
    [1, 1_000_000],
    [2, 3], // a map of 3 keys: several passes per clean
    [3, 1],
  ])('keeps the latest record per key below the active segment (seed %i, map %i)', async (seed, maxMapEntries) => {
    const next = rng(seed);
    const f = await fixture();
    let now = T0;
    const tick = (): number => (now += randomInt(next, 0, 400));
    const cleaner = new Cleaner({ maxMapEntries });
    let expected = f.model;
    for (let round = 0; round < 4; round++) {
      appendRandom(f, next, randomInt(next, 20, 60), 8, tick);
      const opts: CleanOptions = { nowMs: now, deleteRetentionMs: RETENTION_MS, minCleanableDirtyRatio: 0 };
      const activeBase = activeBaseOf(f.log);
      const bases = f.log.segmentBaseOffsets();
      const leo = f.log.logEndOffset;
      const result = await cleaner.clean(f.log, opts);
      expect(result.cleaned).toBe(true);
      expect(result.aborted).toBe(false);
      expect(result.cleanedUpToOffset).toBe(activeBase);
      if (maxMapEntries < 8 && result.firstDirtyOffset < activeBase) expect(result.passes).toBeGreaterThan(1);
      expected = compacted(f.model, activeBase, opts);
      f.model = [...expected]; // what the log holds now; the next round appends to it
      expect(f.log.segmentBaseOffsets()).toEqual(bases);
      expect(f.log.logEndOffset).toBe(leo);
      expect(await readFrom(f.log, f.log.logStartOffset)).toEqual(view(expected));
      expect(await readCleanerCheckpoint(f.dir)).toBe(activeBase);
    }
    // Every offset removed by compaction reads as the next retained record.
    const kept = new Set(expected.map((r) => r.offset));
    for (let offset = 0; offset < f.log.logEndOffset; offset += 7) {
      if (kept.has(offset)) continue;
      const got = (await readFrom(f.log, offset))[0];
      expect(got).toEqual(view(expected.filter((r) => r.offset >= offset)).at(0));
    }
    expect(cleaner.stats.segmentsCleaned).toBeGreaterThan(0);
    expect(cleaner.stats.bytesRead).toBeGreaterThan(cleaner.stats.bytesWritten);
    // The log survives a clean close and reopen as compacted.
    await f.log.close();
    const reopened = await PartitionLog.open(f.dir, CONFIG, { handles });
    expect(await readFrom(reopened, reopened.logStartOffset)).toEqual(view(expected));
    await reopened.close();
  });

  it('keeps tombstones for delete.retention.ms, then removes them', async () => {
    const f = await fixture();
    const put = (key: string, value: string | null, ts: number): void => void f.log.append(batchOf([{ key, value, timestamp: ts }]));
    put('a', 'a1', T0);
    put('b', 'b1', T0);
    put('a', null, T0 + 1000);
    f.log.roll();
    put('c', 'c1', T0 + 2000);
    const cleaner = new Cleaner();
    const opts = { deleteRetentionMs: RETENTION_MS, minCleanableDirtyRatio: 0 };
    await cleaner.clean(f.log, { ...opts, nowMs: T0 + 1000 + RETENTION_MS });
    expect(await readFrom(f.log, 0)).toEqual([
      { offset: 1, key: 'b', value: 'b1' },
      { offset: 2, key: 'a', value: null },
      { offset: 3, key: 'c', value: 'c1' },
    ]);
    // Nothing became dirty, but with ratio 0 a clean still expires the tombstone.
    await cleaner.clean(f.log, { ...opts, nowMs: T0 + 1001 + RETENTION_MS });
    expect(await readFrom(f.log, 0)).toEqual([
      { offset: 1, key: 'b', value: 'b1' },
      { offset: 3, key: 'c', value: 'c1' },
    ]);
    // The emptied batch at offset 2 is gone: a read there starts at the next batch.
    const [batch] = [...decodeRecordBatchesSync((await f.log.read(2, 1 << 20)).bytes, DECODE)];
    expect(batch.baseOffset).toBe(3);
  });

  it('re-encodes a thinned compressed batch with its codec, offsets and last offset delta', async () => {
    const f = await fixture();
    const records = ['a', 'b', 'a', 'c', 'b'].map((key, i) => ({ key, value: `${key}${i}`, timestamp: T0 + i }));
    f.log.append(batchOf(records, CompressionCodec.Gzip));
    f.log.append(batchOf([{ key: 'c', value: 'c-last', timestamp: T0 }]));
    f.log.roll();
    f.log.append(batchOf([{ key: 'z', value: 'z', timestamp: T0 }]));
    await new Cleaner().clean(f.log, { nowMs: T0, deleteRetentionMs: RETENTION_MS, minCleanableDirtyRatio: 0 });
    const batches = [...decodeRecordBatchesSync((await f.log.read(0, 1 << 20)).bytes, DECODE)];
    expect(batches[0]).toMatchObject({ baseOffset: 0, lastOffsetDelta: 4, compression: CompressionCodec.Gzip, recordCount: 2 });
    expect(batches[0].records.map((r) => [r.offset, r.value?.toString()])).toEqual([
      [2, 'a2'],
      [4, 'b4'],
    ]);
    expect(batches[0].records.map((r) => r.timestamp)).toEqual([T0 + 2, T0 + 4]);
    expect(await readFrom(f.log, 0)).toEqual([
      { offset: 2, key: 'a', value: 'a2' },
      { offset: 4, key: 'b', value: 'b4' },
      { offset: 5, key: 'c', value: 'c-last' },
      { offset: 6, key: 'z', value: 'z' },
    ]);
  });

  it('never touches the active segment', async () => {
    const f = await fixture();
    for (let i = 0; i < 10; i++) f.log.append(batchOf([{ key: 'k', value: `old-${i}`, timestamp: T0 }]));
    f.log.roll();
    for (let i = 0; i < 10; i++) f.log.append(batchOf([{ key: 'k', value: `new-${i}`, timestamp: T0 }]));
    const activeFile = path.join(f.dir, segmentFileName(activeBaseOf(f.log), 'log'));
    const before = fs.readFileSync(activeFile);
    await new Cleaner().clean(f.log, { nowMs: T0, deleteRetentionMs: RETENTION_MS, minCleanableDirtyRatio: 0 });
    expect(fs.readFileSync(activeFile).equals(before)).toBe(true);
    const records = await readFrom(f.log, 0);
    expect(records.map((r) => r.offset)).toEqual([9, ...Array.from({ length: 10 }, (_, i) => 10 + i)]);
  });

  it('cleans only when the dirty ratio reaches min.cleanable.dirty.ratio', async () => {
    const f = await fixture();
    const next = rng(7);
    appendRandom(f, next, 60, 4, () => T0);
    f.log.roll();
    const cleaner = new Cleaner();
    const opts = { nowMs: T0, deleteRetentionMs: RETENTION_MS, minCleanableDirtyRatio: 0.5 };
    const first = await cleaner.clean(f.log, opts);
    expect(first).toMatchObject({ cleaned: true, dirtyRatio: 1 });
    const second = await cleaner.clean(f.log, opts); // nothing new: all clean
    expect(second).toMatchObject({ cleaned: false, dirtyRatio: 0, passes: 0 });
    const forced = await cleaner.clean(f.log, { ...opts, minCleanableDirtyRatio: 0 });
    expect(forced).toMatchObject({ cleaned: true, segmentsRewritten: 0, bytesWritten: 0 }); // read only
    appendRandom(f, next, 2, 4, () => T0);
    f.log.roll();
    const third = await cleaner.clean(f.log, opts);
    expect(third.cleaned).toBe(false);
    expect(third.dirtyRatio).toBeGreaterThan(0);
    expect(third.dirtyRatio).toBeLessThan(0.5);
  });

  it('cleans only segments wholly below the high watermark, and survives a truncation above it', async () => {
    const f = await fixture();
    appendRandom(f, rng(21), 150, 5, () => T0);
    const bases = f.log.segmentBaseOffsets();
    expect(bases.length).toBeGreaterThan(6);
    const highWatermark = bases[4] + 1; // inside segment #4: segments #0-#3 are cleanable
    const truncateTo = bases[5] + 1; // a follower may truncate above the high watermark
    const opts: CleanOptions = {
      nowMs: T0,
      deleteRetentionMs: RETENTION_MS,
      minCleanableDirtyRatio: 0,
      highWatermark,
      ioBytesPerSecond: f.log.sizeBytes,
    };
    const cleaning = new Cleaner().clean(f.log, opts);
    await new Promise((resolve) => setTimeout(resolve, 100));
    f.log.truncateTo(truncateTo);
    const result = await cleaning;
    expect(result).toMatchObject({ cleaned: true, aborted: false, cleanedUpToOffset: bases[4] });
    const expected = compacted(
      f.model.filter((r) => r.offset < truncateTo),
      bases[4],
      opts,
    );
    expect(await readFrom(f.log, 0)).toEqual(view(expected));
    expect(await readCleanerCheckpoint(f.dir)).toBe(bases[4]);
  });

  it('bounds its I/O rate', async () => {
    const f = await fixture();
    appendRandom(f, rng(11), 40, 4, () => T0);
    f.log.roll();
    const bytes = f.log.sizeBytes;
    const started = performance.now();
    const result = await new Cleaner().clean(f.log, {
      nowMs: T0,
      deleteRetentionMs: RETENTION_MS,
      minCleanableDirtyRatio: 0,
      ioBytesPerSecond: bytes * 4,
    });
    const elapsedMs = performance.now() - started;
    expect(result.bytesRead).toBeGreaterThanOrEqual(bytes); // the map pass reads everything once
    // read twice (map + rewrite) plus written, at 4x the log size per second: >= ~0.5 s
    expect(elapsedMs).toBeGreaterThanOrEqual(((result.bytesRead + result.bytesWritten) / (bytes * 4)) * 1000 - 300);
  });
});

describe('Cleaner crash safety', () => {
  const STEPS: CleanerStep[] = ['cleaned', 'swap', 'deleted'];

  it.each(STEPS.flatMap((step) => [0, 1, 3].map((nth) => [step, nth] as const)))(
    'a crash after step %s of the swap of segment #%i leaves a readable log with nothing lost',
    async (step, nth) => {
      const next = rng(100 + nth);
      const f = await fixture();
      appendRandom(f, next, 120, 6, () => T0);
      appendRandom(f, next, 5, 6, () => T0);
      await f.log.flush();
      const original = view(f.model);
      const opts: CleanOptions = { nowMs: T0 + 2 * RETENTION_MS, deleteRetentionMs: RETENTION_MS, minCleanableDirtyRatio: 0 };
      const expected = view(compacted(f.model, activeBaseOf(f.log), opts));
      const leo = f.log.logEndOffset;
      let swaps = 0;
      const crash = new Error('injected crash');
      const cleaner = new Cleaner({
        onStep: (at) => {
          if (at === step && swaps++ === nth) throw crash;
        },
      });
      await expect(cleaner.clean(f.log, opts)).rejects.toBe(crash);
      handles.evictUnder(f.dir); // the process dies: no close, no checkpoint, no index writes

      await recoverCleanerFiles(f.dir);
      const names = fs.readdirSync(f.dir);
      expect(names.filter((n) => /\.(cleaned|swap)$/.test(n))).toEqual([]);
      expect(names).not.toContain(CLEANER_CHECKPOINT_FILE);
      const log = await PartitionLog.open(f.dir, CONFIG, { handles });
      expect(log.logEndOffset).toBe(leo);
      const after = await readFrom(log, log.logStartOffset);
      // Nothing duplicated, every record an original one, everything a clean keeps present.
      const offsets = after.map((r) => r.offset);
      expect(offsets).toEqual([...new Set(offsets)].sort((a, b) => a - b));
      const byOffset = new Map(original.map((r) => [r.offset, r]));
      for (const r of after) expect(r).toEqual(byOffset.get(r.offset));
      const present = new Set(offsets);
      for (const r of expected) expect(present.has(r.offset)).toBe(true);
      // Compaction never exposes an older value while removing its tombstone: per key, the
      // newest record read is the newest record overall, or the key is gone after a tombstone.
      const newest = (records: ReadRecord[]): Map<string | null, ReadRecord> => new Map(records.map((r) => [r.key, r]));
      const newestAfter = newest(after);
      for (const [key, last] of newest(original)) {
        const got = newestAfter.get(key);
        if (got) expect(got).toEqual(last);
        else expect(last.value).toBeNull();
      }

      // Cleaning again after the crash reaches the same compacted log.
      await new Cleaner().clean(log, opts);
      expect(await readFrom(log, log.logStartOffset)).toEqual(expected);
      await log.close();
    },
  );

  it('recovery completes a .swap left next to the live segment and drops stale indexes', async () => {
    const f = await fixture();
    appendRandom(f, rng(5), 60, 3, () => T0);
    await f.log.flush();
    const opts: CleanOptions = { nowMs: T0, deleteRetentionMs: RETENTION_MS, minCleanableDirtyRatio: 0 };
    const expected = view(compacted(f.model, activeBaseOf(f.log), opts));
    const first = f.log.segmentBaseOffsets()[0];
    const cleaner = new Cleaner({
      onStep: (at, base) => {
        if (at === 'swap' && base === first) throw new Error('crash');
      },
    });
    await expect(cleaner.clean(f.log, opts)).rejects.toThrow('crash');
    handles.evictUnder(f.dir);
    expect(fs.existsSync(path.join(f.dir, segmentFileName(first, 'log', 'swap')))).toBe(true);
    expect(fs.existsSync(path.join(f.dir, segmentFileName(first, 'log')))).toBe(true);
    const recovered = await recoverCleanerFiles(f.dir);
    expect(recovered.completedSwaps).toEqual([first]);
    expect(fs.existsSync(path.join(f.dir, segmentFileName(first, 'timeindex')))).toBe(false);
    const log = await PartitionLog.open(f.dir, CONFIG, { handles });
    // The first segment is compacted, the rest not yet; a second run finishes the job.
    const after = await readFrom(log, 0);
    const firstEnd = log.segmentBaseOffsets()[1];
    expect(after.filter((r) => r.offset < firstEnd)).toEqual(expected.filter((r) => r.offset < firstEnd));
    await new Cleaner().clean(log, opts);
    expect(await readFrom(log, 0)).toEqual(expected);
    await log.close();
  });
});
