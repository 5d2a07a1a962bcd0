import { Inject, Injectable } from '@nestjs/common';
import { LogManager, type LogCleanerStats } from '@runnel/log';
import { ReplicaManager } from '@runnel/replication';
import { corruptBatchReads } from '../common/corrupt-batch';
import { LOG_MANAGER, REPLICA_MANAGER } from '../config/tokens';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/**
 * The broker's Prometheus metrics, on a registry of its own (so tests can run several apps in
 * one process). Produce, fetch and WebSocket code call the narrow methods below; nothing else
 * touches prom-client. Counters are labelled by topic only — never by partition or client — so
 * label cardinality stays bounded by the number of topics.
 */
@Injectable()
export class MetricsService {
  readonly registry = new Registry();

  private readonly producedRecords = new Counter({
    name: 'runnel_produced_records_total',
    help: 'Records appended by produce requests',
    labelNames: ['topic'],
    registers: [this.registry],
  });
  private readonly producedBytes = new Counter({
    name: 'runnel_produced_bytes_total',
    help: 'RecordBatch bytes appended by produce requests',
    labelNames: ['topic'],
    registers: [this.registry],
  });
  private readonly fetchedRecords = new Counter({
    name: 'runnel_fetched_records_total',
    help: 'Records delivered to consumers (REST, SSE, WebSocket)',
    labelNames: ['topic'],
    registers: [this.registry],
  });
  private readonly fetchedBytes = new Counter({
    name: 'runnel_fetched_bytes_total',
    help: 'RecordBatch bytes read for consumers',
    labelNames: ['topic'],
    registers: [this.registry],
  });
  private readonly refusedBatches = new Counter({
    name: 'runnel_produce_refused_batches_total',
    help: 'Binary produce requests refused by batch validation, by the protocol error (INVALID_RECORD, TOO_LARGE, ...)',
    labelNames: ['topic', 'reason'],
    registers: [this.registry],
  });
  readonly requestSeconds = new Histogram({
    name: 'runnel_http_request_duration_seconds',
    help: 'HTTP request latency by route and status',
    labelNames: ['method', 'route', 'status'],
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });
  private readonly wsSubscriptions = new Gauge({
    name: 'runnel_ws_subscriptions',
    help: 'Open WebSocket subscriptions',
    registers: [this.registry],
  });
  private readonly wsConnections = new Gauge({
    name: 'runnel_ws_connections',
    help: 'Open WebSocket connections',
    registers: [this.registry],
  });

  constructor(@Inject(REPLICA_MANAGER) replicas: ReplicaManager, @Inject(LOG_MANAGER) logs: LogManager) {
    collectDefaultMetrics({ register: this.registry, prefix: 'runnel_process_' });
    this.registerCleanerMetrics(logs);
    this.counterFrom(
      'runnel_corrupt_batches_read_total',
      'JSON reads (REST, SSE, WebSocket) answered 50001 because the stored batch they start at does not decode',
      corruptBatchReads,
    );
    this.counterFrom(
      'runnel_storage_errors_total',
      'Log and metadata writes and fsyncs that failed on the disk (ENOSPC, EDQUOT, EIO...)',
      () => logs.health.errorsTotal,
    );
    this.gaugeFrom('runnel_storage_healthy', '1 when storage takes writes, 0 after a storage error until a write succeeds', () =>
      logs.health.healthy ? 1 : 0,
    );
    // Sizes are read from the logs when scraped, so appends pay nothing for them.
    new Gauge({
      name: 'runnel_partitions',
      help: 'Partitions led by this broker',
      registers: [this.registry],
      collect() {
        let count = 0;
        for (const _ of replicas.all()) count++;
        this.set(count);
      },
    });
    new Gauge({
      name: 'runnel_log_size_bytes',
      help: 'Bytes on disk of the logs of each topic',
      labelNames: ['topic'],
      registers: [this.registry],
      collect() {
        this.reset();
        const sizes = new Map<string, number>();
        for (const p of replicas.all()) sizes.set(p.topic, (sizes.get(p.topic) ?? 0) + p.sizeBytes);
        for (const [topic, bytes] of sizes) this.set({ topic }, bytes);
      },
    });
    new Gauge({
      name: 'runnel_high_watermark_sum',
      help: 'Sum over the partitions of each topic of the high watermark (records ever committed)',
      labelNames: ['topic'],
      registers: [this.registry],
      collect() {
        this.reset();
        const sums = new Map<string, number>();
        for (const p of replicas.all()) sums.set(p.topic, (sums.get(p.topic) ?? 0) + p.highWatermark);
        for (const [topic, hw] of sums) this.set({ topic }, hw);
      },
    });
  }

  /** runnel_log_cleaner_*: the compaction Cleaner's cumulative stats, read when scraped. */
  private registerCleanerMetrics(logs: LogManager): void {
    const counters: Array<[string, string, keyof LogCleanerStats]> = [
      ['runs_total', 'Cleaner runs that cleaned a compacted log', 'runs'],
      ['bytes_read_total', 'Log bytes read by the cleaner', 'bytesRead'],
      ['bytes_written_total', 'Cleaned segment bytes written by the cleaner', 'bytesWritten'],
      ['records_removed_total', 'Records removed by compaction (older versions of a key, expired tombstones)', 'recordsRemoved'],
      ['segments_rewritten_total', 'Segments replaced by a cleaned copy', 'segmentsRewritten'],
      ['aborted_runs_total', 'Cleaner runs stopped by a truncation, deletion or shutdown', 'aborted'],
      ['errors_total', 'Cleaner runs that failed (the partition is then skipped until restart)', 'errors'],
    ];
    for (const [suffix, help, key] of counters) this.counterFrom(`runnel_log_cleaner_${suffix}`, help, () => logs.cleanerStats[key]);
    const gauges: Array<[string, string, (stats: LogCleanerStats) => number]> = [
      [
        'max_dirty_ratio',
        'Highest dirty ratio (dirty / cleanable bytes) over compacted logs at the last cleaner run',
        (s) => s.maxDirtyRatio,
      ],
      ['last_run_seconds', 'Duration of the last cleaner run', (s) => s.lastDurationMs / 1000],
      ['uncleanable_partitions', 'Partitions skipped by the cleaner after a failure', (s) => s.uncleanablePartitions],
    ];
    for (const [suffix, help, value] of gauges) this.gaugeFrom(`runnel_log_cleaner_${suffix}`, help, () => value(logs.cleanerStats));
  }

  /** A counter whose value is a cumulative total kept elsewhere (a component's stats), read when scraped. */
  counterFrom(name: string, help: string, read: () => number): void {
    new Counter({
      name,
      help,
      registers: [this.registry],
      collect() {
        this.reset();
        this.inc(read());
      },
    });
  }

  /** A gauge read when scraped. */
  gaugeFrom(name: string, help: string, read: () => number): void {
    new Gauge({
      name,
      help,
      registers: [this.registry],
      collect() {
        this.set(read());
      },
    });
  }

  produced(topic: string, records: number, bytes: number): void {
    this.producedRecords.inc({ topic }, records);
    this.producedBytes.inc({ topic }, bytes);
  }

  fetched(topic: string, records: number, bytes: number): void {
    this.fetchedRecords.inc({ topic }, records);
    this.fetchedBytes.inc({ topic }, bytes);
  }

  /** A produce request refused by validateProducerBatches; `reason` is a ProtocolErrorCode (a closed set). */
  batchesRefused(topic: string, reason: string): void {
    this.refusedBatches.inc({ topic, reason });
  }

  wsConnectionOpened(): void {
    this.wsConnections.inc();
  }

  wsConnectionClosed(): void {
    this.wsConnections.dec();
  }

  wsSubscriptionOpened(): void {
    this.wsSubscriptions.inc();
  }

  wsSubscriptionClosed(): void {
    this.wsSubscriptions.dec();
  }

  /** Records and bytes produced so far per topic (counters since start), for the console's history. */
  async producedByTopic(): Promise<Map<string, { records: number; bytes: number }>> {
    const byTopic = new Map<string, { records: number; bytes: number }>();
    for (const v of (await this.producedRecords.get()).values) {
      const topic = String(v.labels.topic);
      byTopic.set(topic, { records: v.value, bytes: byTopic.get(topic)?.bytes ?? 0 });
    }
    for (const v of (await this.producedBytes.get()).values) {
      const topic = String(v.labels.topic);
      byTopic.set(topic, { records: byTopic.get(topic)?.records ?? 0, bytes: v.value });
    }
    return byTopic;
  }

  /** Totals across topics, for the rolling stats history. */
  async totals(): Promise<{ producedRecords: number; producedBytes: number; fetchedRecords: number; fetchedBytes: number }> {
    const sum = async (counter: Counter<string>): Promise<number> => (await counter.get()).values.reduce((total, v) => total + v.value, 0);
    return {
      producedRecords: await sum(this.producedRecords),
      producedBytes: await sum(this.producedBytes),
      fetchedRecords: await sum(this.fetchedRecords),
      fetchedBytes: await sum(this.fetchedBytes),
    };
  }
}
