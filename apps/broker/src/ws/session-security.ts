import type { Operation, ResourceType } from '@runnel/security';
import { RunnelError } from '../common/errors';
import type { Caller } from '../security/caller';
import type { SubscribeFrame } from './client-frames';

/** The broker's authorizer as a WebSocket session uses it (AccessControl). */
export interface WsAccess {
  /** Authorization is on (RUNNEL_AUTH): a prefix subscription is narrowed to readable topics only then. */
  readonly enabled: boolean;
  /** Throws 40301 (and audits the denial) unless the caller may. */
  require(caller: Caller, operation: Operation, type: ResourceType, name: string): void;
  allows(caller: Caller, operation: Operation, type: ResourceType, name: string): boolean;
  /** Registers an ACL-change listener; returns its removal. */
  onChange(listener: () => void): () => void;
}

/** Client quotas as a session uses them (QuotaService): each answers how long to pause (ms). */
export interface WsQuotas {
  recordProduce(caller: Caller, bytes: number): number;
  recordConsume(caller: Caller, bytes: number): number;
}

/** Who the socket is (authenticated at the upgrade) and the broker's authorizer and quotas. */
export interface WsSecurity {
  caller: Caller;
  access: WsAccess;
  quotas?: WsQuotas;
}

/** What an open subscription reads, for the re-check after an ACL change. */
export interface GuardedSubscription {
  topics: Iterable<string>;
  groupId: string | undefined;
}

/**
 * One session's decisions (DESIGN.md "Security"), all through the broker's one AccessControl —
 * never a check of its own: subscribe needs READ on each named topic (and READ on the group),
 * commit READ on the group, produce WRITE on the topic. Denials are the audited 40301 that
 * `require` throws. READ per topic is remembered for the per-frame delivery check until the next
 * ACL change (bounded), when `onAclChange` runs. Without a WsSecurity (in-process tests without
 * the security module) everything is allowed.
 */
export class SessionSecurity {
  private readonly readable = new Map<string, boolean>();
  private readonly stopListening: (() => void) | undefined;

  constructor(
    private readonly security: WsSecurity | undefined,
    onAclChange: () => void,
    private readonly readableMax: number,
  ) {
    this.stopListening = security?.access.onChange(() => {
      this.readable.clear();
      onAclChange();
    });
  }

  get caller(): Caller | undefined {
    return this.security?.caller;
  }

  close(): void {
    this.stopListening?.();
  }

  /**
   * READ on each named topic and on the group (40301 otherwise). With authorization on, a
   * `topic_prefix` becomes the topics it matches now that the caller may READ (as the HTTP
   * consumers' patterns do; 40301 when there are none): a Kafka consumer only subscribes to the
   * topics its metadata shows it. Delivery checks READ again per frame.
   */
  authorizeSubscribe(frame: SubscribeFrame, topicNames: (() => Iterable<string>) | undefined): SubscribeFrame {
    if (!this.security) return frame;
    const group = frame.group;
    for (const topic of group ? group.topics : [frame.topic]) this.require('READ', 'TOPIC', topic);
    if (!group) return frame;
    this.require('READ', 'GROUP', group.groupId);
    if (group.topicPrefixes.length === 0 || !this.security.access.enabled || !topicNames) return frame;
    const topics = new Set(group.topics);
    for (const topic of topicNames()) {
      if (topic.startsWith('__') || !group.topicPrefixes.some((prefix) => topic.startsWith(prefix))) continue;
      if (this.allows('READ', 'TOPIC', topic)) topics.add(topic);
    }
    if (topics.size === 0) throw this.denied('READ', 'TOPIC', `${group.topicPrefixes[0]}*`);
    const named = [...topics];
    return { ...frame, topic: named[0], group: { ...group, topics: named, topicPrefixes: [] } };
  }

  /** Throws the audited 40301 unless the caller may. */
  require(operation: Operation, type: ResourceType, name: string): void {
    this.security?.access.require(this.security.caller, operation, type, name);
  }

  allows(operation: Operation, type: ResourceType, name: string): boolean {
    return !this.security || this.security.access.allows(this.security.caller, operation, type, name);
  }

  /** The audited 40301 of a denial decided elsewhere (a cached answer, a race). */
  denial(operation: Operation, type: ResourceType, name: string): unknown {
    try {
      this.require(operation, type, name);
    } catch (error) {
      return error;
    }
    return this.denied(operation, type, name);
  }

  /** The first of `topics` the caller may not READ (cached until the next ACL change), or undefined. */
  unreadable(topics: Iterable<string>): string | undefined {
    if (!this.security) return undefined;
    for (const topic of topics) {
      let allowed = this.readable.get(topic);
      if (allowed === undefined) {
        allowed = this.allows('READ', 'TOPIC', topic);
        if (this.readable.size >= this.readableMax) this.readable.clear();
        this.readable.set(topic, allowed);
      }
      if (!allowed) return topic;
    }
    return undefined;
  }

  /** Null when the subscription may still READ all it reads, else the (audited) 40301 that ends it. */
  recheck(subscription: GuardedSubscription): unknown {
    try {
      for (const topic of subscription.topics) this.require('READ', 'TOPIC', topic);
      if (subscription.groupId !== undefined) this.require('READ', 'GROUP', subscription.groupId);
      return null;
    } catch (error) {
      return error;
    }
  }

  /** How long to stop reading produce frames after `bytes` were produced (ms, 0 = not throttled). */
  produceDelayMs(bytes: number): number {
    return this.security?.quotas?.recordProduce(this.security.caller, bytes) ?? 0;
  }

  /** How long a subscription pauses after `bytes` were delivered (ms). */
  consumeDelayMs(bytes: number): number {
    return this.security?.quotas?.recordConsume(this.security.caller, bytes) ?? 0;
  }

  private denied(operation: Operation, type: ResourceType, name: string): RunnelError {
    const principal = this.security?.caller.principal ?? 'User:ANONYMOUS';
    return new RunnelError('NOT_AUTHORIZED', `${principal} is not authorized to ${operation} ${type} '${name}'`);
  }
}
