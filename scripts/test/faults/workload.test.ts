import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { History, type ProduceOp, type ReadOp } from '../../faults/history';
import { seededRandom } from '../../faults/steps';
import { Workload } from '../../faults/workload';

/**
 * The workload against a small HTTP server that answers as the broker's produce and read routes
 * do (an in-memory log per partition): what lands in the history, how refusals and hangs are
 * classified, and that stop() aborts a request that never gets an answer.
 */
let server: http.Server;
let baseUrl: string;
const logs = new Map<number, string[]>();
let mode: 'normal' | 'retriable' | 'hang' = 'normal';
const requests: string[] = [];

beforeAll(async () => {
  server = http.createServer((req, res) => {
    requests.push(`${req.method} ${req.url}`);
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      if (mode === 'hang') return; // never answers
      const send = (status: number, payload: unknown): void => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(payload));
      };
      const produce = /^\/v3\/clusters\/-\/topics\/orders\/records\?acks=all$/.exec(req.url ?? '');
      if (req.method === 'POST' && produce) {
        if (mode === 'retriable') return send(500, { error_code: 50003, message: 'NOT_ENOUGH_REPLICAS' });
        const record = JSON.parse(body) as { partition_id: number; value: { type: string; data: string } };
        const log = logs.get(record.partition_id) ?? [];
        logs.set(record.partition_id, log);
        log.push(record.value.data);
        return send(200, { error_code: 200, partition_id: record.partition_id, offset: log.length - 1 });
      }
      const read = /^\/v3\/clusters\/-\/topics\/orders\/partitions\/(\d+)\/records\?offset=(\d+)&format=string/.exec(req.url ?? '');
      if (req.method === 'GET' && read) {
        const log = logs.get(Number(read[1])) ?? [];
        const from = Number(read[2]);
        const data = log.slice(from, from + 5).map((value, i) => ({ offset: from + i, value: { type: 'STRING', data: value } }));
        return send(200, { data, next_offset: from + data.length, high_watermark: log.length });
      }
      send(404, { error_code: 404, message: 'no route' });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

beforeEach(() => {
  logs.clear();
  mode = 'normal';
  requests.length = 0;
});

function workload(history: History, producers = 2, consumers = 1): Workload {
  return new Workload({
    topic: 'orders',
    partitions: 2,
    producers,
    consumers,
    endpoints: () => [{ broker: 7, baseUrl }],
    history,
    random: seededRandom(3),
    tag: 'r1',
    requestTimeoutMs: 60_000,
  });
}

async function until(condition: () => boolean, what: string): Promise<void> {
  const end = Date.now() + 20_000;
  while (!condition()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

it('records acknowledged writes with their offsets and the records consumers read, in order', async () => {
  const history = new History();
  const w = workload(history);
  w.start();
  await until(() => history.ops.filter((op) => op.kind === 'read' && op.records.length > 0).length >= 4, 'reads with records');
  await w.stop();
  const produces = history.ops.filter((op): op is ProduceOp => op.kind === 'produce');
  expect(produces.length).toBeGreaterThan(0);
  expect(produces.every((op) => op.outcome === 'ok' && op.broker === 7 && op.value.startsWith('r1:producer-'))).toBe(true);
  expect(new Set(produces.map((op) => op.value)).size).toBe(produces.length);
  for (const op of produces) expect(logs.get(op.partition)![op.offset!]).toBe(op.value);
  const reads = history.ops.filter((op): op is ReadOp => op.kind === 'read' && op.outcome === 'ok');
  // Each consumer advances per partition: every read of a partition starts where the last ended.
  const next = new Map<number, number>();
  for (const op of reads) {
    expect(op.fromOffset).toBe(next.get(op.partition) ?? 0);
    if (op.records.length > 0) next.set(op.partition, op.records[op.records.length - 1].offset + 1);
  }
  expect(requests.some((r) => r.startsWith('POST /v3/clusters/-/topics/orders/records?acks=all'))).toBe(true);
});

it('records 50003 answers as unknown outcomes', async () => {
  mode = 'retriable';
  const history = new History();
  const w = workload(history, 1, 0);
  w.start();
  await until(() => history.ops.length >= 2, 'two attempts');
  await w.stop();
  expect(history.ops.every((op) => op.kind === 'produce' && op.outcome === 'unknown' && /50003/.test(op.error ?? ''))).toBe(true);
});

it('stop() aborts requests that get no answer and records them as unknown', async () => {
  mode = 'hang';
  const history = new History();
  const w = workload(history, 2, 1);
  w.start();
  await until(() => requests.length >= 3, 'three requests in flight');
  await w.stop(100);
  expect(history.ops).toHaveLength(3);
  expect(history.ops.every((op) => op.outcome === 'unknown')).toBe(true);
});
