import * as http from 'node:http';
import type { BrokerProcess } from '../support/broker-process';
export { createTopicOn as createTopic } from '../support/topic-helpers';

/** Shared end-to-end helpers for the produce tests: topics, partition state, raw HTTP streaming. */
export const json = (body: unknown): RequestInit => ({
  method: 'POST',
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify(body),
});

/** High watermark of every partition, in partition order. */
export async function highWatermarks(broker: BrokerProcess, topic: string): Promise<number[]> {
  const res = await fetch(`${broker.baseUrl}/v3/clusters/-/topics/${topic}/partitions`);
  const body = (await res.json()) as { data: { partition_id: number; high_watermark: number }[] };
  return body.data.sort((a, b) => a.partition_id - b.partition_id).map((p) => p.high_watermark);
}

export async function expectServing(broker: BrokerProcess): Promise<void> {
  const res = await fetch(`${broker.baseUrl}/health/live`);
  if (res.status !== 200) throw new Error(`broker not serving: ${res.status}`);
}

export async function post(
  broker: BrokerProcess,
  path: string,
  body: string | Buffer,
  headers: Record<string, string> = { 'content-type': 'application/json' },
): Promise<{ status: number; contentType: string; text: string; headers: Headers }> {
  const res = await fetch(`${broker.baseUrl}${path}`, { method: 'POST', headers, body });
  return { status: res.status, contentType: res.headers.get('content-type') ?? '', text: await res.text(), headers: res.headers };
}

/**
 * A streamed POST over node:http (fetch cannot read the response while still sending): write
 * parts, read report lines as they arrive, end when the test says.
 */
export class StreamedPost {
  readonly lines: string[] = [];
  status = 0;
  contentType = '';
  private buffered = '';
  private ended = false;
  private waiters: (() => void)[] = [];
  private readonly request: http.ClientRequest;
  readonly done: Promise<void>;

  constructor(url: string, headers: Record<string, string> = { 'content-type': 'application/x-ndjson' }) {
    let finish!: () => void;
    let fail!: (error: Error) => void;
    this.done = new Promise((resolve, reject) => ((finish = resolve), (fail = reject)));
    this.request = http.request(url, { method: 'POST', headers: { ...headers, 'transfer-encoding': 'chunked' } }, (res) => {
      this.status = res.statusCode ?? 0;
      this.contentType = String(res.headers['content-type'] ?? '');
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        this.buffered += chunk;
        let nl: number;
        while ((nl = this.buffered.indexOf('\n')) >= 0) {
          this.lines.push(this.buffered.slice(0, nl));
          this.buffered = this.buffered.slice(nl + 1);
        }
        this.notify();
      });
      res.on('end', () => {
        this.ended = true;
        finish();
        this.notify();
      });
      res.on('error', fail);
    });
    this.request.on('error', fail);
    this.request.flushHeaders();
  }

  write(text: string): void {
    this.request.write(text);
  }

  end(): void {
    this.request.end();
  }

  /** Resolves once `count` report lines have arrived (the body may still be open). */
  async waitForLines(count: number): Promise<unknown[]> {
    while (this.lines.length < count) {
      if (this.ended) throw new Error(`the answer ended after ${this.lines.length} lines: ${this.lines.join('\n')}`);
      await new Promise<void>((r) => this.waiters.push(r));
    }
    return this.lines.slice(0, count).map((line) => JSON.parse(line));
  }

  private notify(): void {
    for (const wake of this.waiters.splice(0)) wake();
  }
}

export const str = (data: string) => ({ type: 'STRING', data });
