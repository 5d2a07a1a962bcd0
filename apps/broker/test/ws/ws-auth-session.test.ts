import { GroupCoordinator } from '@runnel/groups';
import { AclBinding, Authorizer, Operation, ResourceType } from '@runnel/security';
import { wsGroupsOf } from '../../src/groups/groups.service';
import { notAuthorized } from '../../src/security/access-control.service';
import { Caller, userCaller } from '../../src/security/caller';
import type { WsGroups } from '../../src/ws/group-member';
import type { WsAccess, WsQuotas } from '../../src/ws/ws-session';
import { DEFAULT_WS_LIMITS } from '../../src/ws/ws-limits';
import { WsSession } from '../../src/ws/ws-session';
import { Cluster, CountingMetrics, RecordingSink, frame } from './ws-test-kit';

/** The broker's authorizer semantics (libs/security) behind the session's seam, with ACL changes as AccessControl announces them. */
class TestAccess implements WsAccess {
  readonly enabled = true;
  private readonly authorizer = new Authorizer({ superUsers: [], allowEveryoneIfNoAclFound: false });
  private readonly listeners = new Set<() => void>();
  readonly denials: string[] = [];

  setAcls(bindings: AclBinding[]): void {
    this.authorizer.setBindings(bindings);
    for (const listener of this.listeners) listener();
  }

  allows(caller: Caller, operation: Operation, type: ResourceType, name: string): boolean {
    return this.authorizer.allowed(caller.principal, caller.host, operation, { type, name });
  }

  require(caller: Caller, operation: Operation, type: ResourceType, name: string): void {
    if (this.allows(caller, operation, type, name)) return;
    this.denials.push(`${operation} ${type}:${name}`);
    throw notAuthorized(caller, operation, type, name);
  }

  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  get listenerCount(): number {
    return this.listeners.size;
  }
}

const allow = (
  type: ResourceType,
  name: string,
  operation: Operation = 'READ',
  patternType: 'LITERAL' | 'PREFIXED' = 'LITERAL',
): AclBinding => ({
  resourceType: type,
  resourceName: name,
  patternType,
  principal: 'User:alice',
  host: '*',
  operation,
  permission: 'ALLOW',
});

/**
 * WsSession authorization beyond the first check (the e2e test covers subscribe/produce denials):
 * revocation of an open subscription (plain and group member), a prefix member assigned a topic
 * it may not read, and quota pauses.
 */
describe('WsSession: authorization and quotas', () => {
  let cluster: Cluster;
  let coordinator: GroupCoordinator;
  let groups: WsGroups;
  let access: TestAccess;
  const alice = userCaller('alice', '127.0.0.1', 'app-1', 'password');
  beforeEach(async () => {
    cluster = await Cluster.open({ t: 1, tx: 1, other: 1 });
    coordinator = new GroupCoordinator({
      offsetLog: { append: async () => undefined },
      catalog: { topics: () => cluster.partitionCounts() },
      limits: { minSessionTimeoutMs: 1 },
    });
    groups = wsGroupsOf(coordinator);
    access = new TestAccess();
  });
  afterEach(async () => {
    jest.useRealTimers();
    await cluster.close();
  });

  it('ends an open subscription with 40301 when its READ is revoked; other subscriptions go on', async () => {
    access.setAcls([allow('TOPIC', 't'), allow('TOPIC', 'other')]);
    const sink = new RecordingSink();
    const session = cluster.session(sink, { security: { caller: alice, access } });
    session.handleFrame(frame({ type: 'subscribe', sub: 's', topic: 't', from: 'earliest', format: 'string' }), false);
    session.handleFrame(frame({ type: 'subscribe', sub: 'o', topic: 'other', from: 'earliest', format: 'string' }), false);
    await sink.until(() => sink.of('subscribed').length === 2);
    await cluster.append('t', 0, ['a']);
    await sink.untilRecords('s', 1);

    access.setAcls([allow('TOPIC', 'other')]);
    expect(sink.of('error', 's')).toEqual([
      { type: 'error', sub: 's', error_code: 40301, message: expect.stringContaining("READ TOPIC 't'") },
    ]);
    expect(session.subscriptionCount).toBe(1);
    expect(access.denials).toEqual(['READ TOPIC:t']);

    await cluster.append('other', 0, ['still here']);
    await sink.untilRecords('o', 1);
    session.handleFrame(frame({ type: 'credit', sub: 's', records: 1 }), false);
    expect(sink.of('error', 's')[1].message).toMatch(/unknown subscription 's'/);
    session.close();
    expect(access.listenerCount).toBe(0);
  });

  it('a group member whose READ on the group is revoked ends with 40301 and leaves the group', async () => {
    access.setAcls([allow('TOPIC', 't'), allow('GROUP', 'g')]);
    const sink = new RecordingSink();
    const session = cluster.session(sink, { groups, security: { caller: alice, access } });
    session.handleFrame(frame({ type: 'subscribe', sub: 'm', group: 'g', topic: 't', from: 'earliest' }), false);
    await sink.until(() => sink.of('subscribed', 'm').length === 1);
    expect(coordinator.describeGroup('g').members).toHaveLength(1);

    access.setAcls([allow('TOPIC', 't')]);
    expect(sink.of('error', 'm')).toEqual([
      { type: 'error', sub: 'm', error_code: 40301, message: expect.stringContaining("READ GROUP 'g'") },
    ]);
    expect(coordinator.describeGroup('g').members).toEqual([]);
    session.close();
  });

  it('narrows a prefix subscription to the topics the caller may READ; none is 40301', async () => {
    access.setAcls([allow('TOPIC', 't'), allow('GROUP', 'g')]);
    const sink = new RecordingSink();
    const session = cluster.session(sink, { groups, security: { caller: alice, access } });
    session.handleFrame(frame({ type: 'subscribe', sub: 'm', group: 'g', topic_prefix: 't', from: 'earliest', format: 'string' }), false);
    await sink.until(() => sink.of('subscribed', 'm').length === 1);
    const assigned = [...sink.of('subscribed', 'm')[0].assignment, ...sink.of('assignment', 'm').flatMap((f) => f.assigned)];
    expect(assigned.map((p: { topic: string }) => p.topic)).toEqual(['t']);
    session.handleFrame(frame({ type: 'subscribe', sub: 'none', group: 'g', topic_prefix: 'oth', from: 'earliest' }), false);
    expect(sink.of('error', 'none')).toEqual([
      { type: 'error', sub: 'none', error_code: 40301, message: expect.stringContaining("READ TOPIC 'oth*'") },
    ]);
    session.close();
  });

  it('never sends records of an assigned topic the caller may not read: the member ends with 40301', async () => {
    access.setAcls([allow('TOPIC', 't'), allow('GROUP', 'g')]);
    const sink = new RecordingSink();
    // A topics seam that cannot list topics: the prefix is not narrowed, so the coordinator assigns tx too.
    const topics = { partitionCount: cluster.topics.partitionCount, partition: cluster.topics.partition };
    const session = new WsSession(sink, topics, undefined, new CountingMetrics(), DEFAULT_WS_LIMITS, groups, '127.0.0.1', undefined, {
      caller: alice,
      access,
    });
    session.handleFrame(frame({ type: 'subscribe', sub: 'm', group: 'g', topic_prefix: 't', from: 'earliest', format: 'string' }), false);
    await sink.until(() => sink.of('subscribed', 'm').length === 1);
    await cluster.append('tx', 0, ['secret']);
    await sink.until(() => sink.of('error', 'm').length === 1);
    expect(sink.of('error', 'm')[0]).toMatchObject({ error_code: 40301, message: expect.stringContaining("READ TOPIC 'tx'") });
    expect(sink.records('m')).toEqual([]);
    expect(coordinator.describeGroup('g').members).toEqual([]);
    session.close();
  });

  it('pauses a subscription for the delay its consume quota answers, then goes on', async () => {
    jest.useFakeTimers({ doNotFake: ['setImmediate', 'nextTick', 'queueMicrotask'] });
    access.setAcls([allow('TOPIC', 't')]);
    const consumed: number[] = [];
    const quotas: WsQuotas = {
      recordProduce: () => 0,
      recordConsume: (caller, bytes) => {
        expect(caller).toBe(alice);
        consumed.push(bytes);
        return 60_000;
      },
    };
    const sink = new RecordingSink();
    const session = cluster.session(sink, { security: { caller: alice, access, quotas } });
    session.handleFrame(frame({ type: 'subscribe', sub: 's', topic: 't', from: 'earliest', format: 'string', credit: 1 }), false);
    await sink.until(() => sink.of('subscribed').length === 1);
    await cluster.append('t', 0, ['a', 'b']);
    await sink.untilRecords('s', 1);
    session.handleFrame(frame({ type: 'credit', sub: 's', records: 1 }), false);
    // Paused: the credit and the waiting record do not make a frame until the delay has passed.
    for (let i = 0; i < 20; i++) await new Promise((resolve) => setImmediate(resolve));
    expect(sink.records('s')).toHaveLength(1);
    expect(consumed).toHaveLength(1);
    expect(consumed[0]).toBeGreaterThan(0);
    jest.advanceTimersByTime(60_000);
    await sink.untilRecords('s', 2);
    expect(sink.records('s').map((r) => r.value.data)).toEqual(['a', 'b']);
    session.close();
  });

  it('stops reading produce frames for the delay its produce quota answers', async () => {
    jest.useFakeTimers({ doNotFake: ['setImmediate', 'nextTick', 'queueMicrotask'] });
    access.setAcls([allow('TOPIC', 't', 'WRITE')]);
    const produced: number[] = [];
    const quotas: WsQuotas = { recordConsume: () => 0, recordProduce: (_caller, bytes) => (produced.push(bytes), 5_000) };
    const sink = new RecordingSink();
    const producer = { produceJson: async (_topic: string, records: unknown[]) => records.map(() => ({ partition_id: 0, offset: 0 })) };
    const session = cluster.session(sink, { producer, security: { caller: alice, access, quotas } });
    const text = frame({ type: 'produce', ref: 1, topic: 't', records: [{ value: { type: 'STRING', data: 'x' } }] });
    session.handleFrame(text, false);
    await sink.until(() => sink.of('produced').length === 1);
    expect(produced).toEqual([Buffer.byteLength(text)]);
    expect(sink.paused).toBe(true);
    jest.advanceTimersByTime(5_000);
    expect(sink.paused).toBe(false);
    session.close();
  });
});
