import { encodeRecordBatch } from '@runnel/protocol';
import type { BrokerProcess } from '../support/broker-process';

/** Search tests' data and stream reading, against a real broker. */

export interface Line {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests read lines field by field
  [field: string]: any;
  type: string;
}

export interface SearchAnswer {
  status: number;
  headers: Headers;
  /** The NDJSON lines for a 200, each parsed. */
  lines: Line[];
  /** The JSON error body otherwise. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  error: any;
}

export const SEARCH_PATH = (topic: string): string => `/v3/clusters/-/topics/${topic}/records:search`;

/** One records:search call read to its end. */
export async function search(
  broker: BrokerProcess,
  topic: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<SearchAnswer> {
  const response = await fetch(`${broker.baseUrl}${SEARCH_PATH(topic)}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  if (response.status !== 200) return { status: response.status, headers: response.headers, lines: [], error: JSON.parse(text) };
  expect(response.headers.get('content-type')).toBe('application/x-ndjson; charset=utf-8');
  expect(text.endsWith('\n')).toBe(true);
  const lines = text
    .slice(0, -1)
    .split('\n')
    .map((line) => JSON.parse(line) as Line);
  return { status: 200, headers: response.headers, lines, error: undefined };
}

/** A search left open: lines as they arrive, and a way to hang up. */
export interface OpenSearch {
  status: number;
  next(): Promise<Line | undefined>;
  abort(): void;
}

export async function openSearch(
  broker: BrokerProcess,
  topic: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<OpenSearch> {
  const controller = new AbortController();
  const response = await fetch(`${broker.baseUrl}${SEARCH_PATH(topic)}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
    signal: controller.signal,
  });
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  let buffered = '';
  return {
    status: response.status,
    async next() {
      for (;;) {
        const newline = buffered.indexOf('\n');
        if (newline >= 0) {
          const line = buffered.slice(0, newline);
          buffered = buffered.slice(newline + 1);
          return JSON.parse(line) as Line;
        }
        const chunk = await reader.read();
        if (chunk.done) return undefined;
        buffered += decoder.decode(chunk.value, { stream: true });
      }
    },
    abort: () => controller.abort(),
  };
}

export interface GeneratedRecord {
  key: string | null;
  value: Buffer;
  headers: { key: string; value: Buffer }[];
  timestamp: number;
}

/**
 * Appends `count` records to one partition with the binary batches endpoint, `perBatch` records
 * a request. `make(i)` builds record i (i counts from 0 in this partition, so it is its offset on
 * a new topic).
 */
export async function fill(
  broker: BrokerProcess,
  topic: string,
  partition: number,
  count: number,
  make: (i: number) => GeneratedRecord,
  headers: Record<string, string> = {},
  perBatch = 5000,
): Promise<void> {
  for (let first = 0; first < count; first += perBatch) {
    const records = [];
    for (let i = first; i < Math.min(count, first + perBatch); i++) {
      const r = make(i);
      records.push({ timestamp: r.timestamp, key: r.key === null ? null : Buffer.from(r.key), value: r.value, headers: r.headers });
    }
    const response = await fetch(`${broker.baseUrl}/v3/clusters/-/topics/${topic}/partitions/${partition}/batches`, {
      method: 'POST',
      headers: { 'content-type': 'application/vnd.kafka.record-batch', ...headers },
      body: encodeRecordBatch({ records }),
    });
    if (response.status !== 200) throw new Error(`producing to ${topic}-${partition}: ${response.status} ${await response.text()}`);
  }
}

export const matchesOf = (lines: readonly Line[]): Line[] => lines.filter((l) => l.type === 'match');
export const doneOf = (lines: readonly Line[]): Line => {
  const last = lines[lines.length - 1];
  expect(last.type).toBe('done');
  return last;
};
