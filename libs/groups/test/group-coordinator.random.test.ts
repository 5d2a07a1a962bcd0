/**
 * Randomized sequences of join / leave / heartbeat+expire / process / commit / topic changes with
 * simulated consumers. The reference model is built ONLY from what a consumer observes (JoinResult
 * and listener callbacks) and checks: a partition is never assigned while another member still
 * owns it; a new owner starts exactly at the last committed offset (never beyond: no committed
 * record is lost); the observed ownership always equals the coordinator's; and after every step
 * every partition of every subscribed topic has exactly one owner when the group has members.
 */
import fc from 'fast-check';
import { GroupCoordinator, type AssignedPartition, type GroupSubscription, type MemberListener, type TopicPartition } from '@runnel/groups';
import { FakeCatalog, FakeClock, MemoryOffsetLog, sub } from './fakes';

const GROUPS = [
  { id: 'g1', assignor: 'cooperative-sticky' },
  { id: 'g2', assignor: 'range' },
  { id: 'g3', assignor: 'round-robin' },
];
const SUBSCRIPTIONS: GroupSubscription[] = [sub(['a']), sub(['a', 'b']), sub([], ['c']), sub(['b'], [''])];
const SESSION_MS = 10_000;

type Op =
  | { op: 'join'; group: number; subscription: number; leaveOnRevoke: boolean; commitOnRevoke: boolean }
  | { op: 'leave'; who: number }
  | { op: 'tick'; heartbeat: boolean[] }
  | { op: 'process'; who: number; records: number }
  | { op: 'commit'; who: number }
  | { op: 'topics'; change: 'add-c' | 'drop-c' | 'grow-a' | 'drop-b' | 'add-b' };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      op: fc.constant('join' as const),
      group: fc.nat(2),
      subscription: fc.nat(3),
      leaveOnRevoke: fc.nat(9).map((n) => n === 0),
      commitOnRevoke: fc.boolean(),
    }),
  },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('leave' as const), who: fc.nat(50) }) },
  {
    weight: 2,
    arbitrary: fc.record({ op: fc.constant('tick' as const), heartbeat: fc.array(fc.boolean(), { minLength: 40, maxLength: 40 }) }),
  },
  { weight: 5, arbitrary: fc.record({ op: fc.constant('process' as const), who: fc.nat(50), records: fc.integer({ min: 1, max: 20 }) }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant('commit' as const), who: fc.nat(50) }) },
  {
    weight: 1,
    arbitrary: fc.record({
      op: fc.constant('topics' as const),
      change: fc.constantFrom('add-c' as const, 'drop-c' as const, 'grow-a' as const, 'drop-b' as const, 'add-b' as const),
    }),
  },
);

const key = (group: string, tp: TopicPartition) => `${group}|${tp.topic}|${tp.partition}`;

class Consumer implements MemberListener {
  memberId = '';
  alive = true;
  joined = false;
  /** Next offset to process, per owned partition. */
  readonly positions = new Map<string, { tp: TopicPartition; next: number }>();

  constructor(
    readonly world: World,
    readonly group: string,
    readonly leaveOnRevoke: boolean,
    readonly commitOnRevoke: boolean,
  ) {}

  take(partitions: readonly AssignedPartition[]): void {
    for (const tp of partitions) {
      const k = key(this.group, tp);
      const holder = this.world.owners.get(k);
      if (holder) throw new Error(`${k} assigned to ${this.memberId} while ${holder.memberId} still owns it`);
      // Starts exactly where the group committed: never beyond (that would skip records), never elsewhere.
      expect(tp.committedOffset).toBe(this.world.committed.get(k) ?? null);
      this.world.owners.set(k, this);
      this.positions.set(k, { tp: { topic: tp.topic, partition: tp.partition }, next: tp.committedOffset ?? 0 });
    }
  }

  onAssigned(partitions: readonly AssignedPartition[]): void {
    if (!this.joined || !this.alive) throw new Error(`callback to ${this.memberId} before its join returned or after it left`);
    this.take(partitions);
  }

  onRevoked(partitions: readonly TopicPartition[]): void {
    if (!this.joined || !this.alive) throw new Error(`callback to ${this.memberId} before its join returned or after it left`);
    for (const tp of partitions) expect(this.world.owners.get(key(this.group, tp))).toBe(this);
    if (this.commitOnRevoke) this.world.commit(this, partitions);
    for (const tp of partitions) {
      this.world.owners.delete(key(this.group, tp));
      this.positions.delete(key(this.group, tp));
    }
    if (this.leaveOnRevoke) this.world.leave(this);
  }

  onRemoved(): void {
    if (!this.alive) throw new Error(`onRemoved after ${this.memberId} left`);
    this.dropAll();
  }

  dropAll(): void {
    this.alive = false;
    for (const k of this.positions.keys()) this.world.owners.delete(k);
    this.positions.clear();
  }
}

class World {
  readonly log = new MemoryOffsetLog();
  readonly catalog = new FakeCatalog({ a: 3, b: 2 });
  readonly clock = new FakeClock();
  /** Failed expectations inside callbacks (the coordinator catches what a listener throws). */
  readonly listenerErrors: unknown[] = [];
  readonly coordinator = new GroupCoordinator({
    offsetLog: this.log,
    catalog: this.catalog,
    clock: this.clock.read,
    limits: { minSessionTimeoutMs: 1000 },
    onListenerError: (error) => this.listenerErrors.push(error),
  });
  readonly owners = new Map<string, Consumer>();
  readonly committed = new Map<string, number>();
  /** Highest offset processed by anyone, per partition: commits never exceed it. */
  readonly processed = new Map<string, number>();
  readonly consumers: Consumer[] = [];

  alive(index: number): Consumer | undefined {
    const alive = this.consumers.filter((c) => c.alive && c.joined);
    return alive.length === 0 ? undefined : alive[index % alive.length];
  }

  commit(consumer: Consumer, partitions: readonly TopicPartition[]): void {
    const offsets = partitions.map((tp) => ({ ...tp, offset: consumer.positions.get(key(consumer.group, tp))!.next }));
    for (const o of offsets) expect(o.offset).toBeLessThanOrEqual(this.processed.get(key(consumer.group, o)) ?? 0);
    void this.coordinator.commit(consumer.group, consumer.memberId, offsets);
    for (const o of offsets) this.committed.set(key(consumer.group, o), o.offset);
  }

  leave(consumer: Consumer): void {
    consumer.dropAll(); // the socket closed: delivery stopped
    this.coordinator.leave(consumer.group, consumer.memberId);
  }

  run(step: Op): void {
    const { coordinator } = this;
    switch (step.op) {
      case 'join': {
        const group = GROUPS[step.group];
        const consumer = new Consumer(this, group.id, step.leaveOnRevoke, step.commitOnRevoke);
        const result = coordinator.join(
          {
            groupId: group.id,
            subscription: SUBSCRIPTIONS[step.subscription],
            assignor: group.assignor,
            sessionTimeoutMs: SESSION_MS,
            clientId: 'c',
            clientHost: 'h',
          },
          consumer,
        );
        consumer.memberId = result.memberId;
        consumer.joined = true;
        this.consumers.push(consumer);
        consumer.take(result.assigned);
        break;
      }
      case 'leave': {
        const consumer = this.alive(step.who);
        if (consumer) this.leave(consumer);
        break;
      }
      case 'tick': {
        this.clock.now += 6_000;
        this.consumers
          .filter((c) => c.alive && c.joined)
          .forEach((c, i) => {
            if (step.heartbeat[i % step.heartbeat.length]) coordinator.heartbeat(c.group, c.memberId);
          });
        const removed = coordinator.expireSessions();
        for (const id of removed) expect(this.consumers.find((c) => c.memberId === id)!.alive).toBe(false);
        break;
      }
      case 'process': {
        const consumer = this.alive(step.who);
        for (const [k, position] of consumer?.positions ?? []) {
          position.next += step.records;
          this.processed.set(k, Math.max(this.processed.get(k) ?? 0, position.next));
        }
        break;
      }
      case 'commit': {
        const consumer = this.alive(step.who);
        if (consumer && consumer.positions.size > 0)
          this.commit(
            consumer,
            [...consumer.positions.values()].map((p) => p.tp),
          );
        break;
      }
      case 'topics': {
        const map = this.catalog.map;
        if (step.change === 'add-c' && !map.has('c')) map.set('c', 2);
        if (step.change === 'drop-c' || step.change === 'drop-b') {
          const topic = step.change === 'drop-c' ? 'c' : 'b';
          if (!map.has(topic)) break;
          map.delete(topic);
          coordinator.topicsChanged();
          void coordinator.topicDeleted(topic);
          for (const k of [...this.committed.keys()]) if (k.split('|')[1] === topic) this.committed.delete(k);
          for (const k of [...this.processed.keys()]) if (k.split('|')[1] === topic) this.processed.delete(k);
        }
        if (step.change === 'grow-a') map.set('a', Math.min(map.get('a')! + 1, 8));
        if (step.change === 'add-b' && !map.has('b')) map.set('b', 3);
        coordinator.topicsChanged();
        break;
      }
    }
    if (this.listenerErrors.length > 0) throw this.listenerErrors[0];
    this.checkOwnership();
  }

  /** Observed ownership == the coordinator's, and complete: every subscribed partition owned once. */
  checkOwnership(): void {
    for (const [k, consumer] of this.owners) {
      const [group, topic, partition] = k.split('|');
      expect(consumer.alive).toBe(true);
      expect(this.coordinator.owner(group, topic, Number(partition))).toBe(consumer.memberId);
    }
    for (const { id } of GROUPS) {
      if (this.coordinator.groupCount() === 0 || !this.coordinator.listGroups().some((g) => g.groupId === id)) continue;
      const members = this.coordinator.describeGroup(id).members;
      for (const [topic, count] of this.catalog.map) {
        const subscribed = members.some(
          (m) => m.subscription.topics.includes(topic) || m.subscription.topicPrefixes.some((p) => topic.startsWith(p)),
        );
        for (let partition = 0; partition < count; partition++) {
          const owner = this.owners.get(key(id, { topic, partition }));
          if (subscribed) expect(owner?.memberId).toBeDefined();
          else expect(owner).toBeUndefined();
        }
      }
    }
  }
}

describe('GroupCoordinator under random operations', () => {
  it('never double-assigns, never loses a committed offset, always converges', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(opArb, { minLength: 1, maxLength: 80 }), async (ops) => {
        const world = new World();
        for (const step of ops) world.run(step);
        await world.coordinator.flush();
        // Durable state == model: a restarted coordinator sees the same committed offsets.
        const restarted = new GroupCoordinator({ offsetLog: new MemoryOffsetLog(), catalog: world.catalog });
        expect(restarted.load(world.log.records).skipped).toBe(0);
        for (const [k, offset] of world.committed) {
          const [group, topic, partition] = k.split('|');
          expect(restarted.committedOffset(group, topic, Number(partition))).toBe(offset);
        }
      }),
      { numRuns: 150 },
    );
  });
});
