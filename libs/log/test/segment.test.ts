import * as fs from 'node:fs';
import { checkBatches, setBaseOffset, LOG_OVERHEAD, type Offset } from '@runnel/protocol';
import { DEFAULT_LOG_CONFIG, FileHandleCache, IndexCache, LogSegment, OffsetIndex, type SegmentContext } from '@runnel/log';
import { buildBatch, makeTmpDir, removeTmpDirs, type BatchSpec } from './batch-builder';

const handles = new FileHandleCache(32);
afterAll(() => {
  handles.closeAll();
  removeTmpDirs();
});

function context(): SegmentContext {
  return { dir: makeTmpDir(), handles, indexCache: new IndexCache(1 << 20), config: { ...DEFAULT_LOG_CONFIG, indexIntervalBytes: 300 } };
}

/** Appends batches as PartitionLog does: offsets patched into the buffer, then one append. */
function append(segment: LogSegment, firstOffset: number, specs: BatchSpec[]): Buffer[] {
  const parts = specs.map(buildBatch);
  const buf = Buffer.concat(parts);
  const headers = checkBatches(buf, 1 << 20);
  let position = 0;
  let offset = firstOffset;
  for (const header of headers) {
    setBaseOffset(buf, position, offset);
    header.baseOffset = offset;
    offset += header.recordCount;
    position += LOG_OVERHEAD + header.batchLength;
  }
  segment.append(buf, headers, 0);
  const out: Buffer[] = [];
  position = 0;
  for (const part of parts) {
    out.push(buf.subarray(position, position + part.length));
    position += part.length;
  }
  return out;
}

/** 40 batches of 4 records (offsets base + 4i ..), timestamps 1000 + 100 i + record. */
function filled(base = 100): { ctx: SegmentContext; segment: LogSegment; batches: Buffer[] } {
  const ctx = context();
  const segment = LogSegment.create(ctx, base as Offset);
  const batches: Buffer[] = [];
  for (let i = 0; i < 40; i += 2) {
    batches.push(
      ...append(
        segment,
        base + i * 4,
        [0, 1].map((k) => ({ records: 4, valueBytes: 30, seed: i + k, timestampMs: 1000 + 100 * (i + k) })),
      ),
    );
  }
  return { ctx, segment, batches };
}

describe('LogSegment', () => {
  it('appends raw bytes and indexes one entry per index interval', () => {
    const { segment, batches } = filled();
    expect(segment.size).toBe(batches.reduce((n, b) => n + b.length, 0));
    expect(fs.readFileSync(segment.logPath).equals(Buffer.concat(batches))).toBe(true);
    const entries = segment.offsetIndex.entriesInMemory()!;
    const count = entries.length / OffsetIndex.ENTRY_SIZE;
    expect(count).toBeGreaterThan(5);
    expect(count).toBeLessThanOrEqual(Math.ceil(segment.size / 300));
    for (let i = 0; i < count; i++) {
      const { offset, position } = OffsetIndex.entryAt(entries, 100, i);
      const batch = (position / batches[0].length) | 0;
      expect(position % batches[0].length).toBe(0);
      expect(offset).toBe(100 + batch * 4 + 3); // the batch's last offset
    }
  });

  it('reads whole batches from the one containing the target, within maxBytes and the upper bound', async () => {
    const { segment, batches } = filled();
    const size = batches[0].length;
    expect(await segment.read(100 + 4 * 7 + 2, size * 3, 1e9)).toMatchObject({
      bytes: Buffer.concat(batches.slice(7, 10)),
      nextOffset: 140,
    });
    expect(await segment.read(130, size * 3, 1e9)).toMatchObject({ nextOffset: 140 }); // sequential: from the read hint
    expect(await segment.read(101, 0, 1e9)).toMatchObject({ bytes: batches[0], nextOffset: 104 });
    expect(await segment.read(100, 1 << 20, 112)).toMatchObject({ bytes: Buffer.concat(batches.slice(0, 3)), nextOffset: 112 });
    expect(await segment.read(99, 1, 1e9)).toMatchObject({ bytes: batches[0] });
    expect(await segment.read(260, 1 << 20, 1e9)).toBeUndefined();
  });

  it('recovery scan keeps whole valid batches, cuts the rest and rebuilds the same indexes', () => {
    const { ctx, segment, batches } = filled();
    const offsets = Buffer.from(segment.offsetIndex.entriesInMemory()!);
    const size = segment.size;
    fs.appendFileSync(segment.logPath, batches[0].subarray(0, 30));
    const reopened = LogSegment.open(ctx, 100 as Offset, size + 30, Number.MAX_SAFE_INTEGER);
    const result = reopened.scan(100, undefined, true);
    expect(result).toEqual({ nextOffset: 260, invalidBytes: 30, scannedBytes: size + 30 });
    expect(fs.statSync(segment.logPath).size).toBe(size);
    expect(reopened.offsetIndex.entriesInMemory()!.equals(offsets)).toBe(true);
  });

  it('recovery scan stops at offsets that go backwards or reach the next segment', () => {
    const { ctx, segment } = filled();
    const size = segment.size;
    expect(LogSegment.open(ctx, 100 as Offset, size, 0).scan(100, 150, false).nextOffset).toBe(148);
    expect(LogSegment.open(ctx, 100 as Offset, size, 0).scan(104, undefined, false)).toMatchObject({
      nextOffset: undefined,
      invalidBytes: size,
    });
  });

  it('truncates before the batch holding an offset and recomputes its tail state', async () => {
    const { segment, batches } = filled();
    expect(segment.truncateTo(100 + 4 * 25 + 1)).toBe(batches.slice(25).reduce((n, b) => n + b.length, 0));
    expect(segment.size).toBe(batches[0].length * 25);
    expect(await segment.largestTimestamp()).toBe(1000 + 100 * 24 + 3);
    expect(await segment.read(190, 1 << 20, 1e9)).toMatchObject({ nextOffset: 200 });
    expect(await segment.read(200, 1 << 20, 1e9)).toBeUndefined();
    append(segment, 200, [{ records: 1, timestampMs: 5 }]);
    expect(await segment.read(200, 1 << 20, 1e9)).toMatchObject({ nextOffset: 201 });
  });

  it('serves a sealed segment from its index file, and survives an index that lies', async () => {
    const { ctx, segment, batches } = filled();
    segment.seal(260);
    const reopened = LogSegment.open(ctx, 100 as Offset, segment.size, 260);
    expect(await reopened.read(100 + 4 * 30, 1, 1e9)).toMatchObject({ bytes: batches[30] });
    // A well-formed index whose entries point at the wrong batches (offsets shifted by one batch).
    const entries = fs.readFileSync(reopened.offsetIndex.path);
    for (let at = 0; at < entries.length; at += 8) entries.writeInt32BE(entries.readInt32BE(at) - 4, at);
    fs.writeFileSync(reopened.offsetIndex.path, entries);
    const lied = LogSegment.open({ ...ctx, indexCache: new IndexCache(1 << 20) }, 100 as Offset, segment.size, 260);
    for (let i = 1; i < 40; i += 3) expect(await lied.read(100 + 4 * i, 1, 1e9)).toMatchObject({ bytes: batches[i] });
  });

  it('knows its largest timestamp and finds offsets by timestamp', async () => {
    const { ctx, segment } = filled();
    expect(await segment.largestTimestamp()).toBe(1000 + 3900 + 3);
    expect(await segment.findOffsetByTimestamp(1000 + 100 * 17 + 2, 0)).toEqual({ offset: 100 + 17 * 4 + 2, timestamp: 2702 });
    expect(await segment.findOffsetByTimestamp(1000 + 100 * 17 + 4, 0)).toEqual({ offset: 100 + 18 * 4, timestamp: 2800 });
    expect(await segment.findOffsetByTimestamp(0, 150)).toEqual({ offset: 150, timestamp: 1000 + 1200 + 2 });
    expect(await segment.findOffsetByTimestamp(10_000, 0)).toBeUndefined();
    segment.seal(260);
    const reopened = LogSegment.open(ctx, 100 as Offset, segment.size, 260);
    expect(await reopened.largestTimestamp()).toBe(4903);
  });

  it('renames its files to .deleted when deleted, leaving pinned readers working', async () => {
    const { ctx, segment, batches } = filled();
    segment.seal(260);
    const pending = segment.read(100, 1 << 20, 1e9);
    const renamed = segment.markDeleted();
    expect(renamed.map((f) => f.slice(ctx.dir.length + 1)).sort()).toEqual([
      '00000000000000000100.index.deleted',
      '00000000000000000100.log.deleted',
      '00000000000000000100.timeindex.deleted',
    ]);
    // Either the read pinned the file before the rename and completes, or it fails with ENOENT
    // (PartitionLog then retries against the new segment set).
    const result = await pending.catch((e: { code?: string }) => e.code);
    if (typeof result === 'string') expect(result).toBe('ENOENT');
    else expect(result!.bytes.equals(Buffer.concat(batches))).toBe(true);
    expect(segment.isDeleted).toBe(true);
  });
});
