/**
 * `node -r @swc-node/register bench/broker.bench.ts`: the broker over HTTP and WebSocket, against
 * a bare Node HTTP sink driven by the same load generator (the ceiling of Node's HTTP stack here)
 * and, when installed, NATS JetStream (file store) and Redis Streams (AOF everysec) on loopback.
 * Prints a markdown table of medians over runs. Everything runs on 127.0.0.1 and stops itself.
 *
 *   RUNNEL_BENCH_RUNS         runs per case (default 3)
 *   RUNNEL_BENCH_SECONDS      seconds per produce case and run (default 5)
 *   RUNNEL_BENCH_CONNECTIONS  concurrent keep-alive connections of the load generator (default 8)
 *   RUNNEL_BENCH_WS_RECORDS   backlog delivered over WebSocket per run (default 500000, 100 B)
 *   RUNNEL_BENCH_LATENCY_RATE records/s offered in the latency case (default 10000)
 *   RUNNEL_BENCH_WARMUP_SECONDS latency case: seconds sent first and not counted (default 1)
 *   RUNNEL_BENCH_PEERS        0 skips NATS and Redis
 *   RUNNEL_BENCH_SOURCE       1 runs the broker from source even when dist/ is built
 *
 * Throughput counts value bytes only (MB/s = 10^6 value bytes per second), so every system is
 * measured on the same payload. The broker runs from dist/ when built, else from source.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import { encodeRecordBatch } from '@runnel/protocol';
import { envInt, fmt, machine, median, table } from './harness';
import { LoadResult, runHttpLoad } from './peers/loadgen';
import { Started, startProcess, startRunnelBroker } from './peers/process';
import { benchNats } from './peers/nats';
import { benchRedis, PeerCase } from './peers/redis';
import { endToEndLatency, wsDelivery } from './peers/ws';

const RUNS = envInt('RUNNEL_BENCH_RUNS', 3);
const SECONDS = envInt('RUNNEL_BENCH_SECONDS', 5);
const CONNECTIONS = envInt('RUNNEL_BENCH_CONNECTIONS', 8);
const WS_RECORDS = envInt('RUNNEL_BENCH_WS_RECORDS', 500_000);
const LATENCY_RATE = envInt('RUNNEL_BENCH_LATENCY_RATE', 10_000);
const PEERS = envInt('RUNNEL_BENCH_PEERS', 1) > 0;
const ROOT = path.resolve(__dirname, '..');
const PARTITIONS = 4;
const SIZES = [100, 1024];
/** Records per produce request: ~100-256 KiB of values, a typical batch. */
const RECORDS_PER_REQUEST: Record<number, number> = { 100: 1000, 1024: 256 };

type Format = 'binary' | 'json';

interface Row {
  name: string;
  runs: { recordsPerSecond: number; mbPerSecond: number; failures: number; note?: string }[];
  extra?: string[];
}
const rows: Row[] = [];

async function startSink(): Promise<{ process: Started; baseUrl: string }> {
  const started = await startProcess(
    process.execPath,
    ['-r', '@swc-node/register', path.join(__dirname, 'peers/sink.ts')],
    /listening on http:\/\/[^:]+:(\d+)/,
    { cwd: ROOT },
  );
  return { process: started, baseUrl: `http://127.0.0.1:${started.match}` };
}

async function api(baseUrl: string, method: string, url: string, body?: unknown): Promise<void> {
  const response = await fetch(`${baseUrl}/v3/clusters/-${url}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  await response.arrayBuffer();
  if (!response.ok) throw new Error(`${method} ${url}: ${response.status}`);
}

let topicSeq = 0;
async function withTopic<T>(baseUrl: string, partitions: number, run: (topic: string) => Promise<T>): Promise<T> {
  const topic = `bench-${topicSeq++}`;
  await api(baseUrl, 'POST', '/topics', { topic_name: topic, partitions_count: partitions });
  try {
    return await run(topic);
  } finally {
    await api(baseUrl, 'DELETE', `/topics/${topic}`).catch(() => undefined); // keeps the temp disk small
  }
}

function values(size: number, count: number): Buffer[] {
  // Printable random text: valid as a JSON STRING and not unrealistically compressible.
  return Array.from({ length: count }, () => Buffer.from(randomBytes(size).toString('base64').slice(0, size)));
}

function produceBody(format: Format, size: number): { body: Buffer; contentType: string } {
  const vals = values(size, RECORDS_PER_REQUEST[size]);
  if (format === 'binary') {
    const records = vals.map((value) => ({ timestamp: Date.now(), key: null, value, headers: [] }));
    return { body: encodeRecordBatch({ records }), contentType: 'application/vnd.kafka.record-batch' };
  }
  const entries = vals.map((v, i) => ({ id: String(i), value: { type: 'STRING', data: v.toString() } }));
  return { body: Buffer.from(JSON.stringify({ entries })), contentType: 'application/json' };
}

function record(name: string, result: LoadResult, row?: Row): Row {
  const target = row ?? rows.find((r) => r.name === name) ?? rows[rows.push({ name, runs: [] }) - 1];
  target.runs.push({
    recordsPerSecond: result.records / result.seconds,
    mbPerSecond: result.payloadBytes / result.seconds / 1e6,
    failures: result.failures,
    note: result.firstFailure,
  });
  return target;
}

const acceptedJson = (status: number, body: string): boolean => status === 207 && body.includes('"failures":[]');

async function produceCases(baseUrl: string, sink: string): Promise<void> {
  for (const format of ['binary', 'json'] as Format[]) {
    for (const size of SIZES) {
      const { body, contentType } = produceBody(format, size);
      const common = {
        body,
        headers: { 'content-type': contentType },
        recordsPerRequest: RECORDS_PER_REQUEST[size],
        payloadBytesPerRequest: RECORDS_PER_REQUEST[size] * size,
        connections: CONNECTIONS,
        seconds: SECONDS,
        accepted: format === 'json' ? acceptedJson : undefined,
      };
      for (const acks of ['1', 'all']) {
        for (let run = 0; run < RUNS; run++) {
          const result = await withTopic(baseUrl, PARTITIONS, (topic) =>
            runHttpLoad({
              ...common,
              url: (worker) =>
                format === 'binary'
                  ? `${baseUrl}/v3/clusters/-/topics/${topic}/partitions/${worker % PARTITIONS}/batches?acks=${acks}`
                  : `${baseUrl}/v3/clusters/-/topics/${topic}/records:batch?acks=${acks}`,
            }),
          );
          record(`runnel produce ${format}, ${size} B, acks=${acks}`, result);
        }
      }
      for (let run = 0; run < RUNS; run++) {
        const result = await runHttpLoad({
          ...common,
          accepted: undefined,
          url: () => `${sink}/v3/clusters/-/topics/t/partitions/0/batches`,
        });
        record(`ceiling: bare node:http sink, ${format} body, ${size} B`, result);
      }
    }
  }
}

async function wsCases(baseUrl: string): Promise<void> {
  const size = 100;
  const perRequest = RECORDS_PER_REQUEST[size];
  const { body } = produceBody('binary', size);
  for (let run = 0; run < RUNS; run++) {
    const result = await withTopic(baseUrl, 1, async (topic) => {
      const requests = Math.ceil(WS_RECORDS / perRequest);
      const loaded = await runHttpLoad({
        url: () => `${baseUrl}/v3/clusters/-/topics/${topic}/partitions/0/batches?acks=1`,
        body,
        headers: { 'content-type': 'application/vnd.kafka.record-batch' },
        recordsPerRequest: perRequest,
        payloadBytesPerRequest: perRequest * size,
        connections: CONNECTIONS,
        seconds: 3600,
        maxRequests: requests,
      });
      if (loaded.failures > 0) throw new Error(`pre-producing for the WS case failed: ${loaded.firstFailure}`);
      const seconds = await wsDelivery(baseUrl, topic, loaded.records);
      return { seconds, requests: 1, records: loaded.records, payloadBytes: loaded.payloadBytes, failures: 0 };
    });
    record(`runnel WS delivery to 1 subscriber, ${size} B (backlog of ${fmt(WS_RECORDS)})`, result);
  }
  const latencies: { p50: number; p99: number; p999: number; lost: number }[] = [];
  for (let run = 0; run < RUNS; run++) {
    const r = await withTopic(baseUrl, 1, (topic) =>
      endToEndLatency(baseUrl, topic, LATENCY_RATE, SECONDS, envInt('RUNNEL_BENCH_WARMUP_SECONDS', 1)),
    );
    latencies.push({ p50: r.p50, p99: r.p99, p999: r.p999, lost: r.sent - r.received });
  }
  const ms = (k: 'p50' | 'p99' | 'p999'): string => `${fmt(median(latencies.map((l) => l[k])), 2)} ms`;
  rows.push({
    name: `runnel produce → WS latency at ${fmt(LATENCY_RATE)} rec/s (acks=1, ~1 ms batches)`,
    runs: [],
    extra: [
      `p50 ${ms('p50')}, p99 ${ms('p99')}, p99.9 ${ms('p999')}${latencies.some((l) => l.lost) ? `, ${Math.max(...latencies.map((l) => l.lost))} undelivered` : ''}`,
    ],
  });
}

async function peerCases(): Promise<void> {
  const cases: PeerCase[] = SIZES.map((valueBytes) => ({ valueBytes, connections: CONNECTIONS, seconds: SECONDS }));
  const peers: [string, (c: PeerCase[]) => Promise<LoadResult[] | null>][] = [
    ['NATS JetStream publish (file stream, 256 in flight/conn)', benchNats],
    ['Redis Streams XADD (AOF everysec, pipelined 256/conn)', benchRedis],
  ];
  for (const [label, bench] of peers) {
    for (let run = 0; run < RUNS; run++) {
      let results: LoadResult[] | null;
      try {
        results = await bench(cases);
      } catch (error) {
        console.error(`${label}: skipped (${error instanceof Error ? error.message.split('\n')[0] : error})`);
        break;
      }
      if (results === null) {
        console.error(`${label}: not installed, skipped (apt-get install -y nats-server redis-server)`);
        break;
      }
      results.forEach((result, i) => record(`peer: ${label}, ${SIZES[i]} B`, result));
    }
  }
}

function print(): void {
  const body = rows.map((row) => {
    if (row.extra) return [row.name, '', '', ...row.extra];
    const failures = row.runs.reduce((n, r) => n + r.failures, 0);
    const note = row.runs.find((r) => r.note)?.note;
    return [
      row.name,
      fmt(median(row.runs.map((r) => r.recordsPerSecond))),
      fmt(median(row.runs.map((r) => r.mbPerSecond)), 1),
      failures > 0 ? `${failures} failed requests: ${note}` : '',
    ];
  });
  console.log(`\nRunnel broker benchmark: medians of ${RUNS} run(s), ${SECONDS} s per case, ${CONNECTIONS} connections, loopback`);
  console.log(machine());
  console.log();
  console.log(table(['case', 'records/s', 'MB/s (values)', 'notes'], body));
}

async function main(): Promise<void> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'runnel-bench-broker-'));
  let broker: { process: Started; baseUrl: string } | undefined;
  let sink: { process: Started; baseUrl: string } | undefined;
  try {
    broker = await startRunnelBroker(ROOT, dataDir);
    sink = await startSink();
    await produceCases(broker.baseUrl, sink.baseUrl);
    await sink.process.stop();
    await wsCases(broker.baseUrl);
    await broker.process.stop();
    if (PEERS) await peerCases();
  } finally {
    await sink?.process.stop();
    await broker?.process.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
  print();
}

main().catch((error: unknown) => {
  print();
  console.error(error);
  process.exit(1);
});
