/**
 * `npm run bench:cleaner`: log compaction (libs/log Cleaner) on real files, medians over runs.
 *
 * 1. Throughput: a log of RUNNEL_BENCH_CLEANER_MB MiB of keyed records (KEYS distinct keys, so
 *    most records are older versions) cleaned with no rate bound; MB/s = log bytes / seconds.
 * 2. Produce latency while the cleaner runs: acks=all appends (Partition.append(..., -1): group
 *    commit, answered once fsynced) offered at a fixed rate to one log, measured from the moment
 *    each append was due (so event-loop stalls count), without the cleaner, then with the cleaner
 *    compacting another log (a fresh copy of a 64 MiB keyed log per run, cleaned again and again
 *    until the run ends) at the broker's default I/O rate, and with no rate bound.
 *
 *   RUNNEL_BENCH_RUNS           runs per case (default 3)
 *   RUNNEL_BENCH_CLEANER_MB     MiB of keyed records to clean (default 256)
 *   RUNNEL_BENCH_SECONDS        seconds per latency case and run (default 8)
 *   RUNNEL_BENCH_PRODUCE_RATE   appends per second offered in the latency cases (default 500)
 *   RUNNEL_BENCH_CLEANER_RATES  extra latency cases: cleaner rates in MiB/s, e.g. "16,64,128"
 *   RUNNEL_BENCH_DIR            where the logs are written (default: the OS temp dir)
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import { asLeaderEpoch, encodeRecordBatch } from '@runnel/protocol';
import { Cleaner, DEFAULT_LOG_CONFIG, FileHandleCache, PartitionLog, type LogConfig } from '@runnel/log';
import { Partition } from '@runnel/replication';
import { loadBrokerConfig } from '../apps/broker/src/config/broker-config';
import { envInt, fmt, machine, median, nowSeconds, table } from './harness';

const RUNS = envInt('RUNNEL_BENCH_RUNS', 3);
const CLEANER_MB = envInt('RUNNEL_BENCH_CLEANER_MB', 256);
const SECONDS = envInt('RUNNEL_BENCH_SECONDS', 8);
const PRODUCE_RATE = envInt('RUNNEL_BENCH_PRODUCE_RATE', 500);
const ROOT = fs.mkdtempSync(path.join(process.env.RUNNEL_BENCH_DIR ?? os.tmpdir(), 'runnel-bench-cleaner-'));
/** The broker's default cleaner rate (RUNNEL_LOG_CLEANER_IO_BYTES_PER_SECOND unset). */
const DEFAULT_IO_RATE = loadBrokerConfig({}).logCleanerIoBytesPerSecond;
const LATENCY_LOG_MB = 64;

const KEYS = 100_000;
const VALUE_BYTES = 200;
const RECORDS_PER_BATCH = 100;
const POOL = 64;
const COMPACTED: LogConfig = { ...DEFAULT_LOG_CONFIG, cleanupPolicy: 'compact', segmentBytes: 64 * 1024 * 1024 };
/** Latency case: 20 records of 200 B per append (10,000 records/s at the default rate). */
const PRODUCE_RECORDS = 20;

let dirSeq = 0;
const freshDir = (): string => path.join(ROOT, `p-${dirSeq++}`);

/** A closed-segment log of `mb` MiB: batches of 100 records, each with one of KEYS random keys. */
async function buildKeyedLog(handles: FileHandleCache, mb: number): Promise<PartitionLog> {
  const log = await PartitionLog.open(freshDir(), COMPACTED, { handles });
  const values = Array.from({ length: POOL }, () => randomBytes(VALUE_BYTES));
  const key = (): Buffer => Buffer.from(`key-${String(Math.floor(Math.random() * KEYS)).padStart(8, '0')}`);
  for (let i = 0; log.sizeBytes < mb * 2 ** 20; i++) {
    const records = Array.from({ length: RECORDS_PER_BATCH }, (_, j) => ({
      timestamp: Date.now(),
      key: key(),
      value: values[(i + j) % POOL],
      headers: [],
    }));
    log.append(encodeRecordBatch({ records }));
  }
  log.roll();
  await log.flush();
  return log;
}

async function throughput(): Promise<void> {
  const rows: (string | number)[][] = [];
  const mbPerSecond: number[] = [];
  let last = { logMiB: 0, readMiB: 0, writtenMiB: 0, removed: 0 };
  for (let run = 0; run < RUNS; run++) {
    const handles = new FileHandleCache(64);
    const log = await buildKeyedLog(handles, CLEANER_MB);
    const logBytes = log.sizeBytes;
    const started = nowSeconds();
    const result = await new Cleaner().clean(log, { nowMs: Date.now(), deleteRetentionMs: 0, minCleanableDirtyRatio: 0 });
    const seconds = nowSeconds() - started;
    mbPerSecond.push(logBytes / 2 ** 20 / seconds);
    last = {
      logMiB: logBytes / 2 ** 20,
      readMiB: result.bytesRead / 2 ** 20,
      writtenMiB: result.bytesWritten / 2 ** 20,
      removed: result.recordsRemoved,
    };
    await log.close();
    handles.closeAll();
    fs.rmSync(log.dir, { recursive: true, force: true });
    console.error(`done: cleaner throughput run ${run + 1}`);
  }
  rows.push([fmt(last.logMiB), fmt(KEYS), fmt(median(mbPerSecond)), fmt(last.readMiB), fmt(last.writtenMiB), fmt(last.removed)]);
  console.log('## Cleaner throughput (no rate bound)\n');
  console.log(table(['log MiB', 'distinct keys', 'cleaned MB/s (log MiB / s)', 'MiB read', 'MiB written', 'records removed'], rows));
}

interface LatencyRun {
  p50: number;
  p99: number;
  p999: number;
  max: number;
  cleanerMBs: number;
}

/** acks=all appends at PRODUCE_RATE for SECONDS, with a cleaner looping on another log at `ioRate` (null = no cleaner). */
async function latencyRun(ioRate: number | null | undefined, keyedDir: string): Promise<LatencyRun> {
  const handles = new FileHandleCache(64);
  const copy = freshDir();
  fs.cpSync(keyedDir, copy, { recursive: true });
  const keyed = await PartitionLog.open(copy, COMPACTED, { handles });
  const log = await PartitionLog.open(freshDir(), { ...DEFAULT_LOG_CONFIG }, { handles });
  const partition = new Partition('bench', 0, log, asLeaderEpoch(0), true);
  const batch = (): Buffer =>
    encodeRecordBatch({
      records: Array.from({ length: PRODUCE_RECORDS }, () => ({
        timestamp: Date.now(),
        key: null,
        value: randomBytes(VALUE_BYTES),
        headers: [],
      })),
    });
  const pool = Array.from({ length: POOL }, batch);

  const stop = new AbortController();
  const cleaner = new Cleaner();
  const cleaning = (async () => {
    if (ioRate === null) return;
    while (!stop.signal.aborted) {
      await cleaner.clean(keyed, {
        nowMs: Date.now(),
        deleteRetentionMs: 0,
        minCleanableDirtyRatio: 0,
        ioBytesPerSecond: ioRate,
        signal: stop.signal,
      });
    }
  })();

  const total = Math.round(SECONDS * PRODUCE_RATE);
  const intervalMs = 1000 / PRODUCE_RATE;
  const latencies: number[] = [];
  const pending: Promise<void>[] = [];
  const start = performance.now() + 200; // let the cleaner get going
  const cleanerBytesAtStart = () => cleaner.stats.bytesRead + cleaner.stats.bytesWritten;
  let cleanerBytes0 = 0;
  for (let i = 0; i < total; i++) {
    const due = start + i * intervalMs;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    if (i === 0) cleanerBytes0 = cleanerBytesAtStart();
    const buf = pool[i % POOL];
    // A timer may fire a little early: then the latency counts from the send, never below zero.
    const from = Math.min(due, performance.now());
    pending.push(partition.append(buf, -1).then(() => void latencies.push(performance.now() - from)));
  }
  await Promise.all(pending);
  const elapsed = (performance.now() - start) / 1000;
  const cleanerMBs = (cleanerBytesAtStart() - cleanerBytes0) / 1e6 / elapsed;
  stop.abort();
  await cleaning;
  partition.close(new Error('bench done'));
  await log.close();
  await keyed.close();
  handles.closeAll();
  fs.rmSync(log.dir, { recursive: true, force: true });
  fs.rmSync(copy, { recursive: true, force: true });
  latencies.sort((a, b) => a - b);
  const at = (q: number): number => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))];
  return { p50: at(0.5), p99: at(0.99), p999: at(0.999), max: latencies[latencies.length - 1], cleanerMBs };
}

async function latency(): Promise<void> {
  const handles = new FileHandleCache(64);
  const keyed = await buildKeyedLog(handles, LATENCY_LOG_MB);
  await keyed.close();
  handles.closeAll();
  const cases: Array<[string, number | null | undefined]> = [
    ['no cleaner', null],
    [`cleaner at the default ${fmt(DEFAULT_IO_RATE / 2 ** 20)} MiB/s`, DEFAULT_IO_RATE],
    ...(process.env.RUNNEL_BENCH_CLEANER_RATES ?? '')
      .split(',')
      .filter((mib) => mib.trim() !== '')
      .map((mib): [string, number] => [`cleaner at ${mib.trim()} MiB/s`, Number(mib) * 2 ** 20]),
    ['cleaner without a rate bound', undefined],
  ];
  const rows: (string | number)[][] = [];
  for (const [name, rate] of cases) {
    const runs: LatencyRun[] = [];
    for (let run = 0; run < RUNS; run++) runs.push(await latencyRun(rate, keyed.dir));
    const m = (f: (r: LatencyRun) => number): number => median(runs.map(f));
    rows.push([
      name,
      fmt(
        m((r) => r.p50),
        2,
      ),
      fmt(
        m((r) => r.p99),
        2,
      ),
      fmt(
        m((r) => r.p999),
        2,
      ),
      fmt(
        m((r) => r.max),
        1,
      ),
      rate === null
        ? ''
        : fmt(
            m((r) => r.cleanerMBs),
            1,
          ),
    ]);
    console.error(`done: latency, ${name}`);
  }
  fs.rmSync(keyed.dir, { recursive: true, force: true });
  console.log(
    `\n## acks=all append latency at ${fmt(PRODUCE_RATE)} appends/s × ${PRODUCE_RECORDS} records of ${VALUE_BYTES} B (${SECONDS} s per run)\n`,
  );
  console.log(table(['case', 'p50 ms', 'p99 ms', 'p99.9 ms', 'max ms', 'cleaner I/O MB/s'], rows));
}

async function main(): Promise<void> {
  console.log(
    `# Cleaner benchmark\n\nMachine: ${machine()}\nRuns per case: ${RUNS} (median shown), ${CLEANER_MB} MiB keyed log, data in ${ROOT}\n`,
  );
  await throughput();
  await latency();
  fs.rmSync(ROOT, { recursive: true, force: true });
}

main().catch((error) => {
  console.error(error);
  fs.rmSync(ROOT, { recursive: true, force: true });
  process.exit(1);
});
