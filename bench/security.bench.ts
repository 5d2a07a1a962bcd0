/**
 * `npm run bench:security`: what security costs. Two brokers on this machine in the same run — one
 * as the quick start runs it (auth off, plain HTTP), one with RUNNEL_AUTH=on, TLS on the listener
 * and ACLs (a PREFIXED ALLOW for the benchmark user among a few hundred other bindings) — and the
 * same load against each, runs interleaved (off, on, off, on...) so drift hits both alike. Cases:
 * binary produce over HTTP keep-alive (Basic credentials, verified once then cached) and WebSocket
 * delivery of a backlog to one subscriber (authenticated upgrade, READ checked per subscription).
 * A last row measures the same produce load against a bare node:http and node:https sink: what TLS
 * alone costs Node on this machine, the ceiling for the TLS cases. Prints medians and on/off ratios
 * (the issue's goal: on >= 90 % of off).
 *
 *   RUNNEL_BENCH_RUNS         runs per case and broker (default 5)
 *   RUNNEL_BENCH_SECONDS      seconds per produce run (default 5)
 *   RUNNEL_BENCH_CONNECTIONS  concurrent keep-alive connections (default 8)
 *   RUNNEL_BENCH_WS_RECORDS   backlog delivered over WebSocket per run (default 200000, 100 B)
 *   RUNNEL_BENCH_TLS          0 leaves TLS off on the secured broker (auth + ACLs only), to tell the costs apart
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as https from 'node:https';
import * as os from 'node:os';
import * as path from 'node:path';
import { SqliteMetadataStore } from '@runnel/metadata';
import { encodeRecordBatch } from '@runnel/protocol';
import type { AclBinding } from '@runnel/security';
import { envInt, fmt, machine, median, table } from './harness';
import { LoadResult, runHttpLoad } from './peers/loadgen';
import { Started, startProcess, startRunnelBroker } from './peers/process';
import { wsDelivery } from './peers/ws';

const RUNS = envInt('RUNNEL_BENCH_RUNS', 5);
const SECONDS = envInt('RUNNEL_BENCH_SECONDS', 5);
const CONNECTIONS = envInt('RUNNEL_BENCH_CONNECTIONS', 8);
const WS_RECORDS = envInt('RUNNEL_BENCH_WS_RECORDS', 200_000);
const ROOT = path.resolve(__dirname, '..');
const PARTITIONS = 4;
const VALUE_BYTES = 100;
const RECORDS_PER_REQUEST = 1000;
const ADMIN_PASSWORD = 'bench-admin-password';
const USER = 'bench';
const USER_PASSWORD = 'bench-user-password';
/** Bindings that name other principals and topics: the authorizer has a realistic set to search. */
const OTHER_BINDINGS = 300;
const TLS = envInt('RUNNEL_BENCH_TLS', 1) > 0;

interface Broker {
  label: 'off' | 'on';
  process: Started;
  baseUrl: string;
  /** Authorization header of the benchmark user (on) or none (off). */
  headers: Record<string, string>;
  ca?: Buffer;
}

function openssl(args: string[], cwd: string): void {
  execFileSync('openssl', args, { cwd, stdio: 'pipe' });
}

/** A CA and a listener certificate for 127.0.0.1, made with the openssl CLI. */
function makeCertificates(dir: string): { cert: string; key: string; ca: string } {
  openssl(
    ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '2', '-subj', '/CN=bench-ca'],
    dir,
  );
  openssl(['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=127.0.0.1'], dir);
  fs.writeFileSync(path.join(dir, 'server.ext'), 'subjectAltName=IP:127.0.0.1\n');
  openssl(
    [
      'x509',
      '-req',
      '-in',
      'server.csr',
      '-CA',
      'ca.crt',
      '-CAkey',
      'ca.key',
      '-CAcreateserial',
      '-out',
      'server.crt',
      '-days',
      '2',
      '-extfile',
      'server.ext',
    ],
    dir,
  );
  return { cert: path.join(dir, 'server.crt'), key: path.join(dir, 'server.key'), ca: path.join(dir, 'ca.crt') };
}

function binding(over: Partial<AclBinding>): AclBinding {
  return {
    resourceType: 'TOPIC',
    resourceName: 'bench-',
    patternType: 'PREFIXED',
    principal: `User:${USER}`,
    host: '*',
    operation: 'WRITE',
    permission: 'ALLOW',
    ...over,
  };
}

async function seedAcls(dataDir: string): Promise<void> {
  const store = await SqliteMetadataStore.open(path.join(dataDir, 'meta.db'));
  try {
    const others = Array.from({ length: OTHER_BINDINGS }, (_, i) =>
      binding({ principal: `User:team-${i % 30}`, resourceName: `team-${i}-`, operation: i % 2 ? 'READ' : 'WRITE' }),
    );
    await store.createAcls([...others, binding({ operation: 'WRITE' }), binding({ operation: 'READ' })]);
  } finally {
    await store.close();
  }
}

const basic = (user: string, password: string): string => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

/** One JSON call (fetch cannot be given a CA): throws unless 2xx. */
function call(broker: Broker, method: string, url: string, body: unknown, authorization?: string): Promise<void> {
  const text = body === undefined ? undefined : JSON.stringify(body);
  const headers: Record<string, string> = { ...(text === undefined ? {} : { 'content-type': 'application/json' }) };
  if (authorization) headers.authorization = authorization;
  return new Promise((resolve, reject) => {
    const request = (broker.ca ? https.request : http.request)(
      `${broker.baseUrl}${url}`,
      { method, headers, ca: broker.ca, agent: false },
      (response: http.IncomingMessage) => {
        let answer = '';
        response.on('data', (chunk: Buffer) => (answer += chunk.toString()));
        response.on('end', () => {
          const status = response.statusCode ?? 0;
          if (status >= 200 && status < 300) resolve();
          else reject(new Error(`${method} ${url}: ${status} ${answer.slice(0, 200)}`));
        });
      },
    );
    request.on('error', reject);
    request.end(text);
  });
}

async function startBrokers(tmp: string): Promise<Broker[]> {
  const offDir = fs.mkdtempSync(path.join(tmp, 'off-'));
  const onDir = fs.mkdtempSync(path.join(tmp, 'on-'));
  const certs = makeCertificates(tmp);
  await seedAcls(onDir);
  const off = await startRunnelBroker(ROOT, offDir);
  const on = await startRunnelBroker(ROOT, onDir, {
    RUNNEL_AUTH: 'on',
    RUNNEL_ADMIN_PASSWORD: ADMIN_PASSWORD,
    ...(TLS ? { RUNNEL_TLS_CERT: certs.cert, RUNNEL_TLS_KEY: certs.key } : {}),
  });
  const brokers: Broker[] = [
    { label: 'off', process: off.process, baseUrl: off.baseUrl, headers: {} },
    {
      label: 'on',
      process: on.process,
      baseUrl: on.baseUrl,
      headers: { authorization: basic(USER, USER_PASSWORD) },
      ca: TLS ? fs.readFileSync(certs.ca) : undefined,
    },
  ];
  await call(brokers[1], 'POST', '/v3/clusters/-/users', { name: USER, password: USER_PASSWORD }, basic('admin', ADMIN_PASSWORD));
  return brokers;
}

let topicSeq = 0;
async function withTopic<T>(broker: Broker, partitions: number, run: (topic: string) => Promise<T>): Promise<T> {
  const topic = `bench-${topicSeq++}`;
  const admin = broker.label === 'on' ? basic('admin', ADMIN_PASSWORD) : undefined;
  await call(broker, 'POST', '/v3/clusters/-/topics', { topic_name: topic, partitions_count: partitions }, admin);
  try {
    return await run(topic);
  } finally {
    await call(broker, 'DELETE', `/v3/clusters/-/topics/${topic}`, undefined, admin).catch(() => undefined);
  }
}

function batchBody(): Buffer {
  const records = Array.from({ length: RECORDS_PER_REQUEST }, () => ({
    timestamp: Date.now(),
    key: null,
    value: Buffer.from(randomBytes(VALUE_BYTES).toString('base64').slice(0, VALUE_BYTES)),
    headers: [],
  }));
  return encodeRecordBatch({ records });
}

function produce(
  broker: Broker,
  topic: string,
  body: Buffer,
  options: { seconds: number; maxRequests?: number; partitions: number },
): Promise<LoadResult> {
  return runHttpLoad({
    url: (worker) => `${broker.baseUrl}/v3/clusters/-/topics/${topic}/partitions/${worker % options.partitions}/batches?acks=1`,
    body,
    headers: { 'content-type': 'application/vnd.kafka.record-batch', ...broker.headers },
    recordsPerRequest: RECORDS_PER_REQUEST,
    payloadBytesPerRequest: RECORDS_PER_REQUEST * VALUE_BYTES,
    connections: CONNECTIONS,
    seconds: options.seconds,
    maxRequests: options.maxRequests,
    tls: broker.ca ? { ca: broker.ca } : undefined,
  });
}

type Results = Record<'produce' | 'ws' | 'ceiling', Record<'off' | 'on', number[]>>;

/** The bare node:http sink (off) and the same over node:https (on): what TLS alone costs Node here. */
async function startSinks(tmp: string): Promise<Broker[]> {
  const certs = { cert: path.join(tmp, 'server.crt'), key: path.join(tmp, 'server.key'), ca: fs.readFileSync(path.join(tmp, 'ca.crt')) };
  const start = (env: Record<string, string>): Promise<Started> =>
    startProcess(
      process.execPath,
      ['-r', '@swc-node/register', path.join(__dirname, 'peers/sink.ts')],
      /listening on https?:\/\/[^:]+:(\d+)/,
      {
        cwd: ROOT,
        env,
      },
    );
  const plain = await start({});
  const tls = await start({ SINK_TLS_CERT: certs.cert, SINK_TLS_KEY: certs.key });
  return [
    { label: 'off', process: plain, baseUrl: `http://127.0.0.1:${plain.match}`, headers: {} },
    { label: 'on', process: tls, baseUrl: `https://127.0.0.1:${tls.match}`, headers: {}, ca: certs.ca },
  ];
}

async function main(): Promise<void> {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'runnel-bench-security-'));
  const results: Results = { produce: { off: [], on: [] }, ws: { off: [], on: [] }, ceiling: { off: [], on: [] } };
  let brokers: Broker[] = [];
  const body = batchBody();
  try {
    brokers = await startBrokers(tmp);
    for (let run = 0; run < RUNS; run++) {
      for (const broker of brokers) {
        const result = await withTopic(broker, PARTITIONS, (topic) =>
          produce(broker, topic, body, { seconds: SECONDS, partitions: PARTITIONS }),
        );
        if (result.failures > 0) throw new Error(`produce (${broker.label}): ${result.failures} failed, first: ${result.firstFailure}`);
        results.produce[broker.label].push(result.records / result.seconds);
      }
      for (const broker of brokers) {
        const rate = await withTopic(broker, 1, async (topic) => {
          const loaded = await produce(broker, topic, body, {
            seconds: 3600,
            maxRequests: Math.ceil(WS_RECORDS / RECORDS_PER_REQUEST),
            partitions: 1,
          });
          if (loaded.failures > 0) throw new Error(`pre-producing (${broker.label}) failed: ${loaded.firstFailure}`);
          const seconds = await wsDelivery(broker.baseUrl, topic, loaded.records, 300_000, { headers: broker.headers, ca: broker.ca });
          return loaded.records / seconds;
        });
        results.ws[broker.label].push(rate);
      }
    }
    for (const broker of brokers) await broker.process.stop();
    const sinks = await startSinks(tmp);
    try {
      for (let run = 0; run < RUNS; run++) {
        for (const sink of sinks) {
          const result = await produce(sink, 't', body, { seconds: SECONDS, partitions: 1 });
          results.ceiling[sink.label].push(result.records / result.seconds);
        }
      }
    } finally {
      for (const sink of sinks) await sink.process.stop();
    }
  } finally {
    for (const broker of brokers) await broker.process.stop();
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  print(results);
}

function print(results: Results): void {
  const row = (name: string, r: Record<'off' | 'on', number[]>): string[] => {
    const off = median(r.off);
    const on = median(r.on);
    return [name, fmt(off), fmt(on), `${fmt((100 * on) / off, 1)} %`];
  };
  console.log(
    `\nRunnel security cost: medians of ${RUNS} interleaved run(s); off = auth off, plain HTTP; on = RUNNEL_AUTH=on${TLS ? ' + TLS' : ' (TLS off)'} + ${OTHER_BINDINGS + 2} ACL bindings`,
  );
  console.log(machine());
  console.log();
  console.log(
    table(
      ['case', 'off records/s', 'on records/s', 'on / off'],
      [
        row(`produce binary, ${VALUE_BYTES} B, acks=1, ${CONNECTIONS} keep-alive connections, Basic (cached)`, results.produce),
        row(`WS delivery to 1 subscriber, ${VALUE_BYTES} B (backlog of ${fmt(WS_RECORDS)})`, results.ws),
        row(`ceiling: bare node:http sink (off) vs node:https sink (on), same produce load`, results.ceiling),
      ],
    ),
  );
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
