import { GroupCoordinator, GroupError, type GroupCoordinatorOptions, type JoinRequest } from '@runnel/groups';
import { FakeCatalog, FakeClock, MemoryOffsetLog, RecordingListener, sub, tpString } from './fakes';

function setup(topics: Record<string, number> = { t: 6 }, options: Partial<GroupCoordinatorOptions> = {}) {
  const log = new MemoryOffsetLog();
  const catalog = new FakeCatalog(topics);
  const clock = new FakeClock();
  let next = 0;
  const coordinator = new GroupCoordinator({
    offsetLog: log,
    catalog,
    clock: clock.read,
    newMemberId: (clientId) => `${clientId}-${++next}`,
    ...options,
  });
  const join = (request: Partial<JoinRequest> & { clientId?: string }, listener = new RecordingListener()) => {
    const result = coordinator.join(
      { groupId: 'g', subscription: sub(['t']), clientId: 'c', clientHost: 'h', ...request } as JoinRequest,
      listener,
    );
    listener.joined(result.assigned);
    return { ...result, listener };
  };
  return { log, catalog, clock, coordinator, join };
}

function code(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    if (error instanceof GroupError) return error.code;
    throw error;
  }
  return 'no error';
}

function owners(coordinator: GroupCoordinator, group: string, topic: string, count: number): (string | null)[] {
  return Array.from({ length: count }, (_, p) => coordinator.owner(group, topic, p));
}

describe('GroupCoordinator membership', () => {
  it('3 members over 6 partitions get 2 each; what each is told matches the owners', () => {
    const { coordinator, join } = setup();
    const a = join({ clientId: 'a' });
    expect(a.assigned.map(tpString)).toEqual(['t/0', 't/1', 't/2', 't/3', 't/4', 't/5']);
    expect(a.assigned.every((p) => p.committedOffset === null)).toBe(true);
    const b = join({ clientId: 'b' });
    const c = join({ clientId: 'c' });
    for (const m of [a, b, c]) expect(m.listener.owned.size).toBe(2);
    for (let p = 0; p < 6; p++) {
      const owner = coordinator.owner('g', 't', p);
      const holders = [a, b, c].filter((m) => m.listener.owned.has(`t/${p}`));
      expect(holders.map((m) => m.memberId)).toEqual([owner]);
    }
    const description = coordinator.describeGroup('g');
    expect(description.state).toBe('STABLE');
    expect(description.assignor).toBe('cooperative-sticky');
    expect(description.members.map((m) => [m.memberId, m.assignment.length, m.connected])).toEqual([
      ['a-1', 2, true],
      ['b-2', 2, true],
      ['c-3', 2, true],
    ]);
    expect(c.listener.events).toEqual([]); // its own ownership came in the JoinResult only
  });

  it('revokes from the old owners before assigning to the new one', () => {
    const { join } = setup();
    const order: string[] = [];
    const a = join({ clientId: 'a' }, new RecordingListener(order, 'a'));
    const b = join({ clientId: 'b' }, new RecordingListener(order, 'b'));
    join({ clientId: 'c' }, new RecordingListener(order, 'c'));
    // a gave 3 to b, then a and b each gave one to c (told in the JoinResult).
    expect(order).toEqual(['a revoked t/3,t/4,t/5', 'a revoked t/2', 'b revoked t/5']);
    expect(a.listener.owned.size + b.listener.owned.size).toBe(4);
  });

  it('calls every onRevoked of a rebalance before any onAssigned (range shifts ranges)', () => {
    const { coordinator, join } = setup();
    const order: string[] = [];
    join({ clientId: 'b', assignor: 'range' }, new RecordingListener(order, 'b'));
    join({ clientId: 'c' }, new RecordingListener(order, 'c'));
    order.length = 0;
    const a = join({ clientId: 'a' }, new RecordingListener(order, 'a')); // sorts first: takes t/0-1
    expect(order).toEqual(['b revoked t/0,t/1', 'c revoked t/3', 'b assigned t/3']);
    expect(a.assigned.map(tpString)).toEqual(['t/0', 't/1']);
    expect(owners(coordinator, 'g', 't', 6)).toEqual(['a-3', 'a-3', 'b-1', 'b-1', 'c-2', 'c-2']);
  });

  it('on leave, the others take over and onAssigned carries the committed offsets', async () => {
    const { coordinator, join } = setup();
    const a = join({ clientId: 'a' });
    const b = join({ clientId: 'b' });
    const bOwned = [...b.listener.owned].map((s) => Number(s.split('/')[1]));
    await coordinator.commit(
      'g',
      b.memberId,
      bOwned.map((partition) => ({ topic: 't', partition, offset: 100 + partition })),
    );
    coordinator.leave('g', b.memberId);
    const assigned = a.listener.events.filter((e) => e.type === 'assigned').flatMap((e) => (e.type === 'assigned' ? e.partitions : []));
    expect(assigned.map((p) => [p.partition, p.committedOffset]).sort()).toEqual(bOwned.map((p) => [p, 100 + p]).sort());
    expect(owners(coordinator, 'g', 't', 6)).toEqual(Array(6).fill(a.memberId));
    expect(b.listener.events.filter((e) => e.type !== 'revoked')).toEqual([]); // no callback to the leaver
    coordinator.leave('g', b.memberId); // unknown now: no-op
    coordinator.leave('nope', 'x');
  });

  it('an auto-commit from onRevoked is where the new owner starts', () => {
    const { coordinator, join } = setup({ t: 2 });
    const a = join({ clientId: 'a' });
    a.listener.onRevokedHook = (partitions) =>
      void coordinator.commit(
        'g',
        a.memberId,
        partitions.map((p) => ({ ...p, offset: 77 })),
      );
    const b = join({ clientId: 'b' });
    expect(b.assigned).toEqual([{ topic: 't', partition: 1, committedOffset: 77 }]);
    expect(coordinator.committedOffset('g', 't', 1)).toBe(77);
  });

  it('validates joins', () => {
    const { coordinator, join } = setup({ t: 6 }, { limits: { maxMembersPerGroup: 2, maxGroups: 2, maxSubscribedTopics: 2 } });
    expect(code(() => join({ groupId: '' }))).toBe('INVALID_REQUEST');
    expect(code(() => join({ groupId: 'x'.repeat(256) }))).toBe('INVALID_REQUEST');
    expect(code(() => join({ subscription: sub([]) }))).toBe('INVALID_REQUEST');
    expect(code(() => join({ subscription: sub(['a', 'b'], ['c']) }))).toBe('INVALID_REQUEST');
    expect(code(() => join({ sessionTimeoutMs: 10 }))).toBe('INVALID_REQUEST');
    expect(code(() => join({ sessionTimeoutMs: 1e9 }))).toBe('INVALID_REQUEST');
    expect(code(() => join({ assignor: 'magic' }))).toBe('INVALID_REQUEST');
    expect(code(() => join({ memberId: 'ghost' }))).toBe('UNKNOWN_MEMBER');
    join({ assignor: 'range' });
    expect(code(() => join({ assignor: 'round-robin' }))).toBe('INCONSISTENT_ASSIGNOR');
    join({}); // no assignor named: the group's
    expect(code(() => join({}))).toBe('GROUP_FULL');
    join({ groupId: 'g2' });
    expect(code(() => join({ groupId: 'g3' }))).toBe('TOO_MANY_GROUPS');
    expect(coordinator.groupCount()).toBe(2);
    expect(coordinator.describeGroup('g').assignor).toBe('range');
    expect(coordinator.stats()).toMatchObject({ groups: 2, members: 3 });
  });

  it('an empty group takes the assignor of its next first member', () => {
    const { coordinator, join } = setup();
    const a = join({ assignor: 'range' });
    coordinator.leave('g', a.memberId);
    expect(coordinator.describeGroup('g').state).toBe('EMPTY');
    join({ assignor: 'round-robin' });
    expect(coordinator.describeGroup('g').assignor).toBe('round-robin');
  });

  it('prefixes match new topics but never internal ones; topicsChanged rebalances', () => {
    const { coordinator, catalog, join } = setup({ 'ev.a': 2, __internal: 3 });
    const a = join({ subscription: sub([], ['ev.', '__']) });
    expect(a.assigned.map(tpString)).toEqual(['ev.a/0', 'ev.a/1']);
    catalog.map.set('ev.b', 1);
    coordinator.topicsChanged();
    expect(a.listener.events).toEqual([{ type: 'assigned', partitions: [{ topic: 'ev.b', partition: 0, committedOffset: null }] }]);
    catalog.map.delete('ev.a');
    coordinator.topicsChanged();
    expect(a.listener.events[1]).toEqual({
      type: 'revoked',
      partitions: [
        { topic: 'ev.a', partition: 0 },
        { topic: 'ev.a', partition: 1 },
      ],
    });
    catalog.map.set('ev.b', 2); // partitions added
    coordinator.topicsChanged();
    expect(coordinator.owner('g', 'ev.b', 1)).toBe(a.memberId);
    const generation = coordinator.describeGroup('g').generation;
    coordinator.topicsChanged(); // nothing changed: no rebalance
    expect(coordinator.describeGroup('g').generation).toBe(generation);
  });

  it('bumps the group epoch on membership and assignment changes; member generation follows its assignment', () => {
    const { coordinator, join } = setup({ t: 4 });
    const a = join({});
    expect(a.generation).toBe(1);
    const b = join({});
    expect(b.generation).toBe(2);
    const d = coordinator.describeGroup('g');
    expect(d.generation).toBe(2);
    expect(d.members.map((m) => m.generation)).toEqual([2, 2]);
  });
  it('a rejoin by member id on a new connection stops the old one and keeps the partitions', () => {
    const { coordinator, join } = setup({ t: 4 });
    const a = join({ clientId: 'a' });
    join({ clientId: 'b' });
    const before = [...a.listener.owned].sort();
    expect(before).toHaveLength(2);
    const again = join({ clientId: 'a', memberId: a.memberId });
    expect(a.listener.events.at(-1)).toEqual({ type: 'removed', reason: expect.stringContaining('rejoined') });
    expect(again.memberId).toBe(a.memberId);
    expect(again.assigned.map(tpString).sort()).toEqual(before);
    expect(coordinator.describeGroup('g').members).toHaveLength(2);
    expect(coordinator.stats().members).toBe(2);
  });

  it('a listener that throws is reported and does not corrupt the group', () => {
    const errors: unknown[] = [];
    const { coordinator, join } = setup({ t: 4 }, { onListenerError: (error) => errors.push(error) });
    const a = join({});
    a.listener.onRevokedHook = () => {
      throw new Error('listener bug');
    };
    const b = join({});
    expect(errors).toHaveLength(1);
    expect(owners(coordinator, 'g', 't', 4).filter((o) => o === b.memberId)).toHaveLength(2);
  });
});

describe('GroupCoordinator commits and fencing', () => {
  it('accepts commits for owned partitions, durable when resolved', async () => {
    const { coordinator, join, log, clock } = setup({ t: 2 });
    const a = join({});
    await coordinator.commit('g', a.memberId, [{ topic: 't', partition: 0, offset: 5, metadata: 'x' }], a.generation);
    expect(coordinator.committedOffsets('g')).toEqual([
      { topic: 't', partition: 0, offset: 5, metadata: 'x', commitTimestampMs: clock.now },
    ]);
    expect(log.records.some((r) => r.key.toString() === '[1,"o","g","t",0]')).toBe(true);
    expect(coordinator.stats().commits).toBe(1);
  });

  it('fences removed members, partitions not owned and stale generations', () => {
    const { coordinator, join } = setup({ t: 2 });
    const a = join({});
    const b = join({});
    const aPartition = [...a.listener.owned][0].split('/')[1];
    const bPartition = Number([...b.listener.owned][0].split('/')[1]);
    expect(code(() => coordinator.commit('g', a.memberId, [{ topic: 't', partition: bPartition, offset: 1 }]))).toBe('FENCED');
    expect(
      code(() => coordinator.commit('g', a.memberId, [{ topic: 't', partition: Number(aPartition), offset: 1 }], a.generation - 1)),
    ).toBe('FENCED');
    expect(code(() => coordinator.commit('g', a.memberId, [{ topic: 't', partition: Number(aPartition), offset: -1 }]))).toBe(
      'INVALID_REQUEST',
    );
    expect(code(() => coordinator.commit('g', a.memberId, [{ topic: 't', partition: Number(aPartition), offset: 2 ** 60 }]))).toBe(
      'INVALID_REQUEST',
    );
    const tooMany = Array.from({ length: 10_001 }, () => ({ topic: 't', partition: 0, offset: 1 }));
    expect(code(() => coordinator.commit('g', a.memberId, tooMany))).toBe('INVALID_REQUEST');
    coordinator.leave('g', b.memberId);
    expect(code(() => coordinator.commit('g', b.memberId, [{ topic: 't', partition: bPartition, offset: 1 }]))).toBe('UNKNOWN_MEMBER');
    expect(code(() => coordinator.commit('nope', b.memberId, []))).toBe('UNKNOWN_GROUP');
    expect(coordinator.committedOffset('g', 't', bPartition)).toBeNull();
  });

  it('rejects the commit promise when the log fails, and counts it', async () => {
    const { coordinator, join, log } = setup({ t: 1 });
    const a = join({});
    log.failWith = new Error('disk full');
    await expect(coordinator.commit('g', a.memberId, [{ topic: 't', partition: 0, offset: 3 }])).rejects.toThrow('disk full');
    expect(coordinator.stats().commitErrors).toBe(1);
  });
});

describe('GroupCoordinator sessions', () => {
  it('expires members whose session timed out and gives their partitions to the others', () => {
    const { coordinator, join, clock } = setup({ t: 4 });
    const a = join({ sessionTimeoutMs: 30_000 });
    const b = join({ sessionTimeoutMs: 30_000 });
    clock.now += 9_000;
    coordinator.heartbeat('g', a.memberId);
    clock.now += 20_000;
    expect(coordinator.expireSessions()).toEqual([]);
    clock.now += 2_000; // b silent for 31 s
    expect(coordinator.expireSessions()).toEqual([b.memberId]);
    expect(b.listener.events.at(-1)).toEqual({ type: 'removed', reason: expect.stringContaining('session timeout') });
    expect(owners(coordinator, 'g', 't', 4)).toEqual(Array(4).fill(a.memberId));
    expect(a.listener.owned.size).toBe(4);
    expect(code(() => coordinator.heartbeat('g', b.memberId))).toBe('UNKNOWN_MEMBER');
    clock.now += 8_000; // a silent for 30 s: not yet
    expect(coordinator.expireSessions()).toEqual([]);
    clock.now += 1;
    expect(coordinator.expireSessions()).toEqual([a.memberId]);
    expect(coordinator.describeGroup('g').state).toBe('EMPTY');
  });
});

describe('GroupCoordinator sessions after a coordinator pause', () => {
  it('a check that runs late (the broker was stopped) extends every session by the delay instead of expiring', () => {
    const { coordinator, join, clock } = setup({ t: 2 }, { expiryIntervalMs: 1_000 });
    const a = join({ sessionTimeoutMs: 10_000 });
    expect(coordinator.expireSessions()).toEqual([]); // the first check sets the baseline
    clock.now += 1_000;
    expect(coordinator.expireSessions()).toEqual([]);
    clock.now += 20_000; // SIGSTOP for 20 s: no timer, no heartbeat was read
    expect(coordinator.expireSessions()).toEqual([]);
    expect(a.listener.events.some((e) => e.type === 'removed')).toBe(false);
    expect(coordinator.describeGroup('g').members.map((m) => m.memberId)).toEqual([a.memberId]);
    expect(coordinator.stats().pausesForgiven).toBe(1);
    // Once the broker runs again, silence is the member's own: only the 19 s past the expected
    // check were forgiven, so the session ends 10 s after join + 19 s.
    for (let i = 0; i < 8; i++) {
      clock.now += 1_000;
      expect(coordinator.expireSessions()).toEqual([]);
    }
    clock.now += 1_000;
    expect(coordinator.expireSessions()).toEqual([a.memberId]);
  });

  it('without expiryIntervalMs a late check expires as before', () => {
    const { coordinator, join, clock } = setup({ t: 2 });
    const a = join({ sessionTimeoutMs: 10_000 });
    expect(coordinator.expireSessions()).toEqual([]);
    clock.now += 20_000;
    expect(coordinator.expireSessions()).toEqual([a.memberId]);
  });
});

describe('GroupCoordinator rejoin', () => {
  it('accepts a rejoin with the member id of a member that left, within its session timeout only', () => {
    const { coordinator, join, clock } = setup({ t: 2 });
    const a = join({ sessionTimeoutMs: 10_000 });
    coordinator.leave('g', a.memberId); // the socket closed
    clock.now += 9_000;
    const again = join({ memberId: a.memberId, sessionTimeoutMs: 10_000 });
    expect(again.memberId).toBe(a.memberId);
    expect(again.assigned.map(tpString)).toEqual(['t/0', 't/1']);
    coordinator.leave('g', a.memberId);
    clock.now += 10_001;
    expect(code(() => join({ memberId: a.memberId }))).toBe('UNKNOWN_MEMBER');
    expect(code(() => join({ memberId: 'never-a-member' }))).toBe('UNKNOWN_MEMBER');
  });

  it('disconnect keeps the member and its partitions until it rejoins or its session times out', () => {
    const { coordinator, join, clock } = setup({ t: 2 });
    const a = join({ sessionTimeoutMs: 10_000 });
    coordinator.disconnect('g', a.memberId);
    expect(coordinator.describeGroup('g').members.map((m) => [m.memberId, m.connected, m.assignment.length])).toEqual([
      [a.memberId, false, 2],
    ]);
    const again = join({ memberId: a.memberId, sessionTimeoutMs: 10_000 });
    expect(again.assigned.map(tpString)).toEqual(['t/0', 't/1']);
    coordinator.disconnect('g', a.memberId);
    clock.now += 10_001;
    expect(coordinator.expireSessions()).toEqual([a.memberId]);
  });
});

describe('GroupCoordinator admin', () => {
  it('refuses reset and delete while the group has members', async () => {
    const { coordinator, join } = setup();
    const a = join({});
    expect(code(() => coordinator.resetOffsets('g', [{ topic: 't', partition: 0, offset: 0 }]))).toBe('GROUP_NOT_EMPTY');
    expect(code(() => coordinator.deleteGroup('g'))).toBe('GROUP_NOT_EMPTY');
    expect(code(() => coordinator.deleteGroup('nope'))).toBe('UNKNOWN_GROUP');
    coordinator.leave('g', a.memberId);
    await coordinator.resetOffsets('g', [{ topic: 't', partition: 0, offset: 12 }]);
    expect(coordinator.committedOffset('g', 't', 0)).toBe(12);
    await coordinator.deleteGroup('g');
    expect(code(() => coordinator.describeGroup('g'))).toBe('UNKNOWN_GROUP');
    expect(coordinator.committedOffset('g', 't', 0)).toBeNull();
  });

  it('reset creates an unknown group (within the group limit)', async () => {
    const { coordinator } = setup({ t: 1 }, { limits: { maxGroups: 1 } });
    await coordinator.resetOffsets('fresh', [{ topic: 't', partition: 0, offset: 3 }]);
    expect(coordinator.describeGroup('fresh')).toEqual({ groupId: 'fresh', state: 'EMPTY', assignor: null, generation: 0, members: [] });
    expect(code(() => coordinator.resetOffsets('other', []))).toBe('TOO_MANY_GROUPS');
  });

  it('topicDeleted tombstones the offsets of that topic in every group', async () => {
    const { coordinator, log } = setup({ t: 1, u: 1 });
    await coordinator.resetOffsets('g1', [
      { topic: 't', partition: 0, offset: 1 },
      { topic: 'u', partition: 0, offset: 2 },
    ]);
    await coordinator.resetOffsets('g2', [{ topic: 't', partition: 0, offset: 3 }]);
    await coordinator.topicDeleted('t');
    expect(coordinator.committedOffsets('g1').map(tpString)).toEqual(['u/0']);
    expect(coordinator.committedOffsets('g2')).toEqual([]);
    const tombstones = log.records.filter((r) => r.value === null).map((r) => r.key.toString());
    expect(tombstones.sort()).toEqual(['[1,"o","g1","t",0]', '[1,"o","g2","t",0]']);
  });

  it('lists groups sorted and paged', async () => {
    const { coordinator } = setup();
    for (const id of ['c', 'a', 'b', 'd']) await coordinator.resetOffsets(id, []);
    expect(coordinator.listGroups().map((g) => g.groupId)).toEqual(['a', 'b', 'c', 'd']);
    expect(coordinator.listGroups({ afterGroupId: 'a', limit: 2 }).map((g) => g.groupId)).toEqual(['b', 'c']);
    await coordinator.deleteGroup('b');
    expect(coordinator.listGroups({ afterGroupId: 'a', limit: 2 }).map((g) => g.groupId)).toEqual(['c', 'd']);
    expect(coordinator.listGroups({ afterGroupId: 'bb' }).map((g) => g.groupId)).toEqual(['c', 'd']);
    expect(coordinator.listGroups({ afterGroupId: 'd' })).toEqual([]);
    await coordinator.resetOffsets('b', []);
    expect(coordinator.listGroups().map((g) => g.groupId)).toEqual(['a', 'b', 'c', 'd']);
  });
});

describe('GroupCoordinator persistence', () => {
  it('a restarted coordinator load()ing every record has the same groups, assignments and offsets', async () => {
    const first = setup({ t: 4, u: 2 });
    const a = first.join({ clientId: 'a', subscription: sub(['t', 'u']) });
    const b = first.join({ clientId: 'b', subscription: sub(['t']) });
    await first.coordinator.commit(
      'g',
      a.memberId,
      [...a.listener.owned].map((s) => ({ topic: s.split('/')[0], partition: Number(s.split('/')[1]), offset: 9 })),
    );
    await first.coordinator.resetOffsets('idle', [{ topic: 'u', partition: 1, offset: 4 }]);
    const gone = first.join({ groupId: 'tmp' });
    first.coordinator.leave('tmp', gone.memberId);
    await first.coordinator.deleteGroup('tmp');
    await first.coordinator.flush();

    const second = setup({ t: 4, u: 2 });
    const garbage = { key: Buffer.from('junk'), value: null };
    expect(second.coordinator.load([...first.log.records, garbage])).toEqual({ records: first.log.records.length, skipped: 1, groups: 2 });
    const strip = (d: ReturnType<GroupCoordinator['describeGroup']>) => ({
      ...d,
      members: d.members.map((m) => ({ ...m, connected: false })),
    });
    expect(second.coordinator.listGroups()).toEqual(first.coordinator.listGroups().map(strip));
    expect(second.coordinator.describeGroup('g').members.every((m) => !m.connected)).toBe(true);
    for (const id of ['g', 'idle']) expect(second.coordinator.committedOffsets(id)).toEqual(first.coordinator.committedOffsets(id));
    expect(second.coordinator.listGroups().map((g) => g.groupId)).toEqual(['g', 'idle']);

    // A restored member rejoining by id keeps its partitions; the other expires later.
    const before = second.coordinator.describeGroup('g').members.find((m) => m.memberId === b.memberId)!.assignment;
    const rejoined = second.join({ memberId: b.memberId, clientId: 'b', subscription: sub(['t']) });
    expect(rejoined.assigned.map(tpString)).toEqual(before.map(tpString));
    second.clock.now += 45_000; // a silent exactly its session timeout: still in
    second.coordinator.heartbeat('g', b.memberId);
    expect(second.coordinator.expireSessions()).toEqual([]);
    second.clock.now += 1;
    expect(second.coordinator.expireSessions()).toEqual([a.memberId]);
    expect(owners(second.coordinator, 'g', 't', 4)).toEqual(Array(4).fill(b.memberId));
    // a's committed offsets survived and go with the partitions.
    expect(rejoined.listener.events.at(-1)).toEqual({
      type: 'assigned',
      partitions: expect.arrayContaining([expect.objectContaining({ topic: 't', committedOffset: 9 })]),
    });
  });

  it('unload lets go of the selected groups without writing; load takes them back from their records', async () => {
    const first = setup({ t: 2 });
    const a = first.join({ groupId: 'moves', clientId: 'a' });
    const b = first.join({ groupId: 'stays', clientId: 'b' });
    await first.coordinator.commit('moves', a.memberId, [{ topic: 't', partition: 0, offset: 7 }]);
    await first.coordinator.flush();
    const written = first.log.records.length;
    const cause = new Error('not the coordinator any more');

    expect(first.coordinator.unload((id) => id === 'moves', 'coordinator moved', cause)).toBe(1);
    expect(a.listener.events.at(-1)).toEqual({ type: 'removed', reason: 'coordinator moved', cause });
    expect(b.listener.events).toEqual([]);
    expect(first.coordinator.listGroups().map((g) => g.groupId)).toEqual(['stays']);
    expect(first.coordinator.stats()).toMatchObject({ groups: 1, members: 1 });
    expect(code(() => first.coordinator.describeGroup('moves'))).toBe('UNKNOWN_GROUP');
    expect(code(() => first.coordinator.commit('moves', a.memberId, [{ topic: 't', partition: 0, offset: 8 }]))).toBe('UNKNOWN_GROUP');
    await first.coordinator.flush();
    expect(first.log.records).toHaveLength(written);

    // Taking the group over again (its partition came back) restores it from its records only.
    const mine = first.log.records.filter((r) => r.key.toString().includes('"moves"'));
    expect(first.coordinator.load(mine)).toMatchObject({ groups: 1, skipped: 0 });
    expect(first.coordinator.listGroups().map((g) => g.groupId)).toEqual(['moves', 'stays']);
    expect(first.coordinator.committedOffset('moves', 't', 0)).toBe(7);
    expect(() => first.coordinator.load(mine)).toThrow(/already loaded/);
    const back = first.join({ groupId: 'moves', memberId: a.memberId, clientId: 'a' });
    expect(back.memberId).toBe(a.memberId);
  });

  it('coalesces metadata writes: one in flight per group, the latest state wins', async () => {
    const { coordinator, join, log } = setup({ t: 4 });
    log.hold = true;
    const joined = [join({}), join({}), join({})];
    const metadataWrites = () => log.appends.filter((a) => a.records[0].key.toString() === '[1,"g","g"]');
    expect(metadataWrites()).toHaveLength(1);
    log.hold = false;
    log.release();
    await coordinator.flush();
    expect(metadataWrites()).toHaveLength(2);
    const last = JSON.parse(metadataWrites()[1].records[0].value!.toString());
    expect(last.members.map((m: { member_id: string }) => m.member_id)).toEqual(joined.map((j) => j.memberId));
    expect(last.generation).toBe(coordinator.describeGroup('g').generation);
  });

  it('reports background write failures and writes the next state', async () => {
    const errors: Error[] = [];
    const { coordinator, join, log } = setup({ t: 1 }, { onPersistError: (e) => errors.push(e) });
    log.failWith = new Error('offline');
    join({});
    await coordinator.flush();
    expect(errors.map((e) => e.message)).toEqual(['offline']);
  });
});

describe('GroupCoordinator re-entrancy', () => {
  it('a listener that leaves from onRevoked gets no further callback and state stays consistent', () => {
    const { coordinator, join } = setup({ t: 4 });
    const a = join({ clientId: 'a' });
    a.listener.onRevokedHook = () => coordinator.leave('g', a.memberId);
    const b = join({ clientId: 'b' });
    // a left during its revoke: b ends up with everything, a never hears again.
    expect(a.listener.events.map((e) => e.type)).toEqual(['revoked']);
    expect(owners(coordinator, 'g', 't', 4)).toEqual(Array(4).fill(b.memberId));
    expect(b.listener.owned.size).toBe(4);
    expect(coordinator.describeGroup('g').members.map((m) => m.memberId)).toEqual([b.memberId]);
  });

  it('a listener that leaves from onAssigned, or joins another member from a callback, is safe', () => {
    const { coordinator, join } = setup({ t: 4 });
    const a = join({ clientId: 'a' });
    const b = join({ clientId: 'b' });
    let late: { memberId: string; assigned: readonly unknown[] } | undefined;
    const lateListener = new RecordingListener();
    b.listener.onAssignedHook = () => {
      coordinator.leave('g', b.memberId);
      late = coordinator.join({ groupId: 'g', subscription: sub(['t']), clientId: 'late', clientHost: 'h' }, lateListener);
    };
    coordinator.leave('g', a.memberId); // b is assigned a's partitions, then leaves, and 'late' joins
    expect(late!.assigned).toEqual([]);
    expect(lateListener.owned.size).toBe(4);
    expect(owners(coordinator, 'g', 't', 4)).toEqual(Array(4).fill(late!.memberId));
  });
});
