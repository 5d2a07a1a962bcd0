import { GroupCoordinator, type MemberListener, type OffsetLogRecord } from '@runnel/groups';
import type { PartitionState } from '@runnel/metadata';
import { asOffset, encodeRecordBatch, partitionForKey } from '@runnel/protocol';
import { ClusterViewCache } from '../../src/cluster/cluster-view-cache';
import { RunnelError } from '../../src/common/errors';
import { coordinatorNamedBy } from '../../src/groups/coordinator-location';
import { CoordinatorPlacement, LocalOffsetsReplica } from '../../src/groups/coordinator-placement';
import { CONSUMER_OFFSETS_TOPIC } from '../../src/topics/topic-names';

const PARTITIONS = 2;
const SELF = 1;
const partitionFor = (groupId: string) => partitionForKey(Buffer.from(groupId, 'utf8'), PARTITIONS);

/** One local replica of an offsets partition: its records, role, epoch and high watermark, set by the test. */
class FakeReplica {
  role: 'leader' | 'follower' = 'leader';
  leaderEpoch = 0;
  highWatermark = 0;
  readonly records: OffsetLogRecord[] = [];

  constructor(readonly partition: number) {}

  get logEndOffset(): number {
    return this.records.length;
  }

  handle(): LocalOffsetsReplica {
    const read = async (offset: number) => {
      const slice = this.records.slice(offset, this.highWatermark);
      const bytes =
        slice.length === 0
          ? Buffer.alloc(0)
          : encodeRecordBatch({
              baseOffset: offset,
              records: slice.map((r) => ({ timestamp: 0, key: r.key, value: r.value, headers: [] })),
            });
      return {
        bytes,
        nextOffset: asOffset(offset + slice.length),
        highWatermark: asOffset(this.highWatermark),
        logStartOffset: asOffset(0),
      };
    };
    return Object.defineProperties(
      { read, logStartOffset: asOffset(0) },
      {
        role: { get: () => this.role },
        leaderEpoch: { get: () => this.leaderEpoch },
        highWatermark: { get: () => asOffset(this.highWatermark) },
        logEndOffset: { get: () => asOffset(this.records.length) },
      },
    ) as unknown as LocalOffsetsReplica;
  }
}

function state(partition: number, leader: number, leaderEpoch: number): PartitionState {
  return {
    topicName: CONSUMER_OFFSETS_TOPIC,
    partitionId: partition,
    replicas: [1, 2],
    isr: [1, 2],
    leader,
    leaderEpoch,
    partitionEpoch: leaderEpoch,
    leaderRecoveryState: 0,
    addingReplicas: [],
    removingReplicas: [],
  } as unknown as PartitionState;
}

const listener = (removed: { reason: string; cause?: Error }[]): MemberListener => ({
  onAssigned: () => undefined,
  onRevoked: () => undefined,
  onRemoved: (reason, cause) => removed.push({ reason, cause }),
});

async function until(what: string, check: () => boolean): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

describe('CoordinatorPlacement', () => {
  let placement: CoordinatorPlacement;
  let view: ClusterViewCache;
  let coordinator: GroupCoordinator;
  const replicas = [new FakeReplica(0), new FakeReplica(1)];
  const group = 'payments';
  const p = partitionFor(group);

  beforeEach(() => {
    view = new ClusterViewCache(SELF);
    view.setBrokers([
      { brokerId: 1, advertisedUrl: 'http://b1:8080', alive: true, state: 'RUNNING' },
      { brokerId: 2, advertisedUrl: 'http://b2:8080', alive: true, state: 'RUNNING' },
    ] as never);
    for (const r of replicas) {
      r.records.length = 0;
      r.role = 'leader';
      r.leaderEpoch = 0;
      r.highWatermark = 0;
    }
    coordinator = new GroupCoordinator({
      offsetLog: { append: async (groupId, records) => void replicas[partitionFor(groupId)].records.push(...records) },
      catalog: { topics: () => new Map([['orders', 2]]) },
    });
    placement = new CoordinatorPlacement({
      view,
      coordinator,
      partitionCount: () => PARTITIONS,
      partitionFor,
      localReplica: (partition) => replicas[partition].handle(),
      log: { info: () => undefined, warn: () => undefined, error: () => undefined },
      checkIntervalMs: 10,
    });
  });

  afterEach(() => placement.stop());

  const refusal = (call: () => unknown): RunnelError => {
    try {
      call();
    } catch (error) {
      return error as RunnelError;
    }
    throw new Error('no refusal');
  };

  it('coordinates a group only once its partition is led here and loaded up to the log end', async () => {
    // Records the old coordinator wrote: the group with a committed offset.
    const old = new GroupCoordinator({
      offsetLog: { append: async (_g, records) => void replicas[p].records.push(...records) },
      catalog: { topics: () => new Map([['orders', 2]]) },
    });
    const joined = old.join(
      { groupId: group, subscription: { topics: ['orders'], topicPrefixes: [] }, clientId: 'c', clientHost: 'h' },
      listener([]),
    );
    await old.commit(group, joined.memberId, [{ topic: 'orders', partition: 1, offset: 5 }]);
    await old.flush();
    replicas[p].highWatermark = 1; // the ISR has confirmed only the first record so far

    view.setTopic(CONSUMER_OFFSETS_TOPIC, [state(0, 2, 3), state(1, 2, 3)]);
    placement.start();
    const elsewhere = refusal(() => placement.require(group));
    expect(elsewhere.errorCode).toBe(50003);
    expect(coordinatorNamedBy(elsewhere)).toEqual({ broker_id: 2, url: 'http://b2:8080' });

    for (const r of replicas) r.leaderEpoch = 4;
    view.setTopic(CONSUMER_OFFSETS_TOPIC, [state(0, SELF, 4), state(1, SELF, 4)]);
    expect(refusal(() => placement.require(group)).message).toMatch(/loading/);
    expect(placement.locate(group)).toEqual({ brokerId: SELF, url: 'http://b1:8080', local: false });

    replicas[p].highWatermark = replicas[p].logEndOffset;
    await until('the partition loaded', () => placement.locate(group)?.local === true);
    placement.require(group);
    expect(coordinator.committedOffset(group, 'orders', 1)).toBe(5);
    expect(placement.ownedPartitions().sort()).toEqual([0, 1]);
  });

  it('unloads on losing leadership: members are told the new coordinator, and writes are refused', async () => {
    view.setTopic(CONSUMER_OFFSETS_TOPIC, [state(0, SELF, 1), state(1, SELF, 1)]);
    for (const r of replicas) r.leaderEpoch = 1;
    placement.start();
    await until('both partitions loaded', () => placement.ownedPartitions().length === 2);
    const removed: { reason: string; cause?: Error }[] = [];
    coordinator.join(
      { groupId: group, subscription: { topics: ['orders'], topicPrefixes: [] }, clientId: 'c', clientHost: 'h' },
      listener(removed),
    );
    expect(placement.writable(p, group)).toBeDefined();

    replicas[p].role = 'follower';
    view.setTopic(CONSUMER_OFFSETS_TOPIC, [state(0, 2, 2), state(1, 2, 2)]);
    expect(removed).toHaveLength(1);
    expect(coordinatorNamedBy(removed[0].cause)).toEqual({ broker_id: 2, url: 'http://b2:8080' });
    expect(coordinator.listGroups().map((g) => g.groupId)).not.toContain(group);
    expect(coordinatorNamedBy(refusal(() => placement.writable(p, group)))).toEqual({ broker_id: 2, url: 'http://b2:8080' });
    expect(coordinatorNamedBy(refusal(() => placement.require(group)))).toEqual({ broker_id: 2, url: 'http://b2:8080' });
  });

  it('a new leader epoch here reloads the partition (what another leader wrote meanwhile is read)', async () => {
    view.setTopic(CONSUMER_OFFSETS_TOPIC, [state(0, SELF, 1), state(1, SELF, 1)]);
    for (const r of replicas) r.leaderEpoch = 1;
    placement.start();
    await until('loaded', () => placement.ownedPartitions().length === 2);
    expect(() => coordinator.describeGroup(group)).toThrow();

    // Another coordinator wrote the group at epoch 2 (this broker was deposed and missed the change), now back at epoch 3.
    const other = new GroupCoordinator({
      offsetLog: { append: async (_g, records) => void replicas[p].records.push(...records) },
      catalog: { topics: () => new Map([['orders', 2]]) },
    });
    other.join({ groupId: group, subscription: { topics: ['orders'], topicPrefixes: [] }, clientId: 'c', clientHost: 'h' }, listener([]));
    await other.flush();
    replicas[p].highWatermark = replicas[p].logEndOffset;
    replicas[p].leaderEpoch = 3;
    view.setTopic(CONSUMER_OFFSETS_TOPIC, [state(0, SELF, 3), state(1, SELF, 3)]);
    await until('reloaded', () => placement.locate(group)?.local === true);
    expect(coordinator.describeGroup(group).members).toHaveLength(1);
  });
});
