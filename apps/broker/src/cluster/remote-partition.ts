import type { TimestampLookup } from '@runnel/log';
import { asOffset, type BatchHeader, type LeaderEpoch, type Offset } from '@runnel/protocol';
import {
  ReplicationError,
  type Acks,
  type PartitionAppendResult,
  type PartitionHandle,
  type PartitionReadResult,
} from '@runnel/replication';
import type { InterBrokerClient } from './inter-broker/inter-broker-client';
import type { PartitionStateWatcher, StateTarget } from './inter-broker/partition-state-watcher';
import type { PartitionStateSnapshot, PartitionStatesRequest, PartitionStatesResponse } from './inter-broker/types';

/**
 * A partition led by another broker, as the services of this broker use it: every call is
 * forwarded over the inter-broker channel to the leader (`leaderId` at `leaderEpoch`), which runs
 * it on its local Partition and answers exactly (errors included, rethrown as the leader threw them).
 *
 * The synchronous getters are the leader's latest published state: from the partition-states
 * long poll (PartitionStateWatcher) and from every forwarded answer, never moving backwards
 * within this handle's epoch. Before the first state arrives they read 0 (`ready()` waits for it).
 * `waitForData` parks on that stream, so many parked readers cost one poll per leader, not one
 * request each. `close()` (the router, when the leader or epoch changes) wakes every listener
 * once, as a local Partition does when it stops being led here.
 */
export interface RemotePartitionOptions {
  /** Bound on a forwarded acks=all produce (the leader waits for the ISR). */
  produceTimeoutMs: number;
  /** Bound on every other forwarded call. */
  callTimeoutMs: number;
}

// Above the leader's handler bound (60 s), so a slow acks=all gets the leader's REQUEST_TIMED_OUT, not a local guess.
const DEFAULTS: RemotePartitionOptions = { produceTimeoutMs: 70_000, callTimeoutMs: 30_000 };

export class RemotePartition implements PartitionHandle, StateTarget {
  private state: PartitionStateSnapshot | undefined;
  private readonly listeners = new Set<(highWatermark: Offset) => void>();
  private readonly firstState: Promise<void>;
  private resolveFirstState!: () => void;
  private closed = false;
  private readonly unwatch: () => void;
  private readonly options: RemotePartitionOptions;

  constructor(
    readonly topic: string,
    readonly partition: number,
    readonly leaderId: number,
    readonly leaderEpoch: LeaderEpoch,
    private readonly client: Pick<InterBrokerClient, 'call'>,
    watcher: Pick<PartitionStateWatcher, 'watch'>,
    options: Partial<RemotePartitionOptions> = {},
  ) {
    this.options = { ...DEFAULTS, ...options };
    this.firstState = new Promise((resolve) => (this.resolveFirstState = resolve));
    this.unwatch = watcher.watch(leaderId, this);
  }

  get knownState(): PartitionStateSnapshot | undefined {
    return this.state;
  }

  get highWatermark(): Offset {
    return asOffset(this.state?.highWatermark ?? 0);
  }

  get logStartOffset(): Offset {
    return asOffset(this.state?.logStartOffset ?? 0);
  }

  get logEndOffset(): Offset {
    return asOffset(this.state?.logEndOffset ?? 0);
  }

  get sizeBytes(): number {
    return this.state?.sizeBytes ?? 0;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Resolves once the leader's state has arrived (or the handle closed), or after `timeoutMs`. */
  async ready(timeoutMs = this.options.callTimeoutMs): Promise<boolean> {
    if (this.state || this.closed) return this.state !== undefined;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.firstState, new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)))]);
    clearTimeout(timer);
    return this.state !== undefined;
  }

  /**
   * Asks the leader for its state now (one round trip) and applies it. For request paths that
   * check an offset against the synchronous getters (fetch range checks, `latest` offsets): a
   * client that saw HW n on another broker must not be told n is out of range here because this
   * broker's copy is a round trip behind. Never coalesced with an earlier call (whose answer could
   * predate what the client saw).
   */
  async sync(): Promise<void> {
    const { params } = await this.client.call<PartitionStatesResponse>(
      this.leaderId,
      'partition-states',
      { partitions: [{ topic: this.topic, partition: this.partition }], maxWaitMs: 0 } satisfies PartitionStatesRequest,
      undefined,
      { timeoutMs: this.options.callTimeoutMs },
    );
    const answer = params.partitions?.[0];
    if (answer?.state) return this.applyState(answer.state);
    throw new ReplicationError(
      'NOT_LEADER_OR_FOLLOWER',
      this.topic,
      this.partition,
      `broker ${this.leaderId} no longer leads ${this.topic}-${this.partition}`,
    );
  }

  /** From the watcher or a forwarded answer: newer values only (a stale answer may arrive after a fresher one). */
  applyState(next: PartitionStateSnapshot): void {
    if (this.closed) return;
    const previous = this.state;
    if (previous && next.leaderEpoch === previous.leaderEpoch && next.highWatermark < previous.highWatermark) return;
    this.state = next;
    this.resolveFirstState();
    if (!previous || next.highWatermark > previous.highWatermark) {
      const hw = asOffset(next.highWatermark);
      for (const listener of [...this.listeners]) listener(hw);
    }
  }

  async append(batches: Buffer, acks: Acks, _checkedHeaders?: readonly BatchHeader[]): Promise<PartitionAppendResult> {
    const timeoutMs = acks === -1 ? this.options.produceTimeoutMs : this.options.callTimeoutMs;
    const { params } = await this.client.call<{ result: PartitionAppendResult; state: PartitionStateSnapshot }>(
      this.leaderId,
      'produce',
      { ...this.address(), acks },
      batches,
      { timeoutMs },
    );
    this.applyState(params.state);
    return params.result;
  }

  async read(offset: Offset, maxBytes: number): Promise<PartitionReadResult> {
    const { params, body } = await this.client.call<{
      nextOffset: number;
      highWatermark: number;
      logStartOffset: number;
      state: PartitionStateSnapshot;
    }>(this.leaderId, 'read', { ...this.address(), offset, maxBytes }, undefined, { timeoutMs: this.options.callTimeoutMs });
    this.applyState(params.state);
    return {
      bytes: body,
      nextOffset: asOffset(params.nextOffset),
      highWatermark: asOffset(params.highWatermark),
      logStartOffset: asOffset(params.logStartOffset),
    };
  }

  waitForData(offset: number, timeoutMs: number, signal?: AbortSignal): Promise<boolean> {
    if (this.highWatermark > offset) return Promise.resolve(true);
    if (timeoutMs <= 0 || signal?.aborted || this.closed) return Promise.resolve(false);
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

  onHighWatermark(listener: (highWatermark: Offset) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async offsetForTimestamp(timestampMs: number): Promise<TimestampLookup | null> {
    const { params } = await this.client.call<{ found: { offset: number; timestamp: number } | null; state: PartitionStateSnapshot }>(
      this.leaderId,
      'offset-for-timestamp',
      { ...this.address(), timestampMs },
      undefined,
      { timeoutMs: this.options.callTimeoutMs },
    );
    this.applyState(params.state);
    return params.found ? { offset: asOffset(params.found.offset), timestamp: params.found.timestamp } : null;
  }

  async deleteRecordsBefore(offset: Offset): Promise<Offset> {
    const { params } = await this.client.call<{ logStartOffset: number; state: PartitionStateSnapshot }>(
      this.leaderId,
      'delete-records',
      { ...this.address(), offset },
      undefined,
      { timeoutMs: this.options.callTimeoutMs },
    );
    this.applyState(params.state);
    return asOffset(params.logStartOffset);
  }

  /** The leader or its epoch changed: stop following, wake every listener once. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.unwatch();
    this.resolveFirstState();
    const hw = this.highWatermark;
    for (const listener of [...this.listeners]) listener(hw);
    this.listeners.clear();
  }

  private address(): { topic: string; partition: number; leaderEpoch: number } {
    return { topic: this.topic, partition: this.partition, leaderEpoch: this.leaderEpoch };
  }
}
