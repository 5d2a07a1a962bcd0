import { Readable } from 'node:stream';
import { BeforeApplicationShutdown, Inject, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import {
  CompressionCodec,
  DefaultPartitioner,
  MAX_DECOMPRESSED_BATCH_BYTES,
  ProtocolError,
  needsRecompression,
  partitionForKey,
  recompressRecordBatches,
  validateProducerBatches,
  type ValidatedBatches,
} from '@runnel/protocol';
import { Acks, type PartitionHandle } from '@runnel/replication';
import { RunnelError, badRequest, toApiError } from '../common/errors';
import { parseRecordListText } from '../common/raw-json';
import { BrokerConfig } from '../config/broker-config';
import { BROKER_CONFIG } from '../config/tokens';
import { MetricsService } from '../metrics/metrics.service';
import type { Caller } from '../security/caller';
import { TopicsService } from '../topics/topics.service';
import { Delivery, ProduceResult, batchAnswerText, refused, reportPrefix, reportText, resultOf } from './delivery';
import { HttpAnswer, JSON_CONTENT_TYPE, NDJSON_CONTENT_TYPE } from './http-answer';
import { IdempotentRequests, StreamHooks, fingerprintOf } from './idempotent-requests';
import { MAX_BATCH_ENTRIES, MAX_BATCH_ID_LENGTH, PRODUCE_CONFIG, ProduceConfig } from './produce-config';
import { RecordAccumulator } from './record-accumulator';
import { prepareRecord } from './record-input';
import { runRecordStream } from './record-stream';
import { readBody } from './request-body';

/**
 * The produce use cases of API.md "Produce", for HTTP and (through `produceJson`) WebSocket.
 *
 * JSON records are validated one by one (a bad record is its own error, never its neighbours'),
 * partitioned (explicit `partition_id`; else murmur2 of the key, as Kafka's default partitioner;
 * else a sticky partition per topic that moves on whenever its batch closes) and handed to the
 * broker-wide RecordAccumulator, which coalesces everything produced to a partition in one
 * event-loop turn into one RecordBatch and one append. Raw RecordBatch bytes are validated record
 * by record (validateProducerBatches) and go to `Partition.append` untouched, all or nothing.
 *
 * acks: 0 answers once the record is validated and queued (offset -1, as Kafka's acks=0 metadata);
 * 1 once appended to the log; all (-1, default) once below the high watermark (fsynced).
 * Idempotency-Key: see IdempotentRequests; scope is the topic. A keyed request's body is read
 * whole first (bounded by RUNNEL_MAX_REQUEST_BYTES) to fingerprint it.
 *
 * Authorization: every HTTP produce route takes its Caller and needs WRITE on the topic, checked
 * before the topic is looked up (40301 whether it exists or not). `produceJson` is the transports'
 * seam (WebSocket frames, bridge produce): its callers check WRITE through AccessControl first.
 */
export type { ProduceResult } from './delivery';

export type { HttpAnswer } from './http-answer';

interface TopicContext {
  name: string;
  partitionsCount: number;
  maxMessageBytes: number;
  /** The topic's compression.type for the batches the broker builds ('producer': none). */
  compression: CompressionCodec;
  partitions: (PartitionHandle | undefined)[];
}

const TOPIC_CODECS: Record<string, CompressionCodec | undefined> = {
  producer: undefined,
  uncompressed: CompressionCodec.None,
  gzip: CompressionCodec.Gzip,
  snappy: CompressionCodec.Snappy,
  lz4: CompressionCodec.Lz4,
  zstd: CompressionCodec.Zstd,
};
/** Decompressed bytes one received batch may hold when the broker must recompress it. */
const MAX_RECOMPRESS_BYTES = 64 * 1024 * 1024;

@Injectable()
export class ProduceService implements OnModuleInit, BeforeApplicationShutdown {
  private readonly logger = new Logger('ProduceService');
  private readonly sticky = new Map<string, { partitioner: DefaultPartitioner; count: number }>();
  private readonly accumulator = new RecordAccumulator({
    appended: (topic, records, bytes) => this.metrics.produced(topic, records, bytes),
    closed: (partition) => this.moveSticky(partition),
    toError: (error) => this.toError(error),
  });
  private readonly idempotency: IdempotentRequests;

  constructor(
    private readonly topics: TopicsService,
    private readonly metrics: MetricsService,
    @Inject(BROKER_CONFIG) private readonly config: BrokerConfig,
    @Inject(PRODUCE_CONFIG) produceConfig: ProduceConfig,
  ) {
    this.idempotency = new IdempotentRequests(topics, metrics, produceConfig, (error) => this.toError(error));
  }

  /** Runs after TopicsService has loaded the topics (this module imports it): reloads the key window. */
  async onModuleInit(): Promise<void> {
    await this.idempotency.restore();
  }

  beforeApplicationShutdown(): void {
    this.accumulator.flush();
  }

  /**
   * Produces JSON records (API.md record shape) and resolves, per record and in order, to
   * `{partition_id, offset, timestamp}` or `{error_code, message}`. Request-level problems throw
   * RunnelError: unknown topic (40403), more than 10,000 records (41301).
   */
  async produceJson(topic: string, records: unknown[], acks: Acks): Promise<ProduceResult[]> {
    const deliveries = await this.submitAll(this.context(topic), records, acks, 'records');
    return deliveries.map(resultOf);
  }

  /**
   * `POST .../records`: one record or a stream of them (record-stream.ts has the answer's rules).
   * `ndjson`: the client sent or accepts NDJSON, so a streamed answer is typed application/x-ndjson;
   * otherwise application/json, as Confluent types its stream of concatenated reports.
   */
  async produceRecords(
    caller: Caller,
    topic: string,
    source: Readable,
    acks: Acks,
    options: { forceStream: boolean; lines?: boolean; ndjson?: boolean; contentLength?: number; idempotencyKey?: string },
  ): Promise<HttpAnswer> {
    try {
      this.topics.authorize(caller, 'WRITE', topic);
      const ctx = this.context(topic);
      const key = options.idempotencyKey;
      if (key === undefined) return (await this.recordStream(ctx, source, acks, options)).answer;
      const body = await readBody(source, this.config.maxRequestBytes);
      const fingerprint = (): string => fingerprintOf(options.lines ? 'records ndjson' : 'records', topic, acks, body);
      return await this.idempotency.run(topic, key, fingerprint, acks, (hooks) =>
        this.recordStream(ctx, Readable.from([body]), acks, { ...options, contentLength: body.length }, hooks),
      );
    } catch (error) {
      throw this.toError(error);
    }
  }

  private async recordStream(
    ctx: TopicContext,
    source: Readable,
    acks: Acks,
    options: { forceStream: boolean; lines?: boolean; ndjson?: boolean; contentLength?: number },
    hooks?: StreamHooks,
  ): Promise<{ answer: HttpAnswer; finished?: Promise<void> }> {
    const prefix = reportPrefix(this.topics.clusterId, ctx.name);
    const streamContentType = options.ndjson ? NDJSON_CONTENT_TYPE : JSON_CONTENT_TYPE;
    if (hooks) hooks.contentType = streamContentType;
    const answer = await runRecordStream(source, {
      submit: (input) => this.submit(ctx, input, '', acks),
      report: (delivery) => reportText(prefix, delivery),
      maxObjectBytes: this.maxRecordJsonBytes(ctx),
      forceStream: options.forceStream,
      lines: options.lines,
      contentLength: options.contentLength,
      capture: hooks?.capture,
      beforeEnd: hooks?.beforeEnd,
    });
    if (answer.kind === 'single') return { answer: { status: answer.status, contentType: JSON_CONTENT_TYPE, body: answer.body } };
    return { answer: { status: 200, contentType: streamContentType, body: answer.output }, finished: answer.finished };
  }

  /**
   * `POST .../records:batch` `{"entries":[{"id", ...record}]}` → 207 successes/failures, as
   * Confluent's ProduceBatchAction: a body that is not JSON is 400/400, one that is not
   * `{"entries":[...]}` 422; no entries, more than MAX_BATCH_ENTRIES, an id that is not a string
   * of 1-80 characters (or an integer) or an id used twice is 422/42208. Nothing is produced then.
   */
  async produceBatch(caller: Caller, topic: string, source: Readable, acks: Acks, idempotencyKey?: string): Promise<HttpAnswer> {
    try {
      this.topics.authorize(caller, 'WRITE', topic);
      return await this.batch(topic, source, acks, idempotencyKey);
    } catch (error) {
      throw this.toError(error);
    }
  }

  private async batch(topic: string, source: Readable, acks: Acks, idempotencyKey?: string): Promise<HttpAnswer> {
    const ctx = this.context(topic);
    const bytes = await readBody(source, this.config.maxRequestBytes);
    let body: unknown;
    try {
      body = parseRecordListText(bytes.toString('utf8'), 'entries'); // JSON-typed data kept as sent (raw-json.ts)
    } catch (error) {
      throw new RunnelError('MALFORMED_REQUEST', `Malformed JSON body: ${(error as Error).message}`);
    }
    const entries = (body as { entries?: unknown } | null)?.entries;
    if (typeof body !== 'object' || body === null || Array.isArray(body) || !Array.isArray(entries)) {
      throw new RunnelError('UNPROCESSABLE', 'body must be {"entries": [{"id", ...record}]}');
    }
    if (entries.length === 0) throw new RunnelError('BATCH_INVALID', 'Empty batch.');
    if (entries.length > MAX_BATCH_ENTRIES) {
      throw new RunnelError('BATCH_INVALID', `Too many entries in batch: ${entries.length}; the limit is ${MAX_BATCH_ENTRIES} per request`);
    }
    const ids = entries.map((entry: unknown, i) => {
      const id = (entry as { id?: unknown } | null)?.id;
      // An integer id is Runnel's older form; answers always name ids as the spec's strings.
      const text = typeof id === 'number' && Number.isSafeInteger(id) ? String(id) : id;
      if (typeof text !== 'string' || text.length === 0 || text.length > MAX_BATCH_ID_LENGTH) {
        throw new RunnelError(
          'BATCH_INVALID',
          `Batch entry identifier is not a valid string: entries[${i}].id must be 1-${MAX_BATCH_ID_LENGTH} characters`,
        );
      }
      return text;
    });
    if (new Set(ids).size !== ids.length) throw new RunnelError('BATCH_INVALID', 'Batch entry IDs are not distinct.');
    const prefix = reportPrefix(this.topics.clusterId, ctx.name);
    return this.idempotency.run(
      topic,
      idempotencyKey,
      () => fingerprintOf('records:batch', topic, acks, bytes),
      acks,
      async () => {
        const deliveries = await this.submitAll(ctx, entries, acks, 'entries');
        return { answer: { status: 207, contentType: JSON_CONTENT_TYPE, body: batchAnswerText(prefix, ids, deliveries) } };
      },
    );
  }

  /**
   * Binary fast path: RecordBatch v2 bytes appended as they are, once every record of every
   * batch has been validated (validateProducerBatches: what Kafka's LogValidator refuses), so
   * nothing stored can break a later read. A refusal names the batch and appends nothing.
   */
  async appendBatches(
    caller: Caller,
    topic: string,
    partitionId: number,
    bytes: unknown,
    acks: Acks,
    idempotencyKey?: string,
  ): Promise<HttpAnswer> {
    this.topics.authorize(caller, 'WRITE', topic);
    const partition = this.topics.partition(topic, partitionId);
    this.topics.checkClientWritable(topic);
    if (!Buffer.isBuffer(bytes) || bytes.length === 0) {
      throw badRequest('body must be one or more RecordBatch v2 with Content-Type: application/vnd.kafka.record-batch');
    }
    return this.idempotency.run(
      topic,
      idempotencyKey,
      () => fingerprintOf(`batches ${partitionId}`, topic, acks, bytes),
      acks,
      async () => {
        let result;
        try {
          const validated = await this.validateBatches(topic, bytes);
          const stored = await this.withTopicCompression(topic, bytes);
          // acks=0 gains nothing here: the append itself is synchronous, only the fsync is waited for.
          // Bytes stored as sent were just checked (CRC included): the log takes their headers as they are.
          result = await partition.append(stored, acks === -1 ? -1 : 1, stored === bytes ? validated.headers : undefined);
        } catch (error) {
          if (error instanceof ProtocolError) this.metrics.batchesRefused(topic, error.code);
          throw this.toError(error);
        }
        this.metrics.produced(topic, result.records, bytes.length);
        const body = { base_offset: result.baseOffset, last_offset: result.lastOffset, log_append_time: result.logAppendTimeMs };
        return { answer: { status: 200, contentType: JSON_CONTENT_TYPE, body: JSON.stringify(body) } };
      },
    );
  }

  private context(topic: string): TopicContext {
    const record = this.topics.get(topic);
    this.topics.checkClientWritable(topic);
    return {
      name: topic,
      partitionsCount: record.partitionsCount,
      maxMessageBytes: Number(this.topics.configValue(topic, 'max.message.bytes')),
      compression: this.topicCodec(topic) ?? CompressionCodec.None,
      partitions: [],
    };
  }

  /** JSON text of one streamed record: room for base64 (4/3) and escapes, never past the body limit. */
  private maxRecordJsonBytes(ctx: TopicContext): number {
    return Math.min(this.config.maxRequestBytes, Math.max(64 * 1024, ctx.maxMessageBytes * 4 + 1024));
  }

  private async submitAll(ctx: TopicContext, inputs: unknown[], acks: Acks, field: string): Promise<Delivery[]> {
    if (inputs.length > MAX_BATCH_ENTRIES) {
      throw new RunnelError('TOO_LARGE', `${inputs.length} records in one request; the limit is ${MAX_BATCH_ENTRIES}`);
    }
    const deliveries = new Array<Delivery>(inputs.length);
    const waits: Promise<void>[] = [];
    for (let i = 0; i < inputs.length; i++) {
      const delivery = this.submit(ctx, inputs[i], field, acks, i);
      deliveries[i] = delivery;
      const batch = delivery.batch;
      if (batch !== null && (waits.length === 0 || waits[waits.length - 1] !== batch.done)) waits.push(batch.done);
    }
    await Promise.all(waits);
    return deliveries;
  }

  /** Validates, partitions and queues one JSON record; never throws (a refusal is a delivery). */
  private submit(ctx: TopicContext, input: unknown, field: string, acks: Acks, index = -1): Delivery {
    try {
      const record = prepareRecord(input, field, Date.now(), ctx.maxMessageBytes, index);
      const partitionId =
        record.partition >= 0
          ? record.partition
          : record.key !== null
            ? partitionForKey(record.key, ctx.partitionsCount)
            : this.stickyPartition(ctx);
      const partition = (ctx.partitions[partitionId] ??= this.topics.partition(ctx.name, partitionId));
      const ticket = this.accumulator.add(partition, record, record.batchBytesUpperBound, acks, ctx.maxMessageBytes, ctx.compression);
      return {
        batch: acks === 0 ? null : ticket.batch,
        index: ticket.index,
        partition: partitionId,
        timestamp: record.timestamp,
        keyType: record.keyType,
        keySize: record.key === null ? 0 : record.key.length,
        valueType: record.valueType,
        valueSize: record.value === null ? 0 : record.value.length,
        error: null,
      };
    } catch (error) {
      return refused(this.toError(error));
    }
  }

  private stickyPartition(ctx: TopicContext): number {
    let sticky = this.sticky.get(ctx.name);
    if (sticky === undefined || sticky.count !== ctx.partitionsCount) {
      sticky = { partitioner: new DefaultPartitioner(), count: ctx.partitionsCount };
      this.sticky.set(ctx.name, sticky);
    }
    return sticky.partitioner.partition(null, sticky.count);
  }

  /** Kafka's sticky partitioner moves on when the batch it was filling closes. */
  private moveSticky(closed: PartitionHandle): void {
    const sticky = this.sticky.get(closed.topic);
    if (sticky !== undefined && sticky.partitioner.partition(null, sticky.count) === closed.partition)
      sticky.partitioner.onNewBatch(sticky.count);
  }

  /** Maps what the log and replication layers throw to API.md errors. */
  /** compression.type as a codec; undefined for 'producer' (batches are kept as the producer sent them). */
  private topicCodec(topic: string): CompressionCodec | undefined {
    return TOPIC_CODECS[this.topics.configValue(topic, 'compression.type')];
  }

  /**
   * The topic's rules for received batches: max.message.bytes caps each batch and what a
   * compressed one may decompress to (and MAX_DECOMPRESSED_BATCH_BYTES whatever the topic says);
   * CreateTime topics bound timestamps by message.timestamp.before/after.max.ms.
   */
  private async validateBatches(topic: string, bytes: Buffer): Promise<ValidatedBatches> {
    const config = (name: string): number => Number(this.topics.configValue(topic, name));
    const maxMessageBytes = config('max.message.bytes');
    const createTime = this.topics.configValue(topic, 'message.timestamp.type') === 'CreateTime';
    return validateProducerBatches(bytes, {
      maxBatchBytes: maxMessageBytes,
      maxDecompressedBytes: Math.min(maxMessageBytes, MAX_DECOMPRESSED_BATCH_BYTES),
      timestamps: createTime
        ? {
            nowMs: Date.now(),
            beforeMaxMs: config('message.timestamp.before.max.ms'),
            afterMaxMs: config('message.timestamp.after.max.ms'),
          }
        : undefined,
    });
  }

  /**
   * The binary path's batches as the topic stores them: as sent, unless the topic names a codec
   * and some batch uses another — then those batches are recompressed, as Kafka's broker does.
   * Validated first (validateBatches), so nothing malformed is decoded here.
   */
  private async withTopicCompression(topic: string, bytes: Buffer): Promise<Buffer> {
    const codec = this.topicCodec(topic);
    if (codec === undefined) return bytes;
    if (!needsRecompression(bytes, codec)) return bytes;
    return recompressRecordBatches(bytes, codec, { maxDecompressedBytes: MAX_RECOMPRESS_BYTES });
  }

  private toError(error: unknown): RunnelError {
    return toApiError(error);
  }
}
