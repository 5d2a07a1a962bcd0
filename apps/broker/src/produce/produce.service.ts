import type { Readable } from 'node:stream';
import { BeforeApplicationShutdown, Inject, Injectable, Logger } from '@nestjs/common';
import { LogClosedError } from '@runnel/log';
import {
  CompressionCodec,
  DefaultPartitioner,
  ProtocolError,
  checkBatches,
  needsRecompression,
  partitionForKey,
  recompressRecordBatches,
} from '@runnel/protocol';
import { Acks, Partition, PartitionStorageError } from '@runnel/replication';
import { RunnelError, badRequest } from '../common/errors';
import { BrokerConfig } from '../config/broker-config';
import { BROKER_CONFIG } from '../config/tokens';
import { MetricsService } from '../metrics/metrics.service';
import { storageFailure } from '../storage/storage-errors';
import { TopicsService } from '../topics/topics.service';
import { Delivery, ProduceResult, batchAnswerText, refused, reportPrefix, reportText, resultOf } from './delivery';
import { IdempotencyCache } from './idempotency-cache';
import { MAX_BATCH_ENTRIES, MAX_REPLAY_BYTES, PRODUCE_CONFIG, ProduceConfig } from './produce-config';
import { RecordAccumulator } from './record-accumulator';
import { prepareRecord } from './record-input';
import { runRecordStream } from './record-stream';

/**
 * The produce use cases of API.md "Produce", for HTTP and (through `produceJson`) WebSocket.
 *
 * JSON records are validated one by one (a bad record is its own error, never its neighbours'),
 * partitioned (explicit `partition_id`; else murmur2 of the key, as Kafka's default partitioner;
 * else a sticky partition per topic that moves on whenever its batch closes) and handed to the
 * broker-wide RecordAccumulator, which coalesces everything produced to a partition in one
 * event-loop turn into one RecordBatch and one append. Raw RecordBatch bytes go to
 * `Partition.append` untouched (it checks framing and CRC, all or nothing).
 *
 * acks: 0 answers once the record is validated and queued (offset -1, as Kafka's acks=0 metadata);
 * 1 once appended to the log; all (-1, default) once below the high watermark (fsynced).
 * Idempotency-Key: see IdempotencyCache; scope is the topic.
 */
export type { ProduceResult } from './delivery';

export interface HttpAnswer {
  status: number;
  contentType: string;
  body: string | Readable;
  /** Replayed from an earlier request with the same Idempotency-Key. */
  replayed?: boolean;
}

export const JSON_CONTENT_TYPE = 'application/json';
export const NDJSON_CONTENT_TYPE = 'application/x-ndjson';

interface TopicContext {
  name: string;
  partitionsCount: number;
  maxMessageBytes: number;
  /** The topic's compression.type for the batches the broker builds ('producer': none). */
  compression: CompressionCodec;
  partitions: (Partition | undefined)[];
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
export class ProduceService implements BeforeApplicationShutdown {
  private readonly logger = new Logger('ProduceService');
  private readonly sticky = new Map<string, { partitioner: DefaultPartitioner; count: number }>();
  private readonly accumulator = new RecordAccumulator({
    appended: (topic, records, bytes) => this.metrics.produced(topic, records, bytes),
    closed: (partition) => this.moveSticky(partition),
    toError: (error) => this.toError(error),
  });
  private readonly idempotency: IdempotencyCache;

  constructor(
    private readonly topics: TopicsService,
    private readonly metrics: MetricsService,
    @Inject(BROKER_CONFIG) private readonly config: BrokerConfig,
    @Inject(PRODUCE_CONFIG) produceConfig: ProduceConfig,
  ) {
    this.idempotency = new IdempotencyCache(produceConfig.idempotencyWindowMs, produceConfig.idempotencyMaxKeys, produceConfig.idempotencyMaxBytes);
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

  /** `POST .../records`: one record or a stream of them (record-stream.ts has the answer's rules). */
  async produceRecords(
    topic: string,
    source: Readable,
    acks: Acks,
    options: { forceStream: boolean; idempotencyKey?: string },
  ): Promise<HttpAnswer> {
    const ctx = this.context(topic);
    return this.idempotent(topic, options.idempotencyKey, async (capture) => {
      const prefix = reportPrefix(this.topics.clusterId, topic);
      const answer = await runRecordStream(source, {
        submit: (input) => this.submit(ctx, input, '', acks),
        report: (delivery) => reportText(prefix, delivery),
        maxObjectBytes: this.maxRecordJsonBytes(ctx),
        forceStream: options.forceStream,
        capture,
      });
      if (answer.kind === 'single') return { answer: { status: answer.status, contentType: JSON_CONTENT_TYPE, body: answer.body } };
      return { answer: { status: 200, contentType: NDJSON_CONTENT_TYPE, body: answer.output }, finished: answer.finished };
    });
  }

  /** `POST .../records:batch` `{"entries":[{"id", ...record}]}` → 207 successes/failures. */
  async produceBatch(topic: string, body: unknown, acks: Acks, idempotencyKey?: string): Promise<HttpAnswer> {
    const ctx = this.context(topic);
    const entries = (body as { entries?: unknown } | null)?.entries;
    if (typeof body !== 'object' || body === null || !Array.isArray(entries)) throw badRequest('body must be {"entries": [{"id", ...record}]}');
    if (entries.length > MAX_BATCH_ENTRIES) {
      throw new RunnelError('TOO_LARGE', `records:batch holds ${entries.length} entries; the limit is ${MAX_BATCH_ENTRIES} per request`);
    }
    const ids = entries.map((entry: unknown, i) => {
      const id = (entry as { id?: unknown } | null)?.id;
      if (typeof id !== 'string' && !(typeof id === 'number' && Number.isSafeInteger(id))) {
        throw badRequest(`entries[${i}].id must be a string`);
      }
      return id;
    });
    if (new Set(ids).size !== ids.length) throw badRequest('entries ids must be unique within a request');
    return this.idempotent(topic, idempotencyKey, async () => {
      const deliveries = await this.submitAll(ctx, entries, acks, 'entries');
      return { answer: { status: 207, contentType: JSON_CONTENT_TYPE, body: batchAnswerText(ids, deliveries) } };
    });
  }

  /** Binary fast path: RecordBatch v2 bytes appended as they are (checked, never decoded). */
  async appendBatches(topic: string, partitionId: number, bytes: unknown, acks: Acks, idempotencyKey?: string): Promise<HttpAnswer> {
    const partition = this.topics.partition(topic, partitionId);
    this.topics.checkClientWritable(topic);
    if (!Buffer.isBuffer(bytes) || bytes.length === 0) {
      throw badRequest('body must be one or more RecordBatch v2 with Content-Type: application/vnd.kafka.record-batch');
    }
    return this.idempotent(topic, idempotencyKey, async () => {
      let result;
      try {
        const stored = await this.withTopicCompression(topic, bytes);
        // acks=0 gains nothing here: the append itself is synchronous, only the fsync is waited for.
        result = await partition.append(stored, acks === -1 ? -1 : 1);
      } catch (error) {
        throw this.toError(error);
      }
      this.metrics.produced(topic, result.records, bytes.length);
      const body = { base_offset: result.baseOffset, last_offset: result.lastOffset, log_append_time: result.logAppendTimeMs };
      return { answer: { status: 200, contentType: JSON_CONTENT_TYPE, body: JSON.stringify(body) } };
    });
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
  private moveSticky(closed: Partition): void {
    const sticky = this.sticky.get(closed.topic);
    if (sticky !== undefined && sticky.partitioner.partition(null, sticky.count) === closed.partition) sticky.partitioner.onNewBatch(sticky.count);
  }

  /**
   * Runs `produce` once per Idempotency-Key (per topic) within the window; retries get the first
   * answer. A streamed answer is remembered as the text it streamed (`capture`), once complete.
   */
  private async idempotent(
    topic: string,
    key: string | undefined,
    produce: (capture?: (text: string) => void) => Promise<{ answer: HttpAnswer; finished?: Promise<void> }>,
  ): Promise<HttpAnswer> {
    if (key === undefined) return (await produce()).answer;
    const claim = await this.idempotency.claim(topic, key);
    if ('replay' in claim) return { ...claim.replay, replayed: true };
    let captured = '';
    let overflow = false;
    const capture = (text: string): void => {
      if (overflow || captured.length + text.length > MAX_REPLAY_BYTES) overflow = true;
      else captured += text;
    };
    let produced: { answer: HttpAnswer; finished?: Promise<void> };
    try {
      produced = await produce(capture);
    } catch (error) {
      const failure = this.toError(error);
      claim.complete({ status: failure.status, contentType: JSON_CONTENT_TYPE, body: JSON.stringify(failure.toBody()) });
      throw failure;
    }
    const { answer, finished } = produced;
    if (typeof answer.body === 'string') {
      claim.complete({ status: answer.status, contentType: answer.contentType, body: answer.body });
    } else {
      void (finished ?? Promise.resolve()).then(() => {
        const tooLarge = new RunnelError('CONFLICT', `The first request with this Idempotency-Key was processed; its answer is too large to replay`);
        claim.complete(
          overflow
            ? { status: tooLarge.status, contentType: JSON_CONTENT_TYPE, body: JSON.stringify(tooLarge.toBody()) }
            : { status: answer.status, contentType: answer.contentType, body: captured },
        );
      });
    }
    return answer;
  }

  /** Maps what the log and replication layers throw to API.md errors. */
  /** compression.type as a codec; undefined for 'producer' (batches are kept as the producer sent them). */
  private topicCodec(topic: string): CompressionCodec | undefined {
    return TOPIC_CODECS[this.topics.configValue(topic, 'compression.type')];
  }

  /**
   * The binary path's batches as the topic stores them: as sent, unless the topic names a codec
   * and some batch uses another — then those batches are recompressed, as Kafka's broker does.
   * Checked first (framing, CRC, size), so nothing malformed is decoded.
   */
  private async withTopicCompression(topic: string, bytes: Buffer): Promise<Buffer> {
    const codec = this.topicCodec(topic);
    if (codec === undefined) return bytes;
    const maxMessageBytes = Number(this.topics.configValue(topic, 'max.message.bytes'));
    checkBatches(bytes, maxMessageBytes);
    if (!needsRecompression(bytes, codec)) return bytes;
    return recompressRecordBatches(bytes, codec, { maxDecompressedBytes: MAX_RECOMPRESS_BYTES });
  }

  private toError(error: unknown): RunnelError {
    if (error instanceof RunnelError) return error;
    if (error instanceof ProtocolError) {
      return error.code === 'TOO_LARGE'
        ? new RunnelError('TOO_LARGE', `Record batch too large: ${error.message}`)
        : badRequest(`Invalid record batch (${error.code}): ${error.message}; nothing was appended`);
    }
    const storage = storageFailure(error);
    if (storage) return storage;
    if (error instanceof PartitionStorageError || error instanceof LogClosedError) {
      return new RunnelError('RETRIABLE', 'The partition is not accepting writes on this broker; retry later');
    }
    this.logger.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
    return new RunnelError('INTERNAL', 'Internal server error');
  }
}
