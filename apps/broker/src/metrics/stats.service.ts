import { Inject, Injectable, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { ReplicaManager } from '@runnel/replication';
import { REPLICA_MANAGER } from '../config/tokens';
import { MetricsService } from './metrics.service';

/**
 * A rolling history of throughput and sizes — one sample every `resolutionMs` (10 s), kept for
 * `windowMs` (1 h) in a fixed ring — for the console's charts. Rates are derived from the
 * metrics counters between samples, so the produce path pays nothing for it.
 */
export interface StatsSample {
  timestamp: number;
  produced_records_per_sec: number;
  produced_bytes_per_sec: number;
  fetched_records_per_sec: number;
  fetched_bytes_per_sec: number;
  log_size_bytes: number;
  partitions: number;
}

@Injectable()
export class StatsService implements OnModuleInit, OnModuleDestroy {
  readonly resolutionMs = 10_000;
  readonly windowMs = 60 * 60 * 1000;
  private readonly ring: StatsSample[] = [];
  private timer: NodeJS.Timeout | undefined;
  private previous: { at: number; totals: Awaited<ReturnType<MetricsService['totals']>> } | undefined;

  constructor(
    private readonly metrics: MetricsService,
    @Inject(REPLICA_MANAGER) private readonly replicas: ReplicaManager,
  ) {}

  onModuleInit(): void {
    void this.sample();
    this.timer = setInterval(() => void this.sample(), this.resolutionMs);
    this.timer.unref();
  }

  onModuleDestroy(): void {
    clearInterval(this.timer);
  }

  samples(): StatsSample[] {
    return [...this.ring];
  }

  /** Takes one sample now (the timer's job; exposed for tests). */
  async sample(now = Date.now()): Promise<void> {
    const totals = await this.metrics.totals();
    let logSize = 0;
    let partitions = 0;
    for (const partition of this.replicas.all()) {
      logSize += partition.sizeBytes;
      partitions++;
    }
    const previous = this.previous;
    this.previous = { at: now, totals };
    if (!previous) return;
    const seconds = Math.max((now - previous.at) / 1000, 0.001);
    const rate = (key: keyof typeof totals) => (totals[key] - previous.totals[key]) / seconds;
    this.ring.push({
      timestamp: now,
      produced_records_per_sec: rate('producedRecords'),
      produced_bytes_per_sec: rate('producedBytes'),
      fetched_records_per_sec: rate('fetchedRecords'),
      fetched_bytes_per_sec: rate('fetchedBytes'),
      log_size_bytes: logSize,
      partitions,
    });
    const capacity = Math.ceil(this.windowMs / this.resolutionMs);
    if (this.ring.length > capacity) this.ring.splice(0, this.ring.length - capacity);
  }
}
