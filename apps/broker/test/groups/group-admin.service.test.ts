import type { CommittedOffset, GroupDescription } from '@runnel/groups';
import { GroupAdminService } from '../../src/groups/group-admin.service';
import type { GroupsService } from '../../src/groups/groups.service';
import type { TopicsService } from '../../src/topics/topics.service';
import type { AccessControl } from '../../src/security/access-control.service';
import type { AuditService } from '../../src/security/audit.service';
import { anonymousCaller } from '../../src/security/caller';

/** GroupAdminService: lags, lag summary, members and assignments, out of the controller (unit, fakes for its two collaborators). */
describe('GroupAdminService lags and members', () => {
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
  // orders-2 is owned but never committed; its log starts at 3 (older records deleted).
  const logs: Record<string, { logStartOffset: number; highWatermark: number }> = {
    'orders-0': { logStartOffset: 0, highWatermark: 10 },
    'orders-1': { logStartOffset: 0, highWatermark: 50 },
    'orders-2': { logStartOffset: 3, highWatermark: 7 },
  };
  const caller = anonymousCaller('127.0.0.1');
  const topics = {
    authorize: () => undefined,
    partition: (topic: string, partition: number) => {
      if (topic === 'gone') throw new Error('deleted');
      return logs[`${topic}-${partition}`];
    },
  };
  const adminOf = (description: GroupDescription, offsets: CommittedOffset[], describable: (topic: string) => boolean = () => true) =>
    new GroupAdminService(
      {
        describe: () => description,
        describeFor: () => description,
        authorize: () => undefined,
        committedOffsets: () => offsets,
      } as unknown as GroupsService,
      topics as unknown as TopicsService,
      { allows: (_caller: unknown, _operation: string, _type: string, name: string) => describable(name) } as unknown as AccessControl,
      { record: () => Promise.resolve() } as unknown as AuditService,
    );
  const admin = adminOf(group, [committed('orders', 0, 4), committed('orders', 1, 20), committed('gone', 0, 1)]);

  it('lists committed and owned partitions; an owned one without a commit counts from its log start, an unowned one has consumer ""', () => {
    expect(admin.lags(caller, 'billing')).toEqual([
      { topic_name: 'orders', partition_id: 0, current_offset: 4, log_end_offset: 10, lag: 6, consumer_id: '', client_id: '' },
      { topic_name: 'orders', partition_id: 1, current_offset: 20, log_end_offset: 50, lag: 30, consumer_id: 'm1', client_id: 'c1' },
      { topic_name: 'orders', partition_id: 2, current_offset: 3, log_end_offset: 7, lag: 4, consumer_id: 'm1', client_id: 'c1' },
    ]);
  });

  it('totals the lags and names the partition lagging most; deleted topics count for nothing', () => {
    const { max, total } = admin.lagSummary(caller, 'billing');
    expect(total).toBe(6 + 30 + 4);
    expect(max).toMatchObject({ topic_name: 'orders', partition_id: 1, lag: 30, consumer_id: 'm1', client_id: 'c1' });
  });

  it('answers 404 (not an empty summary) for a group with nothing committed and nothing assigned, as Confluent', () => {
    const empty = adminOf({ ...group, members: [] }, []);
    expect(() => empty.lags(caller, 'billing')).toThrow(expect.objectContaining({ kind: 'NOT_FOUND' }));
    expect(() => empty.lagSummary(caller, 'billing')).toThrow(expect.objectContaining({ kind: 'NOT_FOUND' }));
  });

  it('finds one lag by topic and partition text; 404 for a partition without a lag or an id that is not one', () => {
    expect(admin.lag(caller, 'billing', 'orders', '2')).toMatchObject({ current_offset: 3, lag: 4 });
    for (const [topic, partition] of [
      ['orders', '3'],
      ['other', '0'],
      ['orders', 'x'],
      ['orders', '-1'],
      ['orders', '01'],
    ]) {
      expect(() => admin.lag(caller, 'billing', topic, partition)).toThrow(expect.objectContaining({ kind: 'NOT_FOUND' }));
    }
  });

  it('shows only the lags of topics the caller may DESCRIBE (Kafka filters OffsetFetch by topic)', () => {
    const hidden = adminOf(group, [committed('orders', 0, 4), committed('payments', 0, 1)], (topic) => topic !== 'orders');
    logs['payments-0'] = { logStartOffset: 0, highWatermark: 5 };
    expect(hidden.lags(caller, 'billing')).toEqual([
      { topic_name: 'payments', partition_id: 0, current_offset: 1, log_end_offset: 5, lag: 4, consumer_id: '', client_id: '' },
    ]);
  });

  it('finds a member and one of its partitions; 404 for another consumer or a partition it does not own', () => {
    expect(admin.member(caller, 'billing', 'm1').member.clientId).toBe('c1');
    expect(admin.assignment(caller, 'billing', 'm1', 'orders', '2').partition).toEqual({ topic: 'orders', partition: 2 });
    expect(() => admin.member(caller, 'billing', 'm2')).toThrow(expect.objectContaining({ kind: 'NOT_FOUND' }));
    expect(() => admin.assignment(caller, 'billing', 'm1', 'orders', '0')).toThrow(expect.objectContaining({ kind: 'NOT_FOUND' }));
    expect(() => admin.assignment(caller, 'billing', 'm1', 'orders', 'two')).toThrow(expect.objectContaining({ kind: 'NOT_FOUND' }));
  });
});
