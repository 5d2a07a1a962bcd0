import { Logger } from '@nestjs/common';
import { compileTopicPattern } from '@runnel/groups';
import type {
  AssignedPartition,
  CommittedOffset,
  JoinRequest,
  JoinResult,
  MemberListener,
  OffsetCommit,
  TopicPartition,
} from '@runnel/groups';
import type { PartitionHandle } from '@runnel/replication';
import { RunnelError } from '../common/errors';
import { type ConsumerFormat, type PollOutput, type Position, readPartition } from './poll-reader';

export type { ConsumerFormat } from './poll-reader';

/**
 * One HTTP consumer instance (Confluent REST v2 / Strimzi bridge): a Kafka consumer whose
 * "poll loop" is the client's requests. Transport-free: the service feeds it parsed requests.
 *
 * State: a mode (nothing, a group subscription, or a manual assignment — mutually exclusive, as
 * Kafka's IllegalStateException says: 409 / 40903), and the position (next offset to return) of
 * every partition it owns now.
 * - Subscribed, it is a member of the group like any WebSocket member (same coordinator, same
 *   committed offsets, same rebalances): `onAssigned` adds positions, starting at the group's
 *   committed offset when it lies in the log, else at auto.offset.reset; `onRevoked` drops them
 *   (after auto-committing them), so a poll only ever returns records of partitions owned now —
 *   a poll checks ownership again after each await and discards a read whose partition went.
 * - Manually assigned, it is no member: positions start at the group's committed offsets, and
 *   commits are accepted only while the group has no members (Kafka fences a standalone
 *   consumer's commits to an active group the same way).
 * - Auto-commit (enable.auto.commit): what earlier polls returned is committed at the start of
 *   the next poll, on revocation, and when the instance is deleted or expires — as Kafka's
 *   consumer commits its positions in poll() and close().
 * - One poll at a time (Kafka's consumer is single-threaded): a second concurrent poll is 409 /
 *   40903. A poll waits at most its timeout, returns at most `maxBytes` of stored batch bytes
 *   (the first batch whole, so it always progresses) and MAX_RECORDS_PER_POLL records.
 */

export interface ConsumerSettings {
  readonly format: ConsumerFormat;
  readonly autoOffsetReset: 'earliest' | 'latest';
  readonly autoCommit: boolean;
  /** A poll waits (up to its timeout) until it has at least this many bytes. */
  readonly fetchMinBytes: number;
  /** Wait of a poll without `timeout` (consumer.request.timeout.ms). */
  readonly requestTimeoutMs: number;
}

/** What an instance needs of the group coordinator; errors are already API errors. */
export interface ConsumerGroups {
  join(request: JoinRequest, listener: MemberListener): JoinResult;
  leave(groupId: string, memberId: string): void;
  heartbeat(groupId: string, memberId: string): void;
  commit(groupId: string, memberId: string, offsets: readonly OffsetCommit[]): Promise<void>;
  /** A commit from outside the membership (manual assignment); refused while the group has members. */
  commitUnassigned(groupId: string, offsets: readonly OffsetCommit[]): Promise<void>;
  /** The group's committed offsets ([] for a group that does not exist). */
  committedOffsets(groupId: string): CommittedOffset[];
}

export interface ConsumerTopics {
  /** The led partition; throws 40403 for an unknown topic or partition. */
  partition(topic: string, partition: number): PartitionHandle;
}

export interface ConsumerContext {
  groups: ConsumerGroups;
  topics: ConsumerTopics;
  /** The coordinator removed the member (session timeout, group deleted): the instance is gone. */
  removed(consumer: HttpConsumer, reason: string): void;
  /** Aborted at broker shutdown: waiting polls answer at once. */
  shutdownSignal: AbortSignal;
  sessionTimeoutMs: number;
  clientHost: string;
}

export interface TopicSubscription {
  readonly topics: readonly string[];
  readonly topicPattern?: string;
}

export interface PollRequest {
  readonly timeoutMs: number;
  readonly maxBytes: number;
}

/** The records of a poll: the JSON text of each record, in the spec's ConsumerRecord shape. */
export interface PollAnswer {
  readonly records: string[];
}

const keyOf = (topic: string, partition: number): string => `${partition}:${topic}`;
const logger = new Logger('HttpConsumer');

export class HttpConsumer implements MemberListener {
  lastSeenMs: number;
  private mode: 'none' | 'subscribed' | 'assigned' = 'none';
  private subscription: TopicSubscription | undefined;
  private memberId: string | undefined;
  private readonly positions = new Map<string, Position>();
  private readonly lastCommitted = new Map<string, number>();
  private rotation = 0;
  private polling = false;
  /** Ends the current poll's wait: the assignment changed or the instance is gone. */
  private wake: (() => void) | undefined;
  private closed = false;

  constructor(
    readonly groupId: string,
    readonly name: string,
    readonly settings: ConsumerSettings,
    private readonly ctx: ConsumerContext,
    nowMs: number,
  ) {
    this.lastSeenMs = nowMs;
  }

  get isPolling(): boolean {
    return this.polling;
  }

  /** A request arrived: the instance is alive (its group session too). */
  touch(nowMs: number): void {
    this.lastSeenMs = nowMs;
    if (this.memberId === undefined) return;
    try {
      this.ctx.groups.heartbeat(this.groupId, this.memberId);
    } catch {
      // Removed meanwhile: onRemoved has dropped the instance.
    }
  }

  subscribe(subscription: TopicSubscription): void {
    if (this.mode === 'assigned') throw mutuallyExclusive();
    if (this.mode === 'subscribed') {
      this.leaveGroup(); // Kafka's subscribe() replaces the subscription
      this.mode = 'none';
      this.subscription = undefined;
    }
    const result = this.ctx.groups.join(
      {
        groupId: this.groupId,
        subscription: { topics: subscription.topics, topicPrefixes: [], topicPattern: subscription.topicPattern },
        sessionTimeoutMs: this.ctx.sessionTimeoutMs,
        clientId: this.name,
        clientHost: this.ctx.clientHost,
      },
      this,
    );
    this.memberId = result.memberId;
    this.subscription = subscription;
    this.mode = 'subscribed';
    this.addPositions(result.assigned);
  }

  unsubscribe(): void {
    if (this.mode === 'subscribed') this.leaveGroup();
    else if (this.mode === 'assigned') this.autoCommit(undefined);
    this.positions.clear();
    this.lastCommitted.clear();
    this.mode = 'none';
    this.subscription = undefined;
    this.wake?.();
  }

  /** The subscribed topic names (a pattern's: the topics it matches now, as Kafka's subscription()). */
  subscribedTopics(topicsNow: Iterable<string>): string[] {
    const subscription = this.subscription;
    if (!subscription) return [];
    if (subscription.topicPattern === undefined) return [...subscription.topics];
    const pattern = compileTopicPattern(subscription.topicPattern);
    return [...topicsNow].filter((topic) => !topic.startsWith('__') && pattern.test(topic));
  }

  /** Manual assignment (Kafka's assign()): replaces the previous one; an empty list is unsubscribe. */
  assign(partitions: readonly TopicPartition[]): void {
    if (this.mode === 'subscribed') throw mutuallyExclusive();
    if (partitions.length === 0) {
      this.unsubscribe();
      return;
    }
    for (const p of partitions) this.ctx.topics.partition(p.topic, p.partition); // 40403 for an unknown one
    const wanted = new Set(partitions.map((p) => keyOf(p.topic, p.partition)));
    this.autoCommit(undefined);
    for (const key of [...this.positions.keys()]) {
      if (wanted.has(key)) continue;
      this.positions.delete(key);
      this.lastCommitted.delete(key);
    }
    const committed = new Map(this.ctx.groups.committedOffsets(this.groupId).map((c) => [keyOf(c.topic, c.partition), c.offset]));
    this.addPositions(
      partitions
        .filter((p) => !this.positions.has(keyOf(p.topic, p.partition)))
        .map((p) => ({ topic: p.topic, partition: p.partition, committedOffset: committed.get(keyOf(p.topic, p.partition)) ?? null })),
    );
    this.mode = 'assigned';
    this.wake?.();
  }

  assignment(): TopicPartition[] {
    return [...this.positions.values()].map(({ topic, partition }) => ({ topic, partition }));
  }

  /** Seeks (Kafka's seek()): the next poll returns these partitions from these offsets. */
  seek(offsets: readonly { topic: string; partition: number; offset: number }[]): void {
    const targets = offsets.map((o) => ({ position: this.assigned(o.topic, o.partition), offset: o.offset }));
    for (const { position, offset } of targets) position.next = offset;
  }

  seekToBeginning(partitions: readonly TopicPartition[]): void {
    this.seekToEdge(partitions, (partition) => partition.logStartOffset);
  }

  seekToEnd(partitions: readonly TopicPartition[]): void {
    this.seekToEdge(partitions, (partition) => partition.highWatermark);
  }

  /** Commits the given offsets, or (none given) the position of every partition it owns: what it has consumed. */
  async commit(offsets: readonly OffsetCommit[] | undefined): Promise<void> {
    const commits = offsets ?? [...this.positions.values()].map((p) => ({ topic: p.topic, partition: p.partition, offset: p.next }));
    if (commits.length === 0) return;
    await this.send(commits);
    for (const c of commits) this.lastCommitted.set(keyOf(c.topic, c.partition), c.offset);
  }

  /** The group's committed offsets of `partitions` (default: those it owns); partitions without a commit are left out. */
  committed(partitions: readonly TopicPartition[] | undefined): CommittedOffset[] {
    const wanted = new Set((partitions ?? this.assignment()).map((p) => keyOf(p.topic, p.partition)));
    return this.ctx.groups.committedOffsets(this.groupId).filter((c) => wanted.has(keyOf(c.topic, c.partition)));
  }

  async poll(request: PollRequest, signal: AbortSignal): Promise<PollAnswer> {
    if (this.polling) throw new RunnelError('CONSUMER_ILLEGAL_STATE', 'A poll of this consumer instance is already waiting');
    if (this.mode === 'none') {
      throw new RunnelError('CONSUMER_ILLEGAL_STATE', 'Consumer is not subscribed to any topics or assigned any partitions');
    }
    this.autoCommit(undefined);
    this.polling = true;
    try {
      const out: PollOutput = { records: [], bytes: 0, maxBytes: request.maxBytes, full: false };
      const deadline = performance.now() + request.timeoutMs;
      for (let round = 0; ; round++) {
        await this.readAvailable(out);
        if (out.full || (out.records.length > 0 && out.bytes >= this.settings.fetchMinBytes)) break;
        const remainingMs = deadline - performance.now();
        if (remainingMs <= 0 || signal.aborted || this.closed || this.ctx.shutdownSignal.aborted || round > 10_000) break;
        await this.waitForData(remainingMs, signal);
      }
      return { records: out.records };
    } finally {
      this.polling = false;
    }
  }

  /** Deleted by the client or expired: commits (auto-commit), leaves the group, ends a waiting poll. */
  close(): void {
    if (this.closed) return;
    if (this.mode === 'subscribed') this.leaveGroup();
    else this.autoCommit(undefined);
    this.closed = true;
    this.mode = 'none';
    this.positions.clear();
    this.wake?.();
  }

  onAssigned(partitions: readonly AssignedPartition[]): void {
    if (this.closed) return;
    this.addPositions(partitions);
    this.wake?.();
  }

  onRevoked(partitions: readonly TopicPartition[]): void {
    if (this.closed) return;
    this.autoCommit(new Set(partitions.map((p) => keyOf(p.topic, p.partition))));
    for (const p of partitions) {
      const key = keyOf(p.topic, p.partition);
      this.positions.delete(key);
      this.lastCommitted.delete(key);
    }
    this.wake?.();
  }

  onRemoved(reason: string): void {
    if (this.closed) return;
    this.memberId = undefined;
    this.closed = true;
    this.mode = 'none';
    this.positions.clear();
    this.wake?.();
    this.ctx.removed(this, reason);
  }

  private leaveGroup(): void {
    this.autoCommit(undefined);
    if (this.memberId !== undefined) this.ctx.groups.leave(this.groupId, this.memberId);
    this.memberId = undefined;
    this.positions.clear();
    this.lastCommitted.clear();
  }

  private send(commits: readonly OffsetCommit[]): Promise<void> {
    if (this.mode === 'subscribed' && this.memberId !== undefined) return this.ctx.groups.commit(this.groupId, this.memberId, commits);
    return this.ctx.groups.commitUnassigned(this.groupId, commits);
  }

  /** Commits positions that moved since the last commit (only `only`'s partitions when given); failures are logged. */
  private autoCommit(only: Set<string> | undefined): void {
    if (!this.settings.autoCommit || this.mode === 'none') return;
    const commits: OffsetCommit[] = [];
    for (const [key, p] of this.positions) {
      if (only && !only.has(key)) continue;
      if (this.lastCommitted.get(key) === p.next) continue;
      commits.push({ topic: p.topic, partition: p.partition, offset: p.next });
    }
    if (commits.length === 0) return;
    for (const c of commits) this.lastCommitted.set(keyOf(c.topic, c.partition), c.offset);
    const forget = (error: unknown): void => {
      for (const c of commits) this.lastCommitted.delete(keyOf(c.topic, c.partition));
      logger.warn(`auto-commit of consumer ${this.name} in group '${this.groupId}' failed: ${(error as Error).message}`);
    };
    try {
      this.send(commits).catch(forget);
    } catch (error) {
      forget(error);
    }
  }

  private addPositions(partitions: readonly AssignedPartition[]): void {
    for (const p of partitions) {
      let partition: PartitionHandle;
      try {
        partition = this.ctx.topics.partition(p.topic, p.partition);
      } catch {
        continue; // deleted meanwhile: the coordinator revokes it on the topic change
      }
      const committed = p.committedOffset;
      const usable = committed !== null && committed >= partition.logStartOffset && committed <= partition.highWatermark;
      const key = keyOf(p.topic, p.partition);
      this.positions.set(key, { topic: p.topic, partition: p.partition, next: usable ? committed : this.reset(partition) });
      // Already the group's: auto-commit has nothing to say until it moves. A reset position is
      // committed at the next poll, as Kafka does, so the group keeps where `latest` was.
      if (usable) this.lastCommitted.set(key, committed);
    }
  }

  private assigned(topic: string, partition: number): Position {
    const position = this.positions.get(keyOf(topic, partition));
    if (!position) {
      throw new RunnelError(
        'UNKNOWN_TOPIC_OR_PARTITION',
        `PartitionHandle ${topic}-${partition} is not assigned to consumer instance ${this.name}`,
      );
    }
    return position;
  }

  private seekToEdge(partitions: readonly TopicPartition[], edge: (partition: PartitionHandle) => number): void {
    const positions = partitions.map((p) => this.assigned(p.topic, p.partition));
    for (const position of positions) {
      try {
        position.next = edge(this.ctx.topics.partition(position.topic, position.partition));
      } catch {
        // deleted meanwhile: the coordinator revokes it
      }
    }
  }

  /** auto.offset.reset: where to read without a usable position. */
  private reset(partition: PartitionHandle): number {
    return this.settings.autoOffsetReset === 'earliest' ? partition.logStartOffset : partition.highWatermark;
  }

  /** Reads what the owned partitions hold now into `out`, partitions taking turns from one poll to the next. */
  private async readAvailable(out: PollOutput): Promise<void> {
    const positions = [...this.positions.values()];
    const start = this.rotation++ % Math.max(1, positions.length);
    for (let i = 0; i < positions.length && !out.full; i++) {
      const position = positions[(start + i) % positions.length];
      let partition: PartitionHandle;
      try {
        partition = this.ctx.topics.partition(position.topic, position.partition);
      } catch {
        continue; // deleted meanwhile
      }
      const owned = (): boolean => this.positions.get(keyOf(position.topic, position.partition)) === position;
      const reader = { format: this.settings.format, reset: (p: PartitionHandle) => this.reset(p), owned };
      if (!(await readPartition(partition, position, out, reader))) return;
    }
  }

  /** Waits until an owned partition has data, the assignment changes, the client leaves or the time is up. */
  private async waitForData(timeoutMs: number, signal: AbortSignal): Promise<void> {
    const woken = new AbortController();
    this.wake = () => woken.abort();
    const stop = AbortSignal.any([woken.signal, signal, this.ctx.shutdownSignal]);
    const waits: Promise<unknown>[] = [new Promise((resolve) => stop.addEventListener('abort', resolve, { once: true }))];
    const timer = setTimeout(() => woken.abort(), timeoutMs);
    for (const position of this.positions.values()) {
      try {
        waits.push(this.ctx.topics.partition(position.topic, position.partition).waitForData(position.next, timeoutMs, stop));
      } catch {
        // deleted meanwhile
      }
    }
    try {
      await Promise.race(waits);
    } finally {
      clearTimeout(timer);
      this.wake = undefined;
      woken.abort(); // releases the other partitions' waits
    }
  }
}

function mutuallyExclusive(): RunnelError {
  return new RunnelError('CONSUMER_ILLEGAL_STATE', 'Subscription to topics, partitions and pattern are mutually exclusive.');
}
