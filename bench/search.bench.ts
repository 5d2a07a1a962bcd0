/**
 * `npm run bench:search`: broker-side search (records:search) on a real broker process.
 *
 * 1. Scan rate: a topic of ~RUNNEL_BENCH_SEARCH_MB stored megabytes (JSON values of ~100 B, 4
 *    partitions) holding exactly one matching record, searched with the search rate unbounded
 *    (RUNNEL_SEARCH_BYTES_PER_SEC at its maximum), so the row is what the scan itself costs:
 *    stored MB/s and records/s for a case-sensitive substring, a case-insensitive substring and
 *    a JSON path equality (which parses every value).
 * 2. The bounded reader's effect: binary produce throughput (acks=1, 8 keep-alive connections,
 *    100 B records) alone and while searches scan the topic back to back (runs interleaved),
 *    with the search rate unbounded, at the default 64 MiB/s and at 16 MiB/s (the broker
 *    restarted on the same data for each).
 * Prints medians of RUNNEL_BENCH_RUNS runs (default 3); never decides pass/fail.
 *
 *   RUNNEL_BENCH_RUNS        runs per case (default 3)
 *   RUNNEL_BENCH_SECONDS     seconds per produce run (default 5)
 *   RUNNEL_BENCH_SEARCH_MB   stored size of the searched topic in MB (default 200)
 */
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { encodeRecordBatch } from '@runnel/protocol';
import { envInt, fmt, machine, median, table } from './harness';
import { LoadResult, runHttpLoad } from './peers/loadgen';
import { Started, startRunnelBroker } from './peers/process';

const RUNS = envInt('RUNNEL_BENCH_RUNS', 3);
const SECONDS = envInt('RUNNEL_BENCH_SECONDS', 5);
const SEARCH_MB = envInt('RUNNEL_BENCH_SEARCH_MB', 200);
const ROOT = path.resolve(__dirname, '..');
const PARTITIONS = 4;
const RECORDS_PER_REQUEST = 1000;
const VALUE_BYTES = 100;
const CONNECTIONS = 8;
const TOPIC = 'searched';
const UNBOUNDED = String(Number.MAX_SAFE_INTEGER);

interface Broker {
  process: Started;
  baseUrl: string;
}

interface Done {
  type: 'done';
  reason: string;
  records_scanned: number;
  bytes_scanned: number;
  matches: number;
}

function call(broker: Broker, method: string, url: string, body?: unknown): Promise<string> {
  const text = body === undefined ? undefined : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const request = http.request(
      `${broker.baseUrl}${url}`,
      { method, headers: text === undefined ? {} : { 'content-type': 'application/json' }, agent: false },
      (response) => {
        let answer = '';
        response.on('data', (chunk: Buffer) => (answer += chunk.toString()));
        response.on('end', () => {
          const status = response.statusCode ?? 0;
          if (status >= 200 && status < 300) resolve(answer);
          else reject(new Error(`${method} ${url}: ${status} ${answer.slice(0, 200)}`));
        });
      },
    );
    request.on('error', reject);
    request.end(text);
  });
}

/** One search read to its end: the `done` line and the seconds it took. */
async function searchOnce(broker: Broker, filter: unknown): Promise<{ done: Done; seconds: number }> {
  const started = process.hrtime.bigint();
  const text = await call(broker, 'POST', `/v3/clusters/-/topics/${TOPIC}/records:search`, {
    filter,
    max_matches: 1000,
    budget: { max_ms: 600_000, max_bytes: 2 ** 50 },
  });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const lines = text.trim().split('\n');
  const done = JSON.parse(lines[lines.length - 1]) as Done;
  if (done.type !== 'done' || done.reason !== 'end') throw new Error(`search ended with ${lines[lines.length - 1]}`);
  return { done, seconds };
}

function batchBody(value: (i: number) => string): Buffer {
  const records = Array.from({ length: RECORDS_PER_REQUEST }, (_, i) => ({
    timestamp: Date.now(),
    key: Buffer.from(`order-${i}`),
    value: Buffer.from(value(i)),
    headers: [{ key: 'type', value: Buffer.from('order') }],
  }));
  return encodeRecordBatch({ records });
}

const orderValue = (i: number, status: string): string =>
  JSON.stringify({ id: i, status, customer: `c-${i % 977}`, total: (i % 1000) / 10, pad: 'x'.repeat(20) });

function produce(
  broker: Broker,
  topic: string,
  body: Buffer,
  partitions: number,
  seconds: number,
  maxRequests?: number,
): Promise<LoadResult> {
  return runHttpLoad({
    url: (worker) => `${broker.baseUrl}/v3/clusters/-/topics/${topic}/partitions/${worker % partitions}/batches?acks=1`,
    body,
    headers: { 'content-type': 'application/vnd.kafka.record-batch' },
    recordsPerRequest: RECORDS_PER_REQUEST,
    payloadBytesPerRequest: RECORDS_PER_REQUEST * VALUE_BYTES,
    connections: CONNECTIONS,
    seconds,
    maxRequests,
  });
}

/** Fills TOPIC to ~SEARCH_MB stored MB with one record (in partition 2, mid-way) whose status is "lost". */
async function fill(broker: Broker): Promise<void> {
  await call(broker, 'POST', '/v3/clusters/-/topics', { topic_name: TOPIC, partitions_count: PARTITIONS });
  const body = batchBody((i) => orderValue(i, 'created'));
  const requests = Math.ceil((SEARCH_MB * 1e6) / body.length);
  const half = await produce(broker, TOPIC, body, PARTITIONS, 3600, Math.floor(requests / 2));
  const needle = encodeRecordBatch({
    records: [{ timestamp: Date.now(), key: Buffer.from('order-needle'), value: Buffer.from(orderValue(42, 'lost')), headers: [] }],
  });
  await produce(broker, TOPIC, needle, 1, 3600, 1).then((r) => r.failures === 0 || Promise.reject(new Error(String(r.firstFailure))));
  const rest = await produce(broker, TOPIC, body, PARTITIONS, 3600, requests - Math.floor(requests / 2));
  if (half.failures + rest.failures > 0) throw new Error(`filling failed: ${half.firstFailure ?? rest.firstFailure}`);
}

const FILTERS: [string, unknown][] = [
  ['value contains (case-sensitive)', { value: { contains: '"status":"lost"' } }],
  ['value contains, case_insensitive', { value: { contains: '"STATUS":"LOST"' }, case_insensitive: true }],
  ['value JSON path equals (parses every value)', { value: { json: { path: '$.status', equals: 'lost' } } }],
];

/** Searches TOPIC (never matching) one after another until `signal`; the stored bytes they scanned (from their progress lines). */
async function searchBackToBack(broker: Broker, signal: AbortSignal): Promise<number> {
  let total = 0;
  while (!signal.aborted) {
    let scanned = 0;
    try {
      const response = await fetch(`${broker.baseUrl}/v3/clusters/-/topics/${TOPIC}/records:search`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ filter: { value: { contains: 'no record holds this' } }, budget: { max_ms: 600_000, max_bytes: 2 ** 50 } }),
        signal,
      });
      const decoder = new TextDecoder();
      let buffered = '';
      for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
        buffered += decoder.decode(chunk, { stream: true });
        const lines = buffered.split('\n');
        buffered = lines.pop()!;
        for (const line of lines) {
          const parsed = JSON.parse(line) as { bytes_scanned?: number };
          if (parsed.bytes_scanned !== undefined) scanned = parsed.bytes_scanned;
        }
      }
    } catch (error) {
      if (!signal.aborted) throw error;
    }
    total += scanned;
  }
  return total;
}

let produceSeq = 0;
/** Produce throughput (records/s) to a fresh topic; with `searching`, while searches scan TOPIC back to back. */
async function produceRate(broker: Broker, searching: boolean): Promise<{ rate: number; searchedMBps?: number }> {
  const topic = `produce-${produceSeq++}`;
  await call(broker, 'POST', '/v3/clusters/-/topics', { topic_name: topic, partitions_count: PARTITIONS });
  const body = batchBody((i) => orderValue(i, 'created'));
  const stop = new AbortController();
  const startedAt = process.hrtime.bigint();
  const searches = searching ? searchBackToBack(broker, stop.signal) : undefined;
  try {
    const result = await produce(broker, topic, body, PARTITIONS, SECONDS);
    if (result.failures > 0) throw new Error(`produce: ${result.failures} failed, first: ${result.firstFailure}`);
    const elapsed = Number(process.hrtime.bigint() - startedAt) / 1e9;
    stop.abort();
    const searchedMBps = searches ? (await searches) / 1e6 / elapsed : undefined;
    return { rate: result.records / result.seconds, searchedMBps };
  } finally {
    stop.abort();
    await searches;
    await call(broker, 'DELETE', `/v3/clusters/-/topics/${topic}`).catch(() => undefined);
  }
}

/** Search rates the produce rows compare: unbounded, the default, and a tighter bound. */
const PHASES: { label: string; env: Record<string, string> }[] = [
  { label: 'RUNNEL_SEARCH_BYTES_PER_SEC unbounded', env: { RUNNEL_SEARCH_BYTES_PER_SEC: UNBOUNDED } },
  { label: 'RUNNEL_SEARCH_BYTES_PER_SEC default (64 MiB/s)', env: {} },
  { label: 'RUNNEL_SEARCH_BYTES_PER_SEC 16 MiB/s', env: { RUNNEL_SEARCH_BYTES_PER_SEC: String(16 * 1024 * 1024) } },
];

async function main(): Promise<void> {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'runnel-bench-search-'));
  const dataDir = path.join(tmp, 'data');
  fs.mkdirSync(dataDir);
  const scans = FILTERS.map(() => ({ mbps: [] as number[], rps: [] as number[] }));
  const phases = PHASES.map(() => ({ alone: [] as number[], searching: [] as number[], searchMBps: [] as number[] }));
  let broker: Broker | undefined;
  let stored = 0;
  let records = 0;
  try {
    for (const [p, phase] of PHASES.entries()) {
      // Each phase restarts the broker on the same data with its search rate.
      broker = await startRunnelBroker(ROOT, dataDir, phase.env);
      if (p === 0) {
        await fill(broker);
        const estimate = JSON.parse(await call(broker, 'GET', `/v3/clusters/-/topics/${TOPIC}/records:estimate`)) as {
          records: number;
          bytes: number;
        };
        stored = estimate.bytes;
        records = estimate.records;
        await searchOnce(broker, FILTERS[0][1]); // warm-up: page cache and JIT
        for (let run = 0; run < RUNS; run++) {
          for (const [i, [, filter]] of FILTERS.entries()) {
            const { done, seconds } = await searchOnce(broker, filter);
            if (done.matches !== 1) throw new Error(`expected one match, got ${done.matches}`);
            scans[i].mbps.push(done.bytes_scanned / 1e6 / seconds);
            scans[i].rps.push(done.records_scanned / seconds);
          }
        }
      }
      // Interleaved, so drift (other load on the machine) hits both alike.
      for (let run = 0; run < RUNS; run++) {
        phases[p].alone.push((await produceRate(broker, false)).rate);
        const withSearch = await produceRate(broker, true);
        phases[p].searching.push(withSearch.rate);
        phases[p].searchMBps.push(withSearch.searchedMBps!);
      }
      await broker.process.stop();
      broker = undefined;
    }
  } finally {
    await broker?.process.stop();
    fs.rmSync(tmp, { recursive: true, force: true });
  }

  console.log(
    `\nRunnel broker-side search: medians of ${RUNS} run(s); ${fmt(records)} records, ${fmt(stored / 1e6)} MB stored, ${PARTITIONS} partitions, one match`,
  );
  console.log(machine());
  console.log();
  console.log(
    table(
      ['scan (search rate unbounded)', 'MB/s', 'records/s'],
      FILTERS.map(([name], i) => [name, fmt(median(scans[i].mbps)), fmt(median(scans[i].rps))]),
    ),
  );
  console.log();
  console.log(
    table(
      [
        `produce, ${VALUE_BYTES} B, acks=1, ${CONNECTIONS} connections`,
        'alone records/s',
        'while searching',
        'searching / alone',
        'search MB/s meanwhile',
      ],
      PHASES.map((phase, p) => {
        const alone = median(phases[p].alone);
        const searching = median(phases[p].searching);
        return [phase.label, fmt(alone), fmt(searching), `${fmt((100 * searching) / alone, 1)} %`, fmt(median(phases[p].searchMBps))];
      }),
    ),
  );
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
