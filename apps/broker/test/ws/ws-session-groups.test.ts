import * as fc from 'fast-check';
import { GroupCoordinator, OffsetLogRecord } from '@runnel/groups';
import { wsGroupsOf } from '../../src/groups/groups.service';
import type { WsGroups } from '../../src/ws/group-member';
import { Cluster, RecordingSink, frame } from './ws-test-kit';

/**
 * WsSession with consumer groups, over real partitions and the real coordinator (its offset log
 * kept in memory): what a member is sent on rebalances, and what auto_commit and `commit`
 * store — records delivered and credited back, never more.
 */
describe('WsSession: group members', () => {
  let cluster: Cluster;
  let coordinator: GroupCoordinator;
  let groups: WsGroups;
  const appended: OffsetLogRecord[] = [];
  beforeEach(async () => {
    cluster = await Cluster.open({ t: 2 });
    coordinator = new GroupCoordinator({
      offsetLog: { append: async (_group, records) => void appended.push(...records) },
      catalog: { topics: () => cluster.partitionCounts() },
      limits: { minSessionTimeoutMs: 1 },
    });
    groups = wsGroupsOf(coordinator);
  });
  afterEach(async () => {
    await cluster.close();
  });

  function member(sink: RecordingSink, extra: Record<string, unknown> = {}) {
    const session = cluster.session(sink, { groups });
    session.handleFrame(
      frame({ type: 'subscribe', sub: 'm', group: 'g', topic: 't', from: 'earliest', format: 'string', ...extra }),
      false,
    );
    return session;
  }

  it('auto_commit on leave commits only whole frames the client credited back', async () => {
    await cluster.append('t', 0, ['a', 'b', 'c', 'd', 'e', 'f']);
    const sink = new RecordingSink();
    // credit 2: frames of at most 2 records each.
    const session = member(sink, { credit: 2 });
    await sink.untilRecords('m', 2);
    session.handleFrame(frame({ type: 'credit', sub: 'm', records: 2 }), false);
    await sink.untilRecords('m', 4);
    // One record of the second frame credited: that frame is not yet processed as a whole.
    session.handleFrame(frame({ type: 'credit', sub: 'm', records: 1 }), false);
    await sink.untilRecords('m', 5);
    session.close();
    expect(coordinator.committedOffset('g', 't', 0)).toBe(2);
    expect(coordinator.describeGroup('g').members).toEqual([]);
  });

  it('revokes before it assigns: the first member is told, and sent nothing more of the partition', async () => {
    await cluster.append('t', 0, ['x0']);
    await cluster.append('t', 1, ['y0']);
    const first = new RecordingSink();
    member(first, { auto_commit: false });
    await first.untilRecords('m', 2);
    const second = new RecordingSink();
    member(second, { auto_commit: false });
    await first.until(() => first.of('assignment', 'm').length === 1);
    const revoked = first.of('assignment', 'm')[0].revoked as { topic: string; partition: number }[];
    expect(revoked).toHaveLength(1);
    const moved = revoked[0].partition;
    expect(second.of('subscribed', 'm')[0].assignment).toEqual([{ topic: 't', partition: moved, offset: 0 }]);
    await cluster.append('t', moved, ['after-move']);
    await second.untilRecords('m', 2);
    const firstAfter = first.frames.slice(first.frames.indexOf(first.of('assignment', 'm')[0]));
    expect(
      firstAfter
        .filter((f) => f.type === 'records')
        .flatMap((f) => f.records)
        .filter((r: { partition: number }) => r.partition === moved),
    ).toEqual([]);
  });

  it("commit without offsets stores every owned partition's delivered position; a commit of a partition it does not own is 40901", async () => {
    await cluster.append('t', 0, ['a', 'b', 'c']);
    const sink = new RecordingSink();
    const session = member(sink, { auto_commit: false });
    await sink.untilRecords('m', 3);
    session.handleFrame(frame({ type: 'commit', sub: 'm', ref: 'c1' }), false);
    await sink.untilType('committed');
    expect(sink.of('committed', 'm')[0].ref).toBe('c1');
    expect(sink.of('committed', 'm')[0].offsets).toEqual([
      { topic: 't', partition: 0, offset: 3 },
      { topic: 't', partition: 1, offset: 0 },
    ]);
    expect(coordinator.committedOffset('g', 't', 0)).toBe(3);
    expect(appended.length).toBeGreaterThan(0);

    const other = new RecordingSink();
    member(other, { auto_commit: false });
    await sink.until(() => sink.of('assignment', 'm').length === 1);
    const lost = sink.of('assignment', 'm')[0].revoked[0].partition as number;
    session.handleFrame(frame({ type: 'commit', sub: 'm', ref: 7, offsets: [{ partition: lost, offset: 1 }] }), false);
    await sink.untilType('error');
    expect(sink.of('error', 'm')[0]).toMatchObject({ ref: 7, error_code: 40901 });
  });

  it('answers any malformed group or commit frame with an error frame, and keeps serving', async () => {
    await cluster.append('t', 0, ['a']);
    const sink = new RecordingSink();
    const session = cluster.session(sink, { groups });
    const value = fc.oneof(
      fc.constant(undefined),
      fc.constant(null),
      fc.integer({ min: -3, max: 1e6 }),
      fc.string({ maxLength: 8 }),
      fc.boolean(),
      fc.array(fc.anything(), { maxLength: 3 }),
      fc.object({ maxDepth: 1 }),
    );
    const frames = fc.record(
      {
        type: fc.constantFrom('subscribe', 'commit', 'credit', 'unsubscribe'),
        sub: fc.oneof(fc.constantFrom('m', 'x'), value),
        group: fc.oneof(fc.constant('g'), value),
        topic: fc.oneof(fc.constantFrom('t', 'missing'), value),
        topics: value,
        topic_prefix: value,
        from: fc.oneof(fc.constantFrom('earliest', 'latest'), value),
        partitions: value,
        offsets: fc.oneof(
          value,
          fc.array(fc.record({ topic: value, partition: value, offset: value, metadata: value }, { requiredKeys: [] }), { maxLength: 3 }),
        ),
        ref: value,
        records: value,
        credit: value,
        session_timeout_ms: value,
        auto_commit: value,
        auto_commit_interval_ms: value,
        assignor: fc.oneof(fc.constantFrom('range', 'round-robin', 'nope'), value),
        member_id: value,
      },
      { requiredKeys: ['type'] },
    );
    fc.assert(
      fc.property(frames, (f) => {
        session.handleFrame(JSON.stringify(f), false);
      }),
      { numRuns: 500 },
    );
    // Whatever happened, the connection still works: a fresh member joins and reads.
    session.handleFrame(frame({ type: 'subscribe', sub: 'final', group: 'fresh', topic: 't', from: 'earliest', format: 'string' }), false);
    await sink.untilRecords('final', 1);
    expect(sink.of('error').every((e) => typeof e.error_code === 'number' && e.error_code !== 50001)).toBe(true);
    session.close();
  });
});
