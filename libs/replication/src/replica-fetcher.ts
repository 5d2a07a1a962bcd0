import { epochsOf } from './isr';
import type { Partition } from './partition';
import type { ReplicaFetchPartition, ReplicaFetchPartitionResponse, ReplicaFetchRequest, ReplicaFetchResponse } from './replica-fetch';

/**
 * The follower side of replication (Kafka's ReplicaFetcherManager + ReplicaFetcherThread): one
 * loop per leader broker, each sending one fetch for all the partitions this broker follows from
 * that leader, applying the raw batches with `appendAsFollower` (fsynced before the next fetch in
 * durable mode, so the next fetch reports them as durable), following the leader's HW, and
 * truncating by leader epoch when the leader reports divergence (KIP-101 / KIP-595; never to the
 * HW). A partition whose fetch failed (stale epoch, leader moved, storage error) waits
 * `backoffMs` before it is fetched again; the controller's next state re-points it.
 *
 * Concurrency: single event loop; a partition belongs to at most one leader loop. A response is
 * applied only if the partition is still a follower with the epoch the request was sent with.
 * `transport` must settle (the inter-broker client bounds its calls by a timeout).
 */
export interface ReplicaFetcherOptions {
  brokerId: number;
  brokerEpoch: () => number;
  transport: (leaderId: number, request: ReplicaFetchRequest) => Promise<ReplicaFetchResponse>;
  /** Long-poll bound sent to the leader (default 500). */
  maxWaitMs?: number;
  /** Response bound over all partitions (default 8 MiB); per partition `maxPartitionBytes` (default 1 MiB). */
  maxBytes?: number;
  maxPartitionBytes?: number;
  /** Wait after a failed request or partition error (default 200). */
  backoffMs?: number;
  log?: ReplicationLogger;
}

export interface ReplicationLogger {
  warn(message: string): void;
}

interface FetchEntry {
  partition: Partition;
  delayedUntilMs: number;
}

const key = (topic: string, partition: number): string => `${topic}\u0000${partition}`;

export class ReplicaFetcherManager {
  private readonly fetchers = new Map<number, LeaderFetcher>();
  private stopped = false;

  constructor(private readonly options: ReplicaFetcherOptions) {}

  /** Starts (or moves) fetching `partitions` from `leaderId`. */
  addPartitions(leaderId: number, partitions: readonly Partition[]): void {
    if (this.stopped) return;
    this.removePartitions(partitions.filter((p) => this.fetchers.get(leaderId)?.has(p) !== true));
    let fetcher = this.fetchers.get(leaderId);
    if (!fetcher) {
      fetcher = new LeaderFetcher(leaderId, this.options, () => {
        if (this.fetchers.get(leaderId) === fetcher) this.fetchers.delete(leaderId);
      });
      this.fetchers.set(leaderId, fetcher);
    }
    for (const partition of partitions) fetcher.add(partition);
  }

  removePartitions(partitions: readonly { topic: string; partition: number }[]): void {
    for (const fetcher of this.fetchers.values()) for (const p of partitions) fetcher.remove(p.topic, p.partition);
  }

  /** The leader a partition is fetched from here, if any (tests, metrics). */
  leaderOf(topic: string, partition: number): number | undefined {
    for (const [leaderId, fetcher] of this.fetchers) if (fetcher.hasKey(key(topic, partition))) return leaderId;
    return undefined;
  }

  async shutdown(): Promise<void> {
    this.stopped = true;
    const all = [...this.fetchers.values()];
    this.fetchers.clear();
    await Promise.all(all.map((f) => f.stop()));
  }
}

class LeaderFetcher {
  private readonly entries = new Map<string, FetchEntry>();
  private running: Promise<void> | undefined;
  private stopped = false;
  private wake: (() => void) | undefined;

  constructor(
    private readonly leaderId: number,
    private readonly options: ReplicaFetcherOptions,
    private readonly onIdle: () => void,
  ) {}

  has(partition: Partition): boolean {
    return this.entries.get(key(partition.topic, partition.partition))?.partition === partition;
  }

  hasKey(k: string): boolean {
    return this.entries.has(k);
  }

  add(partition: Partition): void {
    this.entries.set(key(partition.topic, partition.partition), { partition, delayedUntilMs: 0 });
    this.running ??= this.run().finally(() => {
      this.running = undefined;
      if (!this.stopped && this.entries.size > 0) this.running = this.run();
      else this.onIdle();
    });
    this.wake?.();
  }

  remove(topic: string, partition: number): void {
    this.entries.delete(key(topic, partition));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.wake?.();
    await this.running;
  }

  private async run(): Promise<void> {
    const backoffMs = this.options.backoffMs ?? 200;
    while (!this.stopped && this.entries.size > 0) {
      try {
        const now = performance.now();
        const ready = [...this.entries.values()].filter(
          (e) => e.delayedUntilMs <= now && e.partition.role === 'follower' && !e.partition.isClosed,
        );
        if (ready.length === 0) {
          const next = Math.min(...[...this.entries.values()].map((e) => e.delayedUntilMs));
          await this.sleep(Math.max(1, Math.min(backoffMs, next - now)));
          continue;
        }
        await this.fetchOnce(ready, backoffMs);
      } catch (error) {
        // A bug or an unexpected storage failure: log, back off, keep the loop alive.
        this.options.log?.warn(`replica fetch from broker ${this.leaderId} failed: ${describe(error)}`);
        await this.sleep(backoffMs);
      }
    }
  }

  private async fetchOnce(ready: FetchEntry[], backoffMs: number): Promise<void> {
    const maxPartitionBytes = this.options.maxPartitionBytes ?? 1024 * 1024;
    const sent = ready.map((entry) => {
      const p = entry.partition;
      const position = p.fetchPosition();
      const request: ReplicaFetchPartition = {
        topic: p.topic,
        partition: p.partition,
        currentLeaderEpoch: p.leaderEpoch,
        fetchOffset: position.fetchOffset,
        lastFetchedEpoch: position.lastFetchedEpoch,
        durableOffset: position.durableOffset,
        logStartOffset: position.logStartOffset,
        maxBytes: maxPartitionBytes,
      };
      return { entry, request };
    });
    let response: ReplicaFetchResponse;
    try {
      response = await this.options.transport(this.leaderId, {
        replicaId: this.options.brokerId,
        brokerEpoch: this.options.brokerEpoch(),
        maxWaitMs: this.options.maxWaitMs ?? 500,
        maxBytes: this.options.maxBytes ?? 8 * 1024 * 1024,
        partitions: sent.map((s) => s.request),
      });
    } catch (error) {
      this.options.log?.warn(`replica fetch from broker ${this.leaderId} failed: ${describe(error)}`);
      await this.sleep(backoffMs);
      return;
    }
    const answers = new Map(response.partitions.map((r) => [key(r.topic, r.partition), r]));
    for (const { entry, request } of sent) {
      const answer = answers.get(key(request.topic, request.partition));
      const p = entry.partition;
      const current = this.entries.get(key(p.topic, p.partition));
      // Moved, stopped or re-led while the request was out: the answer is for a state that is gone.
      if (!answer || current !== entry || p.role !== 'follower' || p.isClosed || p.leaderEpoch !== request.currentLeaderEpoch) continue;
      try {
        if (!(await this.apply(p, request, answer))) entry.delayedUntilMs = performance.now() + backoffMs;
      } catch (error) {
        this.options.log?.warn(`replicating ${p.topic}-${p.partition} from broker ${this.leaderId} failed: ${describe(error)}`);
        entry.delayedUntilMs = performance.now() + backoffMs;
      }
    }
  }

  /** Applies one partition's answer; false when the partition should back off. */
  private async apply(p: Partition, request: ReplicaFetchPartition, answer: ReplicaFetchPartitionResponse): Promise<boolean> {
    if (answer.error === 'OFFSET_OUT_OF_RANGE') {
      // The leader's log starts past our end (retention, DeleteRecords): start over where it starts.
      if (request.fetchOffset < answer.logStartOffset) {
        p.truncateFullyAndStartAt(answer.logStartOffset);
        return true;
      }
      return false;
    }
    if (answer.error !== 'NONE') return false;
    if (answer.divergingEpoch) {
      p.truncateTo(truncationOffset(p, answer.divergingEpoch));
      return true;
    }
    if (p.logEndOffset !== request.fetchOffset) return true; // the log changed meanwhile: fetch again
    await p.appendFromLeader(answer.records, answer.highWatermark, answer.logStartOffset);
    return true;
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
      this.wake = () => {
        this.wake = undefined;
        done();
      };
    });
  }
}

/**
 * Where a diverging follower cuts its log (KIP-101): the end of the diverging epoch as the leader
 * knows it, or the end of that epoch in our own log if earlier; epoch -1 means the leader has no
 * epoch at or below ours, so everything from `endOffset` (its log start or end) goes.
 */
export function truncationOffset(p: Partition, diverging: { epoch: number; endOffset: number }): number {
  if (diverging.epoch < 0) return Math.max(0, diverging.endOffset);
  const own = epochsOf(p.log).endOffsetForEpoch(diverging.epoch);
  if (own.epoch < 0 || own.endOffset < 0) return Math.max(0, diverging.endOffset);
  return Math.min(diverging.endOffset, own.endOffset);
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
