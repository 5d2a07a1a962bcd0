/**
 * `npm run bench:console`: the console's list views at scale, against a real broker process on
 * loopback (one broker, temp data dir, stopped by pid). The target: with 10,000 topics
 * and 10,000 consumer groups, the first page of the topics and groups lists in under 300 ms of
 * server time.
 *
 * Set-up (not timed): TOPICS topics of one partition (created CONCURRENCY at a time, as a
 * provisioning script would), LAGGED_TOPICS of them get RECORDS records each, GROUPS groups are
 * made by offsets:reset (each to the earliest offset of one topic, so the groups lagging on the
 * lagged topics have a lag in offsets and in time); then the bench waits until the history
 * sampler has seen the lags (RUNNEL_HISTORY_INTERVAL_MS, default 10 s, is the broker's default).
 *
 * Timed: REQUESTS requests per case, one at a time, of `topic-summaries` and
 * `consumer-group-summaries` first pages (limit 50) in several sort orders; median and p99 of
 * the round trip on loopback (an upper bound of the server time), plus the broker's RSS and the
 * size of its history file after a sample. Then the console itself (apps/console, built, started
 * in front of the broker): PAGE_REQUESTS requests per case of the topics and groups pages, each
 * timed until the whole server-rendered page has arrived (its data fetched from the broker and
 * rendered; what a browser waits for before the first page of rows).
 *
 *   RUNNEL_BENCH_CONSOLE_TOPICS        topics (default 10000)
 *   RUNNEL_BENCH_CONSOLE_GROUPS        groups (default 10000)
 *   RUNNEL_BENCH_CONSOLE_REQUESTS      requests per case (default 200)
 *   RUNNEL_BENCH_CONSOLE_PAGE_REQUESTS console page requests per case (default 50)
 *   RUNNEL_BENCH_CONSOLE_CONCURRENCY   set-up requests in flight (default 16)
 *   RUNNEL_BENCH_SOURCE                1 runs the broker from source even when dist/ is built
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { encodeRecordBatch } from '@runnel/protocol';
import { envInt, fmt, machine, median, table } from './harness';
import { startRunnelBroker } from './peers/process';
import { startConsole } from '../apps/console/test/support/console-process';

const TOPICS = envInt('RUNNEL_BENCH_CONSOLE_TOPICS', 10_000);
const GROUPS = envInt('RUNNEL_BENCH_CONSOLE_GROUPS', 10_000);
const REQUESTS = envInt('RUNNEL_BENCH_CONSOLE_REQUESTS', 200);
const PAGE_REQUESTS = envInt('RUNNEL_BENCH_CONSOLE_PAGE_REQUESTS', 50);
const CONCURRENCY = envInt('RUNNEL_BENCH_CONSOLE_CONCURRENCY', 16);
const LAGGED_TOPICS = Math.min(100, TOPICS);
const RECORDS = 20;
const ROOT = path.resolve(__dirname, '..');
const SAMPLE_TIMEOUT_MS = 120_000;

const topicName = (i: number): string => `topic-${String(i).padStart(5, '0')}`;
const groupName = (i: number): string => `group-${String(i).padStart(5, '0')}`;

async function expectStatus(response: Response, status: number, what: string): Promise<void> {
  const text = await response.text();
  if (response.status !== status) throw new Error(`${what}: ${response.status} ${text}`);
}

/** Runs `task(i)` for i in [0, count) with CONCURRENCY in flight. */
async function concurrently(count: number, task: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < count) await task(next++);
    }),
  );
}

async function setUp(base: string): Promise<void> {
  const started = performance.now();
  await concurrently(TOPICS, async (i) => {
    const response = await fetch(`${base}/topics`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ topic_name: topicName(i), partitions_count: 1 }),
    });
    await expectStatus(response, 201, `creating ${topicName(i)}`);
  });
  console.error(`created ${TOPICS} topics in ${fmt((performance.now() - started) / 1000, 1)} s`);
  const now = Date.now();
  await concurrently(LAGGED_TOPICS, async (i) => {
    const batch = encodeRecordBatch({
      records: Array.from({ length: RECORDS }, (_, r) => ({
        timestamp: now - (RECORDS - r) * 1000 * (i + 1),
        key: null,
        value: Buffer.from(`record-${r}`),
        headers: [],
      })),
    });
    const response = await fetch(`${base}/topics/${topicName(i)}/partitions/0/batches`, {
      method: 'POST',
      headers: { 'content-type': 'application/vnd.kafka.record-batch' },
      body: batch,
    });
    await expectStatus(response, 200, `producing to ${topicName(i)}`);
  });
  const groupsStarted = performance.now();
  await concurrently(GROUPS, async (i) => {
    const response = await fetch(`${base}/consumer-groups/${groupName(i)}/offsets:reset`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ topic: topicName(i % TOPICS), to: 'earliest' }),
    });
    await expectStatus(response, 200, `creating ${groupName(i)}`);
  });
  console.error(`created ${GROUPS} groups in ${fmt((performance.now() - groupsStarted) / 1000, 1)} s`);
}

/** Waits until the history sampler has sampled the groups' lag (the lag-ordered list leads with a lagging group). */
async function untilSampled(base: string): Promise<void> {
  const deadline = Date.now() + SAMPLE_TIMEOUT_MS;
  for (;;) {
    const response = await fetch(`${base}/consumer-group-summaries?sort=lag_time&order=desc&limit=1`);
    const body = (await response.json()) as { data: { lag_ms: number | null }[] };
    if ((body.data[0]?.lag_ms ?? 0) > 0) return;
    if (Date.now() > deadline) throw new Error('the history sampler did not sample the groups in time');
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

interface Case {
  name: string;
  route: string;
}

const CASES: Case[] = [
  { name: 'topics by name', route: '/topic-summaries?limit=50' },
  { name: 'topics by name, desc', route: '/topic-summaries?limit=50&order=desc' },
  { name: 'topics by size, desc', route: '/topic-summaries?limit=50&sort=size&order=desc' },
  { name: 'topics by partitions, desc', route: '/topic-summaries?limit=50&sort=partitions&order=desc' },
  { name: 'topics by throughput, desc', route: '/topic-summaries?limit=50&sort=throughput&order=desc' },
  { name: 'topics, search "01"', route: '/topic-summaries?limit=50&search=01' },
  { name: 'groups by name', route: '/consumer-group-summaries?limit=50' },
  { name: 'groups by lag, desc', route: '/consumer-group-summaries?limit=50&sort=lag&order=desc' },
  { name: 'groups by lag time, desc', route: '/consumer-group-summaries?limit=50&sort=lag_time&order=desc' },
  { name: 'groups by state', route: '/consumer-group-summaries?limit=50&sort=state' },
  { name: 'groups, search "01"', route: '/consumer-group-summaries?limit=50&search=01' },
];

/** The console's pages: the first page of each list, as a user opens it. */
const PAGE_CASES: Case[] = [
  { name: 'console /topics', route: '/topics' },
  { name: 'console /topics by throughput', route: '/topics?sort=throughput&order=desc' },
  { name: 'console /topics search "01"', route: '/topics?search=01' },
  { name: 'console /groups', route: '/groups' },
  { name: 'console /groups by lag time', route: '/groups?sort=lag_time&order=desc' },
];

async function timePage(base: string, c: Case, requests: number): Promise<{ median: number; p99: number; bytes: number }> {
  const times: number[] = [];
  let bytes = 0;
  for (let i = 0; i < requests; i++) {
    const started = performance.now();
    const response = await fetch(`${base}${c.route}`);
    const html = await response.text();
    times.push(performance.now() - started);
    if (response.status !== 200) throw new Error(`${c.name}: ${response.status} ${html.slice(0, 300)}`);
    if (!html.includes('topic-0') && !html.includes('group-0')) throw new Error(`${c.name}: the page holds no rows`);
    bytes = html.length;
  }
  times.sort((a, b) => a - b);
  return { median: median(times), p99: times[Math.min(times.length - 1, Math.ceil(times.length * 0.99) - 1)], bytes };
}

async function timeCase(base: string, c: Case): Promise<{ median: number; p99: number; total: number }> {
  const times: number[] = [];
  let total = 0;
  for (let i = 0; i < REQUESTS; i++) {
    const started = performance.now();
    const response = await fetch(`${base}${c.route}`);
    const body = (await response.json()) as { total: number };
    times.push(performance.now() - started);
    if (response.status !== 200) throw new Error(`${c.name}: ${response.status} ${JSON.stringify(body)}`);
    total = body.total;
  }
  times.sort((a, b) => a - b);
  return { median: median(times), p99: times[Math.min(times.length - 1, Math.ceil(times.length * 0.99) - 1)], total };
}

function rssMb(pid: number): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return kb / 1024;
}

async function main(): Promise<void> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'runnel-bench-console-'));
  let broker: Awaited<ReturnType<typeof startRunnelBroker>> | undefined;
  let consoleProcess: Awaited<ReturnType<typeof startConsole>> | undefined;
  const rows: (string | number)[][] = [];
  const pageRows: (string | number)[][] = [];
  const notes: string[] = [];
  try {
    broker = await startRunnelBroker(ROOT, dataDir, {
      RUNNEL_MAX_PARTITIONS: String(TOPICS + 1000),
      RUNNEL_MAX_GROUPS: String(GROUPS + 1000),
      RUNNEL_LOG_LEVEL: 'warn',
    });
    const base = `${broker.baseUrl}/v3/clusters/-`;
    await setUp(base);
    await untilSampled(base);
    notes.push(`broker RSS after the first lag sample: ${fmt(rssMb(broker.process.pid))} MiB`);
    for (const c of CASES) {
      await timeCase(base, { ...c }); // warm-up
      const result = await timeCase(base, c);
      rows.push([c.name, fmt(result.median, 1), fmt(result.p99, 1), fmt(result.total)]);
      console.error(`done: ${c.name}`);
    }
    notes.push(`broker RSS after the timed requests: ${fmt(rssMb(broker.process.pid))} MiB`);
    consoleProcess = await startConsole(broker.baseUrl);
    for (const c of PAGE_CASES) {
      await timePage(consoleProcess.baseUrl, c, 3); // warm-up
      const result = await timePage(consoleProcess.baseUrl, c, PAGE_REQUESTS);
      pageRows.push([c.name, fmt(result.median, 1), fmt(result.p99, 1), fmt(result.bytes / 1024, 1)]);
      console.error(`done: ${c.name}`);
    }
    const metrics = await (await fetch(`${broker.baseUrl}/metrics`)).text();
    const sampleSeconds = Number(/^runnel_history_last_sample_seconds (\S+)$/m.exec(metrics)?.[1] ?? NaN);
    notes.push(
      `latest history sample of ${fmt(TOPICS)} topics and ${fmt(GROUPS)} groups: ${fmt(sampleSeconds * 1000)} ms (yielding to requests)`,
    );
  } finally {
    await consoleProcess?.stop();
    await broker?.process.stop();
    const file = path.join(dataDir, 'history.bin');
    if (fs.existsSync(file)) notes.push(`history file at shutdown: ${fmt(fs.statSync(file).size / 1024)} KiB`);
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
  console.log(`\n## Console list views: ${fmt(TOPICS)} topics, ${fmt(GROUPS)} groups (first page of 50, ${REQUESTS} requests per case)\n`);
  console.log(machine());
  console.log('Round trip on loopback, one request at a time (an upper bound of the server time); target < 300 ms.\n');
  console.log(table(['case', 'median ms', 'p99 ms', 'total rows'], rows));
  console.log(`\nThe console's pages (auth off), ${PAGE_REQUESTS} requests per case: until the whole server-rendered page has arrived.\n`);
  console.log(table(['page', 'median ms', 'p99 ms', 'page KiB'], pageRows));
  console.log();
  for (const note of notes) console.log(`- ${note}`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
