import {
  OffsetOutOfRangeError,
  PartitionLog,
  StorageHealth,
  describeStorageError,
  storageErrnoOf,
  type TimestampLookup,
} from '@runnel/log';
import { asLeaderEpoch, type BatchHeader, type LeaderEpoch, type Offset } from '@runnel/protocol';
import { canJoinIsr, epochsOf, isrHighWatermark, newRemoteReplica, recordFetch, type RemoteReplicaState } from './isr';
import { ReplicationError } from './partition-handle';
import type { ReplicaFetchPartition, ReplicaFetchPartitionResponse } from './replica-fetch';

/**
 * One partition replica on this broker: the log, its role (leader or follower), leader epoch,
 * replica set and ISR, and its high watermark (HW), the offset below which records are durable on
 * every ISR member and therefore visible to consumers. One node is the degenerate case: replicas
 * [self], ISR [self], min.insync.replicas 1, always leader.
 *
 * Leader: HW = min over the ISR of each member's durable log end offset (its own: the recovery
 * point when durable, the LEO in page-cache mode; a follower's: what it reported in its last
 * fetch, see isr.ts), and it does not advance while |ISR| < min.insync.replicas. While an ISR
 * change is in flight the HW uses the larger of the two sets (Kafka's "maximal ISR").
 * Follower: refuses appends and reads (NOT_LEADER_OR_FOLLOWER); the fetcher feeds it raw batches
 * and HW = min(leader's HW, own LEO).
 *
 * Invariants: logStartOffset <= HW <= logEndOffset; HW never moves backwards while the partition
 * is led with the same epoch.
 *
 * Durability modes (DESIGN.md): with `durable` (the default: topic flush.ms = 0) every append
 * schedules a group-commit fsync and HW follows the flushed offset, so nothing a consumer saw can
 * be lost in a crash; otherwise (flush.ms > 0, Kafka's page-cache behaviour) HW follows the
 * written log end offset and a scheduler fsyncs per the flush policy.
 *
 * Promises: `append` resolves when the batch is in the log (acks 0/1) or below HW (acks=all).
 * Concurrency: single-threaded callers; appends are applied in call order.
 *
 * Storage failures (Kafka's KAFKA_STORAGE_ERROR: full disk, quota, I/O error) reject with
 * PartitionStorageError (retriable) and are reported to the broker's StorageHealth. A failed
 * write changes nothing (the segment is cut back). A failed fsync fences the partition, since
 * the kernel may have dropped the pages it covered; the next append first drops the unflushed
 * tail (offsets >= recovery point, none of them acknowledged with acks=all; in page-cache mode
 * it is what a crash would lose) and fsyncs the cut, and only then unfences: so the partition
 * heals by itself once the disk has room again, without a restart.
 *
 * Callers read the log only through this class (offsets, sizes, timestamp lookups), so that
 * replication can slot in behind it; `log` stays public for the storage layer's own tools.
 */
const EMPTY = Buffer.alloc(0);

export type Acks = 0 | 1 | -1;

export interface PartitionAppendResult {
  baseOffset: Offset;
  lastOffset: Offset;
  logAppendTimeMs: number;
  records: number;
}

export interface PartitionReadResult {
  bytes: Buffer;
  nextOffset: Offset;
  highWatermark: Offset;
  logStartOffset: Offset;
}

export class PartitionStorageError extends Error {
  override readonly name = 'PartitionStorageError';
  constructor(
    topic: string,
    partition: number,
    override readonly cause: Error,
  ) {
    super(`KAFKA_STORAGE_ERROR: the log of ${topic}-${partition} cannot be written (${describeStorageError(cause)}); retry later`);
  }
}

/** A read outside what this partition serves, [log start, HW], naming the partition. */
export class PartitionOffsetOutOfRangeError extends OffsetOutOfRangeError {
  constructor(
    readonly topic: string,
    readonly partition: number,
    cause: OffsetOutOfRangeError,
    readonly highWatermark: Offset,
  ) {
    super(cause.requestedOffset, cause.logStartOffset, cause.logEndOffset);
  }
}

interface AckWaiter {
  offset: number;
  resolve: () => void;
  reject: (error: unknown) => void;
  timer: NodeJS.Timeout | undefined;
}

export type ReplicaRole = 'leader' | 'follower';

/** The replicated state a partition takes from the controller (a PartitionState as applied here). */
export interface PartitionReplicaAssignment {
  leaderId: number;
  leaderEpoch: number;
  partitionEpoch: number;
  replicas: readonly number[];
  isr: readonly number[];
  leaderRecoveryState: 0 | 1;
}

export interface PartitionReplicationOptions {
  /** This broker's id (0 on one node). */
  localBrokerId?: number;
  minInsyncReplicas?: number;
  /** How long acks=all waits for the ISR before failing with NOT_ENOUGH_REPLICAS_AFTER_APPEND (Kafka's request timeout). */
  ackTimeoutMs?: number;
  /** Monotonic local clock (ISR lag). */
  nowMs?: () => number;
  /** Where the HW starts (default: the durable end as recovered; a replicated partition starts low and lets the ISR raise it). */
  initialHighWatermark?: number;
}

/** What a leader serves one follower for one partition, plus whether the follower may now join the ISR. */
export interface ServedReplicaFetch {
  response: ReplicaFetchPartitionResponse;
  expandIsr: boolean;
}

const DEFAULT_ACK_TIMEOUT_MS = 30_000;

export class Partition {
  private hw: number;
  private readonly ackWaiters: AckWaiter[] = [];
  private readonly listeners = new Set<(highWatermark: Offset) => void>();
  private closed = false;
  /** Set by a failed fsync: the kernel may have dropped dirty pages, so nothing more is acknowledged. */
  private storageError: Error | undefined;
  private unfencing: Promise<void> | undefined;
  private readonly activityListeners = new Set<() => void>();
  readonly localBrokerId: number;
  private currentRole: ReplicaRole = 'leader';
  private currentLeaderId: number;
  private currentPartitionEpoch = 0;
  private currentReplicas: readonly number[];
  private currentIsr: readonly number[];
  private recoveryState: 0 | 1 = 0;
  /** An AlterPartition this leader sent and has no answer for yet (Kafka's PendingShrink/PendingExpand). */
  private proposedIsr: readonly number[] | undefined;
  /** The LEO when this broker became leader in the current epoch: a follower joins the ISR only past it. */
  private leaderEpochStartOffset = 0;
  private readonly remotes = new Map<number, RemoteReplicaState>();
  minInsyncReplicas: number;
  private readonly ackTimeoutMs: number;
  private readonly nowMs: () => number;

  constructor(
    readonly topic: string,
    readonly partition: number,
    readonly log: PartitionLog,
    public leaderEpoch: LeaderEpoch,
    public durable: boolean,
    private readonly health: StorageHealth = new StorageHealth(),
    options: PartitionReplicationOptions = {},
  ) {
    // Whatever survived recovery was flushed or re-read from disk: it is the durable prefix.
    this.hw = durable ? log.recoveryPoint : log.logEndOffset;
    if (this.hw > log.logEndOffset) this.hw = log.logEndOffset;
    if (options.initialHighWatermark !== undefined) this.hw = Math.min(this.hw, Math.max(options.initialHighWatermark, log.logStartOffset));
    this.localBrokerId = options.localBrokerId ?? 0;
    this.currentLeaderId = this.localBrokerId;
    this.currentReplicas = [this.localBrokerId];
    this.currentIsr = [this.localBrokerId];
    this.minInsyncReplicas = options.minInsyncReplicas ?? 1;
    this.ackTimeoutMs = options.ackTimeoutMs ?? DEFAULT_ACK_TIMEOUT_MS;
    this.nowMs = options.nowMs ?? (() => performance.now());
    this.leaderEpochStartOffset = log.logEndOffset;
  }

  get role(): ReplicaRole {
    return this.currentRole;
  }

  /** The leader's broker id as last applied (-1: none). */
  get leaderId(): number {
    return this.currentLeaderId;
  }

  get replicas(): readonly number[] {
    return this.currentReplicas;
  }

  get isr(): readonly number[] {
    return this.currentIsr;
  }

  get partitionEpoch(): number {
    return this.currentPartitionEpoch;
  }

  get leaderRecoveryState(): 0 | 1 {
    return this.recoveryState;
  }

  /** The ISR change in flight, if any. */
  get pendingIsr(): readonly number[] | undefined {
    return this.proposedIsr;
  }

  /** The leader's view of a follower (undefined on a follower or for a non-replica). */
  remoteReplica(brokerId: number): Readonly<RemoteReplicaState> | undefined {
    return this.remotes.get(brokerId);
  }

  /** The leader's view of every follower. */
  remoteReplicas(): ReadonlyMap<number, Readonly<RemoteReplicaState>> {
    return this.remotes;
  }

  get highWatermark(): Offset {
    return this.hw as Offset;
  }

  get logStartOffset(): Offset {
    return this.log.logStartOffset;
  }

  get logEndOffset(): Offset {
    return this.log.logEndOffset;
  }

  /** Bytes of the partition's segments on disk. */
  get sizeBytes(): number {
    return this.log.sizeBytes;
  }

  get segmentCount(): number {
    return this.log.segmentCount;
  }

  /**
   * Kafka ListOffsets by timestamp: the first offset below HW whose record timestamp is >=
   * `timestampMs`, or null when there is none (a consumer would continue at HW).
   */
  async offsetForTimestamp(timestampMs: number): Promise<TimestampLookup | null> {
    const found = await this.log.offsetForTimestamp(timestampMs);
    return found && found.offset < this.hw ? found : null;
  }

  /**
   * Appends raw, validated-by-the-log batches. The buffer is patched in place (offsets, epoch).
   * Throws the log's typed errors (ProtocolError, record too large) before anything is written,
   * ReplicationError NOT_LEADER_OR_FOLLOWER on a follower, and NOT_ENOUGH_REPLICAS for acks=all
   * while |ISR| < min.insync.replicas. An acks=all append then waits for the HW to pass it, at
   * most `timeoutMs` (default 30 s; Kafka keeps waiting even if the ISR shrinks meanwhile), then
   * fails with NOT_ENOUGH_REPLICAS_AFTER_APPEND: the records are in the leader's log, not acknowledged.
   */
  async append(
    batches: Buffer,
    acks: Acks,
    checkedHeaders?: readonly BatchHeader[],
    options: { timeoutMs?: number } = {},
  ): Promise<PartitionAppendResult> {
    this.assertLeader();
    if (acks === -1 && this.currentIsr.length < this.minInsyncReplicas) {
      throw new ReplicationError(
        'NOT_ENOUGH_REPLICAS',
        this.topic,
        this.partition,
        `the ISR of ${this.topic}-${this.partition} has ${this.currentIsr.length} replicas, min.insync.replicas is ${this.minInsyncReplicas}`,
      );
    }
    if (this.storageError) await this.unfence();
    this.assertLeader();
    let result;
    try {
      result = this.log.append(batches, { leaderEpoch: this.leaderEpoch, checkedHeaders });
    } catch (error) {
      if (!storageErrnoOf(error)) throw error;
      this.health.failed(`append to ${this.topic}-${this.partition}`, error);
      throw new PartitionStorageError(this.topic, this.partition, error as Error);
    }
    if (!this.durable) this.health.succeeded();
    this.notifyActivity();
    const reply: PartitionAppendResult = {
      baseOffset: result.baseOffset,
      lastOffset: result.lastOffset,
      logAppendTimeMs: result.logAppendTimeMs,
      records: result.records,
    };
    const waiter = acks === -1 ? this.waitForHighWatermark(result.lastOffset + 1, options.timeoutMs ?? this.ackTimeoutMs) : undefined;
    if (!this.durable) {
      this.maybeAdvanceHighWatermark();
      if (waiter) await waiter;
      return reply;
    }
    // Every append in durable mode joins the log's group fsync, whatever its acks, so HW moves on.
    this.flushAndAdvance().catch((error: unknown) => this.fence(error));
    if (waiter) await waiter;
    return reply;
  }

  /**
   * Reads whole batches from `offset`, never past HW. Throws PartitionOffsetOutOfRangeError (an
   * OffsetOutOfRangeError), NOT_LEADER_OR_FOLLOWER on a follower, and FENCED_LEADER_EPOCH /
   * UNKNOWN_LEADER_EPOCH when `expectedLeaderEpoch` is older / newer than the partition's (KIP-320).
   */
  async read(offset: Offset, maxBytes: number, expectedLeaderEpoch?: number): Promise<PartitionReadResult> {
    this.assertLeader();
    if (expectedLeaderEpoch !== undefined) this.checkLeaderEpoch(expectedLeaderEpoch);
    const hw = this.hw as Offset;
    try {
      const { bytes, nextOffset } = await this.log.read(offset, maxBytes, hw);
      return { bytes, nextOffset, highWatermark: hw, logStartOffset: this.log.logStartOffset };
    } catch (error) {
      if (error instanceof OffsetOutOfRangeError) throw new PartitionOffsetOutOfRangeError(this.topic, this.partition, error, hw);
      throw error;
    }
  }

  /**
   * Resolves true once HW > offset (data to read), false after `timeoutMs` or on abort. Parks on
   * the HW advance notification — no polling.
   */
  waitForData(offset: number, timeoutMs: number, signal?: AbortSignal): Promise<boolean> {
    if (this.hw > offset) return Promise.resolve(true);
    if (timeoutMs <= 0 || signal?.aborted) return Promise.resolve(false);
    return new Promise((resolve) => {
      const done = (value: boolean): void => {
        clearTimeout(timer);
        this.listeners.delete(listener);
        signal?.removeEventListener('abort', onAbort);
        resolve(value);
      };
      const listener = (hw: Offset): void => {
        if (hw > offset) done(true);
        else if (this.closed) done(false);
      };
      const onAbort = (): void => done(false);
      const timer = setTimeout(() => done(false), timeoutMs);
      this.listeners.add(listener);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /**
   * Calls `listener` after every HW advance, and once more when the partition closes (deleted,
   * no longer led) so parked readers wake and find out; returns the unsubscribe function.
   */
  onHighWatermark(listener: (highWatermark: Offset) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Fsyncs now (page-cache mode's scheduler, shutdown). */
  async flush(): Promise<void> {
    try {
      await this.flushAndAdvance();
    } catch (error) {
      this.fence(error);
      throw error;
    }
  }

  /** Removes the partition's records below `offset` (DeleteRecords); never past HW. */
  async deleteRecordsBefore(offset: Offset): Promise<Offset> {
    this.assertLeader();
    if (offset > this.hw) throw new RangeError(`offset ${offset} is above the high watermark ${this.hw}`);
    await this.log.deleteRecordsBefore(offset);
    return this.log.logStartOffset;
  }

  /** Fails everything still waiting (partition deleted or broker stopping). */
  close(reason: Error): void {
    if (this.closed) return;
    this.closed = true;
    this.failWaiters(reason);
    const hw = this.hw as Offset;
    for (const listener of [...this.listeners]) listener(hw);
    this.listeners.clear();
    this.notifyActivity();
    this.activityListeners.clear();
  }

  /**
   * Calls `listener` after anything a waiting replica fetch may care about: an append, an HW
   * move, a role or ISR change, close. Answers the unsubscribe function.
   */
  onActivity(listener: () => void): () => void {
    this.activityListeners.add(listener);
    return () => this.activityListeners.delete(listener);
  }

  // ---- Roles (applied from the controller's partition state) ----

  /**
   * Leads the partition with `state`. A new leader epoch (or a follower becoming leader) starts
   * a fresh view of the followers: each counts as caught up now and unknown offsets (so the HW
   * waits for every ISR member's first fetch). The same epoch only updates replicas / ISR.
   */
  makeLeader(state: PartitionReplicaAssignment): void {
    const newTerm = this.currentRole !== 'leader' || state.leaderEpoch !== this.leaderEpoch;
    this.applyAssignment(state);
    this.currentRole = 'leader';
    const now = this.nowMs();
    if (newTerm) {
      this.remotes.clear();
      this.leaderEpochStartOffset = this.log.logEndOffset;
    }
    for (const id of this.currentReplicas) {
      if (id !== this.localBrokerId && !this.remotes.has(id)) this.remotes.set(id, newRemoteReplica(id, now));
    }
    for (const id of [...this.remotes.keys()]) if (!this.currentReplicas.includes(id)) this.remotes.delete(id);
    this.maybeAdvanceHighWatermark();
    this.notifyActivity();
  }

  /**
   * Follows `state.leaderId` (-1: none yet). Waiting acks=all appends fail with
   * NOT_LEADER_OR_FOLLOWER: whether they survive is up to the new leader's log.
   */
  makeFollower(state: PartitionReplicaAssignment): void {
    this.applyAssignment(state);
    if (this.currentRole === 'leader') {
      this.failWaiters(this.notLeaderError());
    }
    this.currentRole = 'follower';
    this.remotes.clear();
    if (this.hw > this.log.logEndOffset) this.hw = this.log.logEndOffset;
    this.notifyActivity();
  }

  /** Marks an ISR change as sent (the HW uses the larger set meanwhile). */
  proposeIsr(isr: readonly number[] | undefined): void {
    this.proposedIsr = isr;
    this.maybeAdvanceHighWatermark();
  }

  private applyAssignment(state: PartitionReplicaAssignment): void {
    this.leaderEpoch = asLeaderEpoch(state.leaderEpoch);
    this.currentLeaderId = state.leaderId;
    this.currentPartitionEpoch = state.partitionEpoch;
    this.currentReplicas = [...state.replicas];
    this.currentIsr = [...state.isr];
    this.recoveryState = state.leaderRecoveryState;
    this.proposedIsr = undefined;
  }

  // ---- Leader side of replica fetch ----

  /**
   * Serves one follower's fetch of this partition (Kafka's Partition.fetchRecords for a replica):
   * checks the epoch (KIP-320) and the follower's last fetched epoch against this log (KIP-101 /
   * KIP-595: a diverging follower gets `divergingEpoch` and no records), records its progress,
   * advances the HW and reads raw batches up to the LEO.
   */
  async serveReplicaFetch(
    fetch: ReplicaFetchPartition,
    replicaId: number,
    brokerEpoch: number,
    maxBytes: number,
  ): Promise<ServedReplicaFetch> {
    const base = { topic: this.topic, partition: this.partition, records: EMPTY };
    const fail = (error: ReplicaFetchPartitionResponse['error']): ServedReplicaFetch => ({
      response: { ...base, error, highWatermark: this.hw, logStartOffset: this.log.logStartOffset },
      expandIsr: false,
    });
    if (this.closed || this.currentRole !== 'leader' || !this.currentReplicas.includes(replicaId) || replicaId === this.localBrokerId) {
      return fail('NOT_LEADER_OR_FOLLOWER');
    }
    if (fetch.currentLeaderEpoch < this.leaderEpoch) return fail('FENCED_LEADER_EPOCH');
    if (fetch.currentLeaderEpoch > this.leaderEpoch) return fail('UNKNOWN_LEADER_EPOCH');
    const leo = this.log.logEndOffset;
    const diverging = this.divergence(fetch);
    if (diverging) {
      return {
        response: { ...base, error: 'NONE', highWatermark: this.hw, logStartOffset: this.log.logStartOffset, divergingEpoch: diverging },
        expandIsr: false,
      };
    }
    if (fetch.fetchOffset < this.log.logStartOffset || fetch.fetchOffset > leo) return fail('OFFSET_OUT_OF_RANGE');
    const remote = this.remotes.get(replicaId)!;
    recordFetch(remote, { fetchOffset: fetch.fetchOffset, durableOffset: fetch.durableOffset, brokerEpoch }, leo, this.nowMs());
    this.maybeAdvanceHighWatermark();
    const expandIsr =
      !this.currentIsr.includes(replicaId) &&
      this.proposedIsr === undefined &&
      canJoinIsr(remote, this.hw, this.leaderEpochStartOffset, this.recoveryState);
    let records: Buffer = EMPTY;
    if (maxBytes > 0 && fetch.fetchOffset < leo) {
      try {
        records = (await this.log.read(fetch.fetchOffset, Math.min(maxBytes, fetch.maxBytes), leo)).bytes;
      } catch (error) {
        if (error instanceof OffsetOutOfRangeError) return fail('OFFSET_OUT_OF_RANGE');
        if (storageErrnoOf(error)) return fail('KAFKA_STORAGE_ERROR');
        throw error;
      }
    }
    return {
      response: { ...base, error: 'NONE', highWatermark: this.hw, logStartOffset: this.log.logStartOffset, records },
      expandIsr,
    };
  }

  /** The leader's answer to a follower whose last fetched epoch ends earlier here, or is unknown here. */
  private divergence(fetch: ReplicaFetchPartition): { epoch: number; endOffset: number } | undefined {
    if (fetch.lastFetchedEpoch < 0) {
      // No epoch to compare: a follower past our end can only have diverged.
      return fetch.fetchOffset > this.log.logEndOffset ? { epoch: -1, endOffset: this.log.logEndOffset } : undefined;
    }
    const end = epochsOf(this.log).endOffsetForEpoch(fetch.lastFetchedEpoch);
    if (end.epoch < 0 || end.endOffset < 0) return { epoch: -1, endOffset: this.log.logStartOffset };
    if (end.epoch < fetch.lastFetchedEpoch || end.endOffset < fetch.fetchOffset) return end;
    return undefined;
  }

  // ---- Follower side (driven by the ReplicaFetcherManager) ----

  /** Where this follower fetches from next and what it reports (fsynced offset, last epoch). */
  fetchPosition(): { fetchOffset: number; lastFetchedEpoch: number; durableOffset: number; logStartOffset: number } {
    const leo = this.log.logEndOffset;
    return {
      fetchOffset: leo,
      lastFetchedEpoch: epochsOf(this.log).latestEpoch(),
      durableOffset: this.durable ? Math.min(this.log.recoveryPoint, leo) : leo,
      logStartOffset: this.log.logStartOffset,
    };
  }

  /** Appends the leader's batches untouched (offsets and epochs as the leader wrote them); fsyncs them in durable mode. */
  async appendFromLeader(records: Buffer, leaderHighWatermark: number, leaderLogStartOffset: number): Promise<void> {
    this.assertFollower();
    if (records.length > 0) {
      // An empty follower that started at the leader's log start gets the whole batch holding it:
      // start where that batch starts (the log start then moves up to the leader's below).
      const firstBaseOffset = records.length >= 8 ? Number(records.readBigInt64BE(0)) : this.log.logEndOffset;
      if (firstBaseOffset < this.log.logEndOffset && this.log.logEndOffset === this.log.logStartOffset && this.log.sizeBytes === 0) {
        this.log.truncateFullyAndStartAt(firstBaseOffset);
      }
      try {
        this.log.appendAsFollower(records);
      } catch (error) {
        if (storageErrnoOf(error)) this.health.failed(`replicate ${this.topic}-${this.partition}`, error);
        throw error;
      }
      if (this.durable) await this.log.flush();
      this.health.succeeded();
    }
    if (leaderLogStartOffset > this.log.logStartOffset && leaderLogStartOffset <= this.log.logEndOffset) {
      await this.log.deleteRecordsBefore(leaderLogStartOffset);
    }
    this.followHighWatermark(leaderHighWatermark);
  }

  /** HW = min(leader's HW, own LEO); it may move back only when the log was truncated. */
  followHighWatermark(leaderHighWatermark: number): void {
    if (this.currentRole !== 'follower') return;
    const next = Math.min(leaderHighWatermark, this.log.logEndOffset);
    if (next > this.hw) this.advanceTo(next);
  }

  /** Truncates a diverging follower's log (by leader epoch, never by HW; KIP-101). */
  truncateTo(offset: number): void {
    this.assertFollower();
    this.log.truncateTo(offset);
    if (this.hw > this.log.logEndOffset) this.hw = this.log.logEndOffset;
  }

  /** The leader's log starts past this follower's end: empty the log and start where the leader starts. */
  truncateFullyAndStartAt(offset: number): void {
    this.assertFollower();
    this.log.truncateFullyAndStartAt(offset);
    this.hw = offset;
  }

  /**
   * After a failed fsync the pages it covered may be gone while later fsyncs report success
   * (Linux clears the error), so the partition stops acknowledging until the broker restarts and
   * recovery re-reads what is really on disk.
   */
  private fence(error: unknown): void {
    if (this.closed) return;
    this.health.failed(`flush ${this.topic}-${this.partition}`, error);
    this.storageError ??= error instanceof Error ? error : new Error(String(error));
    this.failWaiters(new PartitionStorageError(this.topic, this.partition, this.storageError));
  }

  /** See the class comment: drop the unflushed tail, fsync, then accept writes again. */
  private async unfence(): Promise<void> {
    // A follower already holding part of the unflushed tail would keep it while this leader
    // rewrote those offsets in the same epoch, which no epoch check can see: stay fenced then
    // (a restart or a leader change, with a new epoch, heals it).
    const copied = [...this.remotes.values()].some((remote) => remote.logEndOffset > this.log.recoveryPoint);
    if (copied) throw new PartitionStorageError(this.topic, this.partition, this.storageError!);
    this.unfencing ??= (async () => {
      try {
        this.log.truncateTo(this.log.recoveryPoint);
        if (this.hw > this.log.logEndOffset) this.hw = this.log.logEndOffset;
        await this.log.flush();
        this.storageError = undefined;
      } finally {
        this.unfencing = undefined;
      }
    })();
    try {
      await this.unfencing;
    } catch (error) {
      this.health.failed(`flush ${this.topic}-${this.partition}`, error);
      throw new PartitionStorageError(this.topic, this.partition, error as Error);
    }
  }

  private async flushAndAdvance(): Promise<void> {
    await this.log.flush();
    this.health.succeeded();
    this.maybeAdvanceHighWatermark();
  }

  /** Leader: moves the HW to what the ISR allows (see the class comment). */
  private maybeAdvanceHighWatermark(): void {
    if (this.currentRole !== 'leader' || this.closed) return;
    const own = this.durable ? this.log.recoveryPoint : this.log.logEndOffset;
    if (this.currentIsr.length < this.minInsyncReplicas) return;
    const maximal = this.proposedIsr ? [...new Set([...this.currentIsr, ...this.proposedIsr])] : this.currentIsr;
    const next = isrHighWatermark(this.localBrokerId, maximal, Math.min(own, this.log.logEndOffset), this.remotes, 1);
    if (next !== null) this.advanceTo(next);
  }

  private checkLeaderEpoch(expected: number): void {
    if (expected < this.leaderEpoch) {
      throw new ReplicationError(
        'FENCED_LEADER_EPOCH',
        this.topic,
        this.partition,
        `leader epoch ${expected} is older than ${this.leaderEpoch}`,
      );
    }
    if (expected > this.leaderEpoch) {
      throw new ReplicationError(
        'UNKNOWN_LEADER_EPOCH',
        this.topic,
        this.partition,
        `leader epoch ${expected} is newer than ${this.leaderEpoch}`,
      );
    }
  }

  private assertLeader(): void {
    if (this.currentRole !== 'leader') throw this.notLeaderError();
  }

  private assertFollower(): void {
    if (this.currentRole !== 'follower') throw this.notLeaderError();
  }

  private notLeaderError(): ReplicationError {
    return new ReplicationError(
      'NOT_LEADER_OR_FOLLOWER',
      this.topic,
      this.partition,
      `broker ${this.localBrokerId} is not the leader of ${this.topic}-${this.partition} (leader ${this.currentLeaderId}, epoch ${this.leaderEpoch})`,
    );
  }

  private notifyActivity(): void {
    for (const listener of [...this.activityListeners]) listener();
  }

  private advanceTo(offset: number): void {
    if (offset <= this.hw) return;
    this.hw = offset;
    while (this.ackWaiters.length > 0 && this.ackWaiters[0].offset <= offset) {
      const waiter = this.ackWaiters.shift()!;
      clearTimeout(waiter.timer);
      waiter.resolve();
    }
    const hw = offset as Offset;
    for (const listener of [...this.listeners]) listener(hw);
    this.notifyActivity();
  }

  private waitForHighWatermark(offset: number, timeoutMs: number): Promise<void> {
    if (this.hw >= offset) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const waiter: AckWaiter = { offset, resolve, reject, timer: undefined };
      // One node: the local fsync is the only thing waited for, as before (no timeout).
      if (this.currentReplicas.length > 1) {
        waiter.timer = setTimeout(() => {
          const index = this.ackWaiters.indexOf(waiter);
          if (index >= 0) this.ackWaiters.splice(index, 1);
          reject(
            new ReplicationError(
              'NOT_ENOUGH_REPLICAS_AFTER_APPEND',
              this.topic,
              this.partition,
              `offset ${offset - 1} was appended but not replicated to the ISR (${this.currentIsr.join(',')}) within ${timeoutMs} ms`,
            ),
          );
        }, timeoutMs);
        waiter.timer.unref();
      }
      this.ackWaiters.push(waiter);
    });
  }

  private failWaiters(error: unknown): void {
    for (const waiter of this.ackWaiters.splice(0)) {
      clearTimeout(waiter.timer);
      waiter.reject(error);
    }
  }
}
