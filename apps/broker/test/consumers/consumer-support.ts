import * as http from 'node:http';
import type { BrokerProcess } from '../support/broker-process';

/** Helpers for the HTTP consumer e2e tests: requests with the v2 content types, and polling. */
export const V2 = 'application/vnd.kafka.v2+json';
export const BINARY_V2 = 'application/vnd.kafka.binary.v2+json';
export const JSON_V2 = 'application/vnd.kafka.json.v2+json';

export interface Answer {
  status: number;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- JSON answers are read field by field
  body: any;
  headers: Headers;
}

export async function call(
  broker: BrokerProcess,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<Answer> {
  const response = await fetch(`${broker.baseUrl}${path}`, {
    method,
    headers: body === undefined ? headers : { 'content-type': V2, ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined, headers: response.headers };
}

export interface PolledRecord {
  topic: string;
  key: unknown;
  value: unknown;
  partition: number;
  offset: number;
  timestamp: number;
  headers?: { key: string; value: string }[];
}

/** One HTTP consumer instance, by its group and name. */
export class Instance {
  constructor(
    readonly broker: BrokerProcess,
    readonly group: string,
    readonly name: string,
    readonly format: 'binary' | 'json',
  ) {}

  static async create(broker: BrokerProcess, group: string, config: Record<string, unknown>): Promise<Instance> {
    const created = await call(broker, 'POST', `/consumers/${group}`, config);
    if (created.status !== 200) throw new Error(`create: ${created.status} ${JSON.stringify(created.body)}`);
    return new Instance(broker, group, created.body.instance_id, (config.format as 'binary' | 'json') ?? 'binary');
  }

  get path(): string {
    return `/consumers/${this.group}/instances/${this.name}`;
  }

  call(method: string, suffix: string, body?: unknown, headers?: Record<string, string>): Promise<Answer> {
    return call(this.broker, method, `${this.path}${suffix}`, body, headers);
  }

  async poll(timeoutMs = 200, extra = ''): Promise<PolledRecord[]> {
    const answer = await this.call('GET', `/records?timeout=${timeoutMs}${extra}`, undefined, {
      accept: this.format === 'binary' ? BINARY_V2 : JSON_V2,
    });
    if (answer.status !== 200) throw new Error(`poll: ${answer.status} ${JSON.stringify(answer.body)}`);
    return answer.body;
  }

  /** Polls until `count` records came back in total (generous deadline, no fixed sleeps). */
  async pollUntil(count: number, timeoutMs = 30_000): Promise<PolledRecord[]> {
    const records: PolledRecord[] = [];
    const deadline = Date.now() + timeoutMs;
    while (records.length < count) {
      if (Date.now() > deadline) throw new Error(`got ${records.length} of ${count} records`);
      records.push(...(await this.poll()));
    }
    return records;
  }

  async assignment(): Promise<string[]> {
    const answer = await this.call('GET', '/assignments');
    expect(answer.status).toBe(200);
    return answer.body.partitions.map((p: { topic: string; partition: number }) => `${p.topic}/${p.partition}`).sort();
  }
}

export const text = (base64: unknown): string => Buffer.from(String(base64), 'base64').toString('utf8');

/** A GET with a JSON body (Confluent's GET .../offsets); fetch() refuses to send one. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- JSON answers are read field by field
export function getWithBody(broker: BrokerProcess, path: string, body: unknown): Promise<{ status: number; body: any }> {
  const payload = Buffer.from(JSON.stringify(body));
  return new Promise((resolve, reject) => {
    const request = http.request(
      `${broker.baseUrl}${path}`,
      { method: 'GET', headers: { 'content-type': V2, 'content-length': payload.length } },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => resolve({ status: response.statusCode!, body: JSON.parse(Buffer.concat(chunks).toString()) }));
      },
    );
    request.on('error', reject);
    request.end(payload);
  });
}
