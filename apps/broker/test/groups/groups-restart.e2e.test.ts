import { BrokerProcess, makeDataDir, startBroker } from '../support/broker-process';
import { GROUP_ENV, Member, createTopic, eventually, produce, range, rest } from './group-support';

/**
 * Groups and committed offsets survive a broker restart — a clean one (SIGTERM) and a crash
 * (SIGKILL right after the `committed` answers): they are rebuilt from `__consumer_offsets`.
 */
describe('broker process: consumer groups across restarts', () => {
  let broker: BrokerProcess | undefined;
  const members: Member[] = [];
  afterEach(async () => {
    for (const m of members.splice(0)) m.close();
    await broker?.stop('SIGKILL');
    broker = undefined;
  });

  async function join(subscribe: Record<string, unknown>): Promise<Member> {
    const member = await Member.join(broker!, subscribe);
    members.push(member);
    return member;
  }

  it.each(['SIGTERM', 'SIGKILL'] as const)('keeps groups and committed offsets over a restart (%s)', async (signal) => {
    const dataDir = makeDataDir();
    broker = await startBroker({ dataDir, env: GROUP_ENV });
    await createTopic(broker, 'orders', 4);
    for (let p = 0; p < 4; p++) await produce(broker, 'orders', p, range(10, `p${p}-`));
    const a = await join({
      group: 'billing',
      topic: 'orders',
      from: 'earliest',
      auto_commit: false,
      session_timeout_ms: 2000,
      client_id: 'billing-1',
    });
    await a.client.untilRecords('g', 40);
    const committed = await a.commit([0, 1, 2, 3].map((partition) => ({ partition, offset: 3 + partition })));
    expect(committed).toMatchObject({
      type: 'committed',
      offsets: [0, 1, 2, 3].map((p) => ({ topic: 'orders', partition: p, offset: 3 + p })),
    });
    // A second group with only offsets (reset while empty) must come back too.
    expect((await rest(broker, 'POST', '/consumer-groups/audit/offsets:reset', { topic: 'orders', to: 'latest' })).status).toBe(200);

    await broker.stop(signal);
    members.splice(0);
    broker = await startBroker({ dataDir, env: GROUP_ENV });

    const groups = await rest(broker, 'GET', '/consumer-groups');
    expect(groups.body.data.map((g: any) => g.consumer_group_id)).toEqual(['audit', 'billing']);
    // After a crash the group still lists its member until that member's session timeout passes.
    const billing = await eventually(
      () => rest(broker!, 'GET', '/consumer-groups/billing'),
      (r) => r.status === 200 && r.body.state === 'EMPTY',
    );
    expect(billing.body).toMatchObject({ consumer_group_id: 'billing', partition_assignor: 'cooperative-sticky', members: [] });
    const lags = await rest(broker, 'GET', '/consumer-groups/billing/lags');
    expect(lags.body.data.map((l: any) => [l.partition_id, l.current_offset, l.lag])).toEqual([
      [0, 3, 7],
      [1, 4, 6],
      [2, 5, 5],
      [3, 6, 4],
    ]);
    const audit = await rest(broker, 'GET', '/consumer-groups/audit/lag-summary');
    expect(audit.body).toMatchObject({ total_lag: 0 });

    // A new member resumes every partition at its committed offset: nothing committed comes again.
    const b = await join({ group: 'billing', topic: 'orders', from: 'earliest' });
    await b.client.untilRecords('g', 7 + 6 + 5 + 4);
    for (let p = 0; p < 4; p++) {
      expect(
        b
          .records()
          .filter((r) => r.partition === p)
          .map((r) => r.offset),
      ).toEqual(range(10 - (3 + p)).map((_, i) => 3 + p + i));
    }
  });

  it('a graceful shutdown commits what members credited back (auto_commit on leave) before the logs close', async () => {
    const dataDir = makeDataDir();
    broker = await startBroker({ dataDir, env: GROUP_ENV });
    await createTopic(broker, 'shutdown', 1);
    await produce(broker, 'shutdown', 0, range(20));
    const m = await join({ group: 'graceful', topic: 'shutdown', from: 'earliest', credit: 20 });
    await m.client.untilRecords('g', 20);
    m.client.send({ type: 'credit', sub: 'g', records: 20 });
    // Frames are handled in order: once this one's error comes back, the credit was taken.
    m.client.send({ type: 'credit', sub: 'no-such-sub', records: 1 });
    await m.client.next('error', 1, 'no-such-sub');
    // SIGTERM closes the member's socket; it commits what it credited and is detached, not removed:
    // after the restart it is restored (as after a crash) until it rejoins or its session times out.
    expect(await broker.stop()).toBe(0);
    members.splice(0);
    broker = await startBroker({ dataDir, env: GROUP_ENV });
    const lags = await rest(broker, 'GET', '/consumer-groups/graceful/lags');
    expect(lags.body.data).toEqual([
      expect.objectContaining({ topic_name: 'shutdown', partition_id: 0, current_offset: 20, lag: 0, consumer_id: m.memberId }),
    ]);
  });
});
