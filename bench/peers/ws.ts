import * as http from 'node:http';
import { performance } from 'node:perf_hooks';
import WebSocket from 'ws';
import { encodeRecordBatch } from '@runnel/protocol';

/**
 * The WebSocket cases of bench/broker.bench.ts: delivery rate of a backlog to one subscriber, and
 * produce → WS delivery latency at a fixed offered rate. Raw `ws` frames (no SDK), credit granted
 * back in chunks of half the window, as a real consumer would.
 */
type RecordsFrame = { type: string; records?: { value: { data: string } | null }[]; error_code?: number; message?: string };

function subscribe(
  baseUrl: string,
  topic: string,
  from: 'earliest' | 'latest',
  credit: number,
  onRecords: (records: NonNullable<RecordsFrame['records']>) => void,
  options: WebSocket.ClientOptions = {},
): Promise<WebSocket> {
  const socket = new WebSocket(`${baseUrl.replace(/^http/, 'ws')}/v3/ws`, { maxPayload: 256 * 1024 * 1024, ...options });
  let sinceGrant = 0;
  return new Promise((resolve, reject) => {
    socket.once('error', reject);
    socket.on('open', () => socket.send(JSON.stringify({ type: 'subscribe', sub: 's', topic, from, credit, format: 'string' })));
    socket.on('message', (data) => {
      const frame = JSON.parse(data.toString()) as RecordsFrame;
      if (frame.type === 'subscribed') resolve(socket);
      else if (frame.type === 'error') reject(new Error(`ws error ${frame.error_code}: ${frame.message}`));
      else if (frame.type === 'records' && frame.records) {
        onRecords(frame.records);
        sinceGrant += frame.records.length;
        if (sinceGrant >= credit / 2) {
          socket.send(JSON.stringify({ type: 'credit', sub: 's', records: sinceGrant }));
          sinceGrant = 0;
        }
      }
    });
  });
}

/** Seconds from subscribe (from earliest) until `expected` records arrived (`options`: credentials, TLS trust). */
export async function wsDelivery(
  baseUrl: string,
  topic: string,
  expected: number,
  timeoutMs = 300_000,
  options: WebSocket.ClientOptions = {},
): Promise<number> {
  let received = 0;
  let done!: () => void;
  const all = new Promise<void>((resolve) => (done = resolve));
  const start = performance.now();
  const socket = await subscribe(
    baseUrl,
    topic,
    'earliest',
    100_000,
    (records) => {
      received += records.length;
      if (received >= expected) done();
    },
    options,
  );
  const timer = setTimeout(done, timeoutMs);
  await all;
  clearTimeout(timer);
  socket.terminate();
  if (received < expected) throw new Error(`ws delivery: ${received} of ${expected} records in ${timeoutMs} ms`);
  return (performance.now() - start) / 1000;
}

export interface LatencyResult {
  sent: number;
  received: number;
  p50: number;
  p99: number;
  p999: number;
}

/**
 * Offers `ratePerSecond` records for `seconds`, as one small binary batch per ~1 ms tick (acks=1,
 * keep-alive, not waiting for answers), each value carrying performance.now() at send; the
 * subscriber (same process, same clock) records now - sent per record.
 */
export async function endToEndLatency(
  baseUrl: string,
  topic: string,
  ratePerSecond: number,
  seconds: number,
  warmupSeconds = 1,
): Promise<LatencyResult> {
  // Records sent during the warm-up (JIT, connection set-up) are delivered but not counted.
  const latencies = new Float64Array(Math.ceil(ratePerSecond * seconds) + 1);
  let received = 0;
  let counted = 0;
  let warmEnd = Number.POSITIVE_INFINITY;
  const socket = await subscribe(baseUrl, topic, 'latest', 100_000, (records) => {
    const now = performance.now();
    for (const r of records) {
      received++;
      const sentAt = Number(r.value!.data);
      if (sentAt >= warmEnd && counted < latencies.length) latencies[counted++] = now - sentAt;
    }
  });
  const agent = new http.Agent({ keepAlive: true, maxSockets: 8 });
  const url = new URL(`${baseUrl}/v3/clusters/-/topics/${topic}/partitions/0/batches?acks=1`);
  const total = Math.floor(ratePerSecond * (seconds + warmupSeconds));
  let sent = 0;
  let inFlight = 0;
  const start = performance.now();
  warmEnd = start + warmupSeconds * 1000;
  while (sent < total) {
    const due = Math.min(total, Math.floor(((performance.now() - start) / 1000) * ratePerSecond)) - sent;
    if (due > 0 && inFlight < 64) {
      const stamp = performance.now().toFixed(3);
      const records = Array.from({ length: due }, () => ({ timestamp: Date.now(), key: null, value: Buffer.from(stamp), headers: [] }));
      const body = encodeRecordBatch({ records });
      sent += due;
      inFlight++;
      const req = http.request(
        url,
        { method: 'POST', agent, headers: { 'content-type': 'application/vnd.kafka.record-batch', 'content-length': body.length } },
        (res) => {
          res.resume();
          res.on('end', () => inFlight--);
        },
      );
      req.on('error', () => inFlight--);
      req.end(body);
    }
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
  const deadline = performance.now() + 30_000;
  while (received < sent && performance.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
  socket.terminate();
  agent.destroy();
  const sorted = latencies.subarray(0, counted).sort();
  const at = (q: number): number => (counted === 0 ? NaN : sorted[Math.min(counted - 1, Math.floor(q * counted))]);
  return { sent, received, p50: at(0.5), p99: at(0.99), p999: at(0.999) };
}
