import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  ATTR_TIMESTAMP_TYPE,
  OFFSET_ATTRIBUTES,
  OFFSET_CRC,
  OFFSET_MAX_TIMESTAMP,
  OFFSET_PARTITION_LEADER_EPOCH,
  ProtocolError,
  checkBatches,
  readInt64AsNumber,
  type Offset,
} from '@runnel/protocol';
import {
  DEFAULT_LOG_CONFIG,
  FileHandleCache,
  InvalidOffsetError,
  LogClosedError,
  OffsetOutOfRangeError,
  PartitionLog,
  type LogConfig,
} from '@runnel/log';
import { buildBatch, buildBatches, makeTmpDir, ManualClock, removeTmpDirs } from './batch-builder';

const handles = new FileHandleCache(64);
afterAll(() => {
  handles.closeAll();
  removeTmpDirs();
});

const SMALL: LogConfig = { ...DEFAULT_LOG_CONFIG, segmentBytes: 4096, indexIntervalBytes: 256 };

async function openLog(
  config: Partial<LogConfig> = {},
  clock = new ManualClock(),
): Promise<{ log: PartitionLog; dir: string; clock: ManualClock }> {
  const dir = path.join(makeTmpDir(), 'topic-0');
  const log = await PartitionLog.open(dir, { ...SMALL, ...config }, { handles, clock });
  return { log, dir, clock };
}

/** Appends `n` single-batch appends of `records` records each; returns the stored batch bytes. */
function appendMany(log: PartitionLog, n: number, records = 3, valueBytes = 40): Buffer[] {
  const stored: Buffer[] = [];
  for (let i = 0; i < n; i++) {
    const batch = buildBatch({ records, valueBytes, seed: i, timestampMs: 1_000_000 + i * 10 });
    log.append(batch);
    stored.push(batch);
  }
  return stored;
}

/** The size of the batches appendMany builds (all the same with its defaults). */
const stored = (seed: number): Buffer => buildBatch({ records: 3, valueBytes: 40, seed, timestampMs: 1_000_000 });

async function readAll(log: PartitionLog, from: number = log.logStartOffset, maxBytes = 1 << 20): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let offset = from;
  while (offset < log.logEndOffset) {
    const { bytes, nextOffset } = await log.read(offset, maxBytes);
    chunks.push(bytes);
    expect(nextOffset).toBeGreaterThan(offset);
    offset = nextOffset;
  }
  return Buffer.concat(chunks);
}

describe('PartitionLog.append', () => {
  it('assigns consecutive offsets by patching base offsets in the caller buffer', async () => {
    const { log } = await openLog();
    const first = buildBatch({ records: 5 });
    const second = buildBatches([{ records: 2 }, { records: 3 }]);
    const r1 = log.append(first);
    const r2 = log.append(second, { leaderEpoch: 7 });
    expect(r1).toMatchObject({ baseOffset: 0, lastOffset: 4, records: 5, bytes: first.length, logAppendTimeMs: -1 });
    expect(r2).toMatchObject({ baseOffset: 5, lastOffset: 9, records: 5, bytes: second.length });
    const headers = checkBatches(second, 1 << 20);
    expect(headers.map((h) => h.baseOffset)).toEqual([5, 7]);
    expect(headers.map((h) => h.partitionLeaderEpoch)).toEqual([7, 7]);
    expect(readInt64AsNumber(first, 0)).toBe(0);
    expect(log.logEndOffset).toBe(10);
    expect(log.sizeBytes).toBe(first.length + second.length);
    expect((await log.read(0, 1 << 20)).bytes.equals(Buffer.concat([first, second]))).toBe(true);
  });

  it('appends nothing when any batch of the request is invalid', async () => {
    const { log } = await openLog();
    const good = buildBatch({ records: 2 });
    const bad = buildBatch({ records: 2 });
    bad[bad.length - 1] ^= 0xff;
    expect(() => log.append(Buffer.concat([good, bad]))).toThrow(ProtocolError);
    expect(() => log.append(good.subarray(0, good.length - 1))).toThrow(ProtocolError);
    expect(log.logEndOffset).toBe(0);
    expect(log.sizeBytes).toBe(0);
    expect(readInt64AsNumber(good, 0)).toBe(0);
  });

  it('takes headers a caller already checked, as long as they cover the buffer and the size limit', async () => {
    const { log } = await openLog({ maxMessageBytes: 1 << 20 });
    const batches = buildBatches([{ records: 2 }, { records: 3 }]);
    const checked = checkBatches(batches, 1 << 20);
    expect(log.append(batches, { checkedHeaders: checked })).toMatchObject({ baseOffset: 0, lastOffset: 4, records: 5 });
    expect(checked.map((h) => h.baseOffset)).toEqual([0, 0]); // the caller's headers are not patched
    expect(checkBatches(batches, 1 << 20).map((h) => h.baseOffset)).toEqual([0, 2]);
    // Headers of other bytes (here: one batch short) are a caller bug: refused, nothing appended.
    const more = buildBatches([{ records: 1 }, { records: 1 }]);
    expect(() => log.append(more, { checkedHeaders: checkBatches(more, 1 << 20).slice(0, 1) })).toThrow(/cover/);
    const { log: small } = await openLog({ maxMessageBytes: 100 });
    const big = buildBatch({ records: 3, valueBytes: 100 });
    expect(() => small.append(big, { checkedHeaders: checkBatches(big, 1 << 20) })).toThrow(expect.objectContaining({ code: 'TOO_LARGE' }));
    expect(log.logEndOffset).toBe(5);
    expect((await log.read(0, 1 << 20)).bytes.equals(batches)).toBe(true);
  });

  it('refuses batches above max.message.bytes with TOO_LARGE', async () => {
    const { log } = await openLog({ maxMessageBytes: 200 });
    const big = buildBatch({ records: 3, valueBytes: 100 });
    expect(() => log.append(big)).toThrow(expect.objectContaining({ code: 'TOO_LARGE' }));
    expect(log.append(buildBatch({ records: 1, valueBytes: 10 })).baseOffset).toBe(0);
  });

  it('stamps LogAppendTime into the batch and keeps its CRC valid', async () => {
    const clock = new ManualClock(1_800_000_000_000);
    const { log } = await openLog({ messageTimestampType: 'LogAppendTime' }, clock);
    const batch = buildBatch({ records: 3, timestampMs: 5 });
    const result = log.append(batch);
    expect(result.logAppendTimeMs).toBe(clock.now);
    expect(result.maxTimestampMs).toBe(clock.now);
    expect(batch.readInt16BE(OFFSET_ATTRIBUTES) & ATTR_TIMESTAMP_TYPE).toBe(ATTR_TIMESTAMP_TYPE);
    expect(readInt64AsNumber(batch, OFFSET_MAX_TIMESTAMP)).toBe(clock.now);
    expect(() => checkBatches(batch, 1 << 20)).not.toThrow();
    const stored = (await log.read(0, 1 << 20)).bytes;
    expect(stored.readUInt32BE(OFFSET_CRC)).toBe(batch.readUInt32BE(OFFSET_CRC));
  });

  it('rolls before an append that would pass segment.bytes', async () => {
    const { log } = await openLog({ segmentBytes: 1000 });
    const sizes: number[] = [];
    for (let i = 0; i < 20; i++) sizes.push(log.append(buildBatch({ records: 1, valueBytes: 100 + i * 20 })).bytes);
    expect(log.segmentCount).toBeGreaterThan(4);
    const files = fs.readdirSync(log.dir).filter((f) => f.endsWith('.log'));
    expect(files.length).toBe(log.segmentCount);
    for (const file of files) expect(fs.statSync(path.join(log.dir, file)).size).toBeLessThanOrEqual(1000);
    const oversized = buildBatch({ records: 1, valueBytes: 2000 });
    log.append(oversized); // alone in a fresh segment: a segment may exceed segment.bytes by one append
    expect(log.segmentBaseOffsets().at(-1)).toBe(20);
  });

  it("rolls when segment.ms has passed since the segment's first append", async () => {
    const { log, clock } = await openLog({ segmentMs: 60_000 });
    log.append(buildBatch());
    clock.now += 60_000;
    log.append(buildBatch());
    expect(log.segmentCount).toBe(1);
    clock.now += 1;
    log.append(buildBatch());
    expect(log.segmentBaseOffsets()).toEqual([0, 2]);
    clock.now += 59_999;
    log.append(buildBatch());
    expect(log.segmentCount).toBe(2);
  });

  it('rolls segment.jitter.ms early: each segment draws its own share of the jitter', async () => {
    const clock = new ManualClock();
    const draws = [0.5, 0.25];
    const dir = path.join(makeTmpDir(), 'topic-0');
    const log = await PartitionLog.open(
      dir,
      { ...SMALL, segmentMs: 60_000, segmentJitterMs: 20_000 },
      { handles, clock, random: () => draws.shift()! },
    );
    log.append(buildBatch());
    clock.now += 50_000; // the first segment drew 10 s: it rolls once older than 50 s
    log.append(buildBatch());
    expect(log.segmentCount).toBe(1);
    clock.now += 1;
    log.append(buildBatch());
    expect(log.segmentBaseOffsets()).toEqual([0, 2]);
    clock.now += 55_000; // the second drew 5 s: 55 s is not yet past it
    log.append(buildBatch());
    expect(log.segmentCount).toBe(2);
    clock.now += 1;
    log.append(buildBatch());
    expect(log.segmentCount).toBe(3);
    // Jitter turned off by a config change: the active segment rolls at segment.ms again.
    log.updateConfig({ ...log.config, segmentJitterMs: 0 });
    clock.now += 60_000;
    log.append(buildBatch());
    expect(log.segmentCount).toBe(3);
    await log.close();
  });

  it('rolls a compacted log after max.compaction.lag.ms, a delete-only one by segment.ms alone', async () => {
    const compacted = await openLog({ segmentMs: 600_000, maxCompactionLagMs: 60_000, cleanupPolicy: 'compact' });
    const deleting = await openLog({ segmentMs: 600_000, maxCompactionLagMs: 60_000, cleanupPolicy: 'delete' }, compacted.clock);
    for (const { log } of [compacted, deleting]) log.append(buildBatch());
    compacted.clock.now += 60_001;
    for (const { log } of [compacted, deleting]) log.append(buildBatch());
    expect(compacted.log.segmentBaseOffsets()).toEqual([0, 1]);
    expect(deleting.log.segmentCount).toBe(1);
    await compacted.log.close();
    await deleting.log.close();
  });

  it('rolls when the offset index is full', async () => {
    // 4 entries of 8 bytes; one entry per batch after the first (interval 0)
    const { log } = await openLog({ segmentIndexBytes: 36, indexIntervalBytes: 0 });
    for (let i = 0; i < 5; i++) log.append(buildBatch());
    expect(log.segmentCount).toBe(1);
    log.append(buildBatch());
    expect(log.segmentBaseOffsets()).toEqual([0, 5]);
    expect(fs.statSync(path.join(log.dir, '00000000000000000000.index')).size).toBe(32);
  });

  it('roll() is a no-op on an empty active segment', async () => {
    const { log } = await openLog();
    expect(log.roll()).toBe(0);
    log.append(buildBatch({ records: 2 }));
    expect(log.roll()).toBe(2);
    expect(log.roll()).toBe(2);
    expect(log.segmentBaseOffsets()).toEqual([0, 2]);
  });

  it('appendAsFollower keeps the leader offsets and refuses going backwards', async () => {
    const { log } = await openLog();
    const leader = await openLog();
    const batches = buildBatches([{ records: 2 }, { records: 4 }]);
    leader.log.append(batches);
    leader.log.append(buildBatch({ records: 1 }));
    const fetched = (await leader.log.read(0, 1 << 20)).bytes;
    const result = log.appendAsFollower(Buffer.from(fetched));
    expect(result).toMatchObject({ baseOffset: 0, lastOffset: 6, records: 7 });
    expect(log.logEndOffset).toBe(7);
    expect(() => log.appendAsFollower(Buffer.from(fetched))).toThrow(InvalidOffsetError);
    expect((await log.read(0, 1 << 20)).bytes.equals(fetched)).toBe(true);
  });
});

describe('PartitionLog.read', () => {
  it('starts at the batch containing the offset and returns whole batches within maxBytes', async () => {
    const { log } = await openLog({ segmentBytes: 1 << 20 });
    const stored = appendMany(log, 50); // offsets 3i..3i+2
    const size = stored[0].length;
    const r = await log.read(31, size * 3 + 5);
    expect(r.bytes.equals(Buffer.concat(stored.slice(10, 13)))).toBe(true);
    expect(r.nextOffset).toBe(39);
    const one = await log.read(30, 1);
    expect(one.bytes.equals(stored[10])).toBe(true); // first batch whole even above maxBytes
    expect(one.nextOffset).toBe(33);
    expect((await readAll(log, 0, 700)).equals(Buffer.concat(stored))).toBe(true);
  });

  it('never returns a batch at or above the upper bound', async () => {
    const { log } = await openLog({ segmentBytes: 1 << 20 });
    const stored = appendMany(log, 10);
    const r = await log.read(0, 1 << 20, 9);
    expect(r.bytes.equals(Buffer.concat(stored.slice(0, 3)))).toBe(true);
    expect(r.nextOffset).toBe(9);
    expect((await log.read(9, 1 << 20, 9)).bytes.length).toBe(0);
    const straddling = await log.read(0, 1 << 20, 10);
    expect(straddling.bytes.equals(Buffer.concat(stored.slice(0, 4)))).toBe(true); // base 9 < 10
  });

  it('returns empty bytes at the log end and throws out of range outside it', async () => {
    const { log } = await openLog();
    appendMany(log, 3);
    expect(await log.read(9, 100)).toEqual({ bytes: Buffer.alloc(0), nextOffset: 9 });
    await expect(log.read(10, 100)).rejects.toThrow(OffsetOutOfRangeError);
    await expect(log.read(-1, 100)).rejects.toMatchObject({ code: 'OFFSET_OUT_OF_RANGE', logStartOffset: 0, logEndOffset: 9 });
  });

  it('reads across segments, possibly stopping at a segment end', async () => {
    const { log } = await openLog({ segmentBytes: 600 });
    const stored = appendMany(log, 30);
    expect(log.segmentCount).toBeGreaterThan(5);
    expect((await readAll(log, 0, 1 << 20)).equals(Buffer.concat(stored))).toBe(true);
    for (let offset = 0; offset < log.logEndOffset; offset += 7) {
      const { bytes, nextOffset } = await log.read(offset, 500);
      const first = Math.floor(offset / 3);
      expect(bytes.equals(Buffer.concat(stored.slice(first, first + bytes.length / stored[0].length)))).toBe(true);
      expect(nextOffset).toBe(first * 3 + (bytes.length / stored[0].length) * 3);
    }
  });

  it('never returns bytes a truncation removed while the read was in flight', async () => {
    const { log } = await openLog({ segmentBytes: 900 });
    appendMany(log, 30);
    const reads = Array.from({ length: 30 }, (_, i) => log.read(i * 2, 400 + i * 50));
    log.truncateTo(45);
    const replacement = Array.from({ length: 10 }, (_, i) => buildBatch({ records: 3, valueBytes: 45, seed: 500 + i }));
    replacement.forEach((b) => log.append(b));
    const content = await readAll(log, 0);
    for (const [i, read] of reads.entries()) {
      const { bytes, nextOffset } = await read;
      const start = Math.floor((i * 2) / 3) * 3; // the batch holding offset 2i
      const position = start < 45 ? (start / 3) * stored(0).length : 15 * stored(0).length + ((start - 45) / 3) * replacement[0].length;
      expect(content.subarray(position, position + bytes.length).equals(bytes)).toBe(true);
      expect(nextOffset).toBeGreaterThan(i * 2);
    }
  });

  it('keeps reads correct while a segment is deleted under them', async () => {
    const { log } = await openLog({ segmentBytes: 600 });
    appendMany(log, 20);
    const reads = Array.from({ length: 20 }, (_, i) => log.read(i * 2, 300).catch((e: unknown) => e));
    await log.deleteRecordsBefore(30);
    for (const r of await Promise.all(reads)) {
      if (r instanceof Error) expect(r).toBeInstanceOf(OffsetOutOfRangeError);
      else expect((r as { bytes: Buffer }).bytes.length).toBeGreaterThan(0);
    }
  });
});

describe('PartitionLog.flush', () => {
  it('advances the recovery point to the log end offset and reports unflushed messages', async () => {
    const clock = new ManualClock();
    const { log } = await openLog({ flushMessages: 10, flushMs: 1000 }, clock);
    appendMany(log, 2);
    expect(log.recoveryPoint).toBe(0);
    expect(log.unflushedMessages).toBe(6);
    expect(log.shouldFlush(clock.now)).toBe(false);
    expect(log.shouldFlush(clock.now + 1000)).toBe(true);
    appendMany(log, 2);
    expect(log.shouldFlush(clock.now)).toBe(true);
    await log.flush();
    expect(log.recoveryPoint).toBe(12);
    expect(log.unflushedMessages).toBe(0);
    expect(log.shouldFlush(clock.now + 5000)).toBe(false);
  });

  it('shares fsyncs between concurrent callers and covers every append made before each call', async () => {
    const { log } = await openLog({ segmentBytes: 1 << 20 });
    const flushes: Promise<void>[] = [];
    const leos: number[] = [];
    for (let i = 0; i < 50; i++) {
      log.append(buildBatch({ records: 1 }));
      leos.push(log.logEndOffset);
      flushes.push(log.flush().then(() => expect(log.recoveryPoint).toBeGreaterThanOrEqual(leos[i])));
    }
    await Promise.all(flushes);
    expect(log.recoveryPoint).toBe(50);
  });
});

describe('PartitionLog.truncateTo', () => {
  it('drops whole batches at and above the offset, across segments, and appends continue there', async () => {
    const { log } = await openLog({ segmentBytes: 600 });
    const stored = appendMany(log, 30);
    await log.flush();
    log.truncateTo(30);
    expect(log.logEndOffset).toBe(30);
    expect(log.recoveryPoint).toBe(30);
    expect((await readAll(log, 0)).equals(Buffer.concat(stored.slice(0, 10)))).toBe(true);
    expect(log.sizeBytes).toBe(stored[0].length * 10);
    expect(log.append(buildBatch({ records: 2 })).baseOffset).toBe(30);
    log.truncateTo(31); // mid-batch: the batch holding 31 goes, the log end is 31
    expect(log.logEndOffset).toBe(31);
    expect((await log.read(30, 100)).bytes.length).toBe(0);
    expect(log.append(buildBatch({ records: 1 })).baseOffset).toBe(31);
    expect((await log.read(30, 1000)).nextOffset).toBe(32);
  });

  it('restarts the log when truncating at or below the first segment', async () => {
    const { log } = await openLog({ segmentBytes: 600 });
    appendMany(log, 10);
    await log.deleteRecordsBefore(12);
    log.truncateTo(3);
    expect([log.logStartOffset, log.logEndOffset, log.segmentCount, log.sizeBytes]).toEqual([3, 3, 1, 0]);
    expect(log.append(buildBatch({ records: 1 })).baseOffset).toBe(3);
  });
});

describe('PartitionLog.deleteRecordsBefore', () => {
  it('moves the log start offset and deletes only whole closed segments below it', async () => {
    const { log } = await openLog({ segmentBytes: 600 });
    const stored = appendMany(log, 20);
    const bases = log.segmentBaseOffsets();
    await log.deleteRecordsBefore(bases[2] + 1);
    expect(log.logStartOffset).toBe(bases[2] + 1);
    expect(log.segmentBaseOffsets()).toEqual(bases.slice(2));
    await expect(log.read(bases[2], 100)).rejects.toThrow(OffsetOutOfRangeError);
    const r = await log.read(bases[2] + 1, 1);
    expect(r.bytes.equals(stored[bases[2] / 3])).toBe(true); // the batch containing the offset
    await expect(log.deleteRecordsBefore(log.logEndOffset + 1)).rejects.toThrow(OffsetOutOfRangeError);
    await log.deleteRecordsBefore(log.logEndOffset);
    expect(log.segmentCount).toBe(1); // never the active segment
    expect(log.logStartOffset).toBe(log.logEndOffset);
    expect(fs.readdirSync(log.dir).filter((f) => f.endsWith('.deleted'))).toEqual([]);
  });
});

describe('PartitionLog.offsetForTimestamp', () => {
  it('finds the first record whose timestamp is >= the target, as ListOffsets', async () => {
    const { log } = await openLog({ segmentBytes: 800, indexIntervalBytes: 100 });
    // batch i: 3 records at 1000 + 100 i + {0, 10, 20}
    for (let i = 0; i < 40; i++) log.append(buildBatch({ records: 3, timestampMs: 1000 + 100 * i, timestampStepMs: 10 }));
    expect(await log.offsetForTimestamp(0)).toEqual({ offset: 0, timestamp: 1000 });
    expect(await log.offsetForTimestamp(1000)).toEqual({ offset: 0, timestamp: 1000 });
    expect(await log.offsetForTimestamp(1001)).toEqual({ offset: 1, timestamp: 1010 });
    expect(await log.offsetForTimestamp(1021)).toEqual({ offset: 3, timestamp: 1100 });
    expect(await log.offsetForTimestamp(2515)).toEqual({ offset: 47, timestamp: 2520 });
    expect(await log.offsetForTimestamp(4920)).toEqual({ offset: 119, timestamp: 4920 });
    expect(await log.offsetForTimestamp(4921)).toBeNull();
    await log.deleteRecordsBefore(50);
    expect((await log.offsetForTimestamp(0))?.offset).toBe(50);
  });

  it('answers LogAppendTime and compressed batches at batch granularity', async () => {
    const { log } = await openLog();
    log.append(buildBatch({ records: 3, timestampMs: 100, compression: 1 }));
    log.append(buildBatch({ records: 3, timestampMs: 200, compression: 1 }));
    expect(await log.offsetForTimestamp(150)).toEqual({ offset: 3, timestamp: 202 });
  });
});

describe('PartitionLog lifecycle', () => {
  it('close() makes every later call fail with LogClosedError', async () => {
    const { log } = await openLog();
    appendMany(log, 1);
    await log.close();
    expect(() => log.append(buildBatch())).toThrow(LogClosedError);
    await expect(log.read(0, 10)).rejects.toThrow(LogClosedError);
    await log.close();
  });

  it('delete() removes the directory', async () => {
    const { log, dir } = await openLog();
    appendMany(log, 5);
    await log.delete();
    expect(fs.existsSync(dir)).toBe(false);
    expect(fs.readdirSync(path.dirname(dir))).toEqual([]);
  });

  it('reopens after a clean close scanning nothing, with the same content and offsets', async () => {
    const { log, dir } = await openLog({ segmentBytes: 700 });
    const stored = appendMany(log, 25);
    await log.deleteRecordsBefore(7);
    await log.close();
    const reopened = await PartitionLog.open(dir, SMALL, {
      handles,
      recoveryPoint: log.recoveryPoint,
      logStartOffset: log.logStartOffset,
      hadCleanShutdown: true,
    });
    expect(reopened.bytesScannedAtOpen).toBe(0);
    expect([reopened.logStartOffset, reopened.logEndOffset, reopened.recoveryPoint]).toEqual([7, 75, 75]);
    expect((await readAll(reopened, 7 as Offset)).equals(Buffer.concat(stored.slice(2)))).toBe(true);
    expect(reopened.append(buildBatch({ records: 1 })).baseOffset).toBe(75);
    expect(await reopened.offsetForTimestamp(1_000_000 + 24 * 10)).toEqual({ offset: 72, timestamp: 1_000_240 });
    await reopened.close();
  });
});

it('stamps the partition leader epoch only when given', async () => {
  const { log } = await openLog();
  const a = buildBatch();
  log.append(a);
  expect(a.readInt32BE(OFFSET_PARTITION_LEADER_EPOCH)).toBe(-1);
  expect(() => log.append(buildBatch(), { leaderEpoch: -2 })).toThrow(RangeError);
});
