import type { BrokerRegistration, PartitionState, TopicRecord } from '@runnel/metadata';
import type { FastifyRequest } from 'fastify';
import type { ClusterAdmin } from '../../src/cluster/cluster-admin';
import type { ClusterView } from '../../src/cluster/cluster-view';
import { ReassignmentsController } from '../../src/cluster/reassignments.controller';
import { RunnelError } from '../../src/common/errors';
import type { AccessControl } from '../../src/security/access-control.service';
import type { AuditEntry, AuditService } from '../../src/security/audit.service';
import type { Caller } from '../../src/security/caller';
import { BrokersV2Controller, ClustersController } from '../../src/topics/clusters.controller';
import { TopicsController } from '../../src/topics/topics.controller';
import type { TopicsService } from '../../src/topics/topics.service';

/**
 * The v3 cluster resources over a three-broker ClusterView (unit tests of the controllers with a
 * fixed view, stub topics and a recording ClusterAdmin): brokers with their racks and addresses,
 * replicas, ISR and leaders as the view holds them, reassignments in progress, the console's
 * broker summaries with under-replicated and offline counts, and a reassignment started through
 * the ClusterAdmin and audited.
 */
const BASE = 'http://b1.example:8081';
const ROOT = `${BASE}/v3/clusters/c1`;
const req = { server: { runnelAdvertisedUrl: BASE } } as unknown as FastifyRequest;
const caller = { principal: 'User:admin', host: '127.0.0.1' } as Caller;

function registration(brokerId: number, overrides: Partial<BrokerRegistration> = {}): BrokerRegistration {
  return {
    brokerId,
    epoch: 3,
    incarnationId: `i${brokerId}`,
    interBrokerAddress: `10.0.0.${brokerId}:9093`,
    advertisedUrl: `http://b${brokerId}.example:808${brokerId}`,
    rack: `rack-${brokerId % 2}`,
    state: 'RUNNING',
    alive: true,
    leaseExpiresAt: new Date(0),
    ...overrides,
  };
}

function state(
  topicName: string,
  partitionId: number,
  leader: number,
  replicas: number[],
  isr: number[],
  more: Partial<PartitionState> = {},
) {
  const s: PartitionState = {
    topicName,
    partitionId,
    leader,
    leaderEpoch: 4,
    partitionEpoch: 9,
    replicas,
    isr,
    leaderRecoveryState: 0,
    addingReplicas: [],
    removingReplicas: [],
    ...more,
  };
  return s;
}

function fixture() {
  const brokers = [registration(1), registration(2), registration(3, { alive: false, state: 'STOPPED', rack: null })];
  const partitions = new Map<string, PartitionState[]>([
    [
      'orders',
      [
        state('orders', 0, 1, [1, 2, 3], [1, 2, 3]),
        state('orders', 1, 2, [2, 3, 1], [2, 1]), // under-replicated (3 is out)
        state('orders', 2, -1, [3, 1, 2], [3]), // offline
        state('orders', 3, 1, [1, 2, 3], [1, 2, 3], { replicas: [1, 2, 3], addingReplicas: [3], removingReplicas: [2] }),
      ],
    ],
    ['secret', [state('secret', 0, 3, [3, 2, 1], [3, 2, 1])]], // led by a dead broker: offline, not yet re-elected
  ]);
  const topicRecords = [...partitions.keys()].map((name) => ({ name, partitionsCount: partitions.get(name)!.length }) as TopicRecord);
  const listeners = new Set<() => void>();
  const view: ClusterView = {
    mode: 'cluster',
    localBrokerId: 1,
    brokers: () => brokers,
    broker: (id) => brokers.find((b) => b.brokerId === id),
    controllerId: () => 2,
    partitionState: (t, p) => partitions.get(t)?.[p],
    partitionStates: (t) => partitions.get(t) ?? [],
    onChange: (l) => (listeners.add(l), () => listeners.delete(l)),
  };
  const visible = (name: string) => name !== 'secret';
  const get = (name: string) => {
    const topic = topicRecords.find((t) => t.name === name);
    if (!topic) throw new RunnelError('UNKNOWN_TOPIC_OR_PARTITION', `Topic '${name}' not found`);
    return topic;
  };
  const topics = {
    clusterId: 'c1',
    checkCluster: (cid: string) => {
      if (cid !== '-' && cid !== 'c1') throw new RunnelError('NOT_FOUND', 'no cluster');
    },
    list: () => topicRecords,
    listVisible: () => topicRecords.filter((t) => visible(t.name)),
    authorize: (_c: Caller, _op: string, name: string) => {
      if (!visible(name)) throw new RunnelError('NOT_AUTHORIZED', `not authorized to DESCRIBE ${name}`);
    },
    get,
    describe: (_c: Caller, name: string) => get(name),
    partitions: (_c: Caller, name: string) =>
      partitions.get(name)!.map((p) => ({
        topicName: name,
        partitionId: p.partitionId,
        leader: 0,
        replicas: [0],
        isr: [0],
        earliestOffset: 0,
        highWatermark: 10,
      })),
    describePartition: (_c: Caller, name: string, id: number) => ({
      topicName: name,
      partitionId: id,
      leader: 0,
      replicas: [0],
      isr: [0],
      earliestOffset: 5,
      highWatermark: 10,
    }),
  } as unknown as TopicsService;
  const audited: AuditEntry[] = [];
  const audit = { record: async (e: AuditEntry) => void audited.push(e) } as unknown as AuditService;
  const access = { requireCluster: () => undefined } as unknown as AccessControl;
  const asked: [string, number, number[] | null][] = [];
  const admin: ClusterAdmin = {
    reassign: async (_c, topic, partition, replicas) => {
      asked.push([topic, partition, replicas]);
      const before = partitions.get(topic)![partition];
      return replicas === null
        ? { ...before, addingReplicas: [], removingReplicas: [] }
        : {
            ...before,
            replicas: [...new Set([...replicas, ...before.replicas])],
            addingReplicas: replicas.filter((r) => !before.replicas.includes(r)),
            removingReplicas: before.replicas.filter((r) => !replicas.includes(r)),
          };
    },
  };
  return {
    clusters: new ClustersController(topics, view),
    v2: new BrokersV2Controller(view),
    topicsController: new TopicsController(topics, view),
    reassignments: new ReassignmentsController(topics, access, audit, view, admin),
    audited,
    asked,
  };
}

describe('v3 cluster resources over a three-broker ClusterView', () => {
  it('lists every registered broker with its own address and rack; the controller is the lease holder', () => {
    const { clusters } = fixture();
    expect(clusters.cluster('-', req).controller).toEqual({ related: `${ROOT}/brokers/2` });
    const list = clusters.brokers('-', req);
    expect(list.data.map((b) => [b.broker_id, b.host, b.port, b.rack])).toEqual([
      [1, 'b1.example', 8081, 'rack-1'],
      [2, 'b2.example', 8082, 'rack-0'],
      [3, 'b3.example', 8083, null],
    ]);
    expect(clusters.broker('-', '3', req).partition_replicas).toEqual({ related: `${ROOT}/brokers/3/partition-replicas` });
    for (const bad of ['4', '-1', 'x', '01', '1.0', '']) expect(() => clusters.broker('-', bad, req)).toThrow(/Broker .* cannot be found/);
  });

  it("REST Proxy v2's broker list names the live brokers only", () => {
    expect(fixture().v2.list()).toEqual({ brokers: [1, 2] });
  });

  it("a broker's partition replicas: those it holds, of the topics the caller may DESCRIBE, leader and in-sync flags from the view", () => {
    const { clusters } = fixture();
    const of3 = clusters.brokerReplicas('-', '3', req, caller).data;
    expect(of3.map((r) => [r.topic_name, r.partition_id, r.is_leader, r.is_in_sync])).toEqual([
      ['orders', 0, false, true],
      ['orders', 1, false, false],
      ['orders', 2, false, true],
      ['orders', 3, false, true],
    ]);
  });

  it('partition views: leader, replicas and ISR are the view’s; offsets the leader’s; an offline partition has a null leader', () => {
    const { topicsController } = fixture();
    const list = topicsController.partitions('-', 'orders', req, caller).data;
    expect(list.map((p) => p.leader)).toEqual([
      { related: `${ROOT}/topics/orders/partitions/0/replicas/1` },
      { related: `${ROOT}/topics/orders/partitions/1/replicas/2` },
      null,
      { related: `${ROOT}/topics/orders/partitions/3/replicas/1` },
    ]);
    const one = topicsController.partition('-', 'orders', '1', req, caller);
    expect([one.leader, one.earliest_offset, one.high_watermark]).toEqual([
      { related: `${ROOT}/topics/orders/partitions/1/replicas/2` },
      5,
      10,
    ]);
    const replicas = topicsController.replicas('-', 'orders', '1', req, caller).data;
    expect(replicas.map((r) => [r.broker_id, r.is_leader, r.is_in_sync])).toEqual([
      [2, true, true],
      [3, false, false],
      [1, false, true],
    ]);
    expect(topicsController.replica('-', 'orders', '2', '3', req, caller)).toMatchObject({
      broker_id: 3,
      is_leader: false,
      is_in_sync: true,
    });
    expect(() => topicsController.replica('-', 'orders', '2', '4', req, caller)).toThrow(/Replica 4 .* cannot be found/);
    expect(() => topicsController.replicas('-', 'orders', '4', req, caller)).toThrow(/Partition 4 .* cannot be found/);
    expect(() => topicsController.replicas('-', 'secret', '0', req, caller)).toThrow(/not authorized/);
  });

  it('reassignments in progress: adding and removing replicas, only of visible topics; 404 for a partition with none', () => {
    const { clusters, topicsController } = fixture();
    const expected = {
      kind: 'KafkaReassignment',
      metadata: {
        self: `${ROOT}/topics/orders/partitions/3/reassignment`,
        resource_name: 'crn:///kafka=c1/topic=orders/partition=3/reassignment',
      },
      cluster_id: 'c1',
      topic_name: 'orders',
      partition_id: 3,
      adding_replicas: [3],
      removing_replicas: [2],
      replicas: { related: `${ROOT}/topics/orders/partitions/3/replicas` },
    };
    expect(clusters.reassignments('-', req, caller).data).toEqual([expected]);
    expect(topicsController.reassignments('-', 'orders', req, caller).data).toEqual([expected]);
    expect(topicsController.reassignment('-', 'orders', '3', req, caller)).toEqual(expected);
    expect(() => topicsController.reassignment('-', 'orders', '0', req, caller)).toThrow(/No reassignment is in progress/);
  });

  it('broker summaries: leader and replica counts per broker, state and liveness, under-replicated and offline partitions', () => {
    const { clusters } = fixture();
    const summary = clusters.brokerSummaries('-', req);
    expect(summary).toMatchObject({
      mode: 'cluster',
      controller_id: 2,
      partitions: 5,
      under_replicated_partitions: 1,
      offline_partitions: 2,
    });
    expect(summary.data.map((b) => [b.broker_id, b.state, b.alive, b.is_controller, b.is_local, b.leader_count, b.replica_count])).toEqual([
      [1, 'RUNNING', true, false, true, 2, 5],
      [2, 'RUNNING', true, true, false, 1, 5],
      [3, 'STOPPED', false, false, false, 0, 5],
    ]);
    expect(summary.data[1].advertised_url).toBe('http://b2.example:8082');
  });

  it('starts a reassignment through the ClusterAdmin and audits the replicas before and after; registered brokers only', async () => {
    const { reassignments, asked, audited } = fixture();
    const answer = await reassignments.start('-', 'orders', '0', { replicas: [2, 3] }, req, caller);
    expect(asked).toEqual([['orders', 0, [2, 3]]]);
    expect(answer).toMatchObject({ topic_name: 'orders', partition_id: 0, adding_replicas: [], removing_replicas: [1] });
    expect(audited).toEqual([
      expect.objectContaining({
        resource: 'TOPIC:orders',
        operation: 'ALTER_PARTITION_REASSIGNMENTS',
        outcome: 'SUCCESS',
        before: { partition_id: 0, replicas: [1, 2, 3], adding_replicas: [], removing_replicas: [] },
        after: { partition_id: 0, replicas: [2, 3, 1], adding_replicas: [], removing_replicas: [1] },
      }),
    ]);
    await expect(reassignments.start('-', 'orders', '0', { replicas: [2, 9] }, req, caller)).rejects.toThrow(/unregistered brokers: 9/);
    await reassignments.cancel('-', 'orders', '3', req, caller);
    expect(asked[asked.length - 1]).toEqual(['orders', 3, null]);
    expect(audited[audited.length - 1]).toMatchObject({ operation: 'CANCEL_PARTITION_REASSIGNMENT', outcome: 'SUCCESS' });
  });
});
