import { randomUUID } from 'node:crypto';
import WebSocket from 'ws';
import { isRetriableErrorCode } from '@runnel/protocol';
import { NETWORK_ERROR_CODE, RunnelClientError } from './errors';
import { normalizeBaseUrl } from './http';

/**
 * What every WebSocket subscription of the client shares (API.md "WebSocket"), whatever it reads:
 * one socket, the records frames kept whole in a FIFO and read in place (no copy per record),
 * Pulsar's credit, and the async iterator. Consumer (named partitions, cursor) and GroupConsumer
 * (consumer group, commits) add the frames and positions of their kind through the hooks below.
 *
 * Credit: `credit` records are granted with the subscribe. A record counts as processed when the
 * application asks for the next one (or closes, for a group member), and processed records are
 * granted back in chunks of half the credit (plus, when `creditFlushMs` is set, at most that long
 * after processing), so the broker never has more than `credit` records queued here; more is a
 * protocol violation and fails the consumer. Credit is granted strictly in delivery order, also for
 * records a subclass skips, because the broker matches credit to its frames first to last.
 *
 * Ending: an error frame that ends the subscription, or the socket closing under us, fails the
 * consumer: the records already received are yielded first, then the iteration rejects with the
 * error. close() (or breaking out of for-await) ends it cleanly. A subclass may instead go on
 * elsewhere: onSocketLost / onErrorFrame, then dropSocket() and connect() (GroupConsumer follows
 * its group's coordinator so).
 */

export type RecordFormat = 'json' | 'string' | 'binary';

/** A key or value as API.md renders it: BINARY data is base64, STRING a string, JSON any value. */
export interface EncodedData {
  type: 'BINARY' | 'JSON' | 'STRING';
  data: unknown;
}

export interface ConsumedRecord {
  topic: string;
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

/** One records frame, kept as the broker sent it. `seq` numbers the frames in arrival order from 1. */
export interface RecordsFrame {
  records: ConsumedRecord[];
  cursor: string | undefined;
  seq: number;
}

export interface ErrorFrame {
  type: 'error';
  sub?: string;
  error_code: number;
  message: string;
}

export type ServerFrame = { type: string; sub?: string } & Record<string, unknown>;

export interface StreamOptions {
  baseUrl: string;
  credit?: number;
  /** Subscription name on the socket; default a random one. */
  sub?: string;
  /** Extra headers on the upgrade request (e.g. Authorization). */
  headers?: Record<string, string>;
}

/** The RunnelClientError an error frame stands for (retriable per API.md's shared table). */
export function errorFromFrame(frame: ErrorFrame): RunnelClientError {
  const code = typeof frame.error_code === 'number' ? frame.error_code : 50001;
  return new RunnelClientError(String(frame.message ?? 'error'), code, 0, isRetriableErrorCode(code));
}

export abstract class SubscriptionStream<Assignment> implements AsyncIterableIterator<ConsumedRecord> {
  readonly sub: string;
  protected readonly credit: number;
  private readonly grantEvery: number;
  private socket!: WebSocket;
  /** Bumped for every socket opened or dropped: events of an older socket are ignored. */
  private socketGen = 0;
  private socketClosed: Promise<void> = Promise.resolve();
  private readonly headers: Record<string, string> | undefined;
  private readonly frames: RecordsFrame[] = [];
  private framesReceived = 0;
  private head = 0; // index of the next record in frames[0]
  private queued = 0;
  /** A record was handed out and is not yet counted as processed. */
  private holding = false;
  private processedSinceGrant = 0;
  private creditFlushTimer: NodeJS.Timeout | undefined;
  private waiter: { resolve: (r: IteratorResult<ConsumedRecord>) => void; reject: (e: Error) => void } | null = null;
  private failure: Error | null = null;
  private ended = false;
  private readonly subscribed: Promise<Assignment>;
  private settleSubscribed!: { resolve: (a: Assignment) => void; reject: (e: Error) => void };
  private closing: Promise<void> | undefined;

  protected constructor(
    options: StreamOptions,
    /** The subscribe frame's own fields (`type`, `sub` and `credit` are added here). */
    protected readonly subscribeFields: Record<string, unknown>,
    /** Grant processed records back at most this long after processing (undefined: only in chunks). */
    private readonly creditFlushMs?: number,
  ) {
    this.credit = options.credit ?? 1000;
    if (!(Number.isInteger(this.credit) && this.credit > 0))
      throw new RangeError(`credit must be a positive integer, not ${options.credit}`);
    this.grantEvery = Math.max(1, Math.floor(this.credit / 2));
    this.sub = options.sub ?? `sub-${randomUUID()}`;
    this.subscribed = new Promise((resolve, reject) => (this.settleSubscribed = { resolve, reject }));
    this.subscribed.catch(() => undefined); // observed through ready() or the iteration
    this.headers = options.headers;
    this.connect(options.baseUrl);
  }

  /** Opens a socket to `baseUrl` and subscribes on it with the current `subscribeFields`. */
  protected connect(baseUrl: string): void {
    const gen = ++this.socketGen;
    const url = new URL(`${normalizeBaseUrl(baseUrl)}/v3/ws`);
    url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
    const socket = new WebSocket(url, { headers: this.headers });
    this.socket = socket;
    this.socketClosed = new Promise((resolve) => socket.once('close', () => resolve()));
    const live = (): boolean => gen === this.socketGen && !this.ended && this.failure === null;
    socket.on('open', () => {
      if (live()) socket.send(JSON.stringify({ type: 'subscribe', sub: this.sub, ...this.subscribeFields, credit: this.credit }));
    });
    socket.on('message', (data: WebSocket.RawData, isBinary: boolean) => {
      if (live()) this.onMessage(data, isBinary);
    });
    socket.on('error', (error: Error) => {
      if (live()) this.socketLost(new RunnelClientError(error.message, NETWORK_ERROR_CODE, 0, true));
    });
    socket.on('close', (code: number, reason: Buffer) => {
      if (live())
        this.socketLost(new RunnelClientError(`socket closed (${code} ${reason.toString()})`.trim(), NETWORK_ERROR_CODE, 0, true));
    });
  }

  private socketLost(error: RunnelClientError): void {
    this.socketGen++; // the socket's later events (close after error) are not a second loss
    this.onSocketLost(error);
  }

  /**
   * Closes the socket without ending the consumer, to connect() again: the records queued from it
   * are dropped and credit starts afresh with the next subscribe (the record the application
   * holds is not granted back on the new socket).
   */
  protected dropSocket(): void {
    this.socketGen++;
    const socket = this.socket;
    if (socket.readyState === WebSocket.CONNECTING) socket.terminate();
    else if (socket.readyState === WebSocket.OPEN) socket.close(1000);
    this.discardQueued();
    this.holding = false;
    this.processedSinceGrant = 0;
    clearTimeout(this.creditFlushTimer);
    this.creditFlushTimer = undefined;
  }

  /** Resolves with the assignment once the broker confirmed the subscription. */
  ready(): Promise<Assignment> {
    return this.subscribed;
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  next(): Promise<IteratorResult<ConsumedRecord>> {
    this.settleHeld();
    const record = this.queued > 0 ? this.pop() : undefined;
    if (record !== undefined) return Promise.resolve({ value: record, done: false });
    if (this.ended) return Promise.resolve({ value: undefined, done: true });
    if (this.failure !== null) return Promise.reject(this.failure);
    if (this.waiter !== null) return Promise.reject(new Error('next() called again before the previous call settled'));
    return new Promise((resolve, reject) => (this.waiter = { resolve, reject }));
  }

  /** Called by for-await on break/throw: the consumer is closed. */
  async return(): Promise<IteratorResult<ConsumedRecord>> {
    await this.close();
    return { value: undefined, done: true };
  }

  /** Stops delivery and closes the socket; a pending next() ends the iteration. */
  close(): Promise<void> {
    this.closing ??= this.closeOnce();
    return this.closing;
  }

  private async closeOnce(): Promise<void> {
    if (!this.ended) {
      const live = this.failure === null;
      if (live) await this.beforeClose();
      this.ended = true;
      clearTimeout(this.creditFlushTimer);
      this.frames.length = 0;
      this.queued = 0;
      const closedError = new RunnelClientError('consumer closed', NETWORK_ERROR_CODE, 0, false);
      this.settleSubscribed.reject(closedError);
      if (live) this.onEnd(closedError); // a failed consumer had its onEnd already
      const waiter = this.waiter;
      this.waiter = null;
      waiter?.resolve({ value: undefined, done: true });
      const socket = this.socket;
      if (socket.readyState === WebSocket.CONNECTING) socket.terminate();
      else socket.close(1000);
      const timer = setTimeout(() => socket.terminate(), 2000);
      await this.socketClosed;
      clearTimeout(timer);
    }
    await this.socketClosed;
  }

  // ---- for subclasses ----

  /** The `subscribed` frame: record what it says, answer what ready() resolves with. */
  protected abstract onSubscribed(frame: ServerFrame): Assignment;

  /**
   * A record is about to be handed to the application: false skips it (it still counts as
   * processed for credit). Runs once per record, in delivery order.
   */
  protected abstract accept(record: ConsumedRecord, frame: RecordsFrame): boolean;

  /** Every record of `frame` has been handed out or skipped (frames complete in arrival order). */
  protected frameDone(_frame: RecordsFrame): void {}

  /** Frames other than subscribed, records and error. */
  protected onOtherFrame(_frame: ServerFrame): void {}

  /** An error frame of this subscription; by default it ends the consumer. */
  protected onErrorFrame(frame: ErrorFrame): void {
    this.fail(errorFromFrame(frame));
  }

  /** The socket closed or failed under a live consumer; by default it ends the consumer. */
  protected onSocketLost(error: RunnelClientError): void {
    this.fail(error);
  }

  /** close() was called on a live consumer, before the socket closes (awaited: e.g. a last commit). */
  protected beforeClose(): void | Promise<void> {}

  /** The consumer failed or was closed (once). */
  protected onEnd(_error: Error): void {}

  /** The error that ended the consumer, or null while it runs. */
  protected get endedWith(): Error | null {
    if (this.failure !== null) return this.failure;
    return this.ended ? new RunnelClientError('consumer closed', NETWORK_ERROR_CODE, 0, false) : null;
  }

  /** Number of the last records frame received (0 before the first). */
  protected get lastFrameSeq(): number {
    return this.framesReceived;
  }

  protected sendFrame(frame: object): boolean {
    if (this.socket.readyState !== WebSocket.OPEN) return false;
    this.socket.send(JSON.stringify(frame));
    return true;
  }

  /** Counts the record the application holds as processed and grants back all processed credit now. */
  protected flushCredit(): void {
    this.settleHeld();
    if (this.processedSinceGrant > 0) this.grant();
  }

  /** Drops every record not yet handed out (they belong to someone else now). */
  protected discardQueued(): void {
    this.frames.length = 0;
    this.head = 0;
    this.queued = 0;
  }

  /** Terminal: queued records are still yielded, then every next() rejects with `error`. */
  protected fail(error: Error): void {
    if (this.failure !== null || this.ended) return;
    this.failure = error;
    clearTimeout(this.creditFlushTimer);
    this.settleSubscribed.reject(error);
    this.onEnd(error);
    if (this.socket.readyState === WebSocket.OPEN) this.socket.close(1000);
    if (this.waiter !== null && this.queued === 0) {
      const waiter = this.waiter;
      this.waiter = null;
      waiter.reject(error);
    }
  }

  // ---- internals ----

  /** The next record to hand out, skipping those `accept` refuses; undefined when none is left. */
  private pop(): ConsumedRecord | undefined {
    while (this.queued > 0) {
      const frame = this.frames[0];
      const record = frame.records[this.head++];
      this.queued--;
      const accepted = this.accept(record, frame);
      if (this.head === frame.records.length) {
        this.frames.shift();
        this.head = 0;
        this.frameDone(frame);
        this.skipEmptyFrames();
      }
      if (accepted) {
        this.holding = true;
        return record;
      }
      this.processed();
    }
    return undefined;
  }

  private settleHeld(): void {
    if (!this.holding) return;
    this.holding = false;
    this.processed();
  }

  private processed(): void {
    if (++this.processedSinceGrant >= this.grantEvery) this.grant();
    else if (this.creditFlushMs !== undefined && this.creditFlushTimer === undefined && this.failure === null && !this.ended) {
      this.creditFlushTimer = setTimeout(() => {
        this.creditFlushTimer = undefined;
        if (this.processedSinceGrant > 0 && this.failure === null && !this.ended) this.grant();
      }, this.creditFlushMs);
      this.creditFlushTimer.unref();
    }
  }

  private grant(): void {
    if (this.sendFrame({ type: 'credit', sub: this.sub, records: this.processedSinceGrant })) this.processedSinceGrant = 0;
  }

  /** A frame without records is done once everything before it was taken. */
  private skipEmptyFrames(): void {
    while (this.frames.length > 0 && this.frames[0].records.length === 0) this.frameDone(this.frames.shift()!);
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
    try {
      if (frame.type === 'subscribed') {
        this.settleSubscribed.resolve(this.onSubscribed(frame));
      } else if (frame.type === 'records') {
        this.onRecords(frame);
      } else if (frame.type === 'error') {
        this.onErrorFrame(frame as unknown as ErrorFrame);
      } else {
        this.onOtherFrame(frame);
      }
    } catch (error) {
      // A subclass hook (or an application listener it called) threw: the consumer cannot go on.
      this.fail(error instanceof Error ? error : new Error(String(error)));
    }
  }

  private onRecords(frame: ServerFrame): void {
    const records = frame.records as ConsumedRecord[];
    if (!Array.isArray(records)) return this.fail(new RunnelClientError('records frame without records', 50001, 0, false));
    if (this.queued + records.length > this.credit) {
      return this.fail(new RunnelClientError(`the broker sent more records than the ${this.credit} credited`, 50001, 0, false));
    }
    this.frames.push({ records, cursor: frame.cursor as string | undefined, seq: ++this.framesReceived });
    this.queued += records.length;
    if (this.queued === records.length) this.skipEmptyFrames();
    this.wake();
  }

  private wake(): void {
    if (this.waiter === null || this.queued === 0) return;
    const record = this.pop();
    if (record === undefined) return; // all skipped: keep waiting
    const waiter = this.waiter;
    this.waiter = null;
    waiter.resolve({ value: record, done: false });
  }
}
