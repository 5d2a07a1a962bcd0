import * as fs from 'node:fs';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { promisify } from 'node:util';
import { deflateRaw } from 'node:zlib';
import { Inject, Injectable, Logger, OnApplicationShutdown, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import type { GroupDescription } from '@runnel/groups';
import { ReplicaManager } from '@runnel/replication';
import { BrokerConfig } from '../config/broker-config';
import { BROKER_CONFIG, REPLICA_MANAGER } from '../config/tokens';
import { GroupsService } from '../groups/groups.service';
import { MetricsService } from '../metrics/metrics.service';
import { TopicsService } from '../topics/topics.service';
import { Aggregate, HistoryStore } from './history-store';
import { LagPart, combineLags } from './group-lag';
import { RecordTimestamps } from './record-timestamps';

/**
 * The sampler of the console's history: every RUNNEL_HISTORY_INTERVAL_MS it records, in one
 * HistoryStore sample,
 *   t:<topic>                      produced records/s and bytes/s (deltas of MetricsService's
 *                                  per-topic counters: the produce path pays nothing more),
 *                                  size in bytes, records (Σ high watermark − log start);
 *   g:<group>                      total lag (offsets) and lag in time (ms);
 *   p:<group>\0<topic>\0<partition> the same per partition (at most PARTITIONS_PER_GROUP a group).
 * lag_ms of a partition = timestamp of its newest record − timestamp of the first record not yet
 * consumed (the committed offset; the log start when the group owns it without a commit), 0 when
 * caught up. Timestamps come from RecordTimestamps (an LRU of offset → timestamp); at most
 * LOG_READS_PER_SAMPLE log reads happen per sample, a partition left over keeps its previous
 * lag_ms until a later sample reaches it.
 *
 * The latest values (`topicRates`, `groupLag`) serve the list views, so sorting 10,000 groups by
 * lag reads no log. The store is written to <data dir>/history.bin (atomically: temp file, fsync,
 * rename) every PERSIST_INTERVAL_MS and at shutdown, and read back at start; a missing or
 * unreadable file starts an empty history with a warning.
 *
 * Concurrency: samples never overlap (a sample still running when the timer fires skips that tick).
 */
export interface TopicRates {
  recordsPerSec: number;
  bytesPerSec: number;
}

export interface GroupLag {
  totalLag: number;
  /** null while unknown (the records' timestamps not read yet). */
  lagMs: number | null;
  /** The same per topic (undefined for a group restored from the file and not sampled since). */
  byTopic: Map<string, LagPart> | undefined;
}

const TOPIC_FIELDS: Aggregate[] = ['mean', 'mean', 'mean', 'mean'];
const LAG_FIELDS: Aggregate[] = ['max', 'max'];
export const PARTITIONS_PER_GROUP = 64;
const LOG_READS_PER_SAMPLE = 2_000;
const GROUPS_PER_STEP = 256;
const TOPICS_PER_STEP = 1000;
const PERSIST_INTERVAL_MS = 60_000;
export const HISTORY_FILE = 'history.bin';

const yieldToEventLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

export const topicKey = (topic: string): string => `t:${topic}`;
export const groupKey = (group: string): string => `g:${group}`;
export const partitionKey = (group: string, topic: string, partition: number): string => `p:${group}\u0000${topic}\u0000${partition}`;

@Injectable()
export class HistoryService implements OnModuleInit, OnModuleDestroy, OnApplicationShutdown {
  private readonly logger = new Logger('History');
  private store: HistoryStore;
  private readonly file: string;
  private readonly timestamps = new RecordTimestamps();
  private readonly rates = new Map<string, TopicRates>();
  private readonly lags = new Map<string, GroupLag>();
  /** Per group: its partition series keys (what lag-history answers per point). */
  private readonly partitionKeys = new Map<string, Set<string>>();
  private readonly partitionLagMs = new Map<string, number>();
  private previousCounters: { at: number; byTopic: Map<string, { records: number; bytes: number }> } | undefined;
  private sampling: Promise<void> | undefined;
  private sampleTimer: NodeJS.Timeout | undefined;
  private persistTimer: NodeJS.Timeout | undefined;
  private persisting: Promise<void> = Promise.resolve();
  private lastSampleMs = 0;

  constructor(
    @Inject(BROKER_CONFIG) private readonly config: BrokerConfig,
    @Inject(REPLICA_MANAGER) private readonly replicas: ReplicaManager,
    private readonly metrics: MetricsService,
    private readonly topics: TopicsService,
    private readonly groups: GroupsService,
  ) {
    this.file = path.join(config.dataDir, HISTORY_FILE);
    this.store = new HistoryStore(this.storeOptions);
  }

  private get storeOptions() {
    return {
      intervalMs: this.config.history.intervalMs,
      retentionMs: this.config.history.retentionMs,
      maxBytes: this.config.history.maxBytes,
    };
  }

  get intervalMs(): number {
    return this.store.intervalMs;
  }

  get retentionMs(): number {
    return this.store.retentionMs;
  }

  onModuleInit(): void {
    this.load();
    this.topics.onChange((change) => {
      if (change.kind !== 'deleted') return;
      this.store.remove(topicKey(change.topic));
      this.rates.delete(change.topic);
    });
    this.metrics.gaugeFrom('runnel_history_series', 'Series held by the console history', () => this.store.seriesCount);
    this.metrics.gaugeFrom('runnel_history_reserved_bytes', 'Bytes the console history series may take at most', () => this.store.reserved);
    this.metrics.gaugeFrom('runnel_history_last_sample_seconds', 'Duration of the latest history sample', () => this.lastSampleMs / 1000);
    this.metrics.counterFrom(
      'runnel_history_refused_series_total',
      'Series the console history refused (memory bound)',
      () => this.store.refusedSeries,
    );
    this.sampleTimer = setInterval(() => void this.sampleNow(), this.config.history.intervalMs);
    this.sampleTimer.unref();
    this.persistTimer = setInterval(
      () => void this.persist(),
      Math.min(PERSIST_INTERVAL_MS, Math.max(this.config.history.intervalMs * 6, 1000)),
    );
    this.persistTimer.unref();
    void this.sampleNow();
  }

  /** No sample starts once the broker is closing; the one running finishes before the history is written. */
  async onModuleDestroy(): Promise<void> {
    clearInterval(this.sampleTimer);
    clearInterval(this.persistTimer);
    await this.sampling;
  }

  async onApplicationShutdown(): Promise<void> {
    await this.persist();
  }

  /** The latest produce rates of `topic` (0 before two samples have seen it). */
  topicRates(topic: string): TopicRates {
    return this.rates.get(topic) ?? { recordsPerSec: 0, bytesPerSec: 0 };
  }

  /** The latest sampled lag of `group`, or undefined before a sample has seen it. */
  groupLag(group: string): GroupLag | undefined {
    return this.lags.get(group);
  }

  topicHistory(topic: string, sinceMs: number, nowMs = Date.now()) {
    return this.store.query(topicKey(topic), sinceMs, nowMs);
  }

  groupHistory(group: string, sinceMs: number, nowMs = Date.now()) {
    const total = this.store.query(groupKey(group), sinceMs, nowMs);
    const partitions = [...(this.partitionKeys.get(group) ?? [])].map((key) => {
      const [, topic, partition] = key.slice(2).split('\u0000');
      return { topic, partition: Number(partition), points: this.store.query(key, sinceMs, nowMs).points };
    });
    return { total, partitions };
  }

  /** Takes one sample now unless one is running (the timer's job; tests wait on `sampleNow`). */
  sampleNow(now = Date.now()): Promise<void> {
    if (this.sampling) return this.sampling;
    this.sampling = this.sample(now)
      .catch((error: unknown) => this.logger.error(`history sample failed: ${error instanceof Error ? error.message : String(error)}`))
      .finally(() => (this.sampling = undefined));
    return this.sampling;
  }

  private async sample(now: number): Promise<void> {
    const byTopic = await this.metrics.producedByTopic();
    const previous = this.previousCounters;
    this.previousCounters = { at: now, byTopic };
    const started = performance.now();
    const slot = this.store.beginSample(now);
    await this.sampleTopics(slot, now, byTopic, previous);
    await this.sampleGroups(slot);
    this.lastSampleMs = performance.now() - started;
  }

  private async sampleTopics(
    slot: number,
    now: number,
    byTopic: Map<string, { records: number; bytes: number }>,
    previous: HistoryService['previousCounters'],
  ): Promise<void> {
    const seconds = previous ? Math.max((now - previous.at) / 1000, 0.001) : 0;
    const live = new Set<string>();
    let sinceYield = 0;
    for (const topic of this.topics.list({ includeInternal: true })) {
      // Requests are served between steps: a sample of 10,000 topics never holds the event loop long.
      if (++sinceYield === TOPICS_PER_STEP) {
        sinceYield = 0;
        await yieldToEventLoop();
      }
      live.add(topicKey(topic.name));
      let size = 0;
      let records = 0;
      for (let p = 0; p < topic.partitionsCount; p++) {
        const partition = this.replicas.get(topic.name, p);
        if (!partition) continue;
        size += partition.sizeBytes;
        records += partition.highWatermark - partition.logStartOffset;
      }
      const current = byTopic.get(topic.name) ?? { records: 0, bytes: 0 };
      const before = previous?.byTopic.get(topic.name) ?? { records: 0, bytes: 0 };
      const rate = (key: 'records' | 'bytes') => (previous ? Math.max(0, current[key] - before[key]) / seconds : NaN);
      const rates = { recordsPerSec: rate('records'), bytesPerSec: rate('bytes') };
      if (previous) this.rates.set(topic.name, rates);
      this.store.put(topicKey(topic.name), slot, [rates.recordsPerSec, rates.bytesPerSec, size, records], TOPIC_FIELDS);
    }
    for (const key of [...this.store.keys()]) if (key.startsWith('t:') && !live.has(key)) this.store.remove(key);
  }

  private async sampleGroups(slot: number): Promise<void> {
    const readsBefore = this.timestamps.reads;
    const newest = new Map<string, number | null>();
    const seen = new Set<string>();
    let after: string | undefined;
    for (;;) {
      const page = this.groups.coordinator.listGroups({ afterGroupId: after, limit: GROUPS_PER_STEP });
      for (const group of page) {
        seen.add(group.groupId);
        await this.sampleGroup(slot, group, newest, readsBefore);
      }
      if (page.length < GROUPS_PER_STEP) break;
      after = page[page.length - 1].groupId;
      await yieldToEventLoop();
    }
    for (const group of [...this.lags.keys()]) if (!seen.has(group)) this.forgetGroup(group);
    for (const key of [...this.store.keys()]) {
      if (key.startsWith('g:') && !seen.has(key.slice(2))) this.store.remove(key);
      else if (key.startsWith('p:') && !seen.has(key.slice(2, key.indexOf('\u0000')))) this.store.remove(key);
    }
  }

  private async sampleGroup(slot: number, group: GroupDescription, newest: Map<string, number | null>, readsBefore: number): Promise<void> {
    const id = group.groupId;
    const positions = new Map<string, { topic: string; partition: number; committed: number | undefined }>();
    for (const c of this.groups.coordinator.committedOffsets(id)) {
      positions.set(`${c.topic}\u0000${c.partition}`, { topic: c.topic, partition: c.partition, committed: c.offset });
    }
    for (const m of group.members) {
      for (const p of m.assignment) {
        const key = `${p.topic}\u0000${p.partition}`;
        if (!positions.has(key)) positions.set(key, { topic: p.topic, partition: p.partition, committed: undefined });
      }
    }
    const parts = new Map<string, LagPart[]>();
    const keys = new Set<string>();
    const reads = () => this.timestamps.reads - readsBefore;
    for (const [tp, { topic, partition: partitionId, committed }] of positions) {
      const partition = this.replicas.get(topic, partitionId);
      if (!partition) continue;
      const hw = partition.highWatermark as number;
      const start = partition.logStartOffset as number;
      const current = Math.max(committed ?? start, start);
      const lag = Math.max(0, hw - current);
      const seriesKey = partitionKey(id, topic, partitionId);
      let partitionLagMs: number | null = 0;
      if (lag > 0) {
        if (!newest.has(tp) && (reads() < LOG_READS_PER_SAMPLE || this.timestamps.cached(partition, hw - 1) !== undefined)) {
          newest.set(tp, await this.timestamps.at(partition, hw - 1));
        }
        const last = newest.get(tp);
        const first =
          this.timestamps.cached(partition, current) ??
          (reads() < LOG_READS_PER_SAMPLE ? await this.timestamps.at(partition, current) : undefined);
        if (typeof last === 'number' && typeof first === 'number') {
          partitionLagMs = Math.max(0, last - first);
          this.partitionLagMs.set(seriesKey, partitionLagMs);
        } else {
          partitionLagMs = this.partitionLagMs.get(seriesKey) ?? null;
        }
      } else {
        this.partitionLagMs.set(seriesKey, 0);
      }
      parts.set(topic, [...(parts.get(topic) ?? []), { lag, lagMs: partitionLagMs }]);
      if (keys.size < PARTITIONS_PER_GROUP) {
        keys.add(seriesKey);
        this.store.put(seriesKey, slot, [lag, partitionLagMs ?? NaN], LAG_FIELDS);
      }
    }
    const byTopic = new Map<string, LagPart>();
    for (const [topic, topicParts] of [...parts].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      byTopic.set(topic, combineLags(topicParts));
    const { lag: totalLag, lagMs } = combineLags(byTopic.values());
    this.store.put(groupKey(id), slot, [totalLag, lagMs ?? NaN], LAG_FIELDS);
    const before = this.partitionKeys.get(id);
    for (const key of before ?? []) {
      if (keys.has(key)) continue;
      this.store.remove(key);
      this.partitionLagMs.delete(key);
    }
    this.partitionKeys.set(id, keys);
    this.lags.set(id, { totalLag, lagMs, byTopic });
  }

  private forgetGroup(group: string): void {
    this.lags.delete(group);
    for (const key of this.partitionKeys.get(group) ?? []) {
      this.store.remove(key);
      this.partitionLagMs.delete(key);
    }
    this.partitionKeys.delete(group);
    this.store.remove(groupKey(group));
  }

  private load(): void {
    let bytes: Buffer;
    try {
      bytes = fs.readFileSync(this.file);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
        this.logger.warn(`history file ${this.file} cannot be read (${(error as Error).message}): history starts empty`);
      }
      return;
    }
    try {
      this.store = HistoryStore.decode(bytes, this.storeOptions);
    } catch (error) {
      this.logger.warn(`history file ${this.file} is unreadable (${(error as Error).message}): history starts empty`);
      return;
    }
    for (const key of this.store.keys()) {
      if (!key.startsWith('p:')) continue;
      const group = key.slice(2, key.indexOf('\u0000'));
      const keys = this.partitionKeys.get(group) ?? new Set<string>();
      keys.add(key);
      this.partitionKeys.set(group, keys);
    }
    for (const key of this.store.keys()) {
      if (!key.startsWith('g:')) continue;
      const latest = this.store.latest(key);
      if (latest)
        this.lags.set(key.slice(2), { totalLag: latest[0], lagMs: Number.isNaN(latest[1]) ? null : latest[1], byTopic: undefined });
    }
    this.logger.log(`history restored: ${this.store.seriesCount} series from ${this.file}`);
  }

  /** Writes the store to the data dir atomically (one write at a time; a failure is logged, the history stays in memory). */
  persist(): Promise<void> {
    this.persisting = this.persisting.then(async () => {
      const tmp = `${this.file}.tmp`;
      try {
        const bytes = await promisify(deflateRaw)(this.store.encodeRaw(), { level: 1 });
        const handle = await fs.promises.open(tmp, 'w');
        try {
          await handle.writeFile(bytes);
          await handle.sync();
        } finally {
          await handle.close();
        }
        await fs.promises.rename(tmp, this.file);
      } catch (error) {
        this.logger.error(`writing the history file failed: ${(error as Error).message}`);
      }
    });
    return this.persisting;
  }
}
