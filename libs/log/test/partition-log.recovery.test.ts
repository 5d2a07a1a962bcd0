import * as fs from 'node:fs';
import * as path from 'node:path';
import { CorruptLogError, DEFAULT_LOG_CONFIG, FileHandleCache, PartitionLog, segmentFileName, type LogConfig } from '@runnel/log';
import { buildBatch, makeTmpDir, removeTmpDirs } from './batch-builder';

/**
 * Crash recovery on real files: a "crash" abandons the PartitionLog and closes its raw
 * descriptors without any checkpoint or index write; the files are then damaged as a crash or
 * the disk would, and the log is reopened with the last recovery point it reported.
 */

const handles = new FileHandleCache(64);
afterAll(() => {
  handles.closeAll();
  removeTmpDirs();
});

const CONFIG: LogConfig = { ...DEFAULT_LOG_CONFIG, segmentBytes: 2000, indexIntervalBytes: 200 };
const BATCH_RECORDS = 2;

interface Fixture {
  dir: string;
  log: PartitionLog;
  stored: Buffer[];
}

async function fixture(batches: number, flushAfter = 0): Promise<Fixture> {
  const dir = path.join(makeTmpDir(), 'recovery-0');
  const log = await PartitionLog.open(dir, CONFIG, { handles });
  const stored: Buffer[] = [];
  for (let i = 0; i < batches; i++) {
    const batch = buildBatch({ records: BATCH_RECORDS, valueBytes: 60, seed: i });
    log.append(batch);
    stored.push(batch);
    if (i + 1 === flushAfter) await log.flush();
  }
  return { dir, log, stored };
}

function crash(log: PartitionLog): void {
  handles.evictUnder(log.dir);
}

async function reopen(
  dir: string,
  recoveryPoint?: number,
  extra: Partial<Parameters<typeof PartitionLog.open>[2]> = {},
): Promise<PartitionLog> {
  return PartitionLog.open(dir, CONFIG, { handles, recoveryPoint: recoveryPoint as never, ...extra });
}

async function readAll(log: PartitionLog): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for (let offset: number = log.logStartOffset; offset < log.logEndOffset;) {
    const r = await log.read(offset, 1 << 20);
    chunks.push(r.bytes);
    offset = r.nextOffset;
  }
  return Buffer.concat(chunks);
}

/** Segment .log files and the stored batches each holds (batch i has offsets 2i, 2i+1). */
function layout(f: Fixture): Array<{ file: string; first: number; batches: Buffer[] }> {
  const bases = f.log.segmentBaseOffsets();
  return bases.map((base, i) => {
    const end = bases[i + 1] ?? f.log.logEndOffset;
    const first = base / BATCH_RECORDS;
    return { file: path.join(f.dir, segmentFileName(base, 'log')), first, batches: f.stored.slice(first, end / BATCH_RECORDS) };
  });
}

describe('recovery after an unclean shutdown', () => {
  it('cuts a torn tail exactly after the last whole batch', async () => {
    const f = await fixture(40, 30);
    const rp = f.log.recoveryPoint;
    crash(f.log);
    const active = layout(f).at(-1)!;
    const whole = active.batches.length - 2;
    const kept = active.batches.slice(0, whole).reduce((n, b) => n + b.length, 0);
    fs.truncateSync(active.file, kept + 25); // half of the next batch made it to disk
    const log = await reopen(f.dir, rp);
    expect(log.logEndOffset).toBe((active.first + whole) * BATCH_RECORDS);
    expect(fs.statSync(active.file).size).toBe(kept);
    expect((await readAll(log)).equals(Buffer.concat(f.stored.slice(0, active.first + whole)))).toBe(true);
    expect(log.append(buildBatch()).baseOffset).toBe(log.logEndOffset - 1);
    await log.close();
  });

  it('cuts the log just before a batch with a flipped bit', async () => {
    const f = await fixture(40, 40);
    crash(f.log);
    const active = layout(f).at(-1)!;
    const before = active.batches.slice(0, -1).reduce((n, b) => n + b.length, 0);
    const bytes = fs.readFileSync(active.file);
    bytes[before + 40] ^= 0x10; // inside the last batch's CRC range
    fs.writeFileSync(active.file, bytes);
    const log = await reopen(f.dir, 0);
    expect(log.logEndOffset).toBe(f.log.logEndOffset - BATCH_RECORDS);
    expect(fs.statSync(active.file).size).toBe(before);
    expect((await readAll(log)).equals(Buffer.concat(f.stored.slice(0, -1)))).toBe(true);
    await log.close();
  });

  it('cuts at a corrupt batch in an earlier segment past the recovery point and removes later segments', async () => {
    const f = await fixture(60, 10);
    const rp = f.log.recoveryPoint;
    crash(f.log);
    const segments = layout(f);
    expect(segments.length).toBeGreaterThan(3);
    const victim = segments.findIndex((s) => s.first * BATCH_RECORDS > rp);
    const target = segments[victim];
    const position = target.batches[0].length + target.batches[1].length; // its third batch
    const bytes = fs.readFileSync(target.file);
    bytes[position + 70] ^= 0x01;
    fs.writeFileSync(target.file, bytes);
    const log = await reopen(f.dir, rp);
    expect(log.logEndOffset).toBe((target.first + 2) * BATCH_RECORDS);
    expect(log.segmentCount).toBe(victim + 1);
    for (const later of segments.slice(victim + 1)) expect(fs.existsSync(later.file)).toBe(false);
    expect((await readAll(log)).equals(Buffer.concat(f.stored.slice(0, target.first + 2)))).toBe(true);
    expect(fs.readdirSync(f.dir).filter((n) => n.includes('.deleted'))).toEqual([]);
    await log.close();
  });

  it('scans only the segments from the one holding the recovery point', async () => {
    const f = await fixture(60, 50);
    const rp = f.log.recoveryPoint;
    crash(f.log);
    const segments = layout(f);
    const from = segments.findIndex((_, i) => (segments[i + 1]?.first ?? Infinity) * BATCH_RECORDS > rp);
    const expected = segments.slice(from).reduce((n, s) => n + fs.statSync(s.file).size, 0);
    const log = await reopen(f.dir, rp);
    expect(log.bytesScannedAtOpen).toBe(expected);
    expect(log.logEndOffset).toBe(f.log.logEndOffset);
    expect(log.recoveryPoint).toBe(rp);
    await log.flush();
    expect(log.recoveryPoint).toBe(log.logEndOffset);
    await log.close();
  });

  it('drops zeros left after the tail (preallocated or torn blocks)', async () => {
    const f = await fixture(10);
    crash(f.log);
    const active = layout(f).at(-1)!;
    fs.appendFileSync(active.file, Buffer.alloc(4096));
    const log = await reopen(f.dir);
    expect(log.logEndOffset).toBe(20);
    expect((await readAll(log)).equals(Buffer.concat(f.stored))).toBe(true);
    await log.close();
  });

  it('handles an empty trailing segment (crash right after a roll)', async () => {
    const f = await fixture(10);
    f.log.roll();
    await f.log.flush();
    crash(f.log);
    const log = await reopen(f.dir, f.log.recoveryPoint);
    expect(log.segmentBaseOffsets().at(-1)).toBe(20);
    expect(log.logEndOffset).toBe(20);
    expect(log.append(buildBatch()).baseOffset).toBe(20);
    await log.close();
  });

  it('rebuilds missing or garbage index files of closed segments', async () => {
    const f = await fixture(60, 60);
    const rp = f.log.recoveryPoint;
    await f.log.close();
    const segments = layout(f);
    fs.unlinkSync(segments[0].file.replace('.log', '.index'));
    fs.writeFileSync(segments[1].file.replace('.log', '.index'), Buffer.from('not an index'));
    fs.writeFileSync(segments[2].file.replace('.log', '.timeindex'), Buffer.alloc(24, 0xff));
    const log = await reopen(f.dir, rp, { hadCleanShutdown: true });
    expect(log.bytesScannedAtOpen).toBe(0);
    for (let i = 0; i < 60; i += 7) {
      const r = await log.read(i * BATCH_RECORDS + 1, 1);
      expect(r.bytes.equals(f.stored[i])).toBe(true);
    }
    expect(fs.statSync(segments[0].file.replace('.log', '.index')).size % 8).toBe(0);
    expect((await log.offsetForTimestamp(0))?.offset).toBe(0);
    await log.close();
  });

  it('recovers the active segment when its index is unusable after a clean shutdown', async () => {
    const f = await fixture(12, 12);
    await f.log.close();
    const active = layout(f).at(-1)!;
    fs.writeFileSync(active.file.replace('.log', '.index'), Buffer.alloc(13));
    const log = await reopen(f.dir, f.log.recoveryPoint, { hadCleanShutdown: true });
    expect(log.bytesScannedAtOpen).toBe(fs.statSync(active.file).size);
    expect(log.logEndOffset).toBe(24);
    await log.close();
  });
});

describe('opening a partition directory', () => {
  it('starts an empty log at the log start offset when the directory has no segments', async () => {
    const dir = path.join(makeTmpDir(), 'empty-3');
    fs.mkdirSync(dir);
    const log = await PartitionLog.open(dir, CONFIG, { handles, logStartOffset: 42 as never });
    expect([log.logStartOffset, log.logEndOffset, log.segmentBaseOffsets()]).toEqual([42, 42, [42]]);
    expect(log.append(buildBatch()).baseOffset).toBe(42);
    await log.close();
  });

  it('restarts at the log start offset when the data below it is gone', async () => {
    const f = await fixture(5);
    crash(f.log);
    const log = await reopen(f.dir, 0, { logStartOffset: 100 as never });
    expect([log.logStartOffset, log.logEndOffset, log.sizeBytes]).toEqual([100, 100, 0]);
    await log.close();
  });

  it('removes leftovers of interrupted deletions and orphan index files', async () => {
    const f = await fixture(5);
    await f.log.close();
    fs.writeFileSync(path.join(f.dir, segmentFileName(900, 'log', 'deleted')), 'x');
    fs.writeFileSync(path.join(f.dir, segmentFileName(900, 'index', 'cleaned')), 'x');
    fs.writeFileSync(path.join(f.dir, segmentFileName(800, 'index')), 'x');
    fs.writeFileSync(path.join(f.dir, 'leader-epoch-checkpoint'), '0\n0\n');
    const log = await reopen(f.dir);
    expect(fs.readdirSync(f.dir).sort()).toEqual([
      '00000000000000000000.index',
      '00000000000000000000.log',
      '00000000000000000000.timeindex',
      'leader-epoch-checkpoint',
    ]);
    await log.close();
  });

  it('refuses to guess about an interrupted compaction', async () => {
    const f = await fixture(2);
    await f.log.close();
    fs.writeFileSync(path.join(f.dir, segmentFileName(0, 'log', 'swap')), 'x');
    await expect(reopen(f.dir)).rejects.toThrow(CorruptLogError);
  });
});
