import { partitionForKey } from '@runnel/protocol';
import { jsonCall } from '../support/json-call';
import { TestCluster, eventually, startCluster } from '../support/cluster-process';
import { createTopicOn } from '../support/topic-helpers';
import { Member } from '../groups/group-support';

/**
 * Group REST calls through any broker of a three-broker cluster: a group's coordinator is the
 * leader of its `__consumer_offsets` partition; every other broker answers a call for the group
 * with the coordinator's own answer (forwarded over the inter-broker channel), and the group
 * list through any broker is the merge of every broker's groups. Run alone:
 * `npx nest build broker && npx jest apps/broker/test/cluster/group-forwarding.e2e.test.ts`.
 */
/* eslint-disable @typescript-eslint/no-explicit-any -- answers are read field by field */
describe('a three-broker cluster: consumer group REST calls through any broker', () => {
  const OFFSETS_PARTITIONS = 6;
  let cluster: TestCluster;
  const members: Member[] = [];
  /** Group id → the broker coordinating it; at least two brokers coordinate one. */
  const coordinators = new Map<string, number>();

  const base = (nodeId: number) => `${cluster.broker(nodeId).baseUrl}/v3/clusters/-`;

  /** A call answered by the coordinator: retried while a broker's view of leadership still catches up (50003). */
  const settled = (method: string, url: string, body?: unknown) =>
    eventually(`${method} ${url} not answered 50003`, async () => {
      const answer = await jsonCall(method, url, body);
      return answer.body?.error_code === 50003 ? undefined : answer;
    });

  beforeAll(async () => {
    cluster = await startCluster(3, {
      RUNNEL_OFFSETS_TOPIC_PARTITIONS: String(OFFSETS_PARTITIONS),
      RUNNEL_GROUP_MIN_SESSION_TIMEOUT_MS: '300',
      // Preferred leaders come back soon after start, so the offsets partitions are led by several brokers.
      RUNNEL_LEADER_REBALANCE_INTERVAL_MS: '1000',
    });
    await createTopicOn(cluster.broker(1), 'orders', 2);
    const leaders = await eventually('__consumer_offsets partitions led by their preferred replicas, on more than one broker', async () => {
      const found: number[] = [];
      for (let p = 0; p < OFFSETS_PARTITIONS; p++) {
        const answer = await jsonCall('GET', `${base(1)}/topics/__consumer_offsets/partitions/${p}/replicas`);
        if (answer.status !== 200) return undefined;
        const replicas: any[] = answer.body.data;
        // Settled: the preferred replica (the first) leads and every replica is in sync, so no rebalance moves it.
        if (!replicas[0]?.is_leader || !replicas.every((r) => r.is_in_sync)) return undefined;
        found.push(replicas[0].broker_id as number);
      }
      return new Set(found).size > 1 ? found : undefined;
    });
    // One group per broker that leads an offsets partition (Kafka's placement: murmur2(group id) mod partitions).
    for (let i = 0; i < 200 && coordinators.size < new Set(leaders).size; i++) {
      const groupId = `fwd-${i}`;
      const coordinator = leaders[partitionForKey(Buffer.from(groupId, 'utf8'), OFFSETS_PARTITIONS)];
      if (![...coordinators.values()].includes(coordinator)) coordinators.set(groupId, coordinator);
    }
    for (const [groupId, coordinator] of coordinators) {
      const member = await eventually(`a member of ${groupId} on broker ${coordinator}`, async () =>
        Member.join(cluster.broker(coordinator), { group: groupId, topics: ['orders'], session_timeout_ms: 30_000 }).catch((error) => {
          if (error.frame?.error_code === 50003) return undefined;
          throw error;
        }),
      );
      members.push(member);
    }
  }, 180_000);

  afterAll(async () => {
    for (const member of members.splice(0)) member.close();
    await cluster?.stop();
  }, 60_000);

  it('places groups on more than one broker (the test would prove nothing otherwise)', () => {
    expect(new Set(coordinators.values()).size).toBeGreaterThan(1);
  });

  it('answers a group call through a non-coordinator broker with the coordinator’s own answer', async () => {
    for (const [groupId, coordinator] of coordinators) {
      for (const path of [
        `/consumer-groups/${groupId}`,
        `/consumer-groups/${groupId}/consumers`,
        `/consumer-groups/${groupId}/lag-summary`,
      ]) {
        const own = await settled('GET', `${base(coordinator)}${path}`);
        expect({ path, status: own.status }).toEqual({ path, status: 200 });
        for (const other of [1, 2, 3].filter((id) => id !== coordinator)) {
          const through = await settled('GET', `${base(other)}${path}`);
          expect({ path, other, status: through.status, body: through.body }).toEqual({ path, other, status: 200, body: own.body });
        }
      }
    }
  });

  it('resets offsets (dry run) through a non-coordinator broker as on the coordinator', async () => {
    const [groupId, coordinator] = [...coordinators][0];
    const other = [1, 2, 3].find((id) => id !== coordinator)!;
    const request = { topic: 'orders', to: 'earliest', dry_run: true };
    const own = await settled('POST', `${base(coordinator)}/consumer-groups/${groupId}/offsets:reset`, request);
    const through = await settled('POST', `${base(other)}/consumer-groups/${groupId}/offsets:reset`, request);
    expect(own.body?.error_code).not.toBe(50003);
    expect({ status: through.status, body: through.body }).toEqual({ status: own.status, body: own.body });
  });

  it('lists the groups of every broker through any broker, sorted, and pages through them', async () => {
    const expected = [...coordinators.keys()].sort();
    for (const nodeId of [1, 2, 3]) {
      const answer = await jsonCall('GET', `${base(nodeId)}/consumer-groups`);
      expect(answer.status).toBe(200);
      const ids = answer.body.data.map((g: any) => g.consumer_group_id).filter((id: string) => id.startsWith('fwd-'));
      expect({ nodeId, ids }).toEqual({ nodeId, ids: expected });
      const paged: string[] = [];
      let url: string | null = `${base(nodeId)}/consumer-groups?limit=1`;
      for (let pages = 0; url !== null && pages < 50; pages++) {
        const page: any = await jsonCall('GET', url);
        expect(page.status).toBe(200);
        paged.push(...page.body.data.map((g: any) => g.consumer_group_id));
        url = page.body.metadata.next;
      }
      expect(paged.filter((id) => id.startsWith('fwd-'))).toEqual(expected);
    }
  });

  it('summarises the groups of every broker through any broker (the console list), sorted and paged', async () => {
    const expected = [...coordinators.keys()].sort();
    for (const nodeId of [1, 2, 3]) {
      const paged: string[] = [];
      let token = '';
      for (let pages = 0; pages < 50; pages++) {
        const page: any = await jsonCall('GET', `${base(nodeId)}/consumer-group-summaries?search=fwd-&limit=1${token}`);
        expect(page.status).toBe(200);
        expect(page.body.total).toBe(expected.length);
        expect(page.body.sort_values).toBeUndefined();
        paged.push(...page.body.data.map((g: any) => g.consumer_group_id));
        if (page.body.next === null) break;
        token = `&page_token=${page.body.next}`;
      }
      expect({ nodeId, paged }).toEqual({ nodeId, paged: expected });
      const byMembers = await jsonCall('GET', `${base(nodeId)}/consumer-group-summaries?search=fwd-&sort=members&order=desc`);
      expect(byMembers.body.data.map((g: any) => [g.consumer_group_id, g.members])).toEqual(expected.map((id) => [id, 1]));
    }
  });

  it('answers a group lag history through any broker (sampled on its coordinator)', async () => {
    for (const [groupId, coordinator] of coordinators) {
      const own = await settled('GET', `${base(coordinator)}/consumer-groups/${groupId}/lag-history`);
      expect(own.status).toBe(200);
      for (const other of [1, 2, 3].filter((id) => id !== coordinator)) {
        const through = await settled('GET', `${base(other)}/consumer-groups/${groupId}/lag-history`);
        expect({ other, status: through.status, kind: through.body.kind }).toEqual({ other, status: 200, kind: own.body.kind });
      }
    }
  });

  it('creates an HTTP consumer instance on its group’s coordinator through any broker; base_uri names the coordinator', async () => {
    const V2 = 'application/vnd.kafka.v2+json';
    for (const [groupId, coordinator] of coordinators) {
      for (const other of [1, 2, 3].filter((id) => id !== coordinator)) {
        const created = await fetch(`${cluster.broker(other).baseUrl}/consumers/${groupId}`, {
          method: 'POST',
          headers: { 'content-type': V2 },
          body: JSON.stringify({ name: `via-${other}`, format: 'json' }),
        });
        expect({ other, status: created.status }).toEqual({ other, status: 200 });
        expect(created.headers.get('content-type')).toMatch(/^application\/vnd\.kafka\.v2\+json/);
        const { instance_id, base_uri } = (await created.json()) as any;
        expect(instance_id).toBe(`via-${other}`);
        expect(new URL(base_uri).host).toBe(new URL(cluster.broker(coordinator).baseUrl).host);
        // The client then talks to the coordinator directly.
        const subscribed = await fetch(`${base_uri}/subscription`, {
          method: 'POST',
          headers: { 'content-type': V2 },
          body: JSON.stringify({ topics: ['orders'] }),
        });
        expect(subscribed.status).toBe(204);
        expect((await fetch(base_uri, { method: 'DELETE', headers: { 'content-type': V2 } })).status).toBe(204);
      }
    }
  });

  it('does not trust the forwarding marker from outside: a public request carrying it is refused', async () => {
    const [groupId] = [...coordinators.keys()];
    for (const nodeId of [1, 2, 3]) {
      const response = await fetch(`${base(nodeId)}/consumer-groups/${groupId}`, {
        headers: {
          'x-runnel-forwarded': 'a'.repeat(64),
          'x-runnel-forwarded-caller': JSON.stringify({ principal: 'User:admin', user: 'admin', host: '127.0.0.1', via: 'password' }),
        },
      });
      expect(response.status).toBe(400);
      expect(((await response.json()) as any).error_code).toBe(40001);
    }
  });
});
