import { computePartitionChange, Controller, type BrokerEligibility, type ControllerOptions } from '../../src/cluster/controller';
import type { PartitionState } from '../../src/cluster/cluster-store';
import { FakeClusterStore } from './controller-fake-cluster-store';

const LEASE_MS = 1000;
const TICK_MS = 100;

/**
 * A cluster on the fake store with two clocks: the store's (PostgreSQL's) and the controllers'
 * monotonic one. Both advance together here, by hand; nothing waits on real time.
 */
function cluster() {
  const store = new FakeClusterStore();
  let mono = 0;
  const epochs = new Map<number, number>();
  const silent = new Set<number>();
  const unclean = new Set<string>();
  const logs: string[] = [];
  let incarnations = 0;
  const log = {
    info: (m: string) => logs.push(`info ${m}`),
    warn: (m: string) => logs.push(`warn ${m}`),
    error: (m: string) => logs.push(`error ${m}`),
  };

  return {
    store,
    logs,
    unclean,
    now: () => mono,
    async register(brokerId: number): Promise<void> {
      const registration = await store.registerBroker(
        {
          brokerId,
          incarnationId: `incarnation-${++incarnations}`,
          interBrokerAddress: `127.0.0.${brokerId}:9100`,
          advertisedUrl: '',
          rack: null,
        },
        LEASE_MS,
      );
      epochs.set(brokerId, registration.epoch);
      silent.delete(brokerId);
    },
    /** The broker heartbeats again with the same incarnation (SIGCONT). */
    resume(brokerId: number): void {
      silent.delete(brokerId);
    },
    /** The broker stops heartbeating (killed, paused, cut off). */
    silence(brokerId: number): void {
      silent.add(brokerId);
    },
    async setState(brokerId: number, state: 'RUNNING' | 'CONTROLLED_SHUTDOWN' | 'STOPPED'): Promise<void> {
      expect(await store.setBrokerState(brokerId, epochs.get(brokerId)!, state)).toBe(true);
    },
    controller(brokerId: number, options: Partial<ControllerOptions> = {}): Controller {
      return new Controller(store, {
        brokerId,
        brokerEpoch: () => epochs.get(brokerId) ?? 0,
        leaseMs: LEASE_MS,
        tickMs: TICK_MS,
        leaderRebalanceIntervalMs: 1e9,
        uncleanAllowed: (topic) => unclean.has(topic),
        log,
        now: () => mono,
        ...options,
      });
    },
    /** `ms` pass in tick steps: live brokers heartbeat, then each controller ticks. */
    async run(ms: number, controllers: Controller[]): Promise<void> {
      for (let elapsed = 0; elapsed < ms; elapsed += TICK_MS) {
        mono += TICK_MS;
        store.advance(TICK_MS);
        for (const [id, epoch] of epochs) if (!silent.has(id)) await store.heartbeat(id, epoch, LEASE_MS);
        for (const c of controllers) await c.tick();
      }
    },
    /** Only the monotonic clock moves (the store is unreachable meanwhile in the tests that use it). */
    advanceLocal(ms: number): void {
      mono += ms;
    },
  };
}

const part = (topicName: string, partitionId: number, leader: number, replicas: number[], isr: number[] = replicas) => ({
  topicName,
  partitionId,
  leader,
  replicas,
  isr,
});

async function threeBrokers() {
  const c = cluster();
  for (const id of [1, 2, 3]) await c.register(id);
  return c;
}

describe('Controller lease', () => {
  it('lets exactly one broker act, with the epoch the store granted', async () => {
    const c = await threeBrokers();
    const a = c.controller(1);
    const b = c.controller(2);
    await c.run(300, [a, b]);
    expect(a.isActive()).toBe(true);
    expect(a.epoch).toBe(1);
    expect(b.isActive()).toBe(false);
    expect(b.epoch).toBeNull();
  });

  it('stops acting before its lease can have expired when it cannot renew, and never throws', async () => {
    const c = await threeBrokers();
    const a = c.controller(1);
    await c.run(TICK_MS, [a]);
    expect(a.isActive()).toBe(true);
    // the last granted renewal was sent at local time 100: valid until 100 + 1000 − max(250, 200) = 850
    c.store.down = true;
    c.advanceLocal(749);
    await expect(a.tick()).resolves.toBeUndefined();
    expect(a.isActive()).toBe(true);
    c.advanceLocal(1);
    await a.tick();
    expect(a.isActive()).toBe(false);
    expect(c.logs.some((l) => l.startsWith('warn controller: lease renewal failed'))).toBe(true);
  });

  it('hands over when the holder stops renewing: the new controller has a higher epoch', async () => {
    const c = await threeBrokers();
    const a = c.controller(1);
    const b = c.controller(2);
    await c.run(200, [a, b]);
    c.silence(1);
    await c.run(1500, [b]); // broker 1 is paused: neither its heartbeats nor its controller run
    expect(b.isActive()).toBe(true);
    expect(b.epoch).toBe(2);
    // broker 1 resumes: its local timer already says its lease is gone, and the store refuses it
    await a.tick();
    expect(a.isActive()).toBe(false);
  });

  it('stops at once when the store refuses its controller epoch, applying nothing', async () => {
    const c = await threeBrokers();
    c.store.addPartition(part('t', 0, 1, [1, 2, 3]));
    const a = c.controller(2);
    await c.run(1200, [a]);
    c.silence(1);
    c.store.beforeUpdatePartitions = () => c.store.forceController(3, LEASE_MS);
    await c.run(1100, [a]);
    expect(a.isActive()).toBe(false);
    expect(c.store.partition('t', 0)).toMatchObject({ leader: 1, partitionEpoch: 0 });
    expect(c.logs.some((l) => l.includes('the store refused our controller epoch'))).toBe(true);
  });

  it('resigns so that another broker can take over at once', async () => {
    const c = await threeBrokers();
    const a = c.controller(1);
    const b = c.controller(2);
    await c.run(100, [a, b]);
    await a.resign();
    expect(a.isActive()).toBe(false);
    await c.run(100, [b]);
    expect(b.isActive()).toBe(true);
    // a resigned controller stays out
    const acquires = c.store.calls.acquire;
    await a.tick();
    expect(c.store.calls.acquire).toBe(acquires);
  });

  it('waits for a running tick when resigning', async () => {
    const c = await threeBrokers();
    const a = c.controller(1);
    await c.run(100, [a]);
    const ticking = a.tick();
    await a.resign();
    await ticking;
    expect(a.isActive()).toBe(false);
    expect(await c.store.controller()).toMatchObject({ brokerId: 1, alive: false });
  });

  it('does not overlap ticks', async () => {
    const c = await threeBrokers();
    const a = c.controller(1);
    await Promise.all([a.tick(), a.tick(), a.tick()]);
    expect(c.store.calls.acquire).toBe(1);
  });

  it('refuses a tick interval that leaves no lease', () => {
    const c = cluster();
    expect(() => c.controller(1, { tickMs: 600 })).toThrow(RangeError);
  });
});

describe('Controller on broker loss', () => {
  it('elects a new leader from the ISR and removes the dead broker from every ISR', async () => {
    const c = await threeBrokers();
    c.store.addPartition(part('t', 0, 1, [1, 2, 3]));
    c.store.addPartition(part('t', 1, 2, [2, 3, 1]));
    c.store.addPartition(part('u', 0, 3, [3, 2]));
    const controller = c.controller(2);
    await c.run(1200, [controller]);
    expect(c.store.partition('t', 0).partitionEpoch).toBe(0);

    c.silence(1);
    await c.run(1200, [controller]);
    // the leader changed: leader epoch + 1; the new leader is the first in-sync live replica in replicas order
    expect(c.store.partition('t', 0)).toMatchObject({ leader: 2, leaderEpoch: 1, partitionEpoch: 1, isr: [2, 3], replicas: [1, 2, 3] });
    // a follower left the ISR: the leader epoch stays
    expect(c.store.partition('t', 1)).toMatchObject({ leader: 2, leaderEpoch: 0, partitionEpoch: 1, isr: [2, 3] });
    // untouched
    expect(c.store.partition('u', 0)).toMatchObject({ leader: 3, leaderEpoch: 0, partitionEpoch: 0 });
    expect(c.logs).toContain('info controller: t-0 leader 1 -> 2 (epoch 1, isr [2,3])');
  });

  it('keeps the last ISR member of a partition with no eligible replica, offline, without churning epochs', async () => {
    const c = await threeBrokers();
    c.store.addPartition(part('t', 0, 1, [1, 2], [1]));
    const controller = c.controller(3);
    await c.run(1200, [controller]);
    c.silence(1);
    await c.run(1500, [controller]);
    expect(c.store.partition('t', 0)).toMatchObject({ leader: -1, isr: [1], leaderEpoch: 1, partitionEpoch: 1 });
    await c.run(1000, [controller]);
    expect(c.store.partition('t', 0).partitionEpoch).toBe(1);

    // the last in-sync replica returns (a new incarnation): it leads again, with a new leader epoch
    await c.register(1);
    await c.run(300, [controller]);
    expect(c.store.partition('t', 0)).toMatchObject({ leader: 1, isr: [1], leaderEpoch: 2, leaderRecoveryState: 0 });
  });

  it('elects outside the ISR only where the topic allows unclean election, and records RECOVERING', async () => {
    const c = await threeBrokers();
    c.store.addPartition(part('clean', 0, 1, [1, 2, 3], [1]));
    c.store.addPartition(part('dirty', 0, 1, [1, 3, 2], [1]));
    c.unclean.add('dirty');
    const controller = c.controller(2);
    await c.run(1200, [controller]);
    c.silence(1);
    await c.run(1200, [controller]);
    expect(c.store.partition('clean', 0)).toMatchObject({ leader: -1, isr: [1], leaderRecoveryState: 0 });
    expect(c.store.partition('dirty', 0)).toMatchObject({ leader: 3, isr: [3], leaderRecoveryState: 1, leaderEpoch: 1 });
  });

  it('waits a full lease period after taking over before fencing a broker by lease expiry', async () => {
    const c = await threeBrokers();
    c.store.addPartition(part('t', 0, 1, [1, 2, 3]));
    c.silence(1);
    await c.run(1100, []); // broker 1's lease expires before anyone is controller
    const controller = c.controller(2);
    await c.run(900, [controller]);
    expect(controller.isActive()).toBe(true);
    expect(c.store.partition('t', 0)).toMatchObject({ leader: 1, partitionEpoch: 0 });
    await c.run(200, [controller]);
    expect(c.store.partition('t', 0)).toMatchObject({ leader: 2, isr: [2, 3] });
  });

  it('does not wait to fence a broker that said it stopped', async () => {
    const c = await threeBrokers();
    c.store.addPartition(part('t', 0, 1, [1, 2, 3]));
    await c.setState(1, 'STOPPED');
    const controller = c.controller(2);
    await c.run(200, [controller]);
    expect(c.store.partition('t', 0)).toMatchObject({ leader: 2, isr: [2, 3] });
  });

  it('fences a broker that restarted (new broker epoch) between two ticks, then lets it lead again', async () => {
    const c = await threeBrokers();
    c.store.addPartition(part('t', 0, 1, [1, 2, 3]));
    const controller = c.controller(2);
    await c.run(1200, [controller]);
    c.store.touchPartition('t', 0); // unrelated, to show CAS uses the re-read epochs
    // broker 1's lease ran out and a new incarnation registered, both between two controller ticks
    c.store.expireBrokerLease(1);
    await c.register(1);
    await c.run(100, [controller]);
    expect(c.store.partition('t', 0)).toMatchObject({ leader: 2, isr: [2, 3], leaderEpoch: 1 });
    c.store.touchPartition('t', 0, { isr: [2, 3, 1] }); // it caught up and the leader let it back in
    c.store.addPartition(part('t', 1, 1, [1, 3], [1, 3]));
    await c.run(200, [controller]);
    expect(c.store.partition('t', 1)).toMatchObject({ leader: 1, isr: [1, 3] });
  });

  it('re-reads and retries after a refused compare-and-set', async () => {
    const c = await threeBrokers();
    c.store.addPartition(part('t', 0, 1, [1, 2, 3]));
    const controller = c.controller(2);
    await c.run(1200, [controller]);
    c.silence(1);
    let raced = false;
    c.store.beforeUpdatePartitions = () => {
      if (raced) return;
      raced = true;
      c.store.touchPartition('t', 0); // the leader's AlterPartition got in first
    };
    await c.run(1100, [controller]);
    expect(raced).toBe(true);
    expect(c.store.partition('t', 0)).toMatchObject({ leader: 2, isr: [2, 3], partitionEpoch: 2 });
    expect(c.logs.filter((l) => l.startsWith('error'))).toEqual([]);
  });

  it('writes in bounded batches', async () => {
    const c = await threeBrokers();
    for (let p = 0; p < 5; p++) c.store.addPartition(part('t', p, 1, [1, 2, 3]));
    const controller = c.controller(2, { updateBatchSize: 2 });
    await c.run(1200, [controller]);
    c.silence(1);
    const before = c.store.calls.updatePartitions;
    await c.run(1100, [controller]);
    expect(c.store.calls.updatePartitions - before).toBe(3);
    for (let p = 0; p < 5; p++) expect(c.store.partition('t', p)).toMatchObject({ leader: 2, isr: [2, 3] });
  });

  it('logs at most 20 leader changes one by one per tick, and counts the rest', async () => {
    const c = await threeBrokers();
    for (let p = 0; p < 25; p++) c.store.addPartition(part('t', p, 1, [1, 2, 3]));
    const controller = c.controller(2);
    await c.run(1200, [controller]);
    c.silence(1);
    await c.run(1100, [controller]);
    expect(c.logs.filter((l) => / leader 1 -> 2 /.test(l))).toHaveLength(20);
    expect(c.logs).toContain('info controller: ... and 5 more leader changes');
  });

  it('survives the store being down and acts again once it is back', async () => {
    const c = await threeBrokers();
    c.store.addPartition(part('t', 0, 1, [1, 2, 3]));
    const controller = c.controller(2);
    await c.run(1200, [controller]);
    c.store.down = true;
    c.advanceLocal(2000);
    await controller.tick();
    expect(controller.isActive()).toBe(false);
    c.store.down = false;
    c.silence(1);
    await c.run(100, [controller]);
    expect(controller.isActive()).toBe(true);
    // its holding restarted: broker 1 (expired meanwhile) is fenced only after a full lease period
    await c.run(800, [controller]);
    expect(c.store.partition('t', 0).leader).toBe(1);
    await c.run(400, [controller]);
    expect(c.store.partition('t', 0).leader).toBe(2);
  });
});

describe('Controller reads', () => {
  it('does not re-read the partitions while nothing changes, and does on any change, lease expiry or after a while', async () => {
    const c = await threeBrokers();
    c.store.addPartition(part('t', 0, 1, [1, 2, 3]));
    c.store.addPartition(part('t', 1, 2, [2, 3]));
    const controller = c.controller(2);
    await c.run(1200, [controller]);
    const reads = () => c.store.calls.partitions;

    let before = reads();
    await c.run(500, [controller]);
    expect(reads()).toBe(before);

    // a change in the log (here: a topic config change that could allow unclean election)
    c.unclean.add('t');
    c.store.appendTopicChange('t');
    before = reads();
    await c.run(100, [controller]);
    expect(reads()).toBe(before + 1);

    // a lease expiring writes nothing to the log, but is seen in the brokers
    c.silence(3);
    await c.run(1100, [controller]);
    expect(c.store.partition('t', 1)).toMatchObject({ leader: 2, isr: [2] });

    // and everything is read again at least every max(1 s, lease) anyway
    await c.run(300, [controller]);
    before = reads();
    await c.run(1000, [controller]);
    expect(reads()).toBe(before + 1);
  });
});

describe('Controller on controlled shutdown', () => {
  it('moves leadership away and removes the broker from ISRs, keeping a sole leader until it stops', async () => {
    const c = await threeBrokers();
    c.store.addPartition(part('t', 0, 1, [1, 2, 3]));
    c.store.addPartition(part('t', 1, 2, [2, 1]));
    c.store.addPartition(part('solo', 0, 1, [1]));
    const controller = c.controller(3);
    await c.run(200, [controller]);

    await c.setState(1, 'CONTROLLED_SHUTDOWN');
    await c.run(100, [controller]);
    expect(c.store.partition('t', 0)).toMatchObject({ leader: 2, isr: [2, 3], leaderEpoch: 1 });
    expect(c.store.partition('t', 1)).toMatchObject({ leader: 2, isr: [2] });
    expect(c.store.partition('solo', 0)).toMatchObject({ leader: 1, isr: [1], partitionEpoch: 0 });

    await c.setState(1, 'STOPPED');
    await c.run(100, [controller]);
    expect(c.store.partition('solo', 0)).toMatchObject({ leader: -1, isr: [1] });
  });
});

describe('Controller preferred-leader rebalancing', () => {
  it('moves leadership back to the preferred replica every interval', async () => {
    const c = await threeBrokers();
    c.store.addPartition(part('t', 0, 2, [1, 2, 3]));
    c.store.addPartition(part('t', 1, 3, [1, 2, 3], [2, 3])); // preferred replica not in sync: stays
    const controller = c.controller(2, { leaderRebalanceIntervalMs: 3000 });
    await c.run(2500, [controller]);
    expect(c.store.partition('t', 0).leader).toBe(2);
    await c.run(1000, [controller]);
    expect(c.store.partition('t', 0)).toMatchObject({ leader: 1, leaderEpoch: 1 });
    expect(c.store.partition('t', 1)).toMatchObject({ leader: 3, partitionEpoch: 0 });
  });
});

describe('Controller reassignment', () => {
  it('completes once every adding replica is in sync, electing away from a removed leader', async () => {
    const c = await threeBrokers();
    await c.register(4);
    c.store.addPartition(part('t', 0, 1, [1, 2, 3]));
    const controller = c.controller(2);
    await c.run(200, [controller]);

    await c.store.reassignPartition('t', 0, [4, 2, 3]);
    await c.run(300, [controller]);
    const pending = c.store.partition('t', 0);
    expect(pending).toMatchObject({ replicas: [4, 2, 3, 1], addingReplicas: [4], removingReplicas: [1], leader: 1 });

    // the leader lets broker 4 into the ISR (AlterPartition)
    const expanded = await c.store.alterPartition({
      brokerId: 1,
      brokerEpoch: 1,
      topicName: 't',
      partitionId: 0,
      leaderEpoch: pending.leaderEpoch,
      partitionEpoch: pending.partitionEpoch,
      newIsr: [1, 2, 3, 4].map((brokerId) => ({ brokerId, brokerEpoch: 1 })),
      leaderRecoveryState: 0,
    });
    expect(expanded.ok).toBe(true);
    await c.run(100, [controller]);
    expect(c.store.partition('t', 0)).toMatchObject({
      replicas: [4, 2, 3],
      isr: [2, 3, 4],
      addingReplicas: [],
      removingReplicas: [],
      leader: 4, // the first in-sync replica of the target
      leaderEpoch: 1,
    });
  });

  it('bumps the leader epoch when replicas are removed even if the leader stays', async () => {
    const c = await threeBrokers();
    c.store.addPartition(part('t', 0, 2, [2, 3, 1]));
    const controller = c.controller(2);
    await c.run(200, [controller]);
    await c.store.reassignPartition('t', 0, [2, 3]);
    await c.run(100, [controller]);
    expect(c.store.partition('t', 0)).toMatchObject({ replicas: [2, 3], isr: [2, 3], leader: 2, leaderEpoch: 1 });
  });

  it('carries out a cancellation by removing the replicas that were being added', async () => {
    const c = await threeBrokers();
    await c.register(4);
    c.store.addPartition(part('t', 0, 1, [1, 2]));
    const controller = c.controller(2);
    await c.run(200, [controller]);
    await c.store.reassignPartition('t', 0, [3, 4]);
    await c.run(100, [controller]);
    await c.store.reassignPartition('t', 0, null);
    await c.run(100, [controller]);
    expect(c.store.partition('t', 0)).toMatchObject({ replicas: [1, 2], isr: [1, 2], addingReplicas: [], removingReplicas: [], leader: 1 });
  });
});

describe('computePartitionChange', () => {
  const state = (over: Partial<PartitionState> = {}): PartitionState => ({
    topicName: 't',
    partitionId: 0,
    leader: 1,
    leaderEpoch: 3,
    partitionEpoch: 7,
    replicas: [1, 2, 3],
    isr: [1, 2, 3],
    leaderRecoveryState: 0,
    addingReplicas: [],
    removingReplicas: [],
    ...over,
  });
  const brokers = (usable: number[], extra: Partial<BrokerEligibility> = {}): BrokerEligibility => ({
    usable: (id) => usable.includes(id),
    shuttingDown: () => false,
    suspect: () => false,
    ...extra,
  });

  it('answers null when nothing needs to change', () => {
    expect(computePartitionChange(state(), brokers([1, 2, 3]), { unclean: false, preferred: true })).toBeNull();
    expect(computePartitionChange(state({ leader: -1, isr: [1] }), brokers([2, 3]), { unclean: false, preferred: false })).toBeNull();
  });

  it('leaves partitions touching a suspect broker alone', () => {
    expect(computePartitionChange(state(), brokers([2, 3], { suspect: (id) => id === 1 }), { unclean: true, preferred: false })).toBeNull();
    expect(
      computePartitionChange(state({ leader: 2 }), brokers([2], { suspect: (id) => id === 3 }), { unclean: false, preferred: false }),
    ).toBeNull();
  });

  it('does not complete a reassignment that would leave the partition without a clean leader', () => {
    const reassigning = state({ replicas: [4, 1, 2, 3], isr: [1, 2, 3, 4], addingReplicas: [4], removingReplicas: [1, 2, 3] });
    expect(computePartitionChange(reassigning, brokers([1, 2, 3]), { unclean: true, preferred: false })).toEqual({
      leader: 1,
      leaderEpoch: 3,
      replicas: [4, 1, 2, 3],
      isr: [1, 2, 3],
      leaderRecoveryState: 0,
      addingReplicas: [4],
      removingReplicas: [1, 2, 3],
    });
  });

  it('answers the whole next state with the leader epoch raised on a leader change', () => {
    expect(computePartitionChange(state(), brokers([2, 3]), { unclean: false, preferred: false })).toEqual({
      leader: 2,
      leaderEpoch: 4,
      replicas: [1, 2, 3],
      isr: [2, 3],
      leaderRecoveryState: 0,
      addingReplicas: [],
      removingReplicas: [],
    });
  });
});

describe('Controller under random faults (model check)', () => {
  /**
   * Random broker pauses, restarts, controlled shutdowns, ISR expansions by leaders and controller
   * pauses; after every tick each partition must satisfy the invariants a client relies on.
   */
  it.each([1, 2, 3])('keeps the partition invariants (seed %i)', async (seed) => {
    let s = seed * 7919;
    const random = () => (s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32;
    const pick = <T>(xs: T[]): T => xs[Math.floor(random() * xs.length)];

    const c = cluster();
    const ids = [1, 2, 3, 4, 5];
    for (const id of ids) await c.register(id);
    c.unclean.add('dirty');
    const topics = ['clean', 'dirty'];
    for (const topic of topics) {
      for (let p = 0; p < 4; p++) {
        const replicas = [1, 2, 3, 4, 5].sort(() => random() - 0.5).slice(0, 3);
        c.store.addPartition(part(topic, p, replicas[0], replicas));
      }
    }
    const controllers = new Map([4, 5].map((id) => [id, c.controller(id)]));
    const paused = new Set<number>();
    const states = new Map<number, 'RUNNING' | 'CONTROLLED_SHUTDOWN'>();
    const snapshot = async () => new Map((await c.store.partitions()).map((p) => [`${p.topicName}-${p.partitionId}`, p]));
    let previous = await snapshot();
    let leaderChanges = 0;

    for (let step = 0; step < 300; step++) {
      const op = random();
      const id = pick(ids);
      if (op < 0.08 && !paused.has(id)) {
        paused.add(id);
        c.silence(id);
      } else if (op < 0.2 && paused.has(id)) {
        // resumes (SIGCONT: the same incarnation heartbeats again) or restarts (a new one, its old lease run out)
        paused.delete(id);
        if (random() < 0.5) {
          c.resume(id);
        } else {
          states.set(id, 'RUNNING');
          c.store.expireBrokerLease(id);
          await c.register(id);
        }
      } else if (op < 0.24 && !paused.has(id) && states.get(id) !== 'CONTROLLED_SHUTDOWN') {
        states.set(id, 'CONTROLLED_SHUTDOWN');
        await c.setState(id, 'CONTROLLED_SHUTDOWN');
      } else if (op < 0.5) {
        // a live leader lets its live, running followers back into the ISR (unless recovering)
        const p = pick([...previous.values()]);
        const broker = (await c.store.brokers()).find((b) => b.brokerId === p.leader);
        if (broker && broker.alive && !paused.has(p.leader) && p.leaderRecoveryState === 0) {
          const live = (await c.store.brokers()).filter((b) => b.alive && b.state === 'RUNNING' && !paused.has(b.brokerId));
          const newIsr = p.replicas.filter((r) => r === p.leader || live.some((b) => b.brokerId === r));
          await c.store.alterPartition({
            brokerId: p.leader,
            brokerEpoch: broker.epoch,
            topicName: p.topicName,
            partitionId: p.partitionId,
            leaderEpoch: p.leaderEpoch,
            partitionEpoch: p.partitionEpoch,
            newIsr: newIsr.map((r) => ({ brokerId: r, brokerEpoch: 0 })),
            leaderRecoveryState: 0,
          });
        } else if (broker && broker.alive && p.leaderRecoveryState === 1) {
          await c.store.alterPartition({
            brokerId: p.leader,
            brokerEpoch: broker.epoch,
            topicName: p.topicName,
            partitionId: p.partitionId,
            leaderEpoch: p.leaderEpoch,
            partitionEpoch: p.partitionEpoch,
            newIsr: [{ brokerId: p.leader, brokerEpoch: broker.epoch }],
            leaderRecoveryState: 0,
          });
        }
        previous = await snapshot();
      }

      await c.run(
        TICK_MS,
        [...controllers].filter(([cid]) => !paused.has(cid)).map(([, controller]) => controller),
      );
      const brokersNow = await c.store.brokers();
      const current = await snapshot();
      for (const [name, p] of current) {
        const before = previous.get(name)!;
        expect(p.isr.length).toBeGreaterThanOrEqual(1);
        expect(new Set(p.isr).size).toBe(p.isr.length);
        for (const r of p.isr) expect(p.replicas).toContain(r);
        expect(p.leaderEpoch).toBeGreaterThanOrEqual(before.leaderEpoch);
        expect(p.partitionEpoch).toBeGreaterThanOrEqual(before.partitionEpoch);
        if (p.leader === -1) expect(p.isr).toHaveLength(1);
        else expect(p.isr).toContain(p.leader);
        if (p.leader !== before.leader) {
          leaderChanges++;
          expect(p.leaderEpoch).toBeGreaterThan(before.leaderEpoch);
          if (p.leader !== -1) {
            const leader = brokersNow.find((b) => b.brokerId === p.leader)!;
            expect(leader.alive).toBe(true);
            expect(leader.state).toBe('RUNNING');
            if (!before.isr.includes(p.leader)) {
              // outside the ISR: only where allowed, and then recovering with an ISR of one
              expect(p.topicName).toBe('dirty');
              expect(p.leaderRecoveryState).toBe(1);
              expect(p.isr).toEqual([p.leader]);
            }
          }
        }
      }
      previous = current;
    }

    // heal: every broker back and running; every partition gets a leader again
    for (const id of ids) {
      if (paused.has(id) || states.get(id) === 'CONTROLLED_SHUTDOWN') {
        c.store.expireBrokerLease(id);
        await c.register(id);
      }
    }
    await c.run(3000, [...controllers.values()]);
    for (const p of await c.store.partitions()) expect(p.leader).not.toBe(-1);
    // the run did exercise elections
    expect(leaderChanges).toBeGreaterThan(10);
  });
});
