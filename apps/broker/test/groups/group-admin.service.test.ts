import type { CommittedOffset, GroupDescription } from '@runnel/groups';
import { GroupAdminService } from '../../src/groups/group-admin.service';
import type { GroupsService } from '../../src/groups/groups.service';
import type { TopicsService } from '../../src/topics/topics.service';

/** GroupAdminService.lagSummary: the lag-summary use case, out of the controller (unit, fakes for its two collaborators). */
describe('GroupAdminService.lagSummary', () => {
  const committed = (topic: string, partition: number, offset: number): CommittedOffset => ({
    topic,
    partition,
    offset,
    metadata: '',
    commitTimestampMs: 0,
  });
  const group: GroupDescription = {
    groupId: 'billing',
    state: 'STABLE',
    assignor: 'range',
    generation: 1,
    members: [
      {
        memberId: 'm1',
        clientId: 'c1',
        clientHost: '127.0.0.1',
        generation: 1,
        sessionTimeoutMs: 45_000,
        subscription: { topics: ['orders'], topicPrefixes: [] },
        assignment: [
          { topic: 'orders', partition: 1 },
          { topic: 'orders', partition: 2 },
        ],
        connected: true,
      },
    ],
  };
  const highWatermarks: Record<string, number> = { 'orders-0': 10, 'orders-1': 50, 'orders-2': 7, 'gone-0': 0 };
  const groups = {
    describe: () => group,
    committedOffsets: () => [committed('orders', 0, 4), committed('orders', 1, 20), committed('gone', 0, 1)],
  };
  const topics = {
    partition: (topic: string, partition: number) => {
      if (topic === 'gone') throw new Error('deleted');
      return { highWatermark: highWatermarks[`${topic}-${partition}`] };
    },
  };
  const admin = new GroupAdminService(groups as unknown as GroupsService, topics as unknown as TopicsService);

  it('totals committed lag and names the partition lagging most; uncommitted and deleted partitions count for nothing', () => {
    const { max, total } = admin.lagSummary('billing');
    expect(total).toBe(6 + 30);
    expect(max).toMatchObject({ topic_name: 'orders', partition_id: 1, lag: 30, consumer_id: 'm1', client_id: 'c1' });
  });

  it('is empty for a group with nothing committed', () => {
    const empty = new GroupAdminService(
      { describe: () => ({ ...group, members: [] }), committedOffsets: () => [] } as unknown as GroupsService,
      topics as unknown as TopicsService,
    );
    expect(empty.lagSummary('billing')).toEqual({ max: undefined, total: 0 });
  });
});
