import fc from 'fast-check';
import {
  CooperativeStickyAssignor,
  RangeAssignor,
  RoundRobinAssignor,
  defaultAssignors,
  DEFAULT_ASSIGNOR,
  type AssignmentMember,
  type Assignor,
  type TopicPartition,
} from '@runnel/groups';

const ALL: Assignor[] = [new RangeAssignor(), new RoundRobinAssignor(), new CooperativeStickyAssignor()];

function member(memberId: string, topics: string[], owned: readonly TopicPartition[] = []): AssignmentMember {
  return { memberId, topics: new Set(topics), owned };
}

function counts(entries: Record<string, number>): Map<string, number> {
  return new Map(Object.entries(entries));
}

function flat(result: Map<string, TopicPartition[]>): string[] {
  return [...result.values()]
    .flat()
    .map((tp) => `${tp.topic}/${tp.partition}`)
    .sort();
}

function sizes(result: Map<string, TopicPartition[]>): Record<string, number> {
  return Object.fromEntries([...result].map(([id, list]) => [id, list.length]));
}

/** The assignor contract: each subscribed partition exactly once, only to a subscriber of its topic. */
function expectValid(members: AssignmentMember[], partitionCounts: Map<string, number>, result: Map<string, TopicPartition[]>): void {
  const expected: string[] = [];
  for (const [topic, count] of partitionCounts) {
    if (!members.some((m) => m.topics.has(topic))) continue;
    for (let p = 0; p < count; p++) expected.push(`${topic}/${p}`);
  }
  expect(flat(result)).toEqual(expected.sort());
  for (const m of members) {
    expect(result.has(m.memberId)).toBe(true);
    for (const tp of result.get(m.memberId)!) expect(m.topics.has(tp.topic)).toBe(true);
  }
}

/** Partitions whose owner differs between the owned input and the result. */
function moved(members: AssignmentMember[], result: Map<string, TopicPartition[]>): number {
  const before = new Map<string, string>();
  for (const m of members) for (const tp of m.owned) before.set(`${tp.topic}/${tp.partition}`, m.memberId);
  let count = 0;
  for (const [id, list] of result) for (const tp of list) if (before.get(`${tp.topic}/${tp.partition}`) !== id) count++;
  return count;
}

function toOwned(members: AssignmentMember[], result: Map<string, TopicPartition[]>): AssignmentMember[] {
  return members.map((m) => ({ ...m, owned: result.get(m.memberId) ?? [] }));
}

describe('defaultAssignors', () => {
  it('offers range, round-robin and cooperative-sticky, the last by default', () => {
    expect(
      defaultAssignors()
        .map((a) => a.name)
        .sort(),
    ).toEqual(['cooperative-sticky', 'range', 'round-robin']);
    expect(DEFAULT_ASSIGNOR).toBe('cooperative-sticky');
  });
});

describe('RangeAssignor', () => {
  it('gives contiguous ranges per topic, the first members one extra', () => {
    const result = new RangeAssignor().assign([member('c', ['t']), member('a', ['t']), member('b', ['t'])], counts({ t: 7 }));
    expect(result.get('a')!.map((tp) => tp.partition)).toEqual([0, 1, 2]);
    expect(result.get('b')!.map((tp) => tp.partition)).toEqual([3, 4]);
    expect(result.get('c')!.map((tp) => tp.partition)).toEqual([5, 6]);
  });

  it('ranges each topic only over its subscribers', () => {
    const result = new RangeAssignor().assign([member('a', ['x', 'y']), member('b', ['y'])], counts({ x: 2, y: 2, z: 5 }));
    expect(result.get('a')).toEqual([
      { topic: 'x', partition: 0 },
      { topic: 'x', partition: 1 },
      { topic: 'y', partition: 0 },
    ]);
    expect(result.get('b')).toEqual([{ topic: 'y', partition: 1 }]);
  });
});

describe('RoundRobinAssignor', () => {
  it('deals all partitions in turn, skipping members not subscribed', () => {
    const result = new RoundRobinAssignor().assign([member('a', ['x', 'y']), member('b', ['y'])], counts({ x: 3, y: 3 }));
    // x/0->a, x/1: b skipped -> a, x/2 -> a... then y continues the turn at b.
    expect(flat(new Map([['a', result.get('a')!]]))).toEqual(['x/0', 'x/1', 'x/2', 'y/1']);
    expect(flat(new Map([['b', result.get('b')!]]))).toEqual(['y/0', 'y/2']);
  });

  it('balances identical subscriptions to within one', () => {
    const result = new RoundRobinAssignor().assign(
      [member('a', ['x', 'y']), member('b', ['x', 'y']), member('c', ['x', 'y'])],
      counts({ x: 4, y: 3 }),
    );
    expect(Object.values(sizes(result)).sort()).toEqual([2, 2, 3]);
  });
});

describe('CooperativeStickyAssignor', () => {
  const sticky = new CooperativeStickyAssignor();

  it('spreads 6 partitions over 3 members evenly', () => {
    const result = sticky.assign([member('a', ['t']), member('b', ['t']), member('c', ['t'])], counts({ t: 6 }));
    expect(sizes(result)).toEqual({ a: 2, b: 2, c: 2 });
  });

  it('a new member takes about P/M partitions and nothing else moves', () => {
    const members = ['m1', 'm2', 'm3', 'm4'].map((id) => member(id, ['t']));
    const first = sticky.assign(members, counts({ t: 100 }));
    const grown = [...toOwned(members, first), member('m5', ['t'])];
    const second = sticky.assign(grown, counts({ t: 100 }));
    expectValid(grown, counts({ t: 100 }), second);
    expect(moved(grown, second)).toBe(20);
    expect(second.get('m5')!.length).toBe(20);
    expect(Object.values(sizes(second))).toEqual([20, 20, 20, 20, 20]);
  });

  it('a leaving member only hands out its own partitions', () => {
    const members = ['m1', 'm2', 'm3', 'm4'].map((id) => member(id, ['t', 'u']));
    const first = sticky.assign(members, counts({ t: 30, u: 11 }));
    const shrunk = toOwned(members, first).filter((m) => m.memberId !== 'm2');
    const second = sticky.assign(shrunk, counts({ t: 30, u: 11 }));
    expect(moved(shrunk, second)).toBe(first.get('m2')!.length);
    const s = Object.values(sizes(second));
    expect(Math.max(...s) - Math.min(...s)).toBeLessThanOrEqual(1);
  });

  it('drops owned partitions that are no longer valid', () => {
    const members = [
      member(
        'a',
        ['t'],
        [
          { topic: 't', partition: 0 },
          { topic: 'gone', partition: 0 },
          { topic: 't', partition: 9 },
        ],
      ),
      member(
        'b',
        ['t'],
        [
          { topic: 't', partition: 0 },
          { topic: 't', partition: 1 },
        ],
      ),
    ];
    const result = sticky.assign(members, counts({ t: 2 }));
    expect(result.get('a')).toEqual([{ topic: 't', partition: 0 }]);
    expect(result.get('b')).toEqual([{ topic: 't', partition: 1 }]);
  });

  it('balances heterogeneous subscriptions where it can', () => {
    const members = [member('a', ['x']), member('b', ['x', 'y']), member('c', ['y'])];
    const result = sticky.assign(members, counts({ x: 4, y: 4 }));
    expectValid(members, counts({ x: 4, y: 4 }), result);
    expect(Object.values(sizes(result)).sort()).toEqual([2, 3, 3]);
  });

  it('handles 100 members x 1000 partitions quickly, and a rebalance after a join', () => {
    const members = Array.from({ length: 100 }, (_, i) => member(`m${String(i).padStart(3, '0')}`, ['a', 'b', 'c', 'd']));
    const partitionCounts = counts({ a: 250, b: 250, c: 250, d: 250 });
    const first = sticky.assign(members, partitionCounts);
    expect(new Set(Object.values(sizes(first)))).toEqual(new Set([10]));
    const grown = [...toOwned(members, first), member('new', ['a', 'b', 'c', 'd'])];
    const second = sticky.assign(grown, partitionCounts);
    expectValid(grown, partitionCounts, second);
    expect(moved(grown, second)).toBe(second.get('new')!.length);
    expect(second.get('new')!.length).toBe(9);
  });
});

describe('every assignor (properties)', () => {
  const topicNames = ['a', 'b', 'c', 'd'];
  const scenario = fc.record({
    partitionCounts: fc.tuple(...topicNames.map(() => fc.integer({ min: 0, max: 12 }))),
    members: fc.uniqueArray(fc.record({ id: fc.stringMatching(/^[a-z]{1,4}$/), topics: fc.subarray(topicNames, { minLength: 1 }) }), {
      minLength: 1,
      maxLength: 8,
      selector: (m) => m.id,
    }),
    ownedSeed: fc.array(fc.tuple(fc.nat(), fc.constantFrom(...topicNames), fc.nat(14)), { maxLength: 30 }),
  });

  interface Scenario {
    partitionCounts: number[];
    members: { id: string; topics: string[] }[];
    ownedSeed: [number, string, number][];
  }

  function build(s: Scenario) {
    const partitionCounts = new Map(topicNames.map((t, i) => [t, s.partitionCounts[i]]));
    const owned = new Map<string, TopicPartition[]>();
    for (const [who, topic, partition] of s.ownedSeed) {
      const id = s.members[who % s.members.length].id;
      owned.set(id, [...(owned.get(id) ?? []), { topic, partition }]);
    }
    const members = s.members.map((m) => member(m.id, m.topics, owned.get(m.id) ?? []));
    return { members, partitionCounts };
  }

  for (const assignor of ALL) {
    it(`${assignor.name}: valid, deterministic whatever the member order`, () => {
      fc.assert(
        fc.property(scenario, (s) => {
          const { members, partitionCounts } = build(s);
          const result = assignor.assign(members, partitionCounts);
          expectValid(members, partitionCounts, result);
          const again = assignor.assign([...members].reverse(), partitionCounts);
          expect([...again].sort()).toEqual([...result].sort());
        }),
        { numRuns: 200 },
      );
    });
  }

  it('range, round-robin and sticky: identical subscriptions differ by at most one', () => {
    fc.assert(
      fc.property(scenario, (s) => {
        const { members, partitionCounts } = build(s);
        const same = members.map((m) => member(m.memberId, topicNames, m.owned));
        for (const assignor of [new RoundRobinAssignor(), new CooperativeStickyAssignor()]) {
          const result = assignor.assign(same, partitionCounts);
          const s2 = Object.values(sizes(result));
          expect(Math.max(...s2) - Math.min(...s2)).toBeLessThanOrEqual(1);
        }
      }),
      { numRuns: 200 },
    );
  });

  it('sticky: members with identical subscriptions differ by at most one, even among heterogeneous ones', () => {
    fc.assert(
      fc.property(scenario, (s) => {
        const { members, partitionCounts } = build(s);
        const result = new CooperativeStickyAssignor().assign(members, partitionCounts);
        for (const x of members) {
          for (const y of members) {
            if ([...x.topics].sort().join() !== [...y.topics].sort().join()) continue;
            expect(Math.abs(result.get(x.memberId)!.length - result.get(y.memberId)!.length)).toBeLessThanOrEqual(1);
          }
        }
      }),
      { numRuns: 300 },
    );
  });

  it('sticky: a balanced valid assignment is kept as is (no movement without a reason)', () => {
    fc.assert(
      fc.property(scenario, (s) => {
        const { members, partitionCounts } = build(s);
        const sticky = new CooperativeStickyAssignor();
        const first = sticky.assign(members, partitionCounts);
        const second = sticky.assign(toOwned(members, first), partitionCounts);
        expect(moved(toOwned(members, first), second)).toBe(0);
      }),
      { numRuns: 200 },
    );
  });
});
