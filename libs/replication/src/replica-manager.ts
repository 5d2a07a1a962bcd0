import { LogConfig, LogManager } from '@runnel/log';
import { asLeaderEpoch } from '@runnel/protocol';
import type { AlterPartitionOutcome, AlterPartitionRequest } from '@runnel/metadata';
import { outOfSyncReplicas } from './isr';
import { Partition, type PartitionReplicaAssignment } from './partition';
import type { ReplicaFetchPartitionResponse, ReplicaFetchRequest, ReplicaFetchResponse } from './replica-fetch';
import { ReplicaFetcherManager, type ReplicaFetcherOptions } from './replica-fetcher';

/**
 * The seam between the broker's front (HTTP, WebSocket) and the logs (DESIGN.md): every
 * partition replica on this broker, led or followed. On one node every partition is led here
 * (`becomeLeader`); in cluster mode the broker applies the controller's partition states
 * (`applyPartitionState`): leaders serve followers' fetches (`handleReplicaFetch`) and propose
 * ISR changes through `alterPartition`; followers are fetched by the owned ReplicaFetcherManager.
 *
 * It owns the flush scheduler for page-cache partitions (flush.ms > 0), which fsyncs a partition
 * once its log's flush policy says so, and the ISR shrink check (every replicaLagTimeMaxMs / 2).
 * Concurrency: single-threaded callers; `applyPartitionState` calls for one partition are
 * applied in order (the broker awaits each).
 */
export interface ReplicaManagerOptions {
  flushCheckIntervalMs?: number;
  clock?: { nowMs(): number };
  /** This broker's id (0 on one node). */
  brokerId?: number;
  /** A follower that has not caught up for this long leaves the ISR (Kafka's replica.lag.time.max.ms, default 30000). */
  replicaLagTimeMaxMs?: number;
  /** Sends an ISR change to the controller (cluster mode); without it the ISR never changes here. */
  alterPartition?: (request: AlterPartitionRequest) => Promise<AlterPartitionOutcome>;
  /** The follower fetch loop's transport and bounds (cluster mode); without it followers do not fetch. */
  replicaFetch?: Omit<ReplicaFetcherOptions, 'brokerId' | 'brokerEpoch' | 'log'>;
  /** The current broker epoch of another broker, if known: fetches with an older one are refused (STALE_BROKER_EPOCH). */
  brokerEpochOf?: (brokerId: number) => number | undefined;
  /** Upper bound of a replica fetch's long poll (default 10000). */
  maxFetchWaitMs?: number;
  /** acks=all wait bound (default 30000; Kafka's request.timeout.ms). */
  ackTimeoutMs?: number;
  /** Wait before an ISR change refused or failed is proposed again (default 1000). */
  alterPartitionRetryMs?: number;
  /** Monotonic ms for ISR lag (default performance.now). */
  monotonicNowMs?: () => number;
  log?: { warn(message: string): void };
}

/** The controller's state of one partition, as applied here (a PartitionState from @runnel/metadata fits). */
export interface PartitionStateLike {
  topicName: string;
  partitionId: number;
  leader: number;
  leaderEpoch: number;
  partitionEpoch: number;
  replicas: number[];
  isr: number[];
  leaderRecoveryState: 0 | 1;
  addingReplicas?: number[];
}

/** Durable (fsync every append, HW = flushed offset) unless the topic opted into page-cache mode. */
export function isDurable(config: Pick<LogConfig, 'flushMs' | 'flushMessages'>): boolean {
  return config.flushMs === 0 || config.flushMessages === 1;
}

const MAX_FETCH_PARTITIONS = 10_000;

export class ReplicaManager {
  private readonly partitions = new Map<string, Partition>();
  private readonly flushTimer: NodeJS.Timeout;
  private readonly isrTimer: NodeJS.Timeout | undefined;
  private readonly clock: { nowMs(): number };
  readonly brokerId: number;
  private currentBrokerEpoch = -1;
  private readonly replicaLagTimeMaxMs: number;
  private readonly fetcher: ReplicaFetcherManager | undefined;
  private readonly nowMs: () => number;
  /** Partitions whose last ISR proposal failed, with the local time it may be retried. */
  private readonly alterRetryAtMs = new Map<Partition, number>();
  private readonly inFlight = new Set<Promise<void>>();
  private readonly shutdownSignal = new AbortController();

  constructor(
    private readonly logs: LogManager,
    private readonly options: ReplicaManagerOptions = {},
  ) {
    this.clock = options.clock ?? { nowMs: () => Date.now() };
    this.brokerId = options.brokerId ?? 0;
    this.replicaLagTimeMaxMs = options.replicaLagTimeMaxMs ?? 30_000;
    this.nowMs = options.monotonicNowMs ?? (() => performance.now());
    this.flushTimer = setInterval(() => this.flushDue(), options.flushCheckIntervalMs ?? 200);
    this.flushTimer.unref();
    if (options.alterPartition) {
      this.isrTimer = setInterval(() => this.shrinkIsrs(), Math.max(10, Math.floor(this.replicaLagTimeMaxMs / 2)));
      this.isrTimer.unref();
    }
    if (options.replicaFetch) {
      this.fetcher = new ReplicaFetcherManager({
        ...options.replicaFetch,
        brokerId: this.brokerId,
        brokerEpoch: () => this.currentBrokerEpoch,
        log: options.log,
      });
    }
  }

  /** This broker's current broker epoch (sent with fetches and ISR changes). */
  get brokerEpoch(): number {
    return this.currentBrokerEpoch;
  }

  set brokerEpoch(epoch: number) {
    this.currentBrokerEpoch = epoch;
  }

  /** One node: opens (or creates) the partition's log and leads it with `leaderEpoch`, replicas [self]. */
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
    const state = new Partition(
      topic,
      partition,
      log,
      asLeaderEpoch(leaderEpoch),
      isDurable(log.config),
      this.logs.health,
      this.partitionOptions(),
    );
    this.partitions.set(key(topic, partition), state);
    return state;
  }

  /**
   * Cluster mode: applies the controller's state of one partition. States older than the one
   * applied (leader epoch, then partition epoch) are ignored. Not a replica (any more): the
   * replica stops and its log is deleted. Leader here: leads (a new leader epoch resets the view
   * of the followers). Else: follows `state.leader` (fetching; -1: waits for a leader).
   * `minInsyncReplicas` is the topic's min.insync.replicas (default: unchanged, 1 for a new replica).
   */
  async applyPartitionState(state: PartitionStateLike, config: LogConfig, options: { minInsyncReplicas?: number } = {}): Promise<void> {
    const k = key(state.topicName, state.partitionId);
    let partition = this.partitions.get(k);
    if (partition && isOlder(state, partition)) return;
    const member = state.replicas.includes(this.brokerId) || (state.addingReplicas ?? []).includes(this.brokerId);
    if (!member) {
      if (partition || this.logs.get(state.topicName, state.partitionId)) await this.stopReplica(state.topicName, state.partitionId, true);
      return;
    }
    if (!partition) {
      const log = await this.logs.getOrCreate(state.topicName, state.partitionId, config);
      if (log.recoveryPoint < log.logEndOffset && isDurable(log.config)) await log.flush();
      partition = this.partitions.get(k); // another apply may have won while the log opened
      if (partition && isOlder(state, partition)) return;
      if (!partition) {
        partition = new Partition(
          state.topicName,
          state.partitionId,
          log,
          asLeaderEpoch(state.leaderEpoch),
          isDurable(log.config),
          this.logs.health,
          {
            ...this.partitionOptions(),
            // Replicated: only what the ISR confirms becomes visible again (see isr.ts), not this log's own end.
            initialHighWatermark: state.replicas.length > 1 ? log.logStartOffset : undefined,
          },
        );
        this.partitions.set(k, partition);
      }
    }
    if (options.minInsyncReplicas !== undefined) partition.minInsyncReplicas = options.minInsyncReplicas;
    this.applyTo(partition, state);
  }

  /** Sets a topic's min.insync.replicas on its replicas here. */
  setMinInsyncReplicas(topic: string, partitionsCount: number, minInsyncReplicas: number): void {
    for (let p = 0; p < partitionsCount; p++) {
      const partition = this.partitions.get(key(topic, p));
      if (partition) partition.minInsyncReplicas = minInsyncReplicas;
    }
  }

  private applyTo(partition: Partition, state: PartitionStateLike): void {
    const assignment: PartitionReplicaAssignment = {
      leaderId: state.leader,
      leaderEpoch: state.leaderEpoch,
      partitionEpoch: state.partitionEpoch,
      replicas: [...new Set([...state.replicas, ...(state.addingReplicas ?? [])])],
      isr: state.isr,
      leaderRecoveryState: state.leaderRecoveryState,
    };
    this.alterRetryAtMs.delete(partition);
    if (state.leader === this.brokerId) {
      this.fetcher?.removePartitions([partition]);
      partition.makeLeader(assignment);
      // After an unclean election (KIP-966) the leader's log is the truth once it leads: say so.
      if (state.leaderRecoveryState === 1) this.proposeIsr(partition, partition.isr, 0);
      return;
    }
    partition.makeFollower(assignment);
    if (state.leader >= 0 && this.fetcher) this.fetcher.addPartitions(state.leader, [partition]);
    else this.fetcher?.removePartitions([partition]);
  }

  /** Every partition led here (metrics, stats). */
  *all(): IterableIterator<Partition> {
    for (const partition of this.partitions.values()) if (partition.role === 'leader') yield partition;
  }

  /** Every replica here, led or followed. */
  allReplicas(): IterableIterator<Partition> {
    return this.partitions.values();
  }

  /** The replica of the partition here, led or followed (check `role`). */
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

  /** Stops the replica (leading or following); with `deleteData` its log directory is removed. */
  async stopReplica(topic: string, partition: number, deleteData: boolean): Promise<void> {
    const state = this.partitions.get(key(topic, partition));
    this.partitions.delete(key(topic, partition));
    this.fetcher?.removePartitions([{ topic, partition }]);
    state?.close(new Error(`partition ${topic}-${partition} is no longer led here`));
    if (state) this.alterRetryAtMs.delete(state);
    if (deleteData) await this.logs.delete(topic, partition);
  }

  /**
   * Leader side of a follower's fetch (Kafka's ReplicaManager.fetchMessages for a replica): per
   * partition, epoch fencing, divergence check, progress recording (HW, ISR expansion) and raw
   * batches up to the LEO within the byte bounds. Long-polls up to maxWaitMs when nothing is to
   * be sent (no data, no error, no divergence) and wakes on an append, HW move or state change.
   */
  async handleReplicaFetch(request: ReplicaFetchRequest): Promise<ReplicaFetchResponse> {
    if (request.partitions.length > MAX_FETCH_PARTITIONS) {
      throw new RangeError(`a replica fetch may name at most ${MAX_FETCH_PARTITIONS} partitions, got ${request.partitions.length}`);
    }
    const known = this.options.brokerEpochOf?.(request.replicaId);
    if (known !== undefined && request.brokerEpoch < known) {
      return { partitions: request.partitions.map((p) => errorAnswer(p.topic, p.partition, 'STALE_BROKER_EPOCH')) };
    }
    const first = await this.serveFetch(request);
    const waitMs = Math.min(Math.max(0, request.maxWaitMs), this.options.maxFetchWaitMs ?? 10_000);
    if (waitMs === 0 || first.some(hasNews) || this.shutdownSignal.signal.aborted) return { partitions: first };
    const led = request.partitions.map((p) => this.partitions.get(key(p.topic, p.partition))).filter((p) => p !== undefined);
    await waitForActivity(led, waitMs, this.shutdownSignal.signal);
    return { partitions: await this.serveFetch(request) };
  }

  private async serveFetch(request: ReplicaFetchRequest): Promise<ReplicaFetchPartitionResponse[]> {
    let budget = Math.max(1, request.maxBytes);
    const answers: ReplicaFetchPartitionResponse[] = [];
    for (const fetch of request.partitions) {
      const partition = this.partitions.get(key(fetch.topic, fetch.partition));
      if (!partition) {
        answers.push(errorAnswer(fetch.topic, fetch.partition, 'UNKNOWN_TOPIC_OR_PARTITION'));
        continue;
      }
      const served = await partition.serveReplicaFetch(fetch, request.replicaId, request.brokerEpoch, budget);
      budget -= served.response.records.length;
      answers.push(served.response);
      if (served.expandIsr) this.proposeIsr(partition, [...partition.isr, request.replicaId], partition.leaderRecoveryState);
    }
    return answers;
  }

  /** The ISR shrink check (Kafka's maybeShrinkIsr), every replicaLagTimeMaxMs / 2. */
  private shrinkIsrs(): void {
    const now = this.nowMs();
    for (const partition of this.partitions.values()) {
      if (partition.role !== 'leader' || partition.isr.length <= 1 || partition.pendingIsr) continue;
      const out = outOfSyncReplicas(this.brokerId, partition.isr, partition.remoteReplicas(), now, this.replicaLagTimeMaxMs);
      if (out.length > 0)
        this.proposeIsr(
          partition,
          partition.isr.filter((id) => !out.includes(id)),
          partition.leaderRecoveryState,
        );
    }
  }

  /**
   * Sends an ISR change (with the epochs it was computed from, KIP-903 broker epochs) to the
   * controller; one in flight per partition. Applied: the answer's state is applied at once (the
   * change log brings the same state later and is then ignored). Refused or failed: the proposal
   * is dropped and may be made again after alterPartitionRetryMs; a newer state from the
   * controller usually arrives first.
   */
  private proposeIsr(partition: Partition, newIsr: readonly number[], leaderRecoveryState: 0 | 1): void {
    const alterPartition = this.options.alterPartition;
    if (!alterPartition || partition.pendingIsr || partition.isClosed) return;
    if ((this.alterRetryAtMs.get(partition) ?? 0) > this.nowMs()) return;
    const isr = [...new Set(newIsr)];
    const request: AlterPartitionRequest = {
      brokerId: this.brokerId,
      brokerEpoch: this.currentBrokerEpoch,
      topicName: partition.topic,
      partitionId: partition.partition,
      leaderEpoch: partition.leaderEpoch,
      partitionEpoch: partition.partitionEpoch,
      newIsr: isr.map((id) => ({
        brokerId: id,
        brokerEpoch: id === this.brokerId ? this.currentBrokerEpoch : (partition.remoteReplica(id)?.brokerEpoch ?? -1),
      })),
      leaderRecoveryState,
    };
    partition.proposeIsr(isr);
    const refused = (reason: string): void => {
      if (partition.pendingIsr !== undefined && partition.leaderEpoch === request.leaderEpoch) partition.proposeIsr(undefined);
      this.alterRetryAtMs.set(partition, this.nowMs() + (this.options.alterPartitionRetryMs ?? 1000));
      this.options.log?.warn(`ISR change of ${partition.topic}-${partition.partition} to [${isr.join(',')}] not applied: ${reason}`);
    };
    const done = (async () => {
      try {
        const outcome = await alterPartition(request);
        if (this.partitions.get(key(partition.topic, partition.partition)) !== partition) return;
        if (!outcome.ok) return refused(outcome.error);
        if (!isOlder(outcome.state, partition)) this.applyTo(partition, outcome.state);
      } catch (error) {
        refused(error instanceof Error ? error.message : String(error));
      }
    })();
    this.inFlight.add(done);
    void done.finally(() => this.inFlight.delete(done));
  }

  /** Flushes every partition and stops the scheduler and the fetchers; the LogManager closes the logs. */
  async shutdown(): Promise<void> {
    clearInterval(this.flushTimer);
    clearInterval(this.isrTimer);
    this.shutdownSignal.abort();
    await this.fetcher?.shutdown();
    await Promise.allSettled([...this.inFlight]);
    await Promise.allSettled([...this.partitions.values()].map((p) => p.flush()));
    for (const state of this.partitions.values()) state.close(new Error('broker is shutting down'));
    this.partitions.clear();
  }

  private partitionOptions(): { localBrokerId: number; ackTimeoutMs?: number; nowMs: () => number } {
    return { localBrokerId: this.brokerId, ackTimeoutMs: this.options.ackTimeoutMs, nowMs: this.nowMs };
  }

  private flushDue(): void {
    const now = this.clock.nowMs();
    for (const state of this.partitions.values()) {
      if (!state.durable && state.log.shouldFlush(now)) state.flush().catch(() => undefined);
    }
  }
}

/** A state is older than what the partition has applied: lower leader epoch, or same leader epoch and not a newer partition epoch. */
function isOlder(state: { leaderEpoch: number; partitionEpoch: number }, partition: Partition): boolean {
  if (state.leaderEpoch !== partition.leaderEpoch) return state.leaderEpoch < partition.leaderEpoch;
  return state.partitionEpoch <= partition.partitionEpoch && partition.partitionEpoch > 0;
}

function hasNews(answer: ReplicaFetchPartitionResponse): boolean {
  return answer.error !== 'NONE' || answer.records.length > 0 || answer.divergingEpoch !== undefined;
}

function errorAnswer(topic: string, partition: number, error: ReplicaFetchPartitionResponse['error']): ReplicaFetchPartitionResponse {
  return { topic, partition, error, highWatermark: -1, logStartOffset: -1, records: Buffer.alloc(0) };
}

function waitForActivity(partitions: Partition[], timeoutMs: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const unsubscribe = partitions.map((p) => p.onActivity(done));
    const timer = setTimeout(done, timeoutMs);
    signal.addEventListener('abort', done, { once: true });
    function done(): void {
      clearTimeout(timer);
      for (const off of unsubscribe) off();
      signal.removeEventListener('abort', done);
      resolve();
    }
  });
}

function key(topic: string, partition: number): string {
  return `${topic}\u0000${partition}`;
}
