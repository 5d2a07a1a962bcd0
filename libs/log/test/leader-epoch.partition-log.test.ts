import * as fs from 'node:fs';
import * as path from 'node:path';
import { LOG_OVERHEAD, OFFSET_BATCH_LENGTH, OFFSET_PARTITION_LEADER_EPOCH, readInt64AsNumber } from '@runnel/protocol';
import {
  DEFAULT_LOG_CONFIG,
  FileHandleCache,
  LEADER_EPOCH_CHECKPOINT_FILE,
  LogManager,
  PartitionLog,
  type EpochEntry,
  type LogConfig,
} from '@runnel/log';
import { buildBatch, makeTmpDir, randomInt, removeTmpDirs, rng } from './batch-builder';

/**
 * The leader epoch cache as a PartitionLog user sees it, on real files: what appends, truncation
 * and log start moves record, what survives a clean restart and a crash, and what is rebuilt from
 * the batch headers when leader-epoch-checkpoint is missing, stale or corrupt.
 */

const handles = new FileHandleCache(64);
afterAll(() => {
  handles.closeAll();
  removeTmpDirs();
});

// Small segments so that epochs span several of them.
const CONFIG: LogConfig = { ...DEFAULT_LOG_CONFIG, segmentBytes: 600, indexIntervalBytes: 100 };

const open = (dir: string, extra: Partial<Parameters<typeof PartitionLog.open>[2]> = {}): Promise<PartitionLog> =>
  PartitionLog.open(dir, CONFIG, { handles, ...extra });
const newDir = (): string => path.join(makeTmpDir(), 'epochs-0');
const checkpointText = (dir: string): string => fs.readFileSync(path.join(dir, LEADER_EPOCH_CHECKPOINT_FILE), 'utf8');

/** Appends `count` 2-record batches as leader in `epoch`. */
function appendInEpoch(log: PartitionLog, epoch: number | undefined, count: number): void {
  for (let i = 0; i < count; i++) log.append(buildBatch({ records: 2, valueBytes: 40, seed: i }), { leaderEpoch: epoch });
}

/** Simulates a crash: descriptors closed, no flush, no index or checkpoint write. */
const crash = (log: PartitionLog): void => handles.evictUnder(log.dir);

async function readAll(log: PartitionLog, from: number = log.logStartOffset): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for (let offset = from; offset < log.logEndOffset;) {
    const r = await log.read(offset, 1 << 20);
    chunks.push(r.bytes);
    offset = r.nextOffset;
  }
  return Buffer.concat(chunks);
}

/** A log written by leaders of epochs 0 (offsets 0-9), 2 (10-19) and 5 (20-29), over several segments. */
async function threeEpochLog(dir = newDir()): Promise<PartitionLog> {
  const log = await open(dir);
  appendInEpoch(log, 0, 5);
  appendInEpoch(log, 2, 5);
  appendInEpoch(log, 5, 5);
  return log;
}
const THREE_EPOCHS = [
  { epoch: 0, startOffset: 0 },
  { epoch: 2, startOffset: 10 },
  { epoch: 5, startOffset: 20 },
];

describe('PartitionLog leader epochs', () => {
  it('records the epoch of each leader append and answers OffsetsForLeaderEpoch', async () => {
    const log = await threeEpochLog();
    expect(log.segmentCount).toBeGreaterThan(2);
    expect(log.epochEntries()).toEqual(THREE_EPOCHS);
    expect(log.latestEpoch()).toBe(5);
    expect(log.endOffsetForEpoch(0)).toEqual({ epoch: 0, endOffset: 10 });
    expect(log.endOffsetForEpoch(1)).toEqual({ epoch: 0, endOffset: 10 });
    expect(log.endOffsetForEpoch(4)).toEqual({ epoch: 2, endOffset: 20 });
    expect(log.endOffsetForEpoch(5)).toEqual({ epoch: 5, endOffset: 30 });
    expect(log.endOffsetForEpoch(6)).toEqual({ epoch: -1, endOffset: -1 });
    await log.close();
  });

  it('writes leader-epoch-checkpoint by the time a flush completes, and a restart keeps it', async () => {
    const dir = newDir();
    const log = await threeEpochLog(dir);
    await log.flush();
    expect(checkpointText(dir)).toBe('0\n3\n0 0\n2 10\n5 20\n');
    await log.close();
    const reopened = await open(dir, { recoveryPoint: log.logEndOffset, hadCleanShutdown: true });
    expect(reopened.bytesScannedAtOpen).toBe(0);
    expect(reopened.epochEntries()).toEqual(THREE_EPOCHS);
    await reopened.close();
  });

  it('takes a follower append from each batch’s partitionLeaderEpoch', async () => {
    const leader = await threeEpochLog();
    const bytes = await readAll(leader);
    const follower = await open(newDir());
    follower.appendAsFollower(bytes);
    expect(follower.epochEntries()).toEqual(THREE_EPOCHS);
    expect(follower.endOffsetForEpoch(2)).toEqual({ epoch: 2, endOffset: 20 });
    await Promise.all([leader.close(), follower.close()]);
  });

  it('ignores batches without an epoch (-1), as logs written before epochs existed', async () => {
    const dir = newDir();
    const log = await open(dir);
    appendInEpoch(log, undefined, 3);
    await log.flush();
    expect(log.latestEpoch()).toBe(-1);
    expect(log.epochEntries()).toEqual([]);
    expect(log.endOffsetForEpoch(0)).toEqual({ epoch: -1, endOffset: -1 });
    expect(fs.existsSync(path.join(dir, LEADER_EPOCH_CHECKPOINT_FILE))).toBe(false);
    await log.close();
  });

  it('truncateTo drops the epochs that started at or after the offset, durably', async () => {
    const dir = newDir();
    const log = await threeEpochLog(dir);
    log.truncateTo(15);
    expect(log.epochEntries()).toEqual(THREE_EPOCHS.slice(0, 2));
    expect(log.endOffsetForEpoch(2)).toEqual({ epoch: 2, endOffset: 15 });
    log.truncateTo(10);
    expect(log.epochEntries()).toEqual(THREE_EPOCHS.slice(0, 1));
    appendInEpoch(log, 7, 1);
    expect(log.epochEntries()).toEqual([THREE_EPOCHS[0], { epoch: 7, startOffset: 10 }]);
    await log.flush();
    expect(checkpointText(dir)).toBe('0\n2\n0 0\n7 10\n');
    await log.close();
  });

  it('truncateFullyAndStartAt forgets every epoch', async () => {
    const dir = newDir();
    const log = await threeEpochLog(dir);
    await log.flush();
    log.truncateFullyAndStartAt(100);
    expect(log.epochEntries()).toEqual([]);
    expect(log.latestEpoch()).toBe(-1);
    appendInEpoch(log, 6, 1);
    expect(log.epochEntries()).toEqual([{ epoch: 6, startOffset: 100 }]);
    await log.close();
    expect(checkpointText(dir)).toBe('0\n1\n6 100\n');
  });

  it('moving the log start trims the epochs below it, keeping the one covering the new start', async () => {
    const dir = newDir();
    const log = await threeEpochLog(dir);
    await log.deleteRecordsBefore(14);
    expect(log.epochEntries()).toEqual([
      { epoch: 2, startOffset: 14 },
      { epoch: 5, startOffset: 20 },
    ]);
    expect(log.endOffsetForEpoch(0)).toEqual({ epoch: -1, endOffset: -1 }); // gone with its offsets
    await log.close();
    const reopened = await open(dir, { recoveryPoint: log.logEndOffset, logStartOffset: log.logStartOffset, hadCleanShutdown: true });
    expect(reopened.epochEntries()).toEqual(log.epochEntries());
    await reopened.close();
  });

  it('retention deleting old segments moves the first epoch up with the log start', async () => {
    const log = await open(newDir(), { clock: { nowMs: () => 1_700_000_000_000 } });
    appendInEpoch(log, 0, 5);
    appendInEpoch(log, 2, 10);
    log.updateConfig({ ...CONFIG, retentionMs: 1 });
    expect(await log.deleteRetainedSegments(1_800_000_000_000)).toBeGreaterThan(0);
    expect(log.logStartOffset).toBeGreaterThan(10);
    expect(log.epochEntries()).toEqual([{ epoch: 2, startOffset: log.logStartOffset }]);
    await log.close();
  });

  it('a new leader’s epoch starts at the log end offset before it appends', async () => {
    const log = await threeEpochLog();
    log.assignEpochStartOffset(8);
    expect(log.latestEpoch()).toBe(8);
    expect(log.endOffsetForEpoch(5)).toEqual({ epoch: 5, endOffset: 30 });
    log.assignEpochStartOffset(8); // idempotent
    appendInEpoch(log, 8, 1);
    expect(log.epochEntries().at(-1)).toEqual({ epoch: 8, startOffset: 30 });
    await log.close();
  });

  describe('rebuild at open', () => {
    it('rebuilds a missing file from the batch headers (logs written before the file existed)', async () => {
      const dir = newDir();
      const log = await threeEpochLog(dir);
      await log.close();
      fs.unlinkSync(path.join(dir, LEADER_EPOCH_CHECKPOINT_FILE));
      const reopened = await open(dir, { recoveryPoint: log.logEndOffset, hadCleanShutdown: true });
      expect(reopened.epochEntries()).toEqual(THREE_EPOCHS);
      await reopened.flush();
      expect(checkpointText(dir)).toBe('0\n3\n0 0\n2 10\n5 20\n');
      await reopened.close();
    });

    it.each([
      ['garbage', 'not a checkpoint\n'],
      ['a torn write', '0\n3\n0 0\n2 1'],
      ['entries out of order', '0\n2\n5 20\n0 0\n'],
    ])('rebuilds a corrupt file (%s)', async (_name, text) => {
      const dir = newDir();
      const log = await threeEpochLog(dir);
      await log.close();
      fs.writeFileSync(path.join(dir, LEADER_EPOCH_CHECKPOINT_FILE), text);
      const reopened = await open(dir, { recoveryPoint: log.logEndOffset, hadCleanShutdown: true });
      expect(reopened.epochEntries()).toEqual(THREE_EPOCHS);
      await reopened.close();
      expect(checkpointText(dir)).toBe('0\n3\n0 0\n2 10\n5 20\n');
    });

    it('after a crash, completes the file from the headers above the recovery point', async () => {
      const dir = newDir();
      const log = await open(dir);
      appendInEpoch(log, 0, 5);
      await log.flush(); // file: [0@0], recovery point 10
      appendInEpoch(log, 3, 5); // never flushed, but the bytes survive in the page cache
      crash(log);
      const reopened = await open(dir, { recoveryPoint: 10 as never });
      expect(reopened.logEndOffset).toBe(20);
      expect(reopened.epochEntries()).toEqual([
        { epoch: 0, startOffset: 0 },
        { epoch: 3, startOffset: 10 },
      ]);
      await reopened.close();
    });

    it('does not trust entries at or above the recovery point: a stale file after truncation is corrected', async () => {
      const dir = newDir();
      const log = await threeEpochLog(dir);
      await log.flush();
      log.truncateTo(10);
      appendInEpoch(log, 9, 3); // offsets 10-15 now written by epoch 9, never flushed
      crash(log);
      // As if the crash came before the truncated cache reached the disk:
      fs.writeFileSync(path.join(dir, LEADER_EPOCH_CHECKPOINT_FILE), '0\n3\n0 0\n2 10\n5 20\n');
      const reopened = await open(dir, { recoveryPoint: 10 as never });
      expect(reopened.logEndOffset).toBe(16);
      expect(reopened.epochEntries()).toEqual([
        { epoch: 0, startOffset: 0 },
        { epoch: 9, startOffset: 10 },
      ]);
      await reopened.close();
    });

    it('drops entries beyond the recovered log end', async () => {
      const dir = newDir();
      const log = await threeEpochLog(dir);
      await log.close();
      // The last segment loses its tail (a torn write): epoch 5's batches are partly gone.
      const lastSegment = fs
        .readdirSync(dir)
        .filter((f) => f.endsWith('.log'))
        .sort()
        .at(-1)!;
      const base = Number(lastSegment.slice(0, -4));
      fs.truncateSync(path.join(dir, lastSegment), 0);
      const reopened = await open(dir, { recoveryPoint: base as never });
      expect(reopened.logEndOffset).toBe(base);
      expect(reopened.epochEntries()).toEqual(THREE_EPOCHS.filter((e) => e.startOffset < base));
      await reopened.close();
    });

    it('rebuilds right whatever the offset indexes say (they only hint where a segment’s last batch is)', async () => {
      const dir = newDir();
      const log = await open(dir);
      // Segments of one epoch, segments where the epoch changes inside, and no epoch at all.
      appendInEpoch(log, undefined, 4);
      appendInEpoch(log, 1, 7);
      appendInEpoch(log, 2, 1);
      appendInEpoch(log, 3, 9);
      const expected = await epochsOfBytes(log);
      await log.close();
      fs.unlinkSync(path.join(dir, LEADER_EPOCH_CHECKPOINT_FILE));
      const reopened = await open(dir, { recoveryPoint: log.logEndOffset, hadCleanShutdown: true });
      expect(reopened.epochEntries()).toEqual(expected);
      expect(expected.map((e) => e.epoch)).toEqual([1, 2, 3]);
      await reopened.close();
      // Garbage in every index: each points somewhere wrong.
      for (const name of fs.readdirSync(dir).filter((f) => f.endsWith('.index'))) {
        fs.writeFileSync(path.join(dir, name), Buffer.from([0, 0, 0, 1, 0, 0, 0, 7, 0, 0, 0, 2, 0, 0, 1, 3]));
      }
      fs.unlinkSync(path.join(dir, LEADER_EPOCH_CHECKPOINT_FILE));
      const again = await open(dir, { recoveryPoint: log.logEndOffset });
      expect(again.epochEntries()).toEqual(expected);
      await again.close();
    });

    it('removes a leftover temporary file', async () => {
      const dir = newDir();
      const log = await threeEpochLog(dir);
      await log.close();
      fs.writeFileSync(path.join(dir, `${LEADER_EPOCH_CHECKPOINT_FILE}.tmp`), 'half');
      const reopened = await open(dir, { recoveryPoint: log.logEndOffset, hadCleanShutdown: true });
      expect(fs.existsSync(path.join(dir, `${LEADER_EPOCH_CHECKPOINT_FILE}.tmp`))).toBe(false);
      expect(reopened.epochEntries()).toEqual(THREE_EPOCHS);
      await reopened.close();
    });
  });

  /** (epoch, baseOffset) of every batch from the log start. */
  async function batchesOf(log: PartitionLog): Promise<Array<{ epoch: number; baseOffset: number }>> {
    const bytes = await readAll(log);
    const batches: Array<{ epoch: number; baseOffset: number }> = [];
    for (let pos = 0; pos < bytes.length; pos += LOG_OVERHEAD + bytes.readInt32BE(pos + OFFSET_BATCH_LENGTH)) {
      batches.push({ epoch: bytes.readInt32BE(pos + OFFSET_PARTITION_LEADER_EPOCH), baseOffset: readInt64AsNumber(bytes, pos) });
    }
    return batches;
  }

  /** The epochs the log's own batches say it holds: each run's first offset, clipped to the log start. */
  async function epochsOfBytes(log: PartitionLog): Promise<EpochEntry[]> {
    const entries: EpochEntry[] = [];
    for (const { epoch, baseOffset } of await batchesOf(log)) {
      if (epoch >= 0 && entries.at(-1)?.epoch !== epoch) entries.push({ epoch, startOffset: Math.max(log.logStartOffset, baseOffset) });
    }
    return entries;
  }

  it.each([1, 2, 3])(
    'matches the batch headers under random appends, truncations, log start moves, restarts and crashes (seed %d)',
    async (seed) => {
      const next = rng(seed);
      const pick = (min: number, max: number): number => randomInt(next, min, max);
      const dir = newDir();
      let log = await open(dir);
      let epoch = 0;
      for (let op = 0; op < 150; op++) {
        const roll = next();
        if (roll < 0.45) {
          if (next() < 0.3) epoch += pick(1, 3);
          appendInEpoch(log, epoch, pick(1, 3));
        } else if (roll < 0.55) {
          await log.flush();
        } else if (roll < 0.65 && log.logEndOffset > log.logStartOffset) {
          // A follower cut back to where its leader's epoch ended: always a batch boundary.
          const bases = (await batchesOf(log)).map((b) => b.baseOffset).filter((b) => b > log.logStartOffset);
          if (bases.length > 0) log.truncateTo(bases[pick(0, bases.length - 1)]);
        } else if (roll < 0.7 && log.logEndOffset > log.logStartOffset) {
          await log.deleteRecordsBefore(pick(log.logStartOffset, log.logEndOffset - 1));
        } else if (roll < 0.8) {
          await log.close();
          log = await open(dir, { recoveryPoint: log.recoveryPoint, logStartOffset: log.logStartOffset, hadCleanShutdown: true });
        } else if (roll < 0.9) {
          const { recoveryPoint, logStartOffset } = log;
          crash(log);
          log = await open(dir, { recoveryPoint, logStartOffset });
        } else {
          // Only the file is lost (an operator deleted it, or an older version wrote the log).
          await log.close();
          fs.rmSync(path.join(dir, LEADER_EPOCH_CHECKPOINT_FILE), { force: true });
          log = await open(dir, { recoveryPoint: log.recoveryPoint, logStartOffset: log.logStartOffset, hadCleanShutdown: true });
        }
        const expected = await epochsOfBytes(log);
        expect({ op, entries: log.epochEntries() }).toEqual({ op, entries: expected });
        expect(log.latestEpoch()).toBe(expected.at(-1)?.epoch ?? -1);
      }
      await log.close();
    },
  );

  describe('through the LogManager', () => {
    it('keeps the epochs of every partition across a clean restart and across a crash', async () => {
      const dataDir = makeTmpDir();
      const first = await LogManager.open(dataDir, { defaultConfig: CONFIG });
      for (const p of [0, 1]) {
        const log = await first.getOrCreate('epochs', p);
        appendInEpoch(log, p, 3);
        appendInEpoch(log, p + 4, 3);
      }
      await first.close();
      expect(fs.readFileSync(path.join(dataDir, 'epochs-1', LEADER_EPOCH_CHECKPOINT_FILE), 'utf8')).toBe('0\n2\n1 0\n5 6\n');

      const second = await LogManager.open(dataDir, { defaultConfig: CONFIG });
      expect(second.hadCleanShutdown).toBe(true);
      const log0 = await second.getOrCreate('epochs', 0);
      expect(log0.epochEntries()).toEqual([
        { epoch: 0, startOffset: 0 },
        { epoch: 4, startOffset: 6 },
      ]);
      await second.flushAll();
      await second.checkpoint();
      appendInEpoch(log0, 9, 2); // never flushed
      second.handles.closeAll(); // crash: no close, no marker

      const third = await LogManager.open(dataDir, { defaultConfig: CONFIG });
      expect(third.hadCleanShutdown).toBe(false);
      expect((await third.getOrCreate('epochs', 0)).epochEntries()).toEqual([
        { epoch: 0, startOffset: 0 },
        { epoch: 4, startOffset: 6 },
        { epoch: 9, startOffset: 12 },
      ]);
      expect((await third.getOrCreate('epochs', 1)).endOffsetForEpoch(1)).toEqual({ epoch: 1, endOffset: 6 });
      await third.close();
    });
  });
});
