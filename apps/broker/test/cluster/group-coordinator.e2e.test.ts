import { GroupConsumer } from '@runnel/client';
import { partitionForKey } from '@runnel/protocol';
import { jsonCall } from '../support/json-call';
import { TestCluster, eventually, startCluster } from '../support/cluster-process';
import { ServerFrame, WsClient } from '../ws/ws-client';

const OFFSETS_PARTITIONS = 3;

/**
 * Consumer-group coordinators in a three-broker cluster (real brokers, real PostgreSQL): a group
 * is coordinated by the leader of its `__consumer_offsets` partition only; other brokers refuse
 * its members with 50003 naming the coordinator; the coordinator moves with that leadership
 * (reassignment, broker death), members are told where it went and find their committed offsets
 * there.
 */
describe('group coordinators in a cluster', () => {
  let cluster: TestCluster;
  const clients: WsClient[] = [];

  beforeAll(async () => {
    cluster = await startCluster(3, { RUNNEL_OFFSETS_TOPIC_PARTITIONS: String(OFFSETS_PARTITIONS) });
    const created = await jsonCall('POST', `${base(1)}/topics`, { topic_name: 'orders', partitions_count: 2, replication_factor: 3 });
    expect(created.status).toBe(201);
    for (let i = 0; i < 6; i++) await produce(i % 2, `order-${i}`);
  }, 120_000);

  afterEach(() => {
    for (const client of clients.splice(0)) client.close();
  });

  afterAll(async () => {
    await cluster?.stop();
  }, 60_000);

  function base(nodeId: number): string {
    return `${cluster.broker(nodeId).baseUrl}/v3/clusters/-`;
  }

  const nodeOfUrl = (url: string): number => [1, 2, 3].find((id) => cluster.broker(id).baseUrl === url) ?? -1;
  const offsetsPartitionOf = (group: string): number => partitionForKey(Buffer.from(group, 'utf8'), OFFSETS_PARTITIONS);

  async function produce(partition: number, value: string): Promise<void> {
    await eventually(`an acknowledgement of ${value}`, async () => {
      const answer = await jsonCall('POST', `${base(1)}/topics/orders/records`, {
        partition_id: partition,
        value: { type: 'STRING', data: value },
      });
      if (answer.status === 200 && answer.body.error_code === 200) return true;
      if (answer.body?.error_code !== 50003) throw new Error(`produce answered ${answer.status}: ${JSON.stringify(answer.body)}`);
      return undefined;
    });
  }

  async function leaderOf(topic: string, partition: number): Promise<number> {
    return eventually(`a leader of ${topic}-${partition}`, async () => {
      const replicas = await jsonCall('GET', `${base(1)}/topics/${topic}/partitions/${partition}/replicas`);
      const leader = replicas.body?.data?.find((r: { is_leader: boolean }) => r.is_leader)?.broker_id;
      return typeof leader === 'number' && leader > 0 ? leader : undefined;
    });
  }

  /** Subscribes `group` through broker `nodeId`: the subscribed frame, or the error frame that refused it. */
  async function subscribe(
    nodeId: number,
    group: string,
    sub = 's',
    memberId?: string,
  ): Promise<{ client: WsClient; answer: ServerFrame }> {
    const client = await WsClient.open(cluster.broker(nodeId).baseUrl);
    clients.push(client);
    client.send({ type: 'subscribe', sub, topic: 'orders', group, from: 'earliest', credit: 100, auto_commit: false, member_id: memberId });
    await client.until(() => client.of('subscribed', sub).length > 0 || client.of('error', sub).length > 0);
    return { client, answer: client.of('subscribed', sub)[0] ?? client.of('error', sub)[0] };
  }

  /** Joins `group` through `nodeId`, following NOT_COORDINATOR answers to the broker they name (as the SDK does). */
  async function join(
    nodeId: number,
    group: string,
    memberId?: string,
  ): Promise<{ client: WsClient; answer: ServerFrame; nodeId: number }> {
    let target = nodeId;
    return eventually(`a member of ${group}`, async () => {
      let joined: { client: WsClient; answer: ServerFrame };
      try {
        joined = await subscribe(target, group, 's', memberId);
      } catch (error) {
        target = nodeId; // the named broker is gone: ask the first one again
        throw error;
      }
      const { client, answer } = joined;
      if (answer.type === 'subscribed') return { client, answer, nodeId: target };
      client.close();
      if (answer.error_code !== 50003) throw new Error(`subscribe answered ${JSON.stringify(answer)}`);
      const url = (answer.coordinator as { url: string | null } | null)?.url;
      if (url) target = nodeOfUrl(url);
      return undefined;
    });
  }

  /** Joins `group` at `nodeId`, reads the 6 records and commits `[offset of partition 0, offset of partition 1]`. */
  async function consumeAndCommit(nodeId: number, group: string, [p0, p1]: [number, number]) {
    const member = await join(nodeId, group);
    await member.client.untilRecords('s', 6);
    const offsets = [
      { topic: 'orders', partition: 0, offset: p0 },
      { topic: 'orders', partition: 1, offset: p1 },
    ];
    member.client.send({ type: 'commit', sub: 's', offsets });
    await member.client.until(() => member.client.of('committed', 's').length > 0);
    return member;
  }

  it('accepts a group only on the leader of its __consumer_offsets partition; the others name it', async () => {
    const group = 'billing';
    const coordinator = await leaderOf('__consumer_offsets', offsetsPartitionOf(group));
    const member = await join(coordinator === 1 ? 2 : 1, group);
    expect(member.nodeId).toBe(coordinator);
    expect((member.answer.assignment as unknown[]).length).toBe(2);

    for (const other of [1, 2, 3].filter((id) => id !== coordinator)) {
      const { answer } = await subscribe(other, group, `elsewhere-${other}`);
      expect(answer).toMatchObject({
        type: 'error',
        error_code: 50003,
        coordinator: { broker_id: coordinator, url: cluster.broker(coordinator).baseUrl },
      });
      const described = await jsonCall('GET', `${base(other)}/consumer-groups/${group}`);
      expect(described.status === 200 || described.body.error_code === 50003).toBe(true);
    }
    const described = await jsonCall('GET', `${base(coordinator)}/consumer-groups/${group}`);
    expect(described.status).toBe(200);
    expect(described.body.state).toBe('STABLE');
  }, 90_000);

  it('moves a group with its offsets partition: the member is told where, and resumes from its commits there', async () => {
    const group = 'shipping';
    const partition = offsetsPartitionOf(group);
    const before = await leaderOf('__consumer_offsets', partition);
    const member = await consumeAndCommit(before, group, [2, 1]);

    const others = [1, 2, 3].filter((id) => id !== before);
    const moved = await jsonCall('POST', `${base(others[0])}/topics/__consumer_offsets/partitions/${partition}/reassignment`, {
      replicas: others,
    });
    expect(moved.status).toBe(202);

    // The deposed coordinator ends the member's subscription with a retriable error naming the new one.
    await member.client.until(() => member.client.of('error', 's').length > 0);
    const told = member.client.of('error', 's')[0];
    expect(told.error_code).toBe(50003);
    const after = await eventually('a leader among the new replicas', async () => {
      const leader = await leaderOf('__consumer_offsets', partition);
      return others.includes(leader) ? leader : undefined;
    });

    // The member, rejoining by its id through any broker, ends up at the new coordinator and
    // takes its partitions back, starting at the committed offsets.
    const rejoined = await join(before, group, member.answer.member_id as string);
    expect(rejoined.nodeId).toBe(after);
    const starts = (rejoined.answer.assignment as { partition: number; offset: number }[]).sort((a, b) => a.partition - b.partition);
    expect(starts.map((s) => [s.partition, s.offset])).toEqual([
      [0, 2],
      [1, 1],
    ]);
    await rejoined.client.untilRecords('s', 3);
    expect(
      rejoined.client
        .records('s')
        .map((r) => [r.partition, r.offset])
        .sort(),
    ).toEqual([
      [0, 2],
      [1, 1],
      [1, 2],
    ]);
  }, 120_000);

  it('the Runnel client joins through any broker and follows its group when the coordinator moves', async () => {
    const group = 'sdk-follow';
    const partition = offsetsPartitionOf(group);
    const coordinator = await leaderOf('__consumer_offsets', partition);
    const entry = [1, 2, 3].find((id) => id !== coordinator)!;
    const consumer = new GroupConsumer({
      baseUrl: cluster.broker(entry).baseUrl,
      group,
      topic: 'orders',
      from: 'earliest',
      format: 'string',
    });
    const seen = new Set<string>();
    const iterator = consumer[Symbol.asyncIterator]();
    const readUntil = async (done: () => boolean): Promise<void> => {
      while (!done()) {
        const next = await iterator.next();
        if (next.done) throw new Error('the consumer ended');
        seen.add(String(next.value.value?.data));
      }
    };
    try {
      await readUntil(() => seen.size >= 6);
      await consumer.commit();

      const others = [1, 2, 3].filter((id) => id !== coordinator);
      const moved = await jsonCall('POST', `${base(others[0])}/topics/__consumer_offsets/partitions/${partition}/reassignment`, {
        replicas: others,
      });
      expect(moved.status).toBe(202);
      await eventually('a leader among the new replicas', async () => {
        const leader = await leaderOf('__consumer_offsets', partition);
        return others.includes(leader) ? leader : undefined;
      });
      for (let i = 0; i < 4; i++) await produce(i % 2, `after-move-${i}`);
      // The application's loop just carries on: the client followed the coordinator by itself.
      await readUntil(() => [0, 1, 2, 3].every((i) => seen.has(`after-move-${i}`)));
    } finally {
      await consumer.close();
    }
    expect([...seen].filter((v) => v.startsWith('order-')).sort()).toEqual([
      'order-0',
      'order-1',
      'order-2',
      'order-3',
      'order-4',
      'order-5',
    ]);
  }, 120_000);

  it('keeps committed offsets when the coordinator broker dies; members reconnect through any broker', async () => {
    const group = 'audit';
    const partition = offsetsPartitionOf(group);
    const coordinator = await leaderOf('__consumer_offsets', partition);
    const member = await consumeAndCommit(coordinator, group, [3, 2]);

    await cluster.broker(coordinator).stop('SIGKILL');
    const survivor = [1, 2, 3].find((id) => id !== coordinator)!;
    const rejoined = await join(survivor, group, member.answer.member_id as string);
    expect(rejoined.nodeId).not.toBe(coordinator);
    const starts = (rejoined.answer.assignment as { partition: number; offset: number }[]).sort((a, b) => a.partition - b.partition);
    expect(starts.map((s) => [s.partition, s.offset])).toEqual([
      [0, 3],
      [1, 2],
    ]);
    const lags = await jsonCall('GET', `${base(rejoined.nodeId)}/consumer-groups/${group}/lags`);
    expect(lags.status).toBe(200);
    expect(lags.body.data.map((l: { partition_id: number; current_offset: number }) => [l.partition_id, l.current_offset]).sort()).toEqual([
      [0, 3],
      [1, 2],
    ]);
  }, 120_000);
});
