import { BrokerProcess, startBroker } from '../support/broker-process';
import { GROUP_ENV, Member, createTopic, eventually, produce, range, rest } from './group-support';

/**
 * Consumer groups against the real broker process, with several WebSocket members: assignment,
 * rebalances on leave and on silence, commits, lags, resets, deletion, errors and limits.
 */
describe('broker process: consumer groups', () => {
  let broker: BrokerProcess;
  const members: Member[] = [];
  beforeAll(async () => {
    broker = await startBroker({ env: { ...GROUP_ENV, RUNNEL_GROUP_MAX_MEMBERS: '4' } });
  });
  afterAll(async () => {
    await broker?.stop();
  });
  afterEach(() => {
    for (const m of members.splice(0)) m.close();
  });

  async function join(subscribe: Record<string, unknown>, options?: Parameters<typeof Member.join>[2]): Promise<Member> {
    const member = await Member.join(broker, subscribe, options);
    members.push(member);
    return member;
  }

  /** Every member's view (from its own frames) once the group's REST view agrees with it. */
  async function settled(group: string, expected: Member[]): Promise<Map<string, string[]>> {
    const described = await eventually(
      () => rest(broker, 'GET', `/consumer-groups/${group}`),
      (r) =>
        r.status === 200 &&
        r.body.members.length === expected.length &&
        expected.every((m) => {
          const server = r.body.members.find((x: any) => x.consumer_id === m.memberId);
          return (
            server &&
            JSON.stringify(server.assigned_partitions.map((a: any) => `${a.topic_name}/${a.partition_id}`).sort()) ===
              JSON.stringify(m.ownedKeys())
          );
        }),
    );
    return new Map(
      described.body.members.map((m: any) => [m.consumer_id, m.assigned_partitions.map((a: any) => `${a.topic_name}/${a.partition_id}`)]),
    );
  }

  it('3 members on 6 partitions get 2 each, no partition owned twice', async () => {
    await createTopic(broker, 'g1-topic', 6);
    const a = await join({ group: 'g1', topic: 'g1-topic', from: 'earliest' });
    const b = await join({ group: 'g1', topic: 'g1-topic', from: 'earliest' });
    const c = await join({ group: 'g1', topic: 'g1-topic', from: 'earliest' });
    const owners = await settled('g1', [a, b, c]);
    const all = [...owners.values()].flat();
    expect(new Set(all).size).toBe(6);
    expect(all.length).toBe(6);
    for (const m of [a, b, c]) expect(m.ownedKeys()).toHaveLength(2);
    const group = await rest(broker, 'GET', '/consumer-groups/g1');
    expect(group.body).toMatchObject({
      kind: 'KafkaConsumerGroup',
      consumer_group_id: 'g1',
      state: 'STABLE',
      partition_assignor: 'cooperative-sticky',
    });
  });

  it('a member that leaves hands its partitions over; they resume at the committed offsets, no committed record redelivered', async () => {
    await createTopic(broker, 'g2-topic', 6);
    for (let p = 0; p < 6; p++) await produce(broker, 'g2-topic', p, range(10, `p${p}-`));
    const a = await join({ group: 'g2', topic: 'g2-topic', from: 'earliest', auto_commit: false });
    const b = await join({ group: 'g2', topic: 'g2-topic', from: 'earliest', auto_commit: false });
    const c = await join({ group: 'g2', topic: 'g2-topic', from: 'earliest', auto_commit: false });
    await settled('g2', [a, b, c]);
    const aOwned = [...a.sync().owned.values()];
    expect(aOwned).toHaveLength(2);
    // a reads its partitions to the end, commits offset 7 on each (records 0..6 processed), and leaves.
    await a.client.until(() => aOwned.every((o) => a.records().filter((r) => r.partition === o.partition).length === 10));
    const committed = await a.commit(aOwned.map((o) => ({ partition: o.partition, offset: 7 })));
    expect(committed.type).toBe('committed');
    a.close();
    members.splice(members.indexOf(a), 1);
    await settled('g2', [b, c]);
    for (const o of aOwned) {
      const taker = [b, c].find((m) => m.sync().owned.has(`g2-topic/${o.partition}`))!;
      expect(taker).toBeDefined();
      const assigned = taker.client
        .of('assignment', 'g')
        .flatMap((f) => f.assigned)
        .find((x) => x.partition === o.partition);
      expect(assigned).toEqual({ topic: 'g2-topic', partition: o.partition, offset: 7 });
      await taker.client.until(() => taker.records().filter((r) => r.partition === o.partition).length === 3);
      expect(
        taker
          .records()
          .filter((r) => r.partition === o.partition)
          .map((r) => r.offset),
      ).toEqual([7, 8, 9]);
      expect(taker.records()[0]).toHaveProperty('topic', 'g2-topic');
    }
    const lags = await rest(broker, 'GET', '/consumer-groups/g2/lags');
    const lagOf = (p: number) => lags.body.data.find((l: any) => l.partition_id === p);
    for (const o of aOwned) expect(lagOf(o.partition)).toMatchObject({ current_offset: 7, log_end_offset: 10, lag: 3 });
  });

  it('a member that stops answering pings is removed after its session timeout; the others take over', async () => {
    await createTopic(broker, 'g3-topic', 4);
    const live = await join({ group: 'g3', topic: 'g3-topic' });
    const silent = await join({ group: 'g3', topic: 'g3-topic', session_timeout_ms: 1500 }, { clientOptions: { autoPong: false } });
    await settled('g3', [live, silent]);
    expect(silent.ownedKeys()).toHaveLength(2);
    // No frames, no pongs from `silent`: the coordinator removes it and `live` gets all 4.
    await live.untilOwns(4);
    const group = await rest(broker, 'GET', '/consumer-groups/g3');
    expect(group.body.members.map((m: any) => m.consumer_id)).toEqual([live.memberId]);
    // It is told why its subscription ended (it still reads frames; it only stopped answering pings)...
    const removed = await silent.client.next('error', 1, 'g');
    expect(removed.error_code).toBe(40901);
    expect(removed.message).toMatch(/session timeout/);
    // ...and a late commit from it is refused: it is no longer a member.
    const answer = await silent.commit([{ partition: 0, offset: 0 }]);
    expect(answer).toMatchObject({ type: 'error', sub: 'g' });
  });

  it('auto_commit commits what was delivered and credited back, when the member leaves', async () => {
    await createTopic(broker, 'g4-topic', 1);
    await produce(broker, 'g4-topic', 0, range(50));
    const m = await join({ group: 'g4', topic: 'g4-topic', from: 'earliest', credit: 50 });
    await m.client.untilRecords('g', 50);
    // The client processed everything it got and says so with credit; then it leaves.
    m.client.send({ type: 'credit', sub: 'g', records: 50 });
    m.client.send({ type: 'unsubscribe', sub: 'g' });
    const lags = await eventually(
      () => rest(broker, 'GET', '/consumer-groups/g4/lags'),
      (r) => r.status === 200 && r.body.data[0]?.current_offset === 50,
    );
    expect(lags.body.data[0]).toMatchObject({
      topic_name: 'g4-topic',
      partition_id: 0,
      current_offset: 50,
      log_end_offset: 50,
      lag: 0,
      consumer_id: '',
    });
    const summary = await rest(broker, 'GET', '/consumer-groups/g4/lag-summary');
    expect(summary.body).toMatchObject({ consumer_group_id: 'g4', total_lag: 0, max_lag: 0 });
  });

  it('offsets:reset previews with dry_run, refuses a group with members (409), and moves the offsets', async () => {
    await createTopic(broker, 'g5-topic', 2);
    await produce(broker, 'g5-topic', 0, range(20));
    await produce(broker, 'g5-topic', 1, range(10));
    const m = await join({ group: 'g5', topic: 'g5-topic', from: 'earliest', auto_commit: false });
    await m.client.untilRecords('g', 30);
    expect(
      (
        await m.commit([
          { partition: 0, offset: 15 },
          { partition: 1, offset: 5 },
        ])
      ).type,
    ).toBe('committed');
    const busy = await rest(broker, 'POST', '/consumer-groups/g5/offsets:reset', { topic: 'g5-topic', to: 'earliest' });
    expect(busy.status).toBe(409);
    expect(busy.body.error_code).toBe(40901);
    expect(busy.body.message).toMatch(/member/);
    const busyDelete = await rest(broker, 'DELETE', '/consumer-groups/g5');
    expect(busyDelete.status).toBe(409);
    m.close();
    members.splice(0);
    await eventually(
      () => rest(broker, 'GET', '/consumer-groups/g5'),
      (r) => r.body.state === 'EMPTY',
    );

    const preview = await rest(broker, 'POST', '/consumer-groups/g5/offsets:reset', {
      topic: 'g5-topic',
      to: { shift_by: -3 },
      dry_run: true,
    });
    expect(preview.status).toBe(200);
    expect(preview.body.data).toEqual([
      { topic_name: 'g5-topic', partition_id: 0, previous_offset: 15, new_offset: 12 },
      { topic_name: 'g5-topic', partition_id: 1, previous_offset: 5, new_offset: 2 },
    ]);
    let lags = await rest(broker, 'GET', '/consumer-groups/g5/lags');
    expect(lags.body.data.map((l: any) => l.current_offset)).toEqual([15, 5]); // unchanged by the preview

    const toLatest = await rest(broker, 'POST', '/consumer-groups/g5/offsets:reset', { topic: 'g5-topic', partitions: [1], to: 'latest' });
    expect(toLatest.body.data).toEqual([{ topic_name: 'g5-topic', partition_id: 1, previous_offset: 5, new_offset: 10 }]);
    const clamped = await rest(broker, 'POST', '/consumer-groups/g5/offsets:reset', {
      topic: 'g5-topic',
      partitions: [0],
      to: { offset: 1000 },
    });
    expect(clamped.body.data[0].new_offset).toBe(20);
    const byTime = await rest(broker, 'POST', '/consumer-groups/g5/offsets:reset', {
      topic: 'g5-topic',
      partitions: [0],
      to: { timestamp: 0 },
    });
    expect(byTime.body.data[0].new_offset).toBe(0);
    lags = await rest(broker, 'GET', '/consumer-groups/g5/lags');
    expect(lags.body.data.map((l: any) => [l.partition_id, l.current_offset, l.lag])).toEqual([
      [0, 0, 20],
      [1, 10, 0],
    ]);

    // A new member starts where the reset put the offsets.
    const next = await join({ group: 'g5', topic: 'g5-topic', from: 'latest' });
    await next.client.untilRecords('g', 20);
    expect(
      next
        .records()
        .filter((r) => r.partition === 0)
        .map((r) => r.offset),
    ).toEqual(range(20).map((_, i) => i));
    expect(next.records().filter((r) => r.partition === 1)).toEqual([]);
    next.close();
    members.splice(0);
    await eventually(
      () => rest(broker, 'GET', '/consumer-groups/g5'),
      (r) => r.body.state === 'EMPTY',
    );
    expect((await rest(broker, 'DELETE', '/consumer-groups/g5')).status).toBe(204);
    const gone = await rest(broker, 'GET', '/consumer-groups/g5');
    expect(gone.status).toBe(404);
    expect(gone.body.error_code).toBe(40404);
  });

  it('answers bad requests, fenced commits and limits with API.md errors, and keeps serving', async () => {
    await createTopic(broker, 'g6-topic', 2);
    const bad = async (frame: Record<string, unknown>): Promise<any> => {
      try {
        await join(frame);
      } catch (error) {
        return (error as { frame: unknown }).frame;
      }
      throw new Error('joined');
    };
    expect(await bad({ group: 'g6', topic: 'g6-topic', partitions: [0] })).toMatchObject({ error_code: 40001 });
    expect(await bad({ group: 'g6', topic: 'g6-topic', from: { offset: 3 } })).toMatchObject({ error_code: 40001 });
    expect(await bad({ group: 'g6' })).toMatchObject({ error_code: 40001 });
    expect(await bad({ group: 'g6', topic: 'g6-topic', assignor: 'no-such' })).toMatchObject({ error_code: 40001 });
    expect(await bad({ group: 'g6', topic: 'g6-topic', session_timeout_ms: 10 })).toMatchObject({ error_code: 40001 });

    const m = await join({ group: 'g6', topic: 'g6-topic', assignor: 'range' });
    expect(await bad({ group: 'g6', topic: 'g6-topic', assignor: 'round-robin' })).toMatchObject({ error_code: 40901 });
    const other = await join({ group: 'g6', topic: 'g6-topic', assignor: 'range' });
    await settled('g6', [m, other]);
    const notMine = [...other.sync().owned.values()][0];
    expect(await m.commit([{ partition: notMine.partition, offset: 0 }])).toMatchObject({ type: 'error', error_code: 40901 });
    expect(await m.commit([{ partition: 0, offset: -1 }])).toMatchObject({ type: 'error', error_code: 40001 });

    // RUNNEL_GROUP_MAX_MEMBERS=4: the fifth member is refused with a clear message.
    await join({ group: 'g6', topic: 'g6-topic', assignor: 'range' });
    await join({ group: 'g6', topic: 'g6-topic', assignor: 'range' });
    const full = await bad({ group: 'g6', topic: 'g6-topic', assignor: 'range' });
    expect(full).toMatchObject({ error_code: 40901 });
    expect(full.message).toMatch(/4/);

    // A plain subscription cannot commit.
    m.client.send({ type: 'subscribe', sub: 'plain', topic: 'g6-topic' });
    await m.client.next('subscribed', 1, 'plain');
    m.client.send({ type: 'commit', sub: 'plain', offsets: [{ partition: 0, offset: 0 }] });
    expect(await m.client.next('error', 1, 'plain')).toMatchObject({ error_code: 40001 });

    expect((await rest(broker, 'GET', '/consumer-groups/nope')).body.error_code).toBe(40404);
    expect((await rest(broker, 'POST', '/consumer-groups/g6/offsets:reset', { topic: 'g6-topic', to: 'nowhere' })).body.error_code).toBe(
      40001,
    );
    expect((await rest(broker, 'GET', '/consumer-groups')).status).toBe(200);
  });

  it('subscribes to several topics and to a name prefix; a new matching topic is assigned', async () => {
    await createTopic(broker, 'px-a', 1);
    await createTopic(broker, 'px-b', 1);
    await createTopic(broker, 'other-c', 1);
    const m = await join({ group: 'g7', topic_prefix: 'px-', topics: ['other-c'], from: 'earliest' });
    expect(m.ownedKeys()).toEqual(['other-c/0', 'px-a/0', 'px-b/0']);
    await createTopic(broker, 'px-new', 2);
    await m.untilOwns(5);
    await produce(broker, 'px-new', 1, ['hello']);
    await m.client.until(() => m.records().some((r) => r.topic === 'px-new'));
    expect(m.records().find((r) => r.topic === 'px-new')).toMatchObject({
      partition: 1,
      offset: 0,
      value: { type: 'STRING', data: 'hello' },
    });
    // Deleting a topic revokes its partitions (an assignment frame, not an error).
    expect((await rest(broker, 'DELETE', '/topics/px-a')).status).toBe(204);
    await m.untilOwns(4);
    expect(m.client.of('error', 'g')).toEqual([]);
  });

  it('lists __consumer_offsets as internal (hidden with include_internal=false), and refuses client writes to it', async () => {
    const listed = await rest(broker, 'GET', '/topics?include_internal=false');
    expect(listed.body.data.map((t: any) => t.topic_name)).not.toContain('__consumer_offsets');
    const internal = await rest(broker, 'GET', '/topics?include_internal=true');
    expect(internal.body.data.find((t: any) => t.topic_name === '__consumer_offsets')).toMatchObject({ is_internal: true });
    const write = await rest(broker, 'POST', '/topics/__consumer_offsets/records', { value: { type: 'STRING', data: 'x' } });
    expect(write).toMatchObject({ status: 403, body: { error_code: 40301 } });
    expect((await rest(broker, 'DELETE', '/topics/__consumer_offsets')).body.error_code).toBe(40301);
  });
});
