import {
  InvalidReplicationFactorError,
  placeableBrokers,
  placeReplicas,
  rackAlternated,
  type PlacementBroker,
} from '../../src/cluster/placement';

const noRacks = (ids: number[]): PlacementBroker[] => ids.map((brokerId) => ({ brokerId, rack: null }));

/** A small deterministic PRNG so the property runs are reproducible. */
function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

describe('placeReplicas without racks', () => {
  it('places the first replicas round-robin and shifts the followers each round (Kafka’s 5-broker example)', () => {
    const placement = placeReplicas(noRacks([0, 1, 2, 3, 4]), 10, 3, { startIndex: 0 });
    expect(placement).toEqual([
      [0, 1, 2],
      [1, 2, 3],
      [2, 3, 4],
      [3, 4, 0],
      [4, 0, 1],
      // partition 5 wraps around: the follower shift grows by one
      [0, 2, 3],
      [1, 3, 4],
      [2, 4, 0],
      [3, 0, 1],
      [4, 1, 2],
    ]);
  });

  it('orders brokers by id whatever order they are given in', () => {
    expect(placeReplicas(noRacks([3, 1, 2]), 3, 2, { startIndex: 0 })).toEqual([
      [1, 2],
      [2, 3],
      [3, 1],
    ]);
  });

  it('continues the round-robin from firstPartitionId when partitions are added', () => {
    const all = placeReplicas(noRacks([0, 1, 2, 3, 4]), 10, 3, { startIndex: 2 });
    const added = placeReplicas(noRacks([0, 1, 2, 3, 4]), 4, 3, { startIndex: 2, firstPartitionId: 6 });
    expect(added).toEqual(all.slice(6, 10));
  });

  it('places a single broker and replication factor 1', () => {
    expect(placeReplicas(noRacks([7]), 3, 1, { startIndex: 0 })).toEqual([[7], [7], [7]]);
    expect(placeReplicas(noRacks([1, 2]), 4, 1, { startIndex: 1 })).toEqual([[2], [1], [2], [1]]);
  });

  it('answers no lists for zero partitions', () => {
    expect(placeReplicas(noRacks([1, 2]), 0, 2)).toEqual([]);
  });

  it('starts at a random broker when no start index is given', () => {
    const leaders = new Set<number>();
    const random = prng(7);
    for (let i = 0; i < 50; i++) leaders.add(placeReplicas(noRacks([1, 2, 3]), 1, 1, { random })[0][0]);
    expect([...leaders].sort()).toEqual([1, 2, 3]);
  });
});

describe('placeReplicas with racks', () => {
  const racks: PlacementBroker[] = [
    { brokerId: 0, rack: 'rack1' },
    { brokerId: 1, rack: 'rack3' },
    { brokerId: 2, rack: 'rack3' },
    { brokerId: 3, rack: 'rack2' },
    { brokerId: 4, rack: 'rack2' },
    { brokerId: 5, rack: 'rack1' },
  ];

  it('alternates racks in the broker order', () => {
    expect(rackAlternated(racks)).toEqual([0, 3, 1, 5, 4, 2]);
  });

  it('gives every partition one replica per rack (Kafka’s documented example)', () => {
    expect(placeReplicas(racks, 6, 3, { startIndex: 0 })).toEqual([
      [0, 3, 1],
      [3, 1, 5],
      [1, 5, 4],
      [5, 4, 2],
      [4, 2, 0],
      [2, 0, 3],
    ]);
  });

  it('skips a broker whose rack already holds a replica while another rack holds none', () => {
    // a: 1, 2, 3 — b: 4; alternated 1, 4, 2, 3. Without the skip partition 1 would get 4 then 2 (fine) but
    // partition 2 (leader 2) would take 3 (same rack) before 4.
    const uneven: PlacementBroker[] = [
      { brokerId: 1, rack: 'a' },
      { brokerId: 2, rack: 'a' },
      { brokerId: 3, rack: 'a' },
      { brokerId: 4, rack: 'b' },
    ];
    for (const replicas of placeReplicas(uneven, 8, 2, { startIndex: 0 })) {
      expect(new Set(replicas.map((id) => uneven.find((b) => b.brokerId === id)!.rack)).size).toBe(2);
    }
  });

  it('treats brokers without a rack as one rack of their own', () => {
    const mixed: PlacementBroker[] = [
      { brokerId: 1, rack: null },
      { brokerId: 2, rack: null },
      { brokerId: 3, rack: 'r' },
    ];
    for (const replicas of placeReplicas(mixed, 6, 2, { startIndex: 0 })) {
      expect(replicas.some((id) => id === 3)).toBe(true);
    }
  });

  it('holds its invariants for random clusters: RF distinct brokers, max rack spread, balanced leaders', () => {
    const random = prng(42);
    for (let run = 0; run < 300; run++) {
      const brokerCount = 1 + Math.floor(random() * 9);
      const rackCount = 1 + Math.floor(random() * 4);
      const withRacks = random() < 0.7;
      const brokers: PlacementBroker[] = Array.from({ length: brokerCount }, (_, i) => ({
        brokerId: 100 + i * 3,
        rack: withRacks ? `r${Math.floor(random() * rackCount)}` : null,
      }));
      const rf = 1 + Math.floor(random() * brokerCount);
      const partitions = Math.floor(random() * 40);
      const placement = placeReplicas(brokers, partitions, rf, { startIndex: Math.floor(random() * brokerCount) });
      const distinctRacks = new Set(brokers.map((b) => b.rack)).size;
      const leaders = new Map<number, number>();
      expect(placement).toHaveLength(partitions);
      for (const replicas of placement) {
        expect(replicas).toHaveLength(rf);
        expect(new Set(replicas).size).toBe(rf);
        for (const id of replicas) expect(brokers.some((b) => b.brokerId === id)).toBe(true);
        const racksUsed = new Set(replicas.map((id) => brokers.find((b) => b.brokerId === id)!.rack));
        expect(racksUsed.size).toBe(Math.min(rf, distinctRacks));
        leaders.set(replicas[0], (leaders.get(replicas[0]) ?? 0) + 1);
      }
      if (partitions > 0) {
        const counts = brokers.map((b) => leaders.get(b.brokerId) ?? 0);
        expect(Math.max(...counts) - Math.min(...counts)).toBeLessThanOrEqual(1);
      }
    }
  });
});

describe('placeReplicas refusals', () => {
  it('throws InvalidReplicationFactorError when RF exceeds the brokers', () => {
    const attempt = () => placeReplicas(noRacks([1, 2]), 3, 3);
    expect(attempt).toThrow(InvalidReplicationFactorError);
    expect(attempt).toThrow('Replication factor: 3 larger than available brokers: 2.');
  });

  it('throws InvalidReplicationFactorError when RF is below 1 or there are no brokers', () => {
    expect(() => placeReplicas(noRacks([1, 2]), 3, 0)).toThrow(InvalidReplicationFactorError);
    expect(() => placeReplicas([], 1, 1)).toThrow(InvalidReplicationFactorError);
    expect(() => placeReplicas(noRacks([1]), 1, 1.5)).toThrow(InvalidReplicationFactorError);
  });

  it('rejects duplicate broker ids and bad partition counts', () => {
    expect(() => placeReplicas(noRacks([1, 1]), 1, 1)).toThrow(RangeError);
    expect(() => placeReplicas(noRacks([1]), -1, 1)).toThrow(RangeError);
  });
});

describe('placeableBrokers', () => {
  it('keeps alive RUNNING brokers only', () => {
    expect(
      placeableBrokers([
        { brokerId: 1, rack: 'a', alive: true, state: 'RUNNING' },
        { brokerId: 2, rack: null, alive: false, state: 'RUNNING' },
        { brokerId: 3, rack: 'b', alive: true, state: 'CONTROLLED_SHUTDOWN' },
        { brokerId: 4, rack: null, alive: true, state: 'RUNNING' },
        { brokerId: 5, rack: null, alive: true, state: 'STOPPED' },
      ]),
    ).toEqual([
      { brokerId: 1, rack: 'a' },
      { brokerId: 4, rack: null },
    ]);
  });
});
