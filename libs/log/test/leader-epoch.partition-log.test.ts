import * as fs from 'node:fs';
import * as path from 'node:path';
import { DEFAULT_LOG_CONFIG, FileHandleCache, LEADER_EPOCH_CHECKPOINT_FILE, PartitionLog, type LogConfig } from '@runnel/log';
import { buildBatch, makeTmpDir, removeTmpDirs } from './batch-builder';

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
});
