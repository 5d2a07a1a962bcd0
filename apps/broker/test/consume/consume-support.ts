import { Admin } from '@runnel/client';
import { encodeRecordBatch } from '@runnel/protocol';

/** Helpers for the consume e2e tests: topics, binary-route produce, and an SSE reader over fetch. */

export interface TestRecord {
  key?: string | null;
  value: string | null;
  headers?: { key: string; value: string | null }[];
  timestamp?: number;
}

export async function createTopic(baseUrl: string, name: string, partitions = 1): Promise<void> {
  await new Admin({ baseUrl }).createTopic(name, { partitions });
}

export function encodeBatch(records: readonly TestRecord[]): Buffer {
  return encodeRecordBatch({
    records: records.map((r) => ({
      timestamp: r.timestamp ?? Date.now(),
      key: r.key === undefined || r.key === null ? null : Buffer.from(r.key),
      value: r.value === null ? null : Buffer.from(r.value),
      headers: (r.headers ?? []).map((h) => ({ key: h.key, value: h.value === null ? null : Buffer.from(h.value) })),
    })),
  });
}

/** Appends one batch through the binary produce route (acks=all: readable once this returns). */
export async function produce(baseUrl: string, topic: string, partition: number, records: readonly TestRecord[]) {
  const res = await fetch(`${baseUrl}/v3/clusters/-/topics/${topic}/partitions/${partition}/batches`, {
    method: 'POST',
    headers: { 'content-type': 'application/vnd.kafka.record-batch' },
    body: encodeBatch(records),
  });
  const text = await res.text();
  if (res.status !== 200) throw new Error(`produce to ${topic}-${partition}: ${res.status} ${text}`);
  return JSON.parse(text) as { base_offset: number; last_offset: number };
}

export async function getJson(url: string, headers: Record<string, string> = {}): Promise<{ status: number; body: any }> {
  const res = await fetch(url, { headers });
  const text = await res.text();
  return { status: res.status, body: text.length > 0 ? JSON.parse(text) : undefined };
}

export interface SseEvent {
  id?: string;
  event?: string;
  data?: string;
}

/**
 * An open event stream. `next()` resolves with the next event (comments are skipped, but the
 * first one — the broker's "stream open" — resolves `opened`).
 */
export class SseClient {
  readonly status: number;
  readonly headers: Headers;
  private readonly controller: AbortController;
  private readonly reader: ReadableStreamDefaultReader<Uint8Array>;
  private readonly decoder = new TextDecoder();
  private buffer = '';
  private readonly queued: SseEvent[] = [];
  ended = false;

  private constructor(res: Response, controller: AbortController) {
    this.status = res.status;
    this.headers = res.headers;
    this.controller = controller;
    this.reader = res.body!.getReader();
  }

  static async open(url: string, headers: Record<string, string> = {}): Promise<SseClient> {
    const controller = new AbortController();
    const res = await fetch(url, { headers: { accept: 'text/event-stream', ...headers }, signal: controller.signal });
    return new SseClient(res, controller);
  }

  /** The next event; undefined when the stream ended. */
  async next(): Promise<SseEvent | undefined> {
    for (;;) {
      const queued = this.queued.shift();
      if (queued) return queued;
      if (this.ended) return undefined;
      const { value, done } = await this.reader.read();
      if (done) {
        this.ended = true;
        continue;
      }
      this.buffer += this.decoder.decode(value, { stream: true });
      let end: number;
      while ((end = this.buffer.indexOf('\n\n')) >= 0) {
        const block = this.buffer.slice(0, end);
        this.buffer = this.buffer.slice(end + 2);
        const event: SseEvent = {};
        let fields = 0;
        for (const line of block.split('\n')) {
          if (line.startsWith(':')) continue;
          const colon = line.indexOf(':');
          const name = colon < 0 ? line : line.slice(0, colon);
          const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
          if (name === 'id' || name === 'event') event[name] = value;
          if (name === 'data') event.data = event.data === undefined ? value : `${event.data}\n${value}`;
          fields++;
        }
        if (fields > 0) this.queued.push(event);
      }
    }
  }

  /** The next `n` events, each data parsed as JSON (throws if the stream ends first). */
  async records(n: number): Promise<{ id: string; record: any }[]> {
    const out: { id: string; record: any }[] = [];
    while (out.length < n) {
      const event = await this.next();
      if (!event) throw new Error(`stream ended after ${out.length} of ${n} events`);
      if (event.event === 'error') throw new Error(`error event: ${event.data}`);
      out.push({ id: event.id!, record: JSON.parse(event.data!) });
    }
    return out;
  }

  close(): void {
    this.controller.abort();
    this.reader.cancel().catch(() => undefined);
  }
}

export function b64(text: string): string {
  return Buffer.from(text).toString('base64');
}
