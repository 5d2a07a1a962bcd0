import { GroupCoordinator, type GroupChangeKind, type JoinRequest } from '@runnel/groups';
import { FakeCatalog, FakeClock, MemoryOffsetLog, RecordingListener, sub } from './fakes';

/** `onGroupChange`: what the broker's change stream hears of groups — created, rebalanced, deleted; never commits. */
function setup() {
  const changes: [string, GroupChangeKind, string, number][] = [];
  const clock = new FakeClock();
  const catalog = new FakeCatalog({ t: 2, u: 1 });
  const coordinator: GroupCoordinator = new GroupCoordinator({
    offsetLog: new MemoryOffsetLog(),
    catalog,
    clock: clock.read,
    onGroupChange: (groupId, kind) => {
      // The listener may read the group as it is at that moment.
      const group = kind === 'deleted' ? undefined : coordinator.describeGroup(groupId);
      changes.push([groupId, kind, group?.state ?? '-', group?.members.length ?? -1]);
    },
  });
  const join = (clientId: string, topics = ['t']) =>
    coordinator.join(
      { groupId: 'g', subscription: sub(topics), clientId, clientHost: 'h', sessionTimeoutMs: 10_000 } as JoinRequest,
      new RecordingListener(),
    );
  return { coordinator, changes, clock, catalog, join };
}

describe('GroupCoordinator onGroupChange', () => {
  it('reports a group created by a join, each membership change, and its deletion', async () => {
    const { coordinator, changes, join } = setup();
    const a = join('a');
    expect(changes).toEqual([
      ['g', 'created', 'EMPTY', 0],
      ['g', 'updated', 'STABLE', 1],
    ]);
    const b = join('b');
    coordinator.leave('g', b.memberId);
    coordinator.leave('g', a.memberId);
    expect(changes.slice(2)).toEqual([
      ['g', 'updated', 'STABLE', 2],
      ['g', 'updated', 'STABLE', 1],
      ['g', 'updated', 'EMPTY', 0],
    ]);
    await coordinator.deleteGroup('g');
    expect(changes.slice(5)).toEqual([['g', 'deleted', '-', -1]]);
  });

  it('does not report commits, nor heartbeats, nor resets of an existing group', async () => {
    const { coordinator, changes, join } = setup();
    const a = join('a');
    const before = changes.length;
    await coordinator.commit('g', a.memberId, [{ topic: 't', partition: 0, offset: 5 }]);
    coordinator.heartbeat('g', a.memberId);
    coordinator.leave('g', a.memberId);
    const afterLeave = changes.length;
    await coordinator.resetOffsets('g', [{ topic: 't', partition: 1, offset: 1 }]);
    expect(changes.length).toBe(afterLeave);
    expect(afterLeave).toBe(before + 1); // only the leave
  });

  it('reports a group created by an offset reset, and members removed by their session timeout', () => {
    const { coordinator, changes, clock, join } = setup();
    void coordinator.resetOffsets('r', [{ topic: 't', partition: 0, offset: 0 }]);
    expect(changes).toEqual([['r', 'created', 'EMPTY', 0]]);
    join('a');
    clock.now += 20_000;
    coordinator.expireSessions();
    expect(changes.slice(-1)).toEqual([['g', 'updated', 'EMPTY', 0]]);
  });
});
