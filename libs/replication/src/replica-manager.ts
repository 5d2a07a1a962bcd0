import { LogConfig, LogManager } from '@runnel/log';
import { asLeaderEpoch } from '@runnel/protocol';
import { Partition } from './partition';

/**
 * The seam between the broker's front (HTTP, WebSocket) and the logs (DESIGN.md): every
 * partition this broker leads, with its leader epoch and high watermark. On one node every
 * partition is led here; cluster mode fills in followers and ISR behind the same calls.
 *
 * It owns the flush scheduler for page-cache partitions (flush.ms > 0), which fsyncs a partition
 * once its log's flush policy says so. Concurrency: single-threaded callers.
 */
export interface ReplicaManagerOptions {
  flushCheckIntervalMs?: number;
  clock?: { nowMs(): number };
}

/** Durable (fsync every append, HW = flushed offset) unless the topic opted into page-cache mode. */
export function isDurable(config: Pick<LogConfig, 'flushMs' | 'flushMessages'>): boolean {
  return config.flushMs === 0 || config.flushMessages === 1;
}

export class ReplicaManager {
  private readonly partitions = new Map<string, Partition>();
  private readonly flushTimer: NodeJS.Timeout;
  private readonly clock: { nowMs(): number };

  constructor(
    private readonly logs: LogManager,
    options: ReplicaManagerOptions = {},
  ) {
    this.clock = options.clock ?? { nowMs: () => Date.now() };
    this.flushTimer = setInterval(() => this.flushDue(), options.flushCheckIntervalMs ?? 200);
    this.flushTimer.unref();
  }

  /** Opens (or creates) the partition's log and leads it with `leaderEpoch`. */
  async becomeLeader(topic: string, partition: number, leaderEpoch: number, config: LogConfig): Promise<Partition> {
    const existing = this.partitions.get(key(topic, partition));
    if (existing) {
      existing.leaderEpoch = asLeaderEpoch(leaderEpoch);
      return existing;
    }
    const log = await this.logs.getOrCreate(topic, partition, config);
    // After an unclean stop, recovery kept a validated prefix past the last checkpoint: make it
    // durable before leading, so the high watermark starts at the log end offset, not at the
    // stale checkpoint (which would hide acknowledged records).
    if (log.recoveryPoint < log.logEndOffset) await log.flush();
    const state = new Partition(topic, partition, log, asLeaderEpoch(leaderEpoch), isDurable(log.config), this.logs.health);
    this.partitions.set(key(topic, partition), state);
    return state;
  }

  /** Every partition led here (metrics, stats). */
  all(): IterableIterator<Partition> {
    return this.partitions.values();
  }

  get(topic: string, partition: number): Partition | undefined {
    return this.partitions.get(key(topic, partition));
  }

  /** Applies changed topic configs to the open logs of the topic. */
  updateConfig(topic: string, partitionsCount: number, config: LogConfig): void {
    for (let p = 0; p < partitionsCount; p++) {
      const state = this.partitions.get(key(topic, p));
      if (!state) continue;
      state.log.updateConfig(config);
      state.durable = isDurable(state.log.config);
    }
  }

  /** Stops leading the partition; with `deleteData` its log directory is removed. */
  async stopReplica(topic: string, partition: number, deleteData: boolean): Promise<void> {
    const state = this.partitions.get(key(topic, partition));
    this.partitions.delete(key(topic, partition));
    state?.close(new Error(`partition ${topic}-${partition} is no longer led here`));
    if (deleteData) await this.logs.delete(topic, partition);
  }

  /** Flushes every partition and stops the scheduler; the LogManager closes the logs. */
  async shutdown(): Promise<void> {
    clearInterval(this.flushTimer);
    await Promise.allSettled([...this.partitions.values()].map((p) => p.flush()));
    for (const state of this.partitions.values()) state.close(new Error('broker is shutting down'));
    this.partitions.clear();
  }

  private flushDue(): void {
    const now = this.clock.nowMs();
    for (const state of this.partitions.values()) {
      if (!state.durable && state.log.shouldFlush(now)) state.flush().catch(() => undefined);
    }
  }
}

function key(topic: string, partition: number): string {
  return `${topic}\u0000${partition}`;
}
