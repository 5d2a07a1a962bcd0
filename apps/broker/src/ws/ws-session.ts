import { OffsetOutOfRangeError } from '@runnel/log';
import type { Acks } from '@runnel/replication';
import { RunnelError, badRequest, toApiError } from '../common/errors';
import { CommitFrame, CreditFrame, ProduceFrame, RawFrame, SubscribeFrame, parseJsonFrame, validateFrame } from './client-frames';
import { GroupMember, WsGroups } from './group-member';
import { resolvePlainStart } from './plain-start';
import { SessionSecurity, WsSecurity } from './session-security';
import { SessionWatches, WsChangeFeed } from './session-watches';
import { Subscription, SubscriptionPartition } from './subscription';
import type { OutboundConnection } from './outbound-budget';
import { WsLimits } from './ws-limits';

/**
 * One WebSocket connection: its subscriptions, its produce requests, and the scheduler that
 * turns them into frames. Plain TypeScript over three seams (the socket, the topics, the
 * producer) so it is unit-tested without Nest or a network.
 *
 * Delivery: runnable subscriptions (credit left, a partition below its HW) wait in a FIFO run
 * queue; one pump builds one records frame at a time, sends it, and puts the subscription back
 * at the tail — round-robin, so subscriptions share the socket fairly, and within one the
 * partitions take turns (Subscription). The pump stops while the socket holds more than
 * `bufferedBytesHigh` unsent bytes (or the broker-wide OutboundBudget says no) and resumes from
 * a send callback or the budget's `wake()`; caught-up subscriptions are woken by their
 * partitions' HW listeners. Inbound produce frames stop being read while the socket's unsent
 * answers are over `bufferedBytesHigh`. Memory per connection is therefore bounded whatever the
 * client's speed; a client that reads nothing is closed by the budget's sweep (slow consumer).
 * `close()` (socket gone) stops every subscription and drops later results.
 *
 * Metadata watches (`watch` / `unwatch`, SessionWatches) ride on the same socket and share the
 * `sub` names; their `changes` frames go through the same send path, and close() ends them too.
 *
 * A subscription with `group` is a consumer-group member (GroupMember): the coordinator adds and
 * removes its partitions, and the session feeds the member what it needs to know what may be
 * committed (frames sent, credit returned) and that the client is alive (`heartbeat`).
 *
 * Errors are frames `{"type":"error","sub"?,"error_code","message"}` (plus `ref` for produce);
 * the socket stays open. A subscription whose read fails (retention passed its position: 416;
 * topic deleted: 40403) gets an error frame and ends.
 *
 * Security (SessionSecurity, DESIGN.md "Security"): the socket's Caller was authenticated at
 * the upgrade; every request is authorized by the broker's one AccessControl — subscribe READ on
 * the topic (and READ on the group), commit READ on the group, produce WRITE on the topic — and a
 * denial is an error frame 40301 for that `sub` / `ref`, the socket staying open. Authorization
 * comes before anything that would tell whether a topic exists. An ACL change re-checks every
 * open subscription at once: one whose READ is gone ends with 40301 (a group member leaves its
 * group); a records frame is also only sent while its topics are readable. Quotas: after each
 * records frame the subscription pauses for what `recordConsume` answers; after each produce
 * frame the socket's produce frames stop being read for what `recordProduce` answers.
 */
export interface FrameSink {
  /** Sends a text frame (a string, or its UTF-8 bytes); `done` runs once it is handed to the kernel (or failed). */
  send(text: string | Buffer, done: (error?: Error) => void): void;
  readonly bufferedAmount: number;
  /** Stop / restart reading inbound frames (produce backpressure). */
  pause(): void;
  resume(): void;
}

export interface WsTopics {
  /** Partition count of the topic; throws 40403 for an unknown topic. */
  partitionCount(topic: string): number;
  /** Every topic name (to resolve a group member's `topic_prefix` to the topics its caller may read). */
  topicNames?(): Iterable<string>;
  /** The led partition; throws 40403 for an unknown partition. */
  partition(
    topic: string,
    partition: number,
  ): SubscriptionPartition & {
    offsetForTimestamp(timestampMs: number): Promise<{ offset: number } | null>;
  };
}

export interface WsProducer {
  produceJson(topic: string, records: unknown[], acks: Acks): Promise<unknown[]>;
}

export interface WsMetrics {
  fetched(topic: string, records: number, bytes: number): void;
  wsSubscriptionOpened(): void;
  wsSubscriptionClosed(): void;
}

export type { WsAccess, WsQuotas, WsSecurity } from './session-security';
export type { WsChangeFeed } from './session-watches';

export class WsSession {
  private readonly subscriptions = new Map<string, Subscription>();
  /** The group members among the subscriptions, by sub. */
  private readonly members = new Map<string, GroupMember>();
  /** Subscribes still resolving their offsets: their names are taken (duplicates refused). */
  private readonly pending = new Set<string>();
  private readonly cancelled = new Set<string>();
  private readonly runQueue: Subscription[] = [];
  private pumping = false;
  private waitingForDrain = false;
  private producesInFlight = 0;
  /** Why inbound frames are not read: too many produces in flight, and/or too many unsent answers. */
  private readonly pausedFor = new Set<'produces' | 'outbound' | 'quota'>();
  /** Subscriptions paused by their consume quota, with the timer that resumes them. */
  private readonly throttled = new Map<Subscription, NodeJS.Timeout>();
  private produceQuotaTimer: NodeJS.Timeout | undefined;
  private readonly guard: SessionSecurity;
  /** Metadata watches (`watch` / `unwatch`); they share the `sub` names with the subscriptions. */
  private readonly watches: SessionWatches;
  private closed = false;
  private readonly onSent = (): void => {
    this.outbound?.refresh();
    if (this.pausedFor.has('outbound') && this.sink.bufferedAmount < this.limits.bufferedBytesHigh) this.setPaused('outbound', false);
    if (this.waitingForDrain && this.mayWrite()) {
      this.waitingForDrain = false;
      this.pump();
    }
  };
  private readonly onReady = (subscription: Subscription): void => this.schedule(subscription);

  constructor(
    private readonly sink: FrameSink,
    private readonly topics: WsTopics,
    private readonly producer: WsProducer | undefined,
    private readonly metrics: WsMetrics,
    private readonly limits: WsLimits,
    private readonly groups?: WsGroups,
    private readonly clientHost = '',
    private readonly outbound?: OutboundConnection,
    security?: WsSecurity,
    changes?: WsChangeFeed,
  ) {
    this.guard = new SessionSecurity(security, () => this.recheckAccess(), limits.maxPartitionsPerSubscription);
    this.watches = new SessionWatches(
      changes,
      security?.caller,
      {
        send: (text) => this.send(text),
        writable: () => this.sink.bufferedAmount < this.limits.bufferedBytesHigh,
        sendError: (error, sub) => this.sendError(error, { sub }),
        subscriptionNamed: (sub) => this.subscriptions.has(sub) || this.pending.has(sub),
      },
      limits.maxWatches,
    );
  }

  /** The outbound budget has room again (this session was refused for the broker-wide total). */
  wake(): void {
    this.onSent();
  }

  get subscriptionCount(): number {
    return this.subscriptions.size;
  }

  /** One inbound frame. Never throws: every failure becomes an error frame. */
  handleFrame(data: Buffer | string, isBinary: boolean): void {
    if (this.closed) return;
    let raw: RawFrame | undefined;
    try {
      raw = parseJsonFrame(data, isBinary);
      const frame = validateFrame(raw, this.limits);
      if (frame.type === 'produce') {
        void this.produce(frame, typeof data === 'string' ? Buffer.byteLength(data) : data.length);
        return;
      }
      switch (frame.type) {
        case 'subscribe':
          void this.subscribe(frame);
          return;
        case 'credit':
          this.credit(frame);
          return;
        case 'commit':
          void this.commit(frame);
          return;
        case 'unsubscribe':
          this.unsubscribe(frame.sub);
          return;
        case 'watch':
          this.watches.watch(frame);
          return;
        case 'unwatch':
          this.watches.unwatch(frame.sub);
          return;
      }
    } catch (error) {
      this.sendError(error, raw);
    }
  }

  /**
   * The socket closed: stop everything, release listeners, drop whatever is still running.
   * Group members leave their groups at once (after committing what was credited, with auto_commit);
   * at broker shutdown they are detached instead (see GroupMember.detach).
   */
  close(cause: 'socket' | 'shutdown' = 'socket'): void {
    if (this.closed) return;
    this.closed = true;
    this.guard.close();
    this.watches.close();
    clearTimeout(this.produceQuotaTimer);
    // At shutdown members are detached, not removed: they are restored after the restart.
    if (cause === 'shutdown') for (const member of this.members.values()) member.detach();
    for (const subscription of this.subscriptions.values()) this.endSubscription(subscription);
    this.runQueue.length = 0;
  }

  /** The peer is alive (a pong or any frame): renews the session of its group memberships. */
  heartbeat(): void {
    for (const member of this.members.values()) member.heartbeat();
  }

  private async subscribe(requested: SubscribeFrame): Promise<void> {
    let frame = requested;
    const { sub } = frame;
    if (this.subscriptions.has(sub) || this.pending.has(sub) || this.watches.has(sub)) {
      this.sendError(badRequest(`subscription '${sub}' already exists on this connection`), { sub });
      return;
    }
    if (this.subscriptions.size + this.pending.size >= this.limits.maxSubscriptions) {
      this.sendError(badRequest(`at most ${this.limits.maxSubscriptions} subscriptions per connection`), { sub });
      return;
    }
    try {
      frame = this.guard.authorizeSubscribe(frame, this.topics.topicNames?.bind(this.topics));
    } catch (error) {
      this.sendError(error, { sub });
      return;
    }
    if (frame.group) {
      this.subscribeGroup(frame);
      return;
    }
    this.pending.add(sub);
    let start: { state: SubscriptionPartition; offset: number }[];
    try {
      start = await resolvePlainStart(frame, this.topics, this.limits);
    } catch (error) {
      if (!this.cancelled.delete(sub)) this.sendError(error, { sub });
      return;
    } finally {
      this.pending.delete(sub);
    }
    if (this.closed || this.cancelled.delete(sub)) return;
    // Revoked while the start was resolving: the subscription never opens.
    if (!this.guard.allows('READ', 'TOPIC', frame.topic)) {
      this.sendError(this.guard.denial('READ', 'TOPIC', frame.topic), { sub });
      return;
    }
    const subscription = new Subscription(
      sub,
      frame.topic,
      start,
      frame.credit,
      frame.format,
      this.limits.recordsFrameReadBytes,
      this.onReady,
    );
    this.subscriptions.set(sub, subscription);
    this.metrics.wsSubscriptionOpened();
    this.send(JSON.stringify({ type: 'subscribed', sub, assignment: subscription.assignment() }));
    this.schedule(subscription);
  }

  /** Joins the group: synchronous, so no listener callback can come before the member exists. */
  private subscribeGroup(frame: SubscribeFrame): void {
    if (!this.groups) {
      this.sendError(new RunnelError('RETRIABLE', 'consumer groups are not available on this broker'), { sub: frame.sub });
      return;
    }
    const member = new GroupMember(frame, {
      groups: this.groups,
      partition: (topic, partition) => this.topics.partition(topic, partition),
      send: (f) => this.send(JSON.stringify(f)),
      schedule: (subscription) => this.schedule(subscription),
      removed: (m, reason, cause) => {
        if (this.members.get(m.subscription.sub) !== m) return;
        this.members.delete(m.subscription.sub);
        this.subscriptions.delete(m.subscription.sub);
        this.metrics.wsSubscriptionClosed();
        this.sendError(cause ?? new RunnelError('CONFLICT', reason), { sub: m.subscription.sub });
      },
      limits: this.limits,
      clientHost: this.clientHost,
    });
    let subscription: Subscription;
    try {
      subscription = member.join(this.onReady);
    } catch (error) {
      this.sendError(error, { sub: frame.sub });
      return;
    }
    this.subscriptions.set(frame.sub, subscription);
    this.members.set(frame.sub, member);
    this.metrics.wsSubscriptionOpened();
    this.send(JSON.stringify(member.subscribedFrame()));
    this.schedule(subscription);
  }

  /**
   * After an ACL change: every open subscription whose READ (on a topic it delivers, or on its
   * group) is gone ends with 40301.
   */
  private recheckAccess(): void {
    if (this.closed) return;
    for (const subscription of [...this.subscriptions.values()]) {
      const member = this.members.get(subscription.sub);
      const topics = new Set(subscription.positionsNow().map((p) => p.topic));
      if (!member) topics.add(subscription.topic);
      const denial = this.guard.recheck({ topics, groupId: member?.groupId });
      if (denial !== null) this.revoke(subscription, denial);
    }
  }

  /** Ends a subscription whose READ was revoked: its member leaves the group, the client gets 40301. */
  private revoke(subscription: Subscription, error: unknown): void {
    if (subscription.isClosed || this.subscriptions.get(subscription.sub) !== subscription) return;
    this.subscriptions.delete(subscription.sub);
    this.endSubscription(subscription);
    this.sendError(error, { sub: subscription.sub });
  }

  private async commit(frame: CommitFrame): Promise<void> {
    const context = { sub: frame.sub, ref: frame.ref };
    const member = this.members.get(frame.sub);
    if (!member) {
      this.sendError(
        badRequest(
          this.subscriptions.has(frame.sub)
            ? `subscription '${frame.sub}' has no "group": nothing to commit to`
            : `unknown subscription '${frame.sub}'`,
        ),
        context,
      );
      return;
    }
    try {
      this.guard.require('READ', 'GROUP', member.groupId);
      const offsets = await member.commit(frame.offsets);
      if (!this.closed) {
        const answer: Record<string, unknown> = { type: 'committed', sub: frame.sub };
        if (frame.ref !== undefined) answer.ref = frame.ref;
        answer.offsets = offsets.map((o) => ({ topic: o.topic, partition: o.partition, offset: o.offset }));
        this.send(JSON.stringify(answer));
      }
    } catch (error) {
      this.sendError(error, context);
    }
  }

  private credit(frame: CreditFrame): void {
    const subscription = this.subscriptions.get(frame.sub);
    if (!subscription) {
      if (this.pending.has(frame.sub)) throw badRequest(`subscription '${frame.sub}' is not subscribed yet: wait for "subscribed"`);
      throw badRequest(`unknown subscription '${frame.sub}'`);
    }
    if (!subscription.grant(frame.records, this.limits.maxCredit)) {
      throw badRequest(
        `credit for '${frame.sub}' would exceed ${this.limits.maxCredit} records (${subscription.remainingCredit} outstanding); nothing was granted`,
      );
    }
    this.members.get(frame.sub)?.credited(frame.records);
    this.schedule(subscription);
  }

  private unsubscribe(sub: string): void {
    const subscription = this.subscriptions.get(sub);
    if (subscription) {
      this.subscriptions.delete(sub);
      this.endSubscription(subscription);
    } else if (this.pending.has(sub)) {
      this.cancelled.add(sub);
    } else {
      throw badRequest(`unknown subscription '${sub}'`);
    }
  }

  private endSubscription(subscription: Subscription): void {
    if (subscription.isClosed) return;
    const timer = this.throttled.get(subscription);
    if (timer) {
      clearTimeout(timer);
      this.throttled.delete(subscription);
    }
    const member = this.members.get(subscription.sub);
    if (member?.subscription === subscription) {
      this.members.delete(subscription.sub);
      member.leave();
    }
    subscription.close();
    this.metrics.wsSubscriptionClosed();
  }

  private async produce(frame: ProduceFrame, bytes: number): Promise<void> {
    if (!this.producer) {
      this.sendError(new RunnelError('RETRIABLE', 'produce over WebSocket is not available on this broker yet'), { ref: frame.ref });
      return;
    }
    try {
      this.guard.require('WRITE', 'TOPIC', frame.topic);
    } catch (error) {
      this.sendError(error, { ref: frame.ref });
      return;
    }
    this.producesInFlight++;
    if (this.producesInFlight >= this.limits.maxProducesInFlight) this.setPaused('produces', true);
    // A client that sends produce frames but does not read the answers: stop reading its frames.
    if (this.sink.bufferedAmount >= this.limits.bufferedBytesHigh) this.setPaused('outbound', true);
    try {
      const results = await this.producer.produceJson(frame.topic, frame.records, frame.acks);
      if (!this.closed) this.send(JSON.stringify({ type: 'produced', ref: frame.ref, results }));
    } catch (error) {
      this.sendError(error, { ref: frame.ref });
    } finally {
      this.producesInFlight--;
      if (this.producesInFlight < this.limits.maxProducesInFlight) this.setPaused('produces', false);
      this.throttleProduce(bytes);
    }
  }

  /** Kafka's produce throttling: the frame was served; further produce frames wait out the delay. */
  private throttleProduce(bytes: number): void {
    if (this.closed) return;
    const delayMs = this.guard.produceDelayMs(bytes);
    if (delayMs <= 0) return;
    this.setPaused('quota', true);
    clearTimeout(this.produceQuotaTimer);
    this.produceQuotaTimer = setTimeout(() => this.setPaused('quota', false), delayMs);
    this.produceQuotaTimer.unref();
  }

  /** Kafka's fetch throttling: the frame went out; this subscription sends nothing more for the delay. */
  private throttleConsume(subscription: Subscription, bytes: number): void {
    const delayMs = this.guard.consumeDelayMs(bytes);
    if (delayMs <= 0) return;
    subscription.throttledUntil = Date.now() + delayMs;
    const timer = setTimeout(() => {
      this.throttled.delete(subscription);
      subscription.throttledUntil = 0;
      this.schedule(subscription);
    }, delayMs);
    timer.unref();
    this.throttled.set(subscription, timer);
  }

  private setPaused(reason: 'produces' | 'outbound' | 'quota', on: boolean): void {
    if (this.closed || this.pausedFor.has(reason) === on) return;
    const wasPaused = this.pausedFor.size > 0;
    if (on) this.pausedFor.add(reason);
    else this.pausedFor.delete(reason);
    const isPaused = this.pausedFor.size > 0;
    if (isPaused && !wasPaused) this.sink.pause();
    else if (!isPaused && wasPaused) this.sink.resume();
  }

  /** Room for one more records frame: this socket under its mark, and the broker-wide budget too. */
  private mayWrite(): boolean {
    if (this.sink.bufferedAmount >= this.limits.bufferedBytesHigh) return false;
    return this.outbound ? this.outbound.mayWrite() : true;
  }

  private schedule(subscription: Subscription): void {
    if (this.closed || subscription.queued || !subscription.runnable()) return;
    subscription.queued = true;
    this.runQueue.push(subscription);
    this.pump();
  }

  private pump(): void {
    if (this.pumping || this.closed) return;
    this.pumping = true;
    void this.runPump();
  }

  private async runPump(): Promise<void> {
    try {
      while (!this.closed && this.runQueue.length > 0) {
        if (!this.mayWrite()) {
          this.waitingForDrain = true; // onSent (or the budget's wake) restarts the pump
          return;
        }
        const subscription = this.runQueue.shift()!;
        subscription.queued = false;
        if (!subscription.runnable()) continue;
        await this.deliver(subscription);
        if (subscription.runnable() && !subscription.queued) {
          subscription.queued = true;
          this.runQueue.push(subscription);
        }
        // Let other connections and the produce path run between frames.
        await new Promise<void>((resolve) => setImmediate(resolve));
      }
    } finally {
      this.pumping = false;
    }
  }

  private async deliver(subscription: Subscription): Promise<void> {
    try {
      const frame = await subscription.nextFrame();
      if (!frame || this.closed || subscription.isClosed) return;
      const unreadable = this.guard.unreadable(frame.ends.map((end) => end.topic));
      if (unreadable !== undefined) {
        // Not sent: the subscription ends with the (audited) denial.
        this.revoke(subscription, this.guard.denial('READ', 'TOPIC', unreadable));
        return;
      }
      this.send(frame.text);
      this.throttleConsume(subscription, frame.text.length);
      this.members.get(subscription.sub)?.delivered(frame.records, frame.ends);
      this.metrics.fetched(subscription.topic, frame.records, frame.bytesRead);
    } catch (error) {
      if (this.closed || subscription.isClosed) return;
      this.subscriptions.delete(subscription.sub);
      this.endSubscription(subscription);
      this.sendError(this.readFailure(error, subscription), { sub: subscription.sub });
    }
  }

  private readFailure(error: unknown, subscription: Subscription): unknown {
    if (error instanceof OffsetOutOfRangeError) {
      // The same 416 as HTTP's (with earliest_offset and high_watermark), saying the subscription ended.
      const outOfRange = toApiError(error);
      return new RunnelError(
        outOfRange.kind,
        `subscription '${subscription.sub}' fell behind the log start (${outOfRange.message}); it has ended`,
        outOfRange.extra,
      );
    }
    try {
      this.topics.partitionCount(subscription.topic);
    } catch (gone) {
      return gone; // 40403: the topic was deleted under the subscription
    }
    return error;
  }

  private send(text: string | Buffer): void {
    this.sink.send(text, this.onSent);
    this.outbound?.queued(typeof text === 'string' ? Buffer.byteLength(text) : text.length);
    if (this.producesInFlight > 0 && this.sink.bufferedAmount >= this.limits.bufferedBytesHigh) this.setPaused('outbound', true);
  }

  private sendError(error: unknown, context: { sub?: unknown; ref?: unknown } | undefined): void {
    if (this.closed) return;
    const frame: Record<string, unknown> = { type: 'error' };
    if (typeof context?.sub === 'string') frame.sub = context.sub;
    if (context?.ref !== undefined && (typeof context.ref === 'string' || typeof context.ref === 'number')) frame.ref = context.ref;
    // The body HTTP would answer (error_code, message and any fields such as a 416's range).
    this.send(JSON.stringify({ ...frame, ...toApiError(error).toBody() }));
  }
}
