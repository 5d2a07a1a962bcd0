/**
 * `npm run bench:log`: append and read throughput of libs/log against the machine's raw
 * sequential write of the same bytes (the ceiling), as a table of medians over several runs.
 *
 *   RUNNEL_BENCH_RUNS       runs per case (default 5)
 *   RUNNEL_BENCH_MB         MiB appended per run and case (default 64; 0 runs only the growth test)
 *   RUNNEL_BENCH_GROWTH_MB  size the growth test takes one log to (default 5120; 0 skips it)
 *   RUNNEL_BENCH_DIR        where the logs are written (default: the OS temp dir)
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import { encodeRecordBatch } from '@runnel/protocol';
import { DEFAULT_LOG_CONFIG, FileHandleCache, GroupCommit, PartitionLog } from '@runnel/log';
import { envInt, fmt, machine, median, nowSeconds, table } from './harness';

const RUNS = envInt('RUNNEL_BENCH_RUNS', 5);
const MB_PER_RUN = envInt('RUNNEL_BENCH_MB', 64);
const GROWTH_MB = envInt('RUNNEL_BENCH_GROWTH_MB', 5120);
const ROOT = fs.mkdtempSync(path.join(process.env.RUNNEL_BENCH_DIR ?? os.tmpdir(), 'runnel-bench-log-'));
/** Concurrent producers in group-commit mode: appends arriving during an fsync share the next. */
const PRODUCERS = 16;
const POOL = 32;

type SyncMode = 'none' | 'group';

function makeBatches(recordBytes: number, recordsPerBatch: number): Buffer[] {
  // Distinct random payloads so nothing is unrealistically cached or compressed.
  return Array.from({ length: POOL }, () =>
    encodeRecordBatch({
      records: Array.from({ length: recordsPerBatch }, () => ({
        timestamp: Date.now(),
        key: null,
        value: randomBytes(recordBytes),
        headers: [],
      })),
    }),
  );
}

let dirSeq = 0;
function freshDir(): string {
  const dir = path.join(ROOT, `p-${dirSeq++}`);
  fs.mkdirSync(dir, { recursive: true });
  return dir;
}

async function openLog(dir: string): Promise<{ log: PartitionLog; handles: FileHandleCache }> {
  const handles = new FileHandleCache({ maxOpen: 64 });
  const log = await PartitionLog.open(dir, { ...DEFAULT_LOG_CONFIG }, { handles });
  return { log, handles };
}

/** Returns seconds taken to append `count` batches from the pool. */
async function appendRun(batches: Buffer[], count: number, mode: SyncMode): Promise<{ seconds: number; dir: string }> {
  const dir = freshDir();
  const { log, handles } = await openLog(dir);
  const start = nowSeconds();
  if (mode === 'none') {
    for (let i = 0; i < count; i++) log.append(batches[i % POOL]);
  } else {
    const commit = new GroupCommit(() => log.flush());
    let next = 0;
    const producer = async (): Promise<void> => {
      while (next < count) {
        log.append(batches[next++ % POOL]);
        await commit.sync();
      }
    };
    await Promise.all(Array.from({ length: PRODUCERS }, producer));
  }
  const seconds = nowSeconds() - start;
  await log.close();
  handles.closeAll();
  return { seconds, dir };
}

/** The ceiling: the same buffers written with fs.writeSync to one file (fsync per PRODUCERS writes in group mode). */
function rawRun(batches: Buffer[], count: number, mode: SyncMode): number {
  const file = path.join(freshDir(), 'raw.bin');
  const fd = fs.openSync(file, 'w');
  const start = nowSeconds();
  for (let i = 0; i < count; i++) {
    fs.writeSync(fd, batches[i % POOL]);
    if (mode === 'group' && (i + 1) % PRODUCERS === 0) fs.fsyncSync(fd);
  }
  if (mode === 'group') fs.fsyncSync(fd);
  const seconds = nowSeconds() - start;
  fs.closeSync(fd);
  fs.rmSync(path.dirname(file), { recursive: true, force: true });
  return seconds;
}

async function readRun(dir: string): Promise<{ seconds: number; bytes: number }> {
  const { log, handles } = await openLog(dir);
  const start = nowSeconds();
  let offset = log.logStartOffset;
  let bytes = 0;
  while (offset < log.logEndOffset) {
    const result = await log.read(offset, 1 << 20);
    bytes += result.bytes.length;
    offset = result.nextOffset;
  }
  const seconds = nowSeconds() - start;
  await log.close();
  handles.closeAll();
  return { seconds, bytes };
}

async function main(): Promise<void> {
  console.log(
    `# libs/log benchmark\n\nMachine: ${machine()}\nRuns per case: ${RUNS} (median shown), ${MB_PER_RUN} MiB per run, data in ${ROOT}\n`,
  );
  if (MB_PER_RUN > 0) await appendAndRead();
  if (GROWTH_MB > 0) await growth();
  fs.rmSync(ROOT, { recursive: true, force: true });
}

async function appendAndRead(): Promise<void> {
  const rows: (string | number)[][] = [];
  let readDir = '';
  for (const recordBytes of [100, 1024]) {
    for (const recordsPerBatch of [1, 100, 1000]) {
      const batches = makeBatches(recordBytes, recordsPerBatch);
      const batchBytes = batches[0].length;
      const count = Math.max(POOL, Math.floor((MB_PER_RUN * 2 ** 20) / batchBytes));
      const totalBytes = count * batchBytes;
      for (const mode of ['none', 'group'] as SyncMode[]) {
        const logSeconds: number[] = [];
        const rawSeconds: number[] = [];
        for (let run = 0; run < RUNS; run++) {
          rawSeconds.push(rawRun(batches, count, mode));
          const { seconds, dir } = await appendRun(batches, count, mode);
          logSeconds.push(seconds);
          if (recordBytes === 1024 && recordsPerBatch === 1000 && mode === 'none' && run === 0) readDir = dir;
          else fs.rmSync(dir, { recursive: true, force: true });
        }
        const logMBs = totalBytes / 2 ** 20 / median(logSeconds);
        const rawMBs = totalBytes / 2 ** 20 / median(rawSeconds);
        rows.push([
          `${recordBytes} B`,
          recordsPerBatch,
          mode === 'none' ? 'no fsync' : `group commit (${PRODUCERS} producers)`,
          fmt(logMBs),
          fmt((count * recordsPerBatch) / median(logSeconds)),
          fmt(rawMBs),
          `${fmt((100 * logMBs) / rawMBs)} %`,
        ]);
        console.error(`done: ${recordBytes} B x ${recordsPerBatch}, ${mode}`);
      }
    }
  }
  console.log('## Append\n');
  console.log(table(['record', 'records/batch', 'fsync', 'append MB/s', 'append records/s', 'raw write MB/s', 'append / raw'], rows));

  const reads: number[] = [];
  let readBytes = 0;
  for (let run = 0; run < RUNS; run++) {
    const { seconds, bytes } = await readRun(readDir);
    reads.push(seconds);
    readBytes = bytes;
  }
  console.log(
    `\n## Sequential read (page cache, 1 MiB reads)\n\n${fmt(readBytes / 2 ** 20)} MiB read at ${fmt(readBytes / 2 ** 30 / median(reads), 2)} GiB/s (median of ${RUNS})`,
  );
  fs.rmSync(readDir, { recursive: true, force: true });
}

/**
 * Append throughput per window as one log grows to GROWTH_MB, next to raw writes of the same size.
 * Wall-clock MB/s past a few GiB is set by the kernel's dirty-page writeback, for both; the user
 * CPU per window is the log's own work, which would grow if anything in it were O(log size).
 */
async function growth(): Promise<void> {
  const batches = makeBatches(100, 1000);
  const batchBytes = batches[0].length;
  const windowBytes = 512 * 2 ** 20;
  const total = GROWTH_MB * 2 ** 20;
  const measure = async (write: (i: number) => void): Promise<{ rate: number; userMs: number }[]> => {
    const windows: { rate: number; userMs: number }[] = [];
    let written = 0;
    let i = 0;
    while (written < total) {
      const start = nowSeconds();
      const cpu = process.cpuUsage();
      let inWindow = 0;
      while (inWindow < windowBytes && written < total) {
        write(i++);
        inWindow += batchBytes;
        written += batchBytes;
      }
      windows.push({ rate: inWindow / 2 ** 20 / (nowSeconds() - start), userMs: process.cpuUsage(cpu).user / 1000 });
    }
    return windows;
  };
  const rawDir = freshDir();
  const fd = fs.openSync(path.join(rawDir, 'raw.bin'), 'w');
  const raw = await measure((i) => fs.writeSync(fd, batches[i % POOL]));
  fs.closeSync(fd);
  fs.rmSync(rawDir, { recursive: true, force: true });

  const dir = freshDir();
  const { log, handles } = await openLog(dir);
  const appended = await measure((i) => log.append(batches[i % POOL]));
  await log.close();
  handles.closeAll();
  fs.rmSync(dir, { recursive: true, force: true });

  const rows = appended.map((w, n) => [
    `${fmt((n * windowBytes) / 2 ** 20)}-${fmt(Math.min(total, (n + 1) * windowBytes) / 2 ** 20)} MiB`,
    fmt(w.rate),
    fmt(w.userMs),
    fmt(raw[n]?.rate ?? 0),
    fmt(raw[n]?.userMs ?? 0),
  ]);
  console.log(`\n## Growth: one log to ${fmt(GROWTH_MB)} MiB (100 B x 1000 per batch, no fsync)\n`);
  console.log(table(['log size', 'append MB/s', 'append user CPU ms', 'raw write MB/s', 'raw user CPU ms'], rows));
}

main().catch((error) => {
  console.error(error);
  fs.rmSync(ROOT, { recursive: true, force: true });
  process.exit(1);
});
