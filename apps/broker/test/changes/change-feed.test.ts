import type { GroupChangeKind } from '@runnel/groups';
import type { AclRecord } from '@runnel/metadata';
import { ChangeFeed } from '../../src/changes/change-feed.service';
import type { ChangeDelta } from '../../src/changes/change-types';
import type { Caller } from '../../src/security/caller';
import type { TopicChange } from '../../src/topics/topics.service';
import { SessionWatches } from '../../src/ws/session-watches';

/** ChangeFeed over fake sources (one class under test): what reaches a watch, and that watches leave nothing behind. */
function setup() {
  const topicListeners: ((change: TopicChange) => void)[] = [];
  const groupListeners: ((groupId: string, kind: GroupChangeKind) => void)[] = [];
  const aclListeners: (() => void)[] = [];
  let acls: AclRecord[] = [];
  const denied = new Set<string>();
  const topics = {
    clusterId: 'cluster-1',
    onChange: (listener: (change: TopicChange) => void) => topicListeners.push(listener),
    get: (name: string) => ({ name, partitionsCount: name.length }),
  };
  const groups = {
    onGroupChange: (listener: (groupId: string, kind: GroupChangeKind) => void) => groupListeners.push(listener),
    describe: () => ({ state: 'STABLE', members: [{}, {}] }),
  };
  const access = {
    get acls() {
      return acls;
    },
    onChange: (listener: () => void) => {
      aclListeners.push(listener);
      return () => undefined;
    },
    allows: (caller: Caller, operation: string, type: string, name: string) => !denied.has(`${caller.user} ${operation} ${type} ${name}`),
  };
  const metrics = { gaugeFrom: jest.fn() };
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- fakes of the three sources
  const feed = new ChangeFeed({ watchQueueMax: 100 } as any, topics as any, groups as any, access as any, metrics as any);
  feed.onModuleInit();
  return {
    feed,
    metrics,
    denied,
    topicChanged: (change: TopicChange) => topicListeners.forEach((l) => l(change)),
    groupChanged: (groupId: string, kind: GroupChangeKind) => groupListeners.forEach((l) => l(groupId, kind)),
    setAcls: (next: AclRecord[]) => {
      acls = next;
      aclListeners.forEach((l) => l());
    },
    listenerCounts: () => [topicListeners.length, groupListeners.length, aclListeners.length],
  };
}

const caller = (user: string): Caller => ({ principal: `User:${user}`, user, host: '127.0.0.1', clientId: undefined, via: 'password' });
const record = (id: number, principal: string): AclRecord => ({
  id,
  resourceType: 'TOPIC',
  resourceName: 'orders',
  patternType: 'LITERAL',
  principal,
  host: '*',
  operation: 'READ',
  permission: 'ALLOW',
});

/** A watch whose frames are collected; the test flushes by waiting out the 100 ms coalescing. */
function collect() {
  const deltas: ChangeDelta[] = [];
  let overflowed = 0;
  return {
    deltas,
    sink: { writable: () => true, deliver: (d: ChangeDelta[]) => deltas.push(...d), overflow: () => overflowed++ },
    get overflowed() {
      return overflowed;
    },
  };
}

beforeEach(() => jest.useFakeTimers());
afterEach(() => jest.useRealTimers());

describe('ChangeFeed', () => {
  it('turns topic, group and ACL changes into deltas for the watches that named their kind', () => {
    const t = setup();
    const all = collect();
    const topicsOnly = collect();
    t.feed.watch(caller('alice'), ['topics', 'groups', 'acls'], all.sink);
    t.feed.watch(caller('alice'), ['topics'], topicsOnly.sink);
    t.topicChanged({ kind: 'created', topic: 'abc' });
    t.topicChanged({ kind: 'partitions', topic: 'defg' });
    t.topicChanged({ kind: 'configs', topic: 'hi' });
    t.topicChanged({ kind: 'deleted', topic: 'old' });
    t.groupChanged('g1', 'created');
    t.groupChanged('g2', 'deleted');
    t.setAcls([record(1, 'User:a')]);
    t.setAcls([record(2, 'User:b')]);
    jest.advanceTimersByTime(100);
    const at = expect.any(Number);
    expect(all.deltas).toEqual([
      { resource: 'topic', op: 'created', name: 'abc', partitions_count: 3, at },
      { resource: 'topic', op: 'updated', name: 'defg', partitions_count: 4, at },
      { resource: 'topic', op: 'updated', name: 'hi', partitions_count: 2, at },
      { resource: 'topic', op: 'deleted', name: 'old', at },
      { resource: 'group', op: 'created', name: 'g1', state: 'STABLE', members: 2, at },
      { resource: 'group', op: 'deleted', name: 'g2', at },
      // User:a's binding came and went within one frame: nothing to say about it.
      {
        resource: 'acl',
        op: 'created',
        binding: expect.objectContaining({ kind: 'KafkaAcl', cluster_id: 'cluster-1', principal: 'User:b' }),
        at,
      },
    ]);
    expect(topicsOnly.deltas.map((d) => d.resource)).toEqual(['topic', 'topic', 'topic', 'topic']);
  });

  it('gives each watch only what its caller may DESCRIBE now (the TOPIC, the GROUP, the CLUSTER for ACLs)', () => {
    const t = setup();
    const bob = collect();
    t.feed.watch(caller('bob'), ['topics', 'groups', 'acls'], bob.sink);
    t.denied.add('bob DESCRIBE TOPIC secret');
    t.denied.add('bob DESCRIBE GROUP hidden');
    t.denied.add('bob DESCRIBE CLUSTER kafka-cluster');
    t.topicChanged({ kind: 'created', topic: 'secret' });
    t.topicChanged({ kind: 'created', topic: 'open' });
    t.groupChanged('hidden', 'created');
    t.groupChanged('seen', 'updated');
    t.setAcls([record(1, 'User:a')]);
    jest.advanceTimersByTime(100);
    expect(bob.deltas.map((d) => (d.resource === 'acl' ? 'acl' : `${d.resource} ${d.name}`))).toEqual(['topic open', 'group seen']);
  });

  it('registers its source listeners once: many watch/unwatch cycles and closed sessions leave no watch and no listener', () => {
    const t = setup();
    expect(t.listenerCounts()).toEqual([1, 1, 1]);
    const sent: string[] = [];
    for (let i = 0; i < 1000; i++) {
      const watches = new SessionWatches(
        t.feed,
        caller('alice'),
        { send: (text) => sent.push(text), writable: () => true, sendError: () => undefined, subscriptionNamed: () => false },
        10,
      );
      watches.watch({ type: 'watch', sub: 'w1', resources: ['topics'] });
      watches.watch({ type: 'watch', sub: 'w2', resources: ['groups', 'acls'] });
      expect(t.feed.watcherCount).toBe(2);
      watches.unwatch('w1');
      expect(t.feed.watcherCount).toBe(1);
      watches.close(); // the socket closed with w2 still open
      expect(t.feed.watcherCount).toBe(0);
    }
    expect(t.listenerCounts()).toEqual([1, 1, 1]);
    expect(sent.filter((s) => JSON.parse(s).type === 'watching')).toHaveLength(2000);
    // The gauge reads the same count.
    const gauge = t.metrics.gaugeFrom.mock.calls.find((c) => c[0] === 'runnel_change_watchers');
    expect(gauge[2]()).toBe(0);
  });

  it('an overflowing watch leaves the feed; the others carry on', () => {
    const t = setup();
    const slow = collect();
    const fine = collect();
    t.feed.watch(caller('alice'), ['topics'], { ...slow.sink, writable: () => false });
    t.feed.watch(caller('alice'), ['topics'], fine.sink);
    // The slow one's socket never drains: its deltas pile up while the other's go out every 100 ms.
    for (let i = 0; i < 60; i++) t.topicChanged({ kind: 'created', topic: `t${i}` });
    jest.advanceTimersByTime(100);
    expect(slow.overflowed).toBe(0);
    for (let i = 60; i < 120; i++) t.topicChanged({ kind: 'created', topic: `t${i}` });
    expect(slow.overflowed).toBe(1);
    expect(t.feed.watcherCount).toBe(1);
    jest.advanceTimersByTime(100);
    expect(fine.deltas).toHaveLength(120);
    expect(slow.deltas).toHaveLength(0);
  });
});
