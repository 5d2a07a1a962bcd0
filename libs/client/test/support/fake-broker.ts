import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { decodeRecordBatchesSync } from '@runnel/protocol';
import type { DecodedRecord } from '@runnel/protocol';

/**
 * A real node:http server on 127.0.0.1:0 that plays the broker's topic lookup and binary produce
 * endpoint (API.md), keeping a log per partition. Tests script failures with `onProduce`, which
 * runs before a request is appended and may answer it instead (return true) or hold it.
 */
export interface ProduceRequest {
  topic: string;
  partition: number;
  acks: string | null;
  contentType: string | undefined;
  idempotencyKey: string | undefined;
  records: DecodedRecord[];
  res: http.ServerResponse;
  /** Appends the records to the partition's log and answers 200 with the offsets. */
  append(): void;
}

export interface FakeBroker {
  baseUrl: string;
  /** topic -> partition count; a missing topic answers 404 / 40403. */
  topics: Map<string, number>;
  /** partition -> records in log order, per topic. */
  logs: Map<string, DecodedRecord[][]>;
  requests: ProduceRequest[];
  lookups: number;
  /** Most produce requests one partition ever had open at once. */
  maxConcurrentPerPartition: number;
  onProduce: (request: ProduceRequest, attempt: number) => boolean | void;
  close(): Promise<void>;
}

export async function startFakeBroker(topics: Record<string, number>): Promise<FakeBroker> {
  const open = new Map<string, number>();
  const attempts = new Map<string, number>();
  const broker: FakeBroker = {
    baseUrl: '',
    topics: new Map(Object.entries(topics)),
    logs: new Map(),
    requests: [],
    lookups: 0,
    maxConcurrentPerPartition: 0,
    onProduce: () => undefined,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
  const json = (res: http.ServerResponse, status: number, body: unknown): void => {
    res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const url = new URL(req.url!, 'http://x');
      const lookup = /^\/v3\/clusters\/-\/topics\/([^/]+)$/.exec(url.pathname);
      if (req.method === 'GET' && lookup) {
        broker.lookups++;
        const count = broker.topics.get(decodeURIComponent(lookup[1]));
        if (count === undefined) return json(res, 404, { error_code: 40403, message: 'unknown topic' });
        return json(res, 200, { topic_name: lookup[1], partitions_count: count });
      }
      const produce = /^\/v3\/clusters\/-\/topics\/([^/]+)\/partitions\/(\d+)\/batches$/.exec(url.pathname);
      if (req.method !== 'POST' || !produce) return json(res, 404, { error_code: 404, message: 'no route' });
      const topic = decodeURIComponent(produce[1]);
      const partition = Number(produce[2]);
      const slot = `${topic}/${partition}`;
      open.set(slot, (open.get(slot) ?? 0) + 1);
      broker.maxConcurrentPerPartition = Math.max(broker.maxConcurrentPerPartition, open.get(slot)!);
      res.once('close', () => open.set(slot, open.get(slot)! - 1)); // after the answer, or an abort
      const records = [...decodeRecordBatchesSync(Buffer.concat(chunks), { maxDecompressedBytes: 64 << 20 })].flatMap((b) => b.records);
      const idempotencyKey = req.headers['idempotency-key'] as string | undefined;
      const attempt = (attempts.get(idempotencyKey ?? '') ?? 0) + 1;
      attempts.set(idempotencyKey ?? '', attempt);
      const request: ProduceRequest = {
        topic,
        partition,
        acks: url.searchParams.get('acks'),
        contentType: req.headers['content-type'],
        idempotencyKey,
        records,
        res,
        append: () => {
          let logs = broker.logs.get(topic);
          if (!logs) broker.logs.set(topic, (logs = []));
          const log = (logs[partition] ??= []);
          const base = log.length;
          log.push(...records);
          json(res, 200, { base_offset: base, last_offset: base + records.length - 1, log_append_time: -1 });
        },
      };
      broker.requests.push(request);
      if (broker.onProduce(request, attempt) !== true && !res.headersSent) request.append();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  broker.baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return broker;
}
