import { randomUUID } from 'node:crypto';
import { CompressionCodec, DefaultPartitioner, encodeRecordBatchAsync, partitionForKey, ProtocolError } from '@runnel/protocol';
import type { BatchRecord, RecordHeader } from '@runnel/protocol';
import { RunnelClientError } from './errors';
import { HttpSettings, normalizeBaseUrl, readJson, request, RetryPolicy, topicUrl, withRetries } from './http';
import { Bytes, toBuffer } from './bytes';

/**
 * Kafka's producer over Runnel's binary produce path (API.md "Produce", `.../partitions/{p}/batches`).
 *
 * State, per topic and partition: one `open` batch being filled, a FIFO of `ready` (full) batches,
 * and the number of batches in flight. A record goes to the partition its key hashes to (murmur2,
 * as Kafka and the broker), else the sticky partition. The open batch is sent when it is full
 * (`batchBytes`) or `lingerMs` after its first record, and only while the partition has fewer
 * than `maxInFlight` requests outstanding. Records keep filling the open batch meanwhile, so a slow
 * broker gets bigger batches rather than more requests.
 *
 * Invariants: with maxInFlight = 1 (the default) records of one partition are appended in send()
 * order even across retries, since the next batch leaves only after the previous one settled.
 * Every batch carries an `Idempotency-Key` that its retries reuse, so a retry of a request whose
 * answer was lost does not append twice. A send() promise settles exactly once: with the offset
 * the broker assigned (base_offset + index in the batch) or with the error that ended its batch.
 * Buffered bytes never exceed `bufferBytes` (plus one record): send() beyond it queues the record
 * until batches complete, in order.
 */

export type Acks = 0 | 1 | -1 | 'all';
export type CompressionName = 'none' | 'gzip' | 'snappy' | 'lz4' | 'zstd';

export interface ProducerOptions {
  baseUrl: string;
  /** Default topic for send() calls that name none. */
  topic?: string;
  /** Default '-': the cluster the broker belongs to. */
  clusterId?: string;
  lingerMs?: number;
  batchBytes?: number;
  /** Requests in flight per partition; above 1, a retried batch may land after a later one. */
  maxInFlight?: number;
  retries?: number;
  retryBackoffMs?: number;
  retryBackoffMaxMs?: number;
  acks?: Acks;
  compression?: CompressionName;
  requestTimeoutMs?: number;
  /** Bytes of records accepted but not yet acknowledged, all partitions (Kafka's buffer.memory). */
  bufferBytes?: number;
  /** How old a topic's cached partition count may grow before it is looked up again. */
  metadataMaxAgeMs?: number;
  /** Extra HTTP headers on every request (e.g. Authorization). */
  headers?: Record<string, string>;
}

export interface ProducerRecord {
  topic?: string;
  key?: Bytes | null;
  value: Bytes | null;
  /** Header values are bytes (strings are UTF-8 encoded) or null. */
  headers?: Record<string, Bytes | null>;
  partition?: number;
  /** Epoch milliseconds; default: now. */
  timestamp?: number;
}

export interface RecordMetadata {
  topic: string;
  partition: number;
  /** -1 with acks=0 when the broker did not say. */
  offset: number;
}

const CODECS: Record<CompressionName, CompressionCodec> = {
  none: CompressionCodec.None,
  gzip: CompressionCodec.Gzip,
  snappy: CompressionCodec.Snappy,
  lz4: CompressionCodec.Lz4,
  zstd: CompressionCodec.Zstd,
};

/** Per-record bytes in a batch beyond key, value and headers (length, attributes, deltas). */
const RECORD_OVERHEAD = 21;
const BATCH_OVERHEAD = 61;

/** A record waiting for its offset; it is itself the BatchRecord handed to the encoder. */
interface Entry extends BatchRecord {
  topic: string;
  partition: number;
  size: number;
  resolve: (metadata: RecordMetadata) => void;
  reject: (error: Error) => void;
}

class Batch {
  readonly entries: Entry[] = [];
  bytes = BATCH_OVERHEAD;
  lingerExpired = false;
  timer: NodeJS.Timeout | null = null;
}

class PartitionState {
  open: Batch | null = null;
  readonly ready: Batch[] = [];
  inFlight = 0;
}

class TopicState {
  /** 0 until the first lookup answers. */
  partitionCount = 0;
  fetchedAt = 0;
  lookup: Promise<void> | null = null;
  /** Records that arrived before the partition count was known, in send() order. */
  readonly waiting: Entry[] = [];
  readonly partitions = new Map<number, PartitionState>();
  readonly partitioner = new DefaultPartitioner();
  sticky = -1;
  constructor(readonly name: string) {}
}

export class Producer {
  private readonly http: HttpSettings;
  private readonly retry: RetryPolicy;
  private readonly defaultTopic: string | undefined;
  private readonly lingerMs: number;
  private readonly batchBytes: number;
  private readonly maxInFlight: number;
  private readonly acks: string;
  private readonly codec: CompressionCodec;
  private readonly bufferBytes: number;
  private readonly metadataMaxAgeMs: number;
  private readonly topics = new Map<string, TopicState>();
  /** Records held back by bufferBytes, in send() order. */
  private readonly blocked: Entry[] = [];
  private bufferedBytes = 0;
  private unsettled = 0;
  private flushing = 0;
  private flushWaiters: (() => void)[] = [];
  private closing = false;

  constructor(options: ProducerOptions) {
    this.http = {
      baseUrl: normalizeBaseUrl(options.baseUrl),
      clusterId: options.clusterId ?? '-',
      headers: options.headers ?? {},
      requestTimeoutMs: positive(options.requestTimeoutMs ?? 30_000, 'requestTimeoutMs'),
    };
    this.retry = {
      retries: nonNegative(options.retries ?? 5, 'retries'),
      retryBackoffMs: nonNegative(options.retryBackoffMs ?? 100, 'retryBackoffMs'),
      retryBackoffMaxMs: nonNegative(options.retryBackoffMaxMs ?? 1000, 'retryBackoffMaxMs'),
    };
    this.defaultTopic = options.topic;
    this.lingerMs = nonNegative(options.lingerMs ?? 5, 'lingerMs');
    this.batchBytes = positive(options.batchBytes ?? 1024 * 1024, 'batchBytes');
    this.maxInFlight = positive(options.maxInFlight ?? 1, 'maxInFlight');
    const acks = options.acks ?? 'all';
    if (![0, 1, -1, 'all'].includes(acks)) throw new RangeError(`acks must be 0, 1, -1 or 'all', not ${String(acks)}`);
    this.acks = acks === -1 ? 'all' : String(acks);
    const codec = CODECS[options.compression ?? 'none'];
    if (codec === undefined) throw new RangeError(`unknown compression ${String(options.compression)}`);
    this.codec = codec;
    this.bufferBytes = positive(options.bufferBytes ?? 32 * 1024 * 1024, 'bufferBytes');
    this.metadataMaxAgeMs = positive(options.metadataMaxAgeMs ?? 300_000, 'metadataMaxAgeMs');
  }

  /** Resolves once the broker has the record (per `acks`); rejects with RunnelClientError. */
  send(record: ProducerRecord): Promise<RecordMetadata> {
    if (this.closing) return Promise.reject(new RunnelClientError('producer is closed', 40001, 0, false));
    const topic = record.topic ?? this.defaultTopic;
    if (topic === undefined || topic === '') return Promise.reject(new TypeError('send() needs a topic (or the producer a default one)'));
    const partition = record.partition ?? -1;
    if (!(Number.isInteger(partition) && partition >= -1 && partition <= 0x7fffffff)) {
      return Promise.reject(new RangeError(`partition must be a non-negative integer, not ${record.partition}`));
    }
    const key = record.key === undefined || record.key === null ? null : toBuffer(record.key);
    const value = record.value === null ? null : toBuffer(record.value);
    const headers: RecordHeader[] = [];
    let size = RECORD_OVERHEAD + (key?.length ?? 0) + (value?.length ?? 0);
    if (record.headers) {
      for (const name of Object.keys(record.headers)) {
        const raw = record.headers[name];
        const headerValue = raw === null ? null : toBuffer(raw);
        headers.push({ key: name, value: headerValue });
        size += 10 + Buffer.byteLength(name) + (headerValue?.length ?? 0);
      }
    }
    const timestamp = record.timestamp ?? Date.now();
    return new Promise<RecordMetadata>((resolve, reject) => {
      this.unsettled++;
      const entry: Entry = { topic, partition, timestamp, key, value, headers, size, resolve, reject };
      if (this.blocked.length > 0 || (this.bufferedBytes > 0 && this.bufferedBytes + size > this.bufferBytes)) this.blocked.push(entry);
      else this.accept(entry);
    });
  }

  /** Sends everything buffered now, and resolves when no record is left unsettled. */
  async flush(): Promise<void> {
    this.flushing++;
    try {
      for (const topic of this.topics.values()) for (const [p, state] of topic.partitions) this.drain(topic, p, state);
      if (this.unsettled > 0) await new Promise<void>((resolve) => this.flushWaiters.push(resolve));
    } finally {
      this.flushing--;
    }
  }

  /** Refuses new records, then waits for the buffered ones (they are sent, not dropped). */
  async close(): Promise<void> {
    this.closing = true;
    await this.flush();
  }

  /** The topic's partition count (looked up and cached on first use). */
  async partitionCount(topic: string): Promise<number> {
    const state = this.topicState(topic);
    if (state.partitionCount === 0) await this.lookup(state);
    return state.partitionCount;
  }

  private accept(entry: Entry): void {
    this.bufferedBytes += entry.size;
    const topic = this.topicState(entry.topic);
    if (topic.partitionCount === 0) {
      topic.waiting.push(entry);
      void this.lookup(topic).catch(() => undefined); // failures reject the waiting records
      return;
    }
    if (topic.lookup === null && Date.now() - topic.fetchedAt > this.metadataMaxAgeMs) void this.lookup(topic).catch(() => undefined);
    this.place(topic, entry);
  }

  private place(topic: TopicState, entry: Entry): void {
    let p = entry.partition;
    if (p < 0) {
      if (entry.key !== null) p = partitionForKey(entry.key, topic.partitionCount);
      else p = topic.sticky = topic.partitioner.partition(null, topic.partitionCount);
      entry.partition = p;
    }
    let state = topic.partitions.get(p);
    if (state === undefined) topic.partitions.set(p, (state = new PartitionState()));
    if (state.open !== null && state.open.bytes + entry.size > this.batchBytes) state.ready.push(this.takeOpen(topic, p, state));
    if (state.open === null) {
      const batch = (state.open = new Batch());
      batch.timer = setTimeout(() => {
        batch.timer = null;
        batch.lingerExpired = true;
        this.drain(topic, p, state!);
      }, this.lingerMs);
    }
    state.open.entries.push(entry);
    state.open.bytes += entry.size;
    if (state.open.bytes >= this.batchBytes) state.ready.push(this.takeOpen(topic, p, state));
    this.drain(topic, p, state);
  }

  /** Closes the partition's open batch; the sticky partition moves on, as Kafka's does. */
  private takeOpen(topic: TopicState, p: number, state: PartitionState): Batch {
    const batch = state.open!;
    state.open = null;
    if (batch.timer !== null) clearTimeout(batch.timer);
    batch.timer = null;
    if (p === topic.sticky) {
      topic.partitioner.onNewBatch(topic.partitionCount);
      topic.sticky = -1;
    }
    return batch;
  }

  private drain(topic: TopicState, p: number, state: PartitionState): void {
    while (state.inFlight < this.maxInFlight) {
      let batch: Batch;
      if (state.ready.length > 0) batch = state.ready.shift()!;
      else if (state.open !== null && (state.open.lingerExpired || this.flushing > 0)) batch = this.takeOpen(topic, p, state);
      else return;
      state.inFlight++;
      void this.sendBatch(topic, p, batch).finally(() => {
        state.inFlight--;
        this.settled(batch.entries);
        this.drain(topic, p, state);
      });
    }
  }

  private async sendBatch(topic: TopicState, p: number, batch: Batch): Promise<void> {
    const entries = batch.entries;
    let body: Buffer;
    try {
      body = await encodeRecordBatchAsync({ records: entries, compression: this.codec });
    } catch (error) {
      const tooLarge = error instanceof ProtocolError && error.code === 'TOO_LARGE';
      const message = error instanceof Error ? error.message : String(error);
      for (const entry of entries) entry.reject(new RunnelClientError(message, tooLarge ? 41301 : 40001, 0, false));
      return;
    }
    const url = `${topicUrl(this.http, topic.name)}/partitions/${p}/batches?acks=${this.acks}`;
    const headers = { 'content-type': 'application/vnd.kafka.record-batch', 'idempotency-key': randomUUID() };
    try {
      const answer = await withRetries(this.retry, async () => {
        const response = await request(this.http, url, { method: 'POST', body, headers });
        return readJson<{ base_offset?: unknown }>(response).catch(() => ({ base_offset: undefined }));
      });
      const base = typeof answer.base_offset === 'number' && answer.base_offset >= 0 ? answer.base_offset : -1;
      for (let i = 0; i < entries.length; i++) entries[i].resolve({ topic: topic.name, partition: p, offset: base < 0 ? -1 : base + i });
    } catch (error) {
      for (const entry of entries) entry.reject(error as Error);
    }
  }

  private settled(entries: readonly Entry[]): void {
    for (const entry of entries) this.bufferedBytes -= entry.size;
    this.unsettled -= entries.length;
    while (this.blocked.length > 0 && (this.bufferedBytes === 0 || this.bufferedBytes + this.blocked[0].size <= this.bufferBytes)) {
      this.accept(this.blocked.shift()!);
    }
    if (this.unsettled === 0 && this.flushWaiters.length > 0) {
      const waiters = this.flushWaiters;
      this.flushWaiters = [];
      for (const resolve of waiters) resolve();
    }
  }

  private topicState(name: string): TopicState {
    let state = this.topics.get(name);
    if (state === undefined) this.topics.set(name, (state = new TopicState(name)));
    return state;
  }

  /** GET the topic (retrying retriable failures); places waiting records or rejects them. */
  private lookup(topic: TopicState): Promise<void> {
    if (topic.lookup !== null) return topic.lookup;
    const lookup = withRetries(this.retry, async () => {
      const body = await readJson<{ partitions_count?: unknown }>(
        await request(this.http, topicUrl(this.http, topic.name), { method: 'GET' }),
      );
      const count = body.partitions_count;
      if (typeof count !== 'number' || !Number.isInteger(count) || count < 1) {
        throw new RunnelClientError(`topic ${topic.name} has no valid partitions_count`, 50001, 200, false);
      }
      return count;
    }).then(
      (count) => {
        topic.partitionCount = count;
        topic.fetchedAt = Date.now();
        topic.lookup = null;
        for (const entry of topic.waiting.splice(0)) this.place(topic, entry);
      },
      (error: Error) => {
        topic.lookup = null;
        const waiting = topic.waiting.splice(0);
        for (const entry of waiting) entry.reject(error);
        this.settled(waiting);
        throw error;
      },
    );
    topic.lookup = lookup;
    return lookup;
  }
}

function positive(value: number, name: string): number {
  if (!(Number.isFinite(value) && value > 0)) throw new RangeError(`${name} must be a positive number, not ${value}`);
  return value;
}

function nonNegative(value: number, name: string): number {
  if (!(Number.isFinite(value) && value >= 0)) throw new RangeError(`${name} must be a non-negative number, not ${value}`);
  return value;
}
