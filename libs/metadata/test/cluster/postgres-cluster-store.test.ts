import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient } from '../../src/generated/postgres/client';
import {
  AlterPartitionRequest,
  BrokerIdInUseError,
  NewBrokerRegistration,
  NotControllerError,
  PartitionState,
} from '../../src/cluster/cluster-store';
import { PartitionNotFoundError, PostgresClusterStore } from '../../src/cluster/postgres-cluster-store';
import { InvalidReassignmentError } from '../../src/cluster/reassignment';
import { TopicNotFoundError } from '../../src/metadata-store';
import { startTestPostgres, TestPostgres } from '../support/postgres';

jest.setTimeout(60_000);

const LONG_LEASE_MS = 60_000;
const SHORT_LEASE_MS = 300;

let pg: TestPostgres;
let store: PostgresClusterStore;
/** A second broker's store on the same database (its own pool), for races. */
let other: PostgresClusterStore;
let prisma: PrismaClient;

// One database for the file, emptied before each test (a fresh database per test costs ~1 s on a loaded machine).
beforeAll(async () => {
  pg = await startTestPostgres();
  const url = await pg.database();
  store = await PostgresClusterStore.open(url);
  other = await PostgresClusterStore.open(url);
  prisma = new PrismaClient({ adapter: new PrismaPg({ connectionString: url, max: 2 }) });
});
afterAll(async () => {
  await store?.close();
  await other?.close();
  await prisma?.$disconnect();
  await pg?.stop();
});
beforeEach(async () => {
  await prisma.$transaction([
    prisma.$executeRaw`TRUNCATE broker, controller_lease, topic, "partition", topic_config, metadata_change, cluster`,
    prisma.$executeRaw`UPDATE metadata_log_head SET seq = 0`,
  ]);
});

function broker(brokerId: number, incarnationId = `inc-${brokerId}`): NewBrokerRegistration {
  return {
    brokerId,
    incarnationId,
    interBrokerAddress: `127.0.0.${brokerId}:${9100 + brokerId}`,
    advertisedUrl: `http://127.0.0.${brokerId}:8080`,
    rack: null,
  };
}

/** Re-reads until `check` holds, failing after a generous deadline (no assumption about speed). */
async function eventually<T>(read: () => Promise<T>, check: (value: T) => boolean, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (check(value)) return value;
    if (Date.now() > deadline) throw new Error(`condition not met in ${timeoutMs} ms; last value ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** Inserts a topic's partitions as the MetadataStore's createTopic would (leader = first replica, ISR = replicas). */
async function createTopic(name: string, assignment: number[][]): Promise<void> {
  await prisma.topic.create({
    data: {
      name,
      topicId: `id-${name}`,
      partitionsCount: assignment.length,
      replicationFactor: assignment[0].length,
      partitions: {
        create: assignment.map((replicas, partitionId) => ({
          partitionId,
          leader: replicas[0],
          leaderEpoch: 0,
          replicas: JSON.stringify(replicas),
          isr: JSON.stringify(replicas),
        })),
      },
    },
  });
}

async function partition(topic: string, id: number): Promise<PartitionState> {
  const found = (await store.partitions(topic)).find((p) => p.partitionId === id);
  if (!found) throw new Error(`no partition ${topic}-${id}`);
  return found;
}

describe('broker registration and leases', () => {
  it('registers with epoch 1, raises the epoch on every registration, and lists the broker alive', async () => {
    const first = await store.registerBroker({ ...broker(1), rack: 'r1' }, LONG_LEASE_MS);
    expect(first).toMatchObject({ brokerId: 1, epoch: 1, state: 'RUNNING', alive: true, rack: 'r1', interBrokerAddress: '127.0.0.1:9101' });
    const again = await store.registerBroker(broker(1), LONG_LEASE_MS);
    expect(again.epoch).toBe(2);
    expect(await store.brokers()).toEqual([
      expect.objectContaining({ brokerId: 1, epoch: 2, alive: true, advertisedUrl: 'http://127.0.0.1:8080' }),
    ]);
    const changes = await store.changesAfter(0, 100);
    expect(changes.map((c) => [c.kind, c.subject])).toEqual([
      ['broker', '1'],
      ['broker', '1'],
    ]);
  });

  it('computes the lease from the database clock', async () => {
    const registered = await store.registerBroker(broker(1), LONG_LEASE_MS);
    const dbNow = await store.now();
    const remaining = registered.leaseExpiresAt.getTime() - dbNow.getTime();
    expect(remaining).toBeGreaterThan(0);
    expect(remaining).toBeLessThanOrEqual(LONG_LEASE_MS);
  });

  it('refuses another incarnation while the lease is alive, and lets it in once the lease expired by PostgreSQL time', async () => {
    await store.registerBroker(broker(1, 'old'), SHORT_LEASE_MS);
    // Immediately: unless the machine stalled for the whole lease, the id is taken.
    await expect(store.registerBroker(broker(1, 'new'), LONG_LEASE_MS)).rejects.toBeInstanceOf(BrokerIdInUseError);
    await eventually(
      () => store.brokers(),
      (brokers) => brokers[0]?.alive === false,
    );
    const taken = await store.registerBroker(broker(1, 'new'), LONG_LEASE_MS);
    expect(taken).toMatchObject({ incarnationId: 'new', epoch: 2, alive: true });
  });

  it('a refused registration changes nothing', async () => {
    await store.registerBroker(broker(1, 'old'), LONG_LEASE_MS);
    await expect(store.registerBroker(broker(1, 'new'), LONG_LEASE_MS)).rejects.toBeInstanceOf(BrokerIdInUseError);
    expect(await store.brokers()).toEqual([expect.objectContaining({ incarnationId: 'old', epoch: 1 })]);
    expect(await store.lastSeq()).toBe(1);
  });

  it('lets another incarnation in right after a clean stop', async () => {
    const old = await store.registerBroker(broker(1, 'old'), LONG_LEASE_MS);
    expect(await store.setBrokerState(1, old.epoch, 'STOPPED')).toBe(true);
    expect((await store.registerBroker(broker(1, 'new'), LONG_LEASE_MS)).epoch).toBe(2);
  });

  it('two brokers racing to register one new id: one wins, the other is refused', async () => {
    const results = await Promise.allSettled([
      store.registerBroker(broker(1, 'a'), LONG_LEASE_MS),
      other.registerBroker(broker(1, 'b'), LONG_LEASE_MS),
    ]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const refused = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
    expect(refused.reason).toBeInstanceOf(BrokerIdInUseError);
    expect((await store.brokers())[0].epoch).toBe(1);
  });

  it('heartbeat renews the current epoch only', async () => {
    const first = await store.registerBroker(broker(1), SHORT_LEASE_MS);
    const second = await store.registerBroker(broker(1), SHORT_LEASE_MS);
    expect(await store.heartbeat(1, first.epoch, LONG_LEASE_MS)).toBe(false);
    expect(await store.heartbeat(1, second.epoch, LONG_LEASE_MS)).toBe(true);
    const [renewed] = await store.brokers();
    expect(renewed.leaseExpiresAt.getTime()).toBeGreaterThan(second.leaseExpiresAt.getTime());
    expect(await store.heartbeat(7, 1, LONG_LEASE_MS)).toBe(false);
  });

  it('heartbeat brings an expired lease back to life for the same epoch', async () => {
    const registered = await store.registerBroker(broker(1), SHORT_LEASE_MS);
    await eventually(
      () => store.brokers(),
      (brokers) => !brokers[0].alive,
    );
    expect(await store.heartbeat(1, registered.epoch, LONG_LEASE_MS)).toBe(true);
    expect((await store.brokers())[0].alive).toBe(true);
  });

  it('setBrokerState applies to the current incarnation only and appends a broker change', async () => {
    const first = await store.registerBroker(broker(1), LONG_LEASE_MS);
    const second = await store.registerBroker(broker(1), LONG_LEASE_MS);
    const before = await store.lastSeq();
    expect(await store.setBrokerState(1, first.epoch, 'CONTROLLED_SHUTDOWN')).toBe(false);
    expect(await store.lastSeq()).toBe(before);
    expect(await store.setBrokerState(1, second.epoch, 'CONTROLLED_SHUTDOWN')).toBe(true);
    expect((await store.brokers())[0].state).toBe('CONTROLLED_SHUTDOWN');
    const [change] = await store.changesAfter(before, 10);
    expect(change).toMatchObject({ kind: 'broker', subject: '1', payload: { epoch: second.epoch, state: 'CONTROLLED_SHUTDOWN' } });
  });

  it('refuses a malformed inter-broker address', async () => {
    await expect(store.registerBroker({ ...broker(1), interBrokerAddress: 'nohost' }, LONG_LEASE_MS)).rejects.toThrow(/host:port/);
  });
});

describe('controller lease', () => {
  it('two brokers racing for a vacant lease: one winner with epoch 1, the other gets null', async () => {
    const b1 = await store.registerBroker(broker(1), LONG_LEASE_MS);
    const b2 = await store.registerBroker(broker(2), LONG_LEASE_MS);
    const [r1, r2] = await Promise.all([
      store.acquireOrRenewController(1, b1.epoch, LONG_LEASE_MS),
      other.acquireOrRenewController(2, b2.epoch, LONG_LEASE_MS),
    ]);
    const winners = [r1, r2].filter((r) => r !== null);
    expect(winners).toHaveLength(1);
    expect(winners[0]).toMatchObject({ epoch: 1, alive: true });
    expect(await store.controller()).toMatchObject({ brokerId: winners[0]!.brokerId, epoch: 1, alive: true });
    expect((await store.changesAfter(0, 100)).filter((c) => c.kind === 'controller')).toHaveLength(1);
  });

  it('over repeated races each tenure has one holder and the next epoch', async () => {
    const b1 = await store.registerBroker(broker(1), LONG_LEASE_MS);
    const b2 = await other.registerBroker(broker(2), LONG_LEASE_MS);
    const holders: number[] = [];
    for (let round = 1; round <= 8; round++) {
      const results = await Promise.all([
        store.acquireOrRenewController(1, b1.epoch, LONG_LEASE_MS),
        other.acquireOrRenewController(2, b2.epoch, LONG_LEASE_MS),
      ]);
      const winners = results.filter((r) => r !== null);
      expect(winners).toHaveLength(1);
      expect(winners[0]!.epoch).toBe(round);
      holders.push(winners[0]!.brokerId);
      await (winners[0]!.brokerId === 1 ? store : other).resignController(winners[0]!.brokerId, round);
    }
    const controllerChanges = (await store.changesAfter(0, 1000)).filter((c) => c.kind === 'controller');
    // One change per acquisition and one per resignation, in order.
    expect(controllerChanges).toHaveLength(16);
    expect(controllerChanges.filter((_, i) => i % 2 === 0).map((c) => (c.payload as { brokerId: number }).brokerId)).toEqual(holders);
  });

  it('renews with the same epoch, hands over with epoch + 1 after resign and after expiry', async () => {
    const b1 = await store.registerBroker(broker(1), LONG_LEASE_MS);
    const b2 = await store.registerBroker(broker(2), LONG_LEASE_MS);
    const taken = await store.acquireOrRenewController(1, b1.epoch, LONG_LEASE_MS);
    expect(taken?.epoch).toBe(1);
    expect((await store.acquireOrRenewController(1, b1.epoch, LONG_LEASE_MS))?.epoch).toBe(1);
    expect(await store.acquireOrRenewController(2, b2.epoch, LONG_LEASE_MS)).toBeNull();

    await store.resignController(1, 1);
    expect((await store.controller())?.alive).toBe(false);
    const second = await store.acquireOrRenewController(2, b2.epoch, SHORT_LEASE_MS);
    expect(second).toMatchObject({ brokerId: 2, epoch: 2 });

    await eventually(
      () => store.controller(),
      (lease) => lease?.alive === false,
    );
    expect(await store.acquireOrRenewController(1, b1.epoch, LONG_LEASE_MS)).toMatchObject({ brokerId: 1, epoch: 3, alive: true });
  });

  it('resign with a stale epoch changes nothing', async () => {
    const b1 = await store.registerBroker(broker(1), LONG_LEASE_MS);
    await store.acquireOrRenewController(1, b1.epoch, LONG_LEASE_MS);
    await store.resignController(1, 99);
    await store.resignController(2, 1);
    expect(await store.controller()).toMatchObject({ brokerId: 1, epoch: 1, alive: true });
  });

  it('only a current, alive, running incarnation may take the lease', async () => {
    const old = await store.registerBroker(broker(1), LONG_LEASE_MS);
    const current = await store.registerBroker(broker(1), LONG_LEASE_MS);
    expect(await store.acquireOrRenewController(1, old.epoch, LONG_LEASE_MS)).toBeNull();
    expect(await store.acquireOrRenewController(9, 1, LONG_LEASE_MS)).toBeNull();
    await store.setBrokerState(1, current.epoch, 'CONTROLLED_SHUTDOWN');
    expect(await store.acquireOrRenewController(1, current.epoch, LONG_LEASE_MS)).toBeNull();
    const dying = await store.registerBroker(broker(2), SHORT_LEASE_MS);
    await eventually(
      () => store.brokers(),
      (brokers) => brokers.find((b) => b.brokerId === 2)?.alive === false,
    );
    expect(await store.acquireOrRenewController(2, dying.epoch, LONG_LEASE_MS)).toBeNull();
    expect(await store.controller()).toBeNull();
  });

  it("a re-registered broker ends its previous incarnation's controller lease: the old epoch is fenced", async () => {
    const old = await store.registerBroker(broker(1, 'old'), LONG_LEASE_MS);
    const lease = await store.acquireOrRenewController(1, old.epoch, LONG_LEASE_MS);
    const current = await store.registerBroker(broker(1, 'old'), LONG_LEASE_MS);
    expect((await store.controller())?.alive).toBe(false);
    await expect(store.updatePartitions(1, lease!.epoch, [])).rejects.toBeInstanceOf(NotControllerError);
    expect(await store.acquireOrRenewController(1, current.epoch, LONG_LEASE_MS)).toMatchObject({ epoch: lease!.epoch + 1 });
  });
});

describe('updatePartitions', () => {
  async function controllerSetup(): Promise<{ epoch: number }> {
    const brokers = [];
    for (const id of [1, 2, 3]) brokers.push(await store.registerBroker(broker(id), LONG_LEASE_MS));
    const lease = await store.acquireOrRenewController(1, brokers[0].epoch, LONG_LEASE_MS);
    await createTopic('t', [
      [1, 2, 3],
      [2, 3, 1],
    ]);
    return { epoch: lease!.epoch };
  }

  it('applies a compare-and-set update: partition epoch + 1 and a partition change', async () => {
    const { epoch } = await controllerSetup();
    const before = await partition('t', 0);
    const seq = await store.lastSeq();
    const [outcome] = await store.updatePartitions(1, epoch, [
      {
        topicName: 't',
        partitionId: 0,
        expected: { leaderEpoch: before.leaderEpoch, partitionEpoch: before.partitionEpoch },
        next: {
          leader: 2,
          leaderEpoch: before.leaderEpoch + 1,
          replicas: [1, 2, 3],
          isr: [2, 3],
          leaderRecoveryState: 0,
          addingReplicas: [],
          removingReplicas: [],
        },
      },
    ]);
    expect(outcome).toEqual({
      applied: true,
      state: expect.objectContaining({ leader: 2, leaderEpoch: 1, partitionEpoch: before.partitionEpoch + 1, isr: [2, 3] }),
    });
    expect(await partition('t', 0)).toMatchObject({ leader: 2, leaderEpoch: 1, isr: [2, 3], replicas: [1, 2, 3] });
    const changes = await store.changesAfter(seq, 10);
    expect(changes).toEqual([
      expect.objectContaining({ seq: seq + 1, kind: 'partition', subject: 't', payload: expect.objectContaining({ partition: 0 }) }),
    ]);
  });

  it('refuses stale epochs per partition and applies the rest; unknown partitions are reported', async () => {
    const { epoch } = await controllerSetup();
    const p1 = await partition('t', 1);
    const next = {
      leader: 2,
      leaderEpoch: 0,
      replicas: [2, 3, 1],
      isr: [2, 3],
      leaderRecoveryState: 0 as const,
      addingReplicas: [],
      removingReplicas: [],
    };
    const outcomes = await store.updatePartitions(1, epoch, [
      { topicName: 't', partitionId: 0, expected: { leaderEpoch: 5, partitionEpoch: 0 }, next: { ...next, replicas: [1, 2, 3] } },
      { topicName: 't', partitionId: 1, expected: { leaderEpoch: 0, partitionEpoch: p1.partitionEpoch + 1 }, next },
      { topicName: 't', partitionId: 1, expected: { leaderEpoch: 0, partitionEpoch: p1.partitionEpoch }, next },
      { topicName: 'nope', partitionId: 0, expected: { leaderEpoch: 0, partitionEpoch: 0 }, next },
    ]);
    expect(outcomes.map((o) => (o.applied ? 'applied' : o.reason))).toEqual(['STALE_EPOCH', 'STALE_EPOCH', 'applied', 'UNKNOWN_PARTITION']);
    expect((await partition('t', 0)).isr).toEqual([1, 2, 3]);
    expect((await partition('t', 1)).isr).toEqual([2, 3]);
  });

  it('refuses a stale controller epoch, another holder and an expired lease, applying nothing', async () => {
    const { epoch } = await controllerSetup();
    const before = await partition('t', 0);
    const update = {
      topicName: 't',
      partitionId: 0,
      expected: { leaderEpoch: 0, partitionEpoch: before.partitionEpoch },
      next: {
        leader: 1,
        leaderEpoch: 0,
        replicas: [1, 2, 3],
        isr: [1],
        leaderRecoveryState: 0 as const,
        addingReplicas: [],
        removingReplicas: [],
      },
    };
    await expect(store.updatePartitions(1, epoch - 1, [update])).rejects.toBeInstanceOf(NotControllerError);
    await expect(store.updatePartitions(2, epoch, [update])).rejects.toBeInstanceOf(NotControllerError);
    await store.resignController(1, epoch);
    await expect(store.updatePartitions(1, epoch, [update])).rejects.toBeInstanceOf(NotControllerError);
    expect(await partition('t', 0)).toEqual(before);
  });

  it('rejects an update whose leader is not a replica (a caller bug)', async () => {
    const { epoch } = await controllerSetup();
    const next = {
      leader: 7,
      leaderEpoch: 1,
      replicas: [1, 2, 3],
      isr: [1],
      leaderRecoveryState: 0 as const,
      addingReplicas: [],
      removingReplicas: [],
    };
    await expect(
      store.updatePartitions(1, epoch, [{ topicName: 't', partitionId: 0, expected: { leaderEpoch: 0, partitionEpoch: 0 }, next }]),
    ).rejects.toThrow(/not a replica/);
  });
});

describe('alterPartition', () => {
  let epochs: Map<number, number>;
  beforeEach(async () => {
    epochs = new Map();
    for (const id of [1, 2, 3]) epochs.set(id, (await store.registerBroker(broker(id), LONG_LEASE_MS)).epoch);
    await createTopic('t', [[1, 2, 3]]);
    // Start from ISR [1] (two followers out of sync) so that expansions can be tested.
    await prisma.partition.update({
      where: { topicName_partitionId: { topicName: 't', partitionId: 0 } },
      data: { isr: '[1]', partitionEpoch: 3, leaderEpoch: 2 },
    });
  });

  function request(overrides: Partial<AlterPartitionRequest> = {}): AlterPartitionRequest {
    return {
      brokerId: 1,
      brokerEpoch: epochs.get(1)!,
      topicName: 't',
      partitionId: 0,
      leaderEpoch: 2,
      partitionEpoch: 3,
      newIsr: [
        { brokerId: 1, brokerEpoch: epochs.get(1)! },
        { brokerId: 2, brokerEpoch: epochs.get(2)! },
      ],
      leaderRecoveryState: 0,
      ...overrides,
    };
  }

  it('applies a valid expansion: partition epoch + 1, leader epoch unchanged, a partition change appended', async () => {
    const seq = await store.lastSeq();
    const outcome = await store.alterPartition(request());
    expect(outcome).toEqual({ ok: true, state: expect.objectContaining({ isr: [1, 2], partitionEpoch: 4, leaderEpoch: 2, leader: 1 }) });
    expect(await partition('t', 0)).toMatchObject({ isr: [1, 2], partitionEpoch: 4 });
    expect(await store.changesAfter(seq, 10)).toEqual([
      expect.objectContaining({ kind: 'partition', subject: 't', payload: expect.objectContaining({ partition: 0 }) }),
    ]);
  });

  it('refuses a shrink that keeps a member in controlled shutdown (Kafka checks every member)', async () => {
    await store.alterPartition(request({ newIsr: [1, 2, 3].map((id) => ({ brokerId: id, brokerEpoch: epochs.get(id)! })) }));
    await store.setBrokerState(3, epochs.get(3)!, 'CONTROLLED_SHUTDOWN');
    const outcome = await store.alterPartition(
      request({
        partitionEpoch: 4,
        newIsr: [
          { brokerId: 1, brokerEpoch: -1 },
          { brokerId: 3, brokerEpoch: -1 },
        ],
      }),
    );
    expect(outcome).toEqual({ ok: false, error: 'INELIGIBLE_REPLICA' });
  });

  it('applies a shrink with unchecked (-1) member epochs', async () => {
    await store.alterPartition(request({ newIsr: [1, 2, 3].map((id) => ({ brokerId: id, brokerEpoch: epochs.get(id)! })) }));
    const outcome = await store.alterPartition(
      request({
        partitionEpoch: 4,
        newIsr: [
          { brokerId: 1, brokerEpoch: -1 },
          { brokerId: 3, brokerEpoch: -1 },
        ],
      }),
    );
    expect(outcome).toMatchObject({ ok: true, state: { isr: [1, 3], partitionEpoch: 5 } });
  });

  it.each([
    ['a stale broker epoch', { brokerEpoch: 0 }, 'STALE_BROKER_EPOCH'],
    ['an unknown partition', { partitionId: 9 }, 'UNKNOWN_TOPIC_OR_PARTITION'],
    ['an unknown topic', { topicName: 'nope' }, 'UNKNOWN_TOPIC_OR_PARTITION'],
    ['a lower leader epoch', { leaderEpoch: 1 }, 'FENCED_LEADER_EPOCH'],
    ['a higher leader epoch', { leaderEpoch: 3 }, 'NOT_CONTROLLER'],
    ['a partition epoch mismatch', { partitionEpoch: 2 }, 'INVALID_UPDATE_VERSION'],
    ['an ISR without the leader', { newIsr: [{ brokerId: 2, brokerEpoch: -1 }] }, 'INVALID_REQUEST'],
    [
      'an ISR member that is not a replica',
      {
        newIsr: [
          { brokerId: 1, brokerEpoch: -1 },
          { brokerId: 4, brokerEpoch: -1 },
        ],
      },
      'INVALID_REQUEST',
    ],
    ['an empty ISR', { newIsr: [] }, 'INVALID_REQUEST'],
    [
      'duplicate ISR members',
      {
        newIsr: [
          { brokerId: 1, brokerEpoch: -1 },
          { brokerId: 1, brokerEpoch: -1 },
        ],
      },
      'INVALID_REQUEST',
    ],
    ['RECOVERED to RECOVERING', { newIsr: [{ brokerId: 1, brokerEpoch: -1 }], leaderRecoveryState: 1 }, 'INVALID_REQUEST'],
    [
      'a joining member with another broker epoch',
      {
        newIsr: [
          { brokerId: 1, brokerEpoch: -1 },
          { brokerId: 2, brokerEpoch: 42 },
        ],
      },
      'INELIGIBLE_REPLICA',
    ],
  ] as const)('refuses %s with %s', async (_name, overrides, error) => {
    const before = await partition('t', 0);
    const seq = await store.lastSeq();
    expect(await store.alterPartition(request(overrides as Partial<AlterPartitionRequest>))).toEqual({ ok: false, error });
    expect(await partition('t', 0)).toEqual(before);
    expect(await store.lastSeq()).toBe(seq);
  });

  it('answers the current state without a new partition epoch when nothing changes', async () => {
    const seq = await store.lastSeq();
    expect(await store.alterPartition(request({ newIsr: [{ brokerId: 1, brokerEpoch: -1 }] }))).toMatchObject({
      ok: true,
      state: { isr: [1], partitionEpoch: 3 },
    });
    expect(await store.lastSeq()).toBe(seq);
  });

  it('refuses a request from a broker that is not the leader', async () => {
    expect(await store.alterPartition(request({ brokerId: 2, brokerEpoch: epochs.get(2)! }))).toEqual({
      ok: false,
      error: 'INVALID_REQUEST',
    });
  });

  it('refuses the leader when its lease expired', async () => {
    const renewed = await store.registerBroker(broker(1), SHORT_LEASE_MS);
    await eventually(
      () => store.brokers(),
      (brokers) => brokers[0].alive === false,
    );
    expect(await store.alterPartition(request({ brokerEpoch: renewed.epoch }))).toEqual({ ok: false, error: 'STALE_BROKER_EPOCH' });
  });

  it('refuses a joining member that is in controlled shutdown, or whose lease expired', async () => {
    await store.setBrokerState(2, epochs.get(2)!, 'CONTROLLED_SHUTDOWN');
    expect(await store.alterPartition(request())).toEqual({ ok: false, error: 'INELIGIBLE_REPLICA' });
    epochs.set(3, (await store.registerBroker(broker(3), SHORT_LEASE_MS)).epoch);
    await eventually(
      () => store.brokers(),
      (brokers) => brokers.find((b) => b.brokerId === 3)?.alive === false,
    );
    expect(
      await store.alterPartition(
        request({
          newIsr: [
            { brokerId: 1, brokerEpoch: -1 },
            { brokerId: 3, brokerEpoch: epochs.get(3)! },
          ],
        }),
      ),
    ).toEqual({
      ok: false,
      error: 'INELIGIBLE_REPLICA',
    });
  });

  it('while RECOVERING the ISR may not grow; RECOVERING to RECOVERED is accepted', async () => {
    await prisma.partition.update({
      where: { topicName_partitionId: { topicName: 't', partitionId: 0 } },
      data: { leaderRecoveryState: 1 },
    });
    expect(await store.alterPartition(request({ leaderRecoveryState: 1 }))).toEqual({ ok: false, error: 'INVALID_REQUEST' });
    const recovered = await store.alterPartition(request({ newIsr: [{ brokerId: 1, brokerEpoch: -1 }], leaderRecoveryState: 0 }));
    expect(recovered).toMatchObject({ ok: true, state: { leaderRecoveryState: 0, isr: [1], partitionEpoch: 4 } });
  });
});

describe('reassignPartition', () => {
  beforeEach(async () => {
    for (const id of [1, 2, 3, 4]) await store.registerBroker(broker(id), LONG_LEASE_MS);
    await createTopic('t', [[1, 2, 3]]);
  });

  it('writes adding/removing replicas for the controller, and cancelling reassigns back to the original replicas', async () => {
    const seq = await store.lastSeq();
    const started = await store.reassignPartition('t', 0, [4, 2, 3]);
    expect(started).toMatchObject({
      replicas: [4, 2, 3, 1],
      addingReplicas: [4],
      removingReplicas: [1],
      isr: [1, 2, 3],
      leader: 1,
      leaderEpoch: 0,
      partitionEpoch: 1,
    });
    expect(await partition('t', 0)).toEqual(started);
    expect((await store.changesAfter(seq, 10)).map((c) => c.kind)).toEqual(['partition']);

    // Cancelling is a reassignment back to the original replicas: the added one is now being removed.
    const cancelled = await store.reassignPartition('t', 0, null);
    expect(cancelled).toMatchObject({
      replicas: [2, 3, 1, 4],
      addingReplicas: [],
      removingReplicas: [4],
      isr: [1, 2, 3],
      leader: 1,
      partitionEpoch: 2,
    });
  });

  it('a new target replaces a reassignment in progress, computed from the original replicas', async () => {
    await store.reassignPartition('t', 0, [4, 2, 3]);
    expect(await store.reassignPartition('t', 0, [1, 2, 4])).toMatchObject({
      replicas: [1, 2, 4, 3],
      addingReplicas: [4],
      removingReplicas: [3],
    });
  });

  it('a permutation reorders the replicas without a reassignment; cancelling nothing is a no-op', async () => {
    expect(await store.reassignPartition('t', 0, [3, 2, 1])).toMatchObject({
      replicas: [3, 2, 1],
      addingReplicas: [],
      removingReplicas: [],
      leader: 1,
    });
    const seq = await store.lastSeq();
    expect(await store.reassignPartition('t', 0, null)).toMatchObject({ replicas: [3, 2, 1] });
    expect(await store.lastSeq()).toBe(seq);
  });

  it('refuses invalid targets and unknown partitions', async () => {
    await expect(store.reassignPartition('t', 0, [])).rejects.toBeInstanceOf(InvalidReassignmentError);
    await expect(store.reassignPartition('t', 0, [1, 1])).rejects.toBeInstanceOf(InvalidReassignmentError);
    await expect(store.reassignPartition('t', 0, [1, 9])).rejects.toThrow(/9 are not registered/);
    await expect(store.reassignPartition('t', 5, [1])).rejects.toBeInstanceOf(PartitionNotFoundError);
    await expect(store.reassignPartition('nope', 0, [1])).rejects.toBeInstanceOf(TopicNotFoundError);
  });
});

describe('change log, secret and LISTEN', () => {
  it('keeps seqs dense and in commit order under concurrent writers on two stores', async () => {
    const b1 = await store.registerBroker(broker(1), LONG_LEASE_MS);
    const b2 = await other.registerBroker(broker(2), LONG_LEASE_MS);
    const states = ['CONTROLLED_SHUTDOWN', 'RUNNING'] as const;
    await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        i % 2 === 0
          ? store.setBrokerState(1, b1.epoch, states[i % 4 === 0 ? 0 : 1])
          : other.setBrokerState(2, b2.epoch, states[i % 3 === 0 ? 0 : 1]),
      ),
    );
    const changes = await store.changesAfter(0, 1000);
    expect(changes.map((c) => c.seq)).toEqual(Array.from({ length: 42 }, (_, i) => i + 1));
    expect(await other.lastSeq()).toBe(42);
    expect(await store.changesAfter(40, 1)).toEqual([expect.objectContaining({ seq: 41 })]);
  });

  it('creates one inter-broker secret, the same for brokers asking at once, and a Kafka-shaped cluster id', async () => {
    const [a, b] = await Promise.all([store.interBrokerSecret(), other.interBrokerSecret()]);
    expect(a).toBe(b);
    expect(a.length).toBeGreaterThanOrEqual(32);
    expect(await store.interBrokerSecret()).toBe(a);
    const cluster = await prisma.cluster.findUniqueOrThrow({ where: { id: 1 } });
    expect(cluster.clusterId).toMatch(/^[A-Za-z0-9_-]{22}$/);
  });

  it('fills the secret into a cluster row created without one, keeping its cluster id', async () => {
    await prisma.cluster.create({ data: { id: 1, clusterId: 'existing-cluster-id-00' } });
    const secret = await store.interBrokerSecret();
    expect(secret).not.toBe('');
    expect(await prisma.cluster.findUniqueOrThrow({ where: { id: 1 } })).toMatchObject({
      clusterId: 'existing-cluster-id-00',
      interBrokerSecret: secret,
    });
  });

  it('wakes listeners on every committed change, not on refused ones, until stopped', async () => {
    let wakes = 0;
    const stop = await store.listen(() => wakes++);
    const registered = await store.registerBroker(broker(1), LONG_LEASE_MS);
    await eventually(
      async () => wakes,
      (n) => n >= 1,
    );
    await stop();
    const seen = wakes;
    await store.setBrokerState(1, registered.epoch, 'RUNNING');
    // A NOTIFY to a stopped listener would arrive with the next round trip on its connection; there is none.
    expect(wakes).toBe(seen);
  });

  it('the listener reconnects after its connection is killed and wakes the caller', async () => {
    const pids: { pid: number }[] = [];
    let wakes = 0;
    const stop = await store.listen(() => wakes++);
    try {
      await eventually(
        async () =>
          prisma.$queryRaw<{ pid: number }[]>`SELECT pid FROM pg_stat_activity WHERE query LIKE 'LISTEN%' AND datname = current_database()`,
        (rows) => rows.length === 1,
      ).then((rows) => pids.push(...rows));
      await prisma.$queryRaw`SELECT pg_terminate_backend(${pids[0].pid}::int)`;
      // After the reconnect the caller is woken (changes committed meanwhile sent no NOTIFY to it).
      await eventually(
        async () => wakes,
        (n) => n >= 1,
      );
      wakes = 0;
      await store.registerBroker(broker(1), LONG_LEASE_MS);
      await eventually(
        async () => wakes,
        (n) => n >= 1,
      );
    } finally {
      await stop();
    }
  });
});

describe('PostgreSQL restart', () => {
  it('the store works again once PostgreSQL is back, and the listener reconnects and wakes its caller', async () => {
    let wakes = 0;
    const stop = await store.listen(() => wakes++);
    try {
      const registered = await store.registerBroker(broker(1), LONG_LEASE_MS);
      await pg.restart();
      // The pool's connections died with the server: calls may fail until they are replaced, never for good.
      await eventually(
        () => store.heartbeat(1, registered.epoch, LONG_LEASE_MS).catch(() => false),
        (ok) => ok,
      );
      expect(await store.brokers()).toEqual([expect.objectContaining({ brokerId: 1, epoch: registered.epoch, alive: true })]);
      await eventually(
        async () => wakes,
        (n) => n >= 1,
      );
      wakes = 0;
      await store.setBrokerState(1, registered.epoch, 'RUNNING');
      await eventually(
        async () => wakes,
        (n) => n >= 1,
      );
    } finally {
      await stop();
    }
  });
});
