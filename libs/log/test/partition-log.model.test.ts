import * as fs from 'node:fs';
import * as path from 'node:path';
import { LOG_OVERHEAD, OFFSET_BATCH_LENGTH, type Offset } from '@runnel/protocol';
import { DEFAULT_LOG_CONFIG, FileHandleCache, PartitionLog, segmentFileName, type LogConfig } from '@runnel/log';
import { buildBatch, makeTmpDir, randomInt, removeTmpDirs, rng } from './batch-builder';

/**
 * Randomized reference-model test (Redpanda opfuzz style): random appends, reads, flushes,
 * rolls, truncations, DeleteRecords, timestamp lookups, clean restarts and crashes — a crash
 * abandons the log without any checkpoint or index write, cuts the active segment at a random
 * length no shorter than what was flushed, and may delete or garble index files — all checked
 * against an array of batches. Acknowledged and flushed batches must always survive.
 */

interface ModelBatch {
  base: number;
  next: number;
  bytes: Buffer;
  timestampMs: number;
  stepMs: number;
}

const handles = new FileHandleCache(32);
afterAll(() => {
  handles.closeAll();
  removeTmpDirs();
});

const CONFIGS: Array<Partial<LogConfig>> = [
  { segmentBytes: 3000, indexIntervalBytes: 200 },
  { segmentBytes: 8000, indexIntervalBytes: 0, segmentIndexBytes: 120 },
  { segmentBytes: 1500, indexIntervalBytes: 1000 },
];

async function runModel(seed: number, config: Partial<LogConfig>, operations: number): Promise<Record<string, number>> {
  const next = rng(seed);
  const pick = (min: number, max: number): number => randomInt(next, min, max);
  const fullConfig: LogConfig = { ...DEFAULT_LOG_CONFIG, ...config };
  const dir = path.join(makeTmpDir(), `model-${seed}`);
  let log = await PartitionLog.open(dir, fullConfig, { handles });
  let batches: ModelBatch[] = [];
  let lso = 0;
  let leo = 0;
  let flushed = 0;
  const counts: Record<string, number> = {};

  const check = async (where: string): Promise<void> => {
    expect({ where, lso: log.logStartOffset, leo: log.logEndOffset }).toEqual({ where, lso, leo });
    const chunks: Buffer[] = [];
    for (let offset = lso; offset < leo;) {
      const r = await log.read(offset, pick(1, 5000));
      chunks.push(r.bytes);
      offset = r.nextOffset;
    }
    const expected = batches.filter((b) => b.next > lso).map((b) => b.bytes);
    expect(Buffer.concat(chunks).equals(Buffer.concat(expected))).toBe(true);
  };

  for (let op = 0; op < operations; op++) {
    const roll = next();
    const kind =
      roll < 0.4
        ? 'append'
        : roll < 0.62
          ? 'read'
          : roll < 0.7
            ? 'flush'
            : roll < 0.74
              ? 'roll'
              : roll < 0.78
                ? 'truncate'
                : roll < 0.82
                  ? 'deleteRecords'
                  : roll < 0.86
                    ? 'timestamp'
                    : roll < 0.95
                      ? 'crash'
                      : 'restart';
    counts[kind] = (counts[kind] ?? 0) + 1;
    const context = `seed ${seed} op ${op} ${kind}`;

    if (kind === 'append') {
      const specs = Array.from({ length: pick(1, 3) }, () => ({
        records: pick(1, 8),
        valueBytes: pick(0, 250),
        timestampMs: 1_700_000_000_000 + pick(0, 1_000_000),
        timestampStepMs: pick(0, 5),
        seed: pick(0, 1000),
      }));
      const parts = specs.map(buildBatch);
      const buf = Buffer.concat(parts);
      const result = log.append(buf);
      expect(result.baseOffset).toBe(leo);
      let position = 0;
      for (const spec of specs) {
        const size = LOG_OVERHEAD + buf.readInt32BE(position + OFFSET_BATCH_LENGTH);
        batches.push({
          base: leo,
          next: leo + spec.records,
          bytes: Buffer.from(buf.subarray(position, position + size)),
          timestampMs: spec.timestampMs,
          stepMs: spec.timestampStepMs,
        });
        leo += spec.records;
        position += size;
      }
    } else if (kind === 'read') {
      const offset = pick(lso, leo);
      const maxBytes = pick(1, 3000);
      const upper = next() < 0.7 ? leo : pick(offset, leo);
      const r = await log.read(offset, maxBytes, upper);
      const candidates = batches.filter((b) => b.next > offset && b.base < upper);
      if (offset >= upper) {
        expect({ context, bytes: r.bytes.length, next: r.nextOffset }).toEqual({ context, bytes: 0, next: offset });
        continue;
      }
      let taken = 0;
      let size = 0;
      while (taken < candidates.length && size + candidates[taken].bytes.length <= r.bytes.length) size += candidates[taken++].bytes.length;
      expect({ context, whole: size === r.bytes.length && taken > 0 }).toEqual({ context, whole: true });
      expect(r.bytes.equals(Buffer.concat(candidates.slice(0, taken).map((b) => b.bytes)))).toBe(true);
      expect(r.nextOffset).toBe(candidates[taken - 1].next);
      if (taken > 1) expect(size).toBeLessThanOrEqual(maxBytes);
      const following = candidates[taken];
      if (following && size + following.bytes.length <= maxBytes) {
        expect({ context, stopsAtSegment: log.segmentBaseOffsets().includes(following.base as Offset) }).toEqual({
          context,
          stopsAtSegment: true,
        });
      }
    } else if (kind === 'flush') {
      await log.flush();
      expect(log.recoveryPoint).toBe(leo);
      flushed = leo;
    } else if (kind === 'roll') {
      log.roll();
    } else if (kind === 'truncate') {
      const boundaries = [...batches.filter((b) => b.base >= lso).map((b) => b.base), leo];
      const target = boundaries[pick(0, boundaries.length - 1)];
      const firstBase = log.segmentBaseOffsets()[0];
      log.truncateTo(target);
      if (target >= leo) continue;
      if (target <= firstBase) {
        batches = [];
        lso = leo = flushed = target;
      } else {
        batches = batches.filter((b) => b.base < target);
        leo = target;
        lso = Math.min(lso, target);
        flushed = Math.min(flushed, target);
      }
      expect(log.recoveryPoint).toBe(flushed);
    } else if (kind === 'deleteRecords') {
      const offset = pick(lso, leo);
      await log.deleteRecordsBefore(offset);
      lso = Math.max(lso, offset);
    } else if (kind === 'timestamp') {
      const target = 1_700_000_000_000 + pick(-10, 1_000_010);
      let expected: { offset: number; timestamp: number } | null = null;
      for (const b of batches) {
        for (let j = 0; j < b.next - b.base && !expected; j++) {
          const timestamp = b.timestampMs + j * b.stepMs;
          if (b.base + j >= lso && timestamp >= target) expected = { offset: b.base + j, timestamp };
        }
        if (expected) break;
      }
      expect({ context, found: await log.offsetForTimestamp(target) }).toEqual({ context, found: expected });
    } else if (kind === 'crash') {
      expect(log.recoveryPoint).toBe(flushed);
      const activeBase = log.segmentBaseOffsets().at(-1)!;
      const bases = log.segmentBaseOffsets();
      handles.evictUnder(log.dir); // the process dies: descriptors closed, nothing written
      const activeFile = path.join(dir, segmentFileName(activeBase, 'log'));
      const activeBatches = batches.filter((b) => b.base >= activeBase);
      const flushedBytes = activeBatches.filter((b) => b.next <= flushed).reduce((n, b) => n + b.bytes.length, 0);
      let cut = fs.statSync(activeFile).size;
      if (next() < 0.6) {
        cut = pick(flushedBytes, cut);
        fs.truncateSync(activeFile, cut);
      }
      if (next() < 0.4) {
        const victim = path.join(dir, segmentFileName(bases[pick(0, bases.length - 1)], next() < 0.5 ? 'index' : 'timeindex'));
        const damage = pick(0, 2);
        if (damage === 0) fs.rmSync(victim, { force: true });
        else if (fs.existsSync(victim)) {
          if (damage === 1) fs.truncateSync(victim, Math.max(0, fs.statSync(victim).size - 3));
          else fs.writeFileSync(victim, Buffer.from(Array.from({ length: pick(1, 40) }, () => pick(0, 255))));
        }
      }
      // Model: the batches of the active segment that fit whole in `cut` bytes survive.
      let kept = 0;
      let survivingLeo: number = activeBase;
      for (const b of activeBatches) {
        if (kept + b.bytes.length > cut) break;
        kept += b.bytes.length;
        survivingLeo = b.next;
      }
      if (activeBatches.length === 0) survivingLeo = leo;
      batches = batches.filter((b) => b.next <= survivingLeo);
      leo = survivingLeo;
      expect(leo).toBeGreaterThanOrEqual(flushed);
      const checkpointedStart = log.logStartOffset;
      log = await PartitionLog.open(dir, fullConfig, { handles, recoveryPoint: flushed as Offset, logStartOffset: checkpointedStart });
      if (lso > leo) {
        // everything below the checkpointed log start offset is gone: the log restarts there
        batches = [];
        leo = flushed = lso;
      }
      flushed = Math.min(flushed, leo);
      expect(log.recoveryPoint).toBe(flushed);
      await check(context);
    } else {
      await log.close();
      log = await PartitionLog.open(dir, fullConfig, {
        handles,
        recoveryPoint: log.recoveryPoint,
        logStartOffset: log.logStartOffset,
        hadCleanShutdown: true,
      });
      expect(log.bytesScannedAtOpen).toBe(0);
      flushed = leo;
      await check(context);
    }
  }
  await check(`seed ${seed} end`);
  await log.close();
  return counts;
}

describe('PartitionLog against a reference model', () => {
  for (const [i, config] of CONFIGS.entries()) {
    for (const seed of [11, 29, 53].map((s) => s * (i + 1))) {
      it(`survives random operations and crashes (config ${i}, seed ${seed})`, async () => {
        const counts = await runModel(seed, config, 500);
        expect(counts.crash).toBeGreaterThan(10);
        expect(counts.truncate).toBeGreaterThan(5);
      });
    }
  }
});
