import * as net from 'node:net';
import { BrokerProcess, startBroker } from '../support/broker-process';
import { createTopic, highWatermarks } from './helpers';

/**
 * Confluent's streaming produce as its clients use it: one HTTP/1.1 request with a chunked body and
 * the default `Accept: application/json`; the client writes a record, waits for its delivery
 * report, then writes the next. Each report must come as soon as its record is acknowledged —
 * not when the next record arrives or the body ends. Spoken over a raw socket so that nothing
 * between the test and the broker buffers either direction.
 */
class RawChunkedPost {
  private readonly socket: net.Socket;
  private raw = '';
  private headerEnd = -1;
  private body = '';
  private cursor = 0;
  private ended = false;
  private waiters: (() => void)[] = [];

  constructor(baseUrl: string, path: string, headers: Record<string, string>) {
    const url = new URL(baseUrl);
    this.socket = net.connect(Number(url.port), url.hostname);
    this.socket.setEncoding('latin1');
    this.socket.on('data', (chunk: string) => {
      this.raw += chunk;
      this.decode();
      this.notify();
    });
    this.socket.on('close', () => {
      this.ended = true;
      this.notify();
    });
    const lines = Object.entries({ host: url.host, 'transfer-encoding': 'chunked', ...headers }).map(([k, v]) => `${k}: ${v}`);
    this.socket.write(`POST ${path} HTTP/1.1\r\n${lines.join('\r\n')}\r\n\r\n`);
  }

  get status(): number {
    return Number(/^HTTP\/1\.1 (\d{3})/.exec(this.raw)?.[1] ?? 0);
  }

  header(name: string): string | undefined {
    const head = this.raw.slice(0, Math.max(0, this.headerEnd));
    return new RegExp(`^${name}: *(.*)$`, 'im').exec(head)?.[1]?.trim();
  }

  /** Sends one chunk of the request body. */
  write(text: string): void {
    const bytes = Buffer.from(text, 'utf8');
    this.socket.write(`${bytes.length.toString(16)}\r\n`);
    this.socket.write(bytes);
    this.socket.write('\r\n');
  }

  end(): void {
    this.socket.write('0\r\n\r\n');
  }

  close(): void {
    this.socket.destroy();
  }

  /** The reports received so far (one JSON object per line of the decoded answer). */
  reports(): Record<string, unknown>[] {
    return this.body
      .split('\n')
      .filter((line) => line.trim() !== '')
      .map((line) => JSON.parse(Buffer.from(line, 'latin1').toString('utf8')) as Record<string, unknown>);
  }

  async waitFor(count: number): Promise<Record<string, unknown>[]> {
    while (this.body.split('\n').filter((l) => l.trim() !== '').length < count || !this.body.endsWith('\n')) {
      if (this.ended) throw new Error(`connection closed after: ${this.raw}`);
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
    return this.reports();
  }

  /** Resolves when the answer is complete: its last chunk, or as many bytes as its Content-Length. */
  async finished(): Promise<void> {
    while (!this.complete()) {
      if (this.ended) throw new Error(`connection closed before the answer ended: ${this.raw}`);
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
  }

  private complete(): boolean {
    if (this.headerEnd < 0) return false;
    const length = this.header('content-length');
    if (length !== undefined) return this.raw.length - (this.headerEnd + 4) >= Number(length);
    return this.raw.endsWith('0\r\n\r\n');
  }

  /** The whole answer's body when it was sent with a Content-Length. */
  plainBody(): string {
    return this.raw.slice(this.headerEnd + 4);
  }

  private decode(): void {
    if (this.headerEnd < 0) {
      const end = this.raw.indexOf('\r\n\r\n');
      if (end < 0) return;
      this.headerEnd = end;
      this.cursor = end + 4;
    }
    if (this.header('content-length') !== undefined) return;
    for (;;) {
      const eol = this.raw.indexOf('\r\n', this.cursor);
      if (eol < 0) return;
      const size = parseInt(this.raw.slice(this.cursor, eol), 16);
      if (size === 0 || this.raw.length < eol + 2 + size + 2) return;
      this.body += this.raw.slice(eol + 2, eol + 2 + size);
      this.cursor = eol + 2 + size + 2;
    }
  }

  private notify(): void {
    for (const wake of this.waiters.splice(0)) wake();
  }
}

describe('streaming produce, record by record (e2e)', () => {
  let broker: BrokerProcess;
  const open: RawChunkedPost[] = [];
  beforeAll(async () => {
    broker = await startBroker();
  }, 60_000);
  afterEach(() => {
    for (const post of open.splice(0)) post.close();
  });
  afterAll(async () => {
    await broker?.stop();
  });

  const start = (topic: string, headers: Record<string, string> = {}): RawChunkedPost => {
    const post = new RawChunkedPost(broker.baseUrl, `/v3/clusters/-/topics/${topic}/records`, {
      'content-type': 'application/json',
      accept: 'application/json',
      ...headers,
    });
    open.push(post);
    return post;
  };

  it('answers each record before the next one is written, with 200 application/json', async () => {
    await createTopic(broker, 'one-by-one', 1);
    const post = start('one-by-one');
    post.write('{"value":{"type":"STRING","data":"first"}}');
    const [first] = await post.waitFor(1); // the body is still open: only record 1 was sent
    expect(post.status).toBe(200);
    expect(post.header('content-type')).toMatch(/^application\/json/);
    expect(first).toMatchObject({ error_code: 200, topic_name: 'one-by-one', partition_id: 0, offset: 0 });
    expect(first.timestamp).toEqual(expect.stringMatching(/^\d{4}-\d\d-\d\dT/));

    post.write('{"value":{"type":"STRING","data":"second"}}');
    expect((await post.waitFor(2))[1]).toMatchObject({ error_code: 200, offset: 1 });
    post.write('{"value":{"type":"STRING","data":"third"}}');
    expect((await post.waitFor(3))[2]).toMatchObject({ error_code: 200, offset: 2 });
    post.end();
    await post.finished();
    expect(post.reports()).toHaveLength(3);
    expect(await highWatermarks(broker, 'one-by-one')).toEqual([3]);
  });

  it("reports a bad record in its place, with Confluent's error code, and goes on with the next", async () => {
    await createTopic(broker, 'bad-in-stream', 2);
    const post = start('bad-in-stream');
    post.write('{"partition_id":0,"value":{"type":"BINARY","data":"not base64!"}}');
    const [bad] = await post.waitFor(1);
    expect(post.status).toBe(200);
    expect(bad).toEqual({ error_code: 400, message: expect.stringMatching(/base64/) });
    post.write('{"partition_id":5}');
    expect((await post.waitFor(2))[1]).toEqual({ error_code: 40403, message: expect.any(String) });
    post.write('{"partition_id":1,"value":{"type":"STRING","data":"ok"},"timestamp":"2021-02-05T19:14:42Z"}');
    expect((await post.waitFor(3))[2]).toMatchObject({
      error_code: 200,
      partition_id: 1,
      offset: 0,
      timestamp: '2021-02-05T19:14:42.000Z',
    });
    post.end();
    await post.finished();
    expect(await highWatermarks(broker, 'bad-in-stream')).toEqual([0, 1]);
  });

  it('keeps NDJSON framing for a client that sends NDJSON', async () => {
    await createTopic(broker, 'ndjson-stream', 1);
    const post = start('ndjson-stream', { 'content-type': 'application/x-ndjson' });
    post.write('{"value":null}\n');
    expect((await post.waitFor(1))[0]).toMatchObject({ error_code: 200, offset: 0 });
    expect(post.header('content-type')).toMatch(/^application\/x-ndjson/);
    post.end();
    await post.finished();
  });

  it('answers an empty chunked body with 422', async () => {
    await createTopic(broker, 'empty-stream', 1);
    const post = start('empty-stream');
    post.end();
    await post.finished();
    expect(post.status).toBe(422);
    expect(JSON.parse(post.plainBody())).toEqual({ error_code: 422, message: expect.any(String) });
  });
});
