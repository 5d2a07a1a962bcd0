import { randomUUID } from 'node:crypto';
import WebSocket from 'ws';
import { NETWORK_ERROR_CODE, RunnelClientError } from './errors';
import { normalizeBaseUrl } from './http';

/**
 * A subscription over Runnel's WebSocket (API.md "WebSocket"), read as an async iterator:
 *
 *   const consumer = new Consumer({ baseUrl, topic: 'orders', from: 'earliest' });
 *   for await (const record of consumer) { ... }
 *
 * One socket, one subscription. Flow control is Pulsar's: `credit` records are granted with the
 * subscribe and, as the application takes records, granted back in chunks of half the credit, so
 * the broker never has more than `credit` records queued here (more is a protocol violation and
 * fails the consumer). Records frames are kept whole and read in place (no copying per record).
 *
 * `cursor` is the cursor of the last frame whose records have all been yielded: `from: {cursor}`
 * resumes right after them. Breaking out mid-frame and resuming redelivers the rest of that frame's
 * earlier records (at-least-once, never a gap). An error frame for the subscription, or the socket
 * closing under us, ends the consumer: the records already received are yielded first, then the
 * iteration rejects with RunnelClientError. close() (or breaking out of for-await) ends it cleanly.
 */

export type StartPosition = 'earliest' | 'latest' | { offset: number } | { timestamp: number } | { cursor: string };
export type RecordFormat = 'json' | 'string' | 'binary';

export interface ConsumerOptions {
  baseUrl: string;
  topic: string;
  /** Default: every partition of the topic. */
  partitions?: number[];
  /** Default 'latest', as the broker (Kafka's auto.offset.reset). */
  from?: StartPosition;
  credit?: number;
  format?: RecordFormat;
  /** Subscription name on the socket; default a random one. */
  sub?: string;
  /** Extra headers on the upgrade request (e.g. Authorization). */
  headers?: Record<string, string>;
}

/** A key or value as API.md renders it: BINARY data is base64, STRING a string, JSON any value. */
export interface EncodedData {
  type: 'BINARY' | 'JSON' | 'STRING';
  data: unknown;
}

export interface ConsumedRecord {
  partition: number;
  offset: number;
  timestamp: number;
  key: EncodedData | null;
  value: EncodedData | null;
  /** Header values are base64 (or null). */
  headers: { name: string; value: string | null }[];
}

export interface PartitionPosition {
  partition: number;
  offset: number;
}

interface Frame {
  records: ConsumedRecord[];
  cursor: string | undefined;
}

type ServerFrame =
  | { type: 'subscribed'; sub: string; assignment: PartitionPosition[] }
  | { type: 'records'; sub: string; records: ConsumedRecord[]; cursor?: string }
  | { type: 'error'; sub?: string; error_code: number; message: string }
  | { type: string; sub?: string };

export class Consumer implements AsyncIterableIterator<ConsumedRecord> {
  readonly sub: string;
  /** Where each partition starts, from the broker's `subscribed` answer. */
  assignment: PartitionPosition[] | undefined;
  private latestCursor: string | undefined;
  private readonly credit: number;
  private readonly grantEvery: number;
  private readonly socket: WebSocket;
  private readonly frames: Frame[] = [];
  private head = 0; // index of the next record in frames[0]
  private queued = 0;
  private takenSinceGrant = 0;
  private waiter: { resolve: (r: IteratorResult<ConsumedRecord>) => void; reject: (e: Error) => void } | null = null;
  private failure: RunnelClientError | null = null;
  private ended = false;
  private readonly subscribed: Promise<PartitionPosition[]>;
  private settleSubscribed!: { resolve: (a: PartitionPosition[]) => void; reject: (e: Error) => void };
  private readonly closed: Promise<void>;

  constructor(options: ConsumerOptions) {
    this.credit = options.credit ?? 1000;
    if (!(Number.isInteger(this.credit) && this.credit > 0)) throw new RangeError(`credit must be a positive integer, not ${options.credit}`);
    this.grantEvery = Math.max(1, Math.floor(this.credit / 2));
    this.sub = options.sub ?? `sub-${randomUUID()}`;
    this.latestCursor = typeof options.from === 'object' && 'cursor' in options.from ? options.from.cursor : undefined;
    this.subscribed = new Promise((resolve, reject) => (this.settleSubscribed = { resolve, reject }));
    this.subscribed.catch(() => undefined); // observed through ready() or the iteration
    const url = new URL(`${normalizeBaseUrl(options.baseUrl)}/v3/ws`);
    url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
    this.socket = new WebSocket(url, { headers: options.headers });
    this.closed = new Promise((resolve) => this.socket.once('close', () => resolve()));
    const subscribe = {
      type: 'subscribe',
      sub: this.sub,
      topic: options.topic,
      ...(options.partitions !== undefined && { partitions: options.partitions }),
      ...(options.from !== undefined && { from: options.from }),
      credit: this.credit,
      ...(options.format !== undefined && { format: options.format }),
    };
    this.socket.on('open', () => this.socket.send(JSON.stringify(subscribe)));
    this.socket.on('message', (data: WebSocket.RawData, isBinary: boolean) => this.onMessage(data, isBinary));
    this.socket.on('error', (error: Error) => this.fail(new RunnelClientError(error.message, NETWORK_ERROR_CODE, 0, true)));
    this.socket.on('close', (code: number, reason: Buffer) => {
      if (!this.ended) this.fail(new RunnelClientError(`socket closed (${code} ${reason.toString()})`.trim(), NETWORK_ERROR_CODE, 0, true));
    });
  }

  /** Resumes right after every record yielded so far (up to the last whole frame). */
  get cursor(): string | undefined {
    return this.latestCursor;
  }

  /** Resolves with the assignment once the broker confirmed the subscription. */
  ready(): Promise<PartitionPosition[]> {
    return this.subscribed;
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  next(): Promise<IteratorResult<ConsumedRecord>> {
    if (this.queued > 0) return Promise.resolve({ value: this.take(), done: false });
    if (this.ended) return Promise.resolve({ value: undefined, done: true });
    if (this.failure !== null) return Promise.reject(this.failure);
    if (this.waiter !== null) return Promise.reject(new Error('next() called again before the previous call settled'));
    return new Promise((resolve, reject) => (this.waiter = { resolve, reject }));
  }

  /** Called by for-await on break/throw: the consumer is closed (its cursor stays readable). */
  async return(): Promise<IteratorResult<ConsumedRecord>> {
    await this.close();
    return { value: undefined, done: true };
  }

  /** Stops delivery and closes the socket; a pending next() ends the iteration. */
  async close(): Promise<void> {
    if (!this.ended) {
      this.ended = true;
      this.frames.length = 0;
      this.queued = 0;
      this.settleSubscribed.reject(new RunnelClientError('consumer closed', NETWORK_ERROR_CODE, 0, false));
      const waiter = this.waiter;
      this.waiter = null;
      waiter?.resolve({ value: undefined, done: true });
      if (this.socket.readyState === WebSocket.CONNECTING) this.socket.terminate();
      else this.socket.close(1000);
      const timer = setTimeout(() => this.socket.terminate(), 2000);
      await this.closed;
      clearTimeout(timer);
    }
    await this.closed;
  }

  private take(): ConsumedRecord {
    const frame = this.frames[0];
    const record = frame.records[this.head++];
    this.queued--;
    if (this.head === frame.records.length) {
      this.frames.shift();
      this.head = 0;
      if (frame.cursor !== undefined) this.latestCursor = frame.cursor;
      this.skipEmptyFrames();
    }
    if (++this.takenSinceGrant >= this.grantEvery && this.socket.readyState === WebSocket.OPEN) {
      this.socket.send(JSON.stringify({ type: 'credit', sub: this.sub, records: this.takenSinceGrant }));
      this.takenSinceGrant = 0;
    }
    return record;
  }

  /** A frame without records still moves the cursor once everything before it was taken. */
  private skipEmptyFrames(): void {
    while (this.frames.length > 0 && this.frames[0].records.length === 0) {
      const cursor = this.frames.shift()!.cursor;
      if (cursor !== undefined) this.latestCursor = cursor;
    }
  }

  private onMessage(data: WebSocket.RawData, isBinary: boolean): void {
    if (this.ended || this.failure !== null) return;
    let frame: ServerFrame;
    try {
      if (isBinary) throw new Error('binary frame');
      frame = JSON.parse(data.toString()) as ServerFrame;
    } catch {
      return this.fail(new RunnelClientError('the broker sent a frame that is not JSON', 50001, 0, false));
    }
    if (frame.sub !== undefined && frame.sub !== this.sub) return;
    if (frame.type === 'subscribed') {
      const subscribed = frame as Extract<ServerFrame, { type: 'subscribed' }>;
      this.assignment = subscribed.assignment;
      this.settleSubscribed.resolve(subscribed.assignment);
    } else if (frame.type === 'records') {
      const { records, cursor } = frame as Extract<ServerFrame, { type: 'records' }>;
      if (!Array.isArray(records)) return this.fail(new RunnelClientError('records frame without records', 50001, 0, false));
      if (this.queued + records.length > this.credit) {
        return this.fail(new RunnelClientError(`the broker sent more records than the ${this.credit} credited`, 50001, 0, false));
      }
      this.frames.push({ records, cursor });
      this.queued += records.length;
      if (this.queued === records.length) this.skipEmptyFrames();
      this.wake();
    } else if (frame.type === 'error') {
      const error = frame as Extract<ServerFrame, { type: 'error' }>;
      const code = typeof error.error_code === 'number' ? error.error_code : 50001;
      this.fail(new RunnelClientError(String(error.message ?? 'error'), code, 0, code === 50003 || code === 42901));
    }
  }

  private wake(): void {
    if (this.waiter === null || this.queued === 0) return;
    const waiter = this.waiter;
    this.waiter = null;
    waiter.resolve({ value: this.take(), done: false });
  }

  /** Terminal: queued records are still yielded, then every next() rejects with `error`. */
  private fail(error: RunnelClientError): void {
    if (this.failure !== null || this.ended) return;
    this.failure = error;
    this.settleSubscribed.reject(error);
    if (this.socket.readyState === WebSocket.OPEN) this.socket.close(1000);
    if (this.waiter !== null && this.queued === 0) {
      const waiter = this.waiter;
      this.waiter = null;
      waiter.reject(error);
    }
  }
}
