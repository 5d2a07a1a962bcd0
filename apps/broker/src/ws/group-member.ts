import { Logger } from '@nestjs/common';
import type { AssignedPartition, JoinRequest, JoinResult, MemberListener, OffsetCommit, TopicPartition } from '@runnel/groups';
import { badRequest } from '../common/errors';
import { GroupSubscribe, SubscribeFrame } from './client-frames';
import { PartitionNext, Subscription, SubscriptionMode, SubscriptionPartition, SubscriptionStart } from './subscription';
import { WsLimits } from './ws-limits';

/**
 * One WebSocket subscription that is a consumer-group member: the bridge between the group
 * coordinator (which decides what the member owns) and the Subscription (which delivers it).
 *
 * - Assignment: the coordinator's `onAssigned` adds partitions to the subscription, starting at
 *   the group's committed offset when it lies in the log, else at `from` (auto.offset.reset);
 *   `onRevoked` removes them before it returns, so their delivery has stopped when the
 *   `assignment` frame naming them goes out — and before any other member is given them.
 * - What is committable: records the client has both received and credited back. Every records
 *   frame is remembered (its record count and the positions after it) in a FIFO ledger; credit
 *   frames consume the ledger front to back, and a frame wholly paid for makes its positions
 *   committable. The ledger holds at most one entry per outstanding credited record, so it is
 *   bounded by the subscription's credit limit.
 * - auto_commit: every `autoCommitIntervalMs`, on revocation, and on leave (unsubscribe or socket
 *   close) the committable positions that changed are committed. A member removed by its session
 *   timeout commits nothing (it is fenced). At broker shutdown the member commits, then is
 *   detached, not removed: it is restored after the restart (as after a crash).
 */
export interface WsGroups {
  join(request: JoinRequest, listener: MemberListener): JoinResult;
  leave(groupId: string, memberId: string): void;
  /** The connection went away without leaving (broker shutdown): the member stays until rejoin or session timeout. */
  disconnect(groupId: string, memberId: string): void;
  heartbeat(groupId: string, memberId: string): void;
  commit(groupId: string, memberId: string, offsets: readonly OffsetCommit[]): Promise<void>;
}

export interface GroupMemberContext {
  groups: WsGroups;
  /** The led partition; throws for an unknown topic or partition. */
  partition(topic: string, partition: number): SubscriptionPartition;
  send(frame: object): void;
  schedule(subscription: Subscription): void;
  /**
   * The coordinator removed the member: the session ends the subscription with `cause` (e.g. a
   * retriable NOT_COORDINATOR after the coordinator moved) or, without one, a 40901 with `reason`.
   */
  removed(member: GroupMember, reason: string, cause?: Error): void;
  limits: WsLimits;
  clientHost: string;
}

const logger = new Logger('GroupMember');

interface LedgerEntry {
  records: number;
  ends: PartitionNext[];
}

const keyOf = (topic: string, partition: number): string => `${partition}:${topic}`;

export class GroupMember implements MemberListener {
  readonly group: GroupSubscribe;
  memberId = '';
  generation = 0;
  subscription!: Subscription;
  private readonly ledger: LedgerEntry[] = [];
  private ledgerHead = 0;
  /** Credited records not yet matched to a whole ledger entry. */
  private creditedUnmatched = 0;
  private readonly committable = new Map<string, PartitionNext>();
  private readonly lastCommitted = new Map<string, number>();
  private autoCommitTimer: NodeJS.Timeout | undefined;
  private active = false;

  constructor(
    private readonly frame: SubscribeFrame,
    private readonly ctx: GroupMemberContext,
  ) {
    this.group = frame.group!;
  }

  get groupId(): string {
    return this.group.groupId;
  }

  /** Joins the group (synchronous; throws the coordinator's refusal) and builds the subscription. */
  join(onReady: (subscription: Subscription) => void): Subscription {
    const g = this.group;
    const result = this.ctx.groups.join(
      {
        groupId: g.groupId,
        memberId: g.memberId,
        subscription: { topics: g.topics, topicPrefixes: g.topicPrefixes },
        assignor: g.assignor,
        sessionTimeoutMs: g.sessionTimeoutMs,
        clientId: g.clientId,
        clientHost: this.ctx.clientHost,
      },
      this,
    );
    this.memberId = result.memberId;
    this.generation = result.generation;
    const mode: SubscriptionMode = {
      recordTopics: true,
      cursor: false,
      dropClosedPartitions: true,
      onOutOfRange: (_topic, state) => this.resetOffset(state),
    };
    this.subscription = new Subscription(
      this.frame.sub,
      this.frame.topic,
      this.starts(result.assigned),
      this.frame.credit,
      this.frame.format,
      this.ctx.limits.recordsFrameReadBytes,
      onReady,
      mode,
    );
    this.active = true;
    if (g.autoCommit) {
      this.autoCommitTimer = setInterval(() => this.autoCommit(undefined), g.autoCommitIntervalMs);
      this.autoCommitTimer.unref();
    }
    return this.subscription;
  }

  /** The `subscribed` frame. */
  subscribedFrame(): object {
    return {
      type: 'subscribed',
      sub: this.frame.sub,
      group: this.groupId,
      member_id: this.memberId,
      generation: this.generation,
      assignment: this.subscription.assignment(),
    };
  }

  onAssigned(partitions: readonly AssignedPartition[]): void {
    if (!this.active) return;
    const starts = this.starts(partitions);
    this.subscription.add(starts);
    this.ctx.send({
      type: 'assignment',
      sub: this.frame.sub,
      assigned: starts.map((s) => ({ topic: s.topic, partition: s.state.partition, offset: s.offset })),
      revoked: [],
    });
    this.ctx.schedule(this.subscription);
  }

  onRevoked(partitions: readonly TopicPartition[]): void {
    if (!this.active) return;
    if (this.group.autoCommit) this.autoCommit(new Set(partitions.map((p) => keyOf(p.topic, p.partition))));
    this.subscription.remove(partitions);
    for (const p of partitions) {
      const key = keyOf(p.topic, p.partition);
      this.committable.delete(key);
      this.lastCommitted.delete(key);
    }
    // Frames delivered but not yet credited must not later make a revoked partition committable.
    for (let i = this.ledgerHead; i < this.ledger.length; i++) {
      const entry = this.ledger[i];
      entry.ends = entry.ends.filter((e) => !partitions.some((p) => p.partition === e.partition && p.topic === e.topic));
    }
    this.ctx.send({
      type: 'assignment',
      sub: this.frame.sub,
      assigned: [],
      revoked: partitions.map((p) => ({ topic: p.topic, partition: p.partition })),
    });
  }

  onRemoved(reason: string, cause?: Error): void {
    if (!this.active) return;
    this.stop();
    this.ctx.removed(this, reason, cause);
  }

  /** A records frame went out. */
  delivered(records: number, ends: PartitionNext[]): void {
    this.ledger.push({ records, ends });
  }

  /** The client credited `records` back: whole frames paid for become committable. */
  credited(records: number): void {
    this.creditedUnmatched += records;
    while (this.ledgerHead < this.ledger.length && this.ledger[this.ledgerHead].records <= this.creditedUnmatched) {
      const entry = this.ledger[this.ledgerHead++];
      this.creditedUnmatched -= entry.records;
      for (const end of entry.ends) this.committable.set(keyOf(end.topic, end.partition), end);
    }
    if (this.ledgerHead > 1024 && this.ledgerHead * 2 > this.ledger.length) {
      this.ledger.splice(0, this.ledgerHead);
      this.ledgerHead = 0;
    }
    // Credit beyond what was delivered is credit in advance, not a record processed.
    if (this.ledgerHead === this.ledger.length) this.creditedUnmatched = 0;
  }

  heartbeat(): void {
    if (!this.active) return;
    try {
      this.ctx.groups.heartbeat(this.groupId, this.memberId);
    } catch {
      // Removed meanwhile: onRemoved has ended (or will end) the subscription.
    }
  }

  /**
   * An explicit commit: the given offsets (a topic may be left out when the member reads one
   * topic), or every partition's delivered position. Resolves with what was committed.
   */
  async commit(
    offsets: { topic: string | undefined; partition: number; offset: number; metadata: string | undefined }[] | undefined,
  ): Promise<OffsetCommit[]> {
    let commits: OffsetCommit[];
    if (offsets === undefined) {
      commits = this.subscription.positionsNow().map((p) => ({ topic: p.topic, partition: p.partition, offset: p.next }));
    } else {
      commits = offsets.map((o) => ({
        topic: o.topic ?? this.singleTopic(),
        partition: o.partition,
        offset: o.offset,
        metadata: o.metadata,
      }));
    }
    if (commits.length === 0) return [];
    await this.ctx.groups.commit(this.groupId, this.memberId, commits);
    for (const c of commits) this.lastCommitted.set(keyOf(c.topic, c.partition), c.offset);
    return commits;
  }

  /** Leaves the group (unsubscribe or socket closed), committing what was credited first. */
  leave(): void {
    if (!this.active) return;
    if (this.group.autoCommit) this.autoCommit(undefined);
    this.stop();
    this.ctx.groups.leave(this.groupId, this.memberId);
  }

  /**
   * Broker shutdown: commits what was credited (auto_commit) and lets go of the member without
   * leaving, so after the restart it is restored like after a crash and may rejoin with its id.
   */
  detach(): void {
    if (!this.active) return;
    if (this.group.autoCommit) this.autoCommit(undefined);
    this.stop();
    this.ctx.groups.disconnect(this.groupId, this.memberId);
  }

  private stop(): void {
    this.active = false;
    clearInterval(this.autoCommitTimer);
    this.subscription?.close();
  }

  /** Commits the committable positions that changed (only `only`'s partitions when given). */
  private autoCommit(only: Set<string> | undefined): void {
    const commits: OffsetCommit[] = [];
    for (const [key, end] of this.committable) {
      if (only && !only.has(key)) continue;
      if (this.lastCommitted.get(key) === end.next) continue;
      commits.push({ topic: end.topic, partition: end.partition, offset: end.next });
    }
    if (commits.length === 0) return;
    for (const c of commits) this.lastCommitted.set(keyOf(c.topic, c.partition), c.offset);
    let pending: Promise<void>;
    try {
      pending = this.ctx.groups.commit(this.groupId, this.memberId, commits);
    } catch (error) {
      for (const c of commits) this.lastCommitted.delete(keyOf(c.topic, c.partition));
      logger.debug(`auto-commit of group '${this.groupId}' refused: ${(error as Error).message}`);
      return;
    }
    pending.catch((error: unknown) => {
      for (const c of commits) this.lastCommitted.delete(keyOf(c.topic, c.partition));
      logger.warn(`auto-commit of group '${this.groupId}' failed: ${(error as Error).message}`);
    });
  }

  private singleTopic(): string {
    const g = this.group;
    if (g.topics.length === 1 && g.topicPrefixes.length === 0) return g.topics[0];
    throw badRequest('commit.offsets[].topic is required when the subscription reads several topics');
  }

  private starts(partitions: readonly AssignedPartition[]): (SubscriptionStart & { topic: string })[] {
    const starts: (SubscriptionStart & { topic: string })[] = [];
    for (const p of partitions) {
      let state: SubscriptionPartition;
      try {
        state = this.ctx.partition(p.topic, p.partition);
      } catch {
        continue; // deleted meanwhile: the coordinator revokes it on the topic change
      }
      const committed = p.committedOffset;
      // A partition led by another broker (it has `sync`) may not have published its state here
      // yet (its high watermark reads 0): its committed offset is trusted, as Kafka's consumer
      // trusts it, and reading answers out-of-range (then auto.offset.reset) if it lies outside.
      const withinLog =
        committed !== null && committed >= state.logStartOffset && (committed <= state.highWatermark || state.sync !== undefined);
      const offset = withinLog ? committed : this.resetOffset(state);
      starts.push({ topic: p.topic, state, offset });
    }
    return starts;
  }

  /** auto.offset.reset: where to read without a usable committed offset. */
  private resetOffset(state: SubscriptionPartition): number {
    return this.frame.from.kind === 'earliest' ? state.logStartOffset : state.highWatermark;
  }
}
