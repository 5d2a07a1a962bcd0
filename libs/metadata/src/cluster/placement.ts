/**
 * Replica placement for new topics and added partitions: Kafka's rack-aware round-robin
 * (the idea of AdminUtils.assignReplicasToBrokers, written afresh).
 *
 * 1. Brokers are arranged so that racks alternate: racks sorted by name, brokers of a rack by id,
 *    then one broker from each rack in turn (racks a:[1,4] b:[2] c:[3,5] → 1, 2, 3, 4, 5).
 *    Brokers without a rack form one rack of their own; with no racks at all this is the id order.
 * 2. Partition p's first replica (its preferred leader) is arranged[(p + startIndex) % n], so
 *    leadership is spread evenly.
 * 3. The followers are taken at shifting offsets from the first replica; the shift grows by one each
 *    time the partition id wraps around the broker count, so the followers of consecutive rounds
 *    land on different brokers. A candidate is skipped while its rack already holds a replica and
 *    another rack holds none, or while it already holds one (only possible after such skips).
 *
 * Invariants of the result: every partition has `replicationFactor` distinct brokers, spread over
 * min(replicationFactor, racks) racks. Pure: no I/O; random only where no start index is given.
 */

import type { BrokerRegistration } from './cluster-store';

export interface PlacementBroker {
  brokerId: number;
  rack: string | null;
}

export interface PlacementOptions {
  /** Where the round-robin starts (Kafka uses a random start so topics do not all lead on one broker). */
  startIndex?: number;
  /** The id of the first partition placed (the current partition count when partitions are added). */
  firstPartitionId?: number;
  /** Source of the random start when `startIndex` is not given (tests). */
  random?: () => number;
}

/** RF above the number of (live) brokers, or below 1. Confluent answers it with 400/40002. */
export class InvalidReplicationFactorError extends Error {
  override readonly name = 'InvalidReplicationFactorError';
  constructor(
    readonly replicationFactor: number,
    readonly availableBrokers: number,
  ) {
    super(
      replicationFactor < 1
        ? `Replication factor must be larger than 0 (got ${replicationFactor}).`
        : `Replication factor: ${replicationFactor} larger than available brokers: ${availableBrokers}.`,
    );
  }
}

/** The brokers new replicas may be placed on: alive and RUNNING (Kafka places on unfenced brokers only). */
export function placeableBrokers(brokers: Pick<BrokerRegistration, 'brokerId' | 'rack' | 'alive' | 'state'>[]): PlacementBroker[] {
  return brokers.filter((b) => b.alive && b.state === 'RUNNING').map((b) => ({ brokerId: b.brokerId, rack: b.rack }));
}

/** Answers the replica lists of partitions firstPartitionId .. firstPartitionId + partitions - 1, in that order. */
export function placeReplicas(
  brokers: PlacementBroker[],
  partitions: number,
  replicationFactor: number,
  options: PlacementOptions = {},
): number[][] {
  if (!Number.isInteger(partitions) || partitions < 0)
    throw new RangeError(`partitions must be a non-negative integer (got ${partitions})`);
  if (!Number.isInteger(replicationFactor) || replicationFactor < 1 || replicationFactor > brokers.length) {
    throw new InvalidReplicationFactorError(replicationFactor, brokers.length);
  }
  const ids = new Set(brokers.map((b) => b.brokerId));
  if (ids.size !== brokers.length) throw new RangeError('placeReplicas: duplicate broker ids');

  const rackOf = new Map(brokers.map((b) => [b.brokerId, b.rack ?? ''] as const));
  const arranged = rackAlternated(brokers);
  const brokerCount = arranged.length;
  const rackCount = new Set(rackOf.values()).size;
  const random = options.random ?? Math.random;
  const fixed = options.startIndex;
  if (fixed !== undefined && (!Number.isInteger(fixed) || fixed < 0))
    throw new RangeError(`startIndex must be a non-negative integer (got ${fixed})`);
  const startIndex = fixed ?? Math.floor(random() * brokerCount);
  const baseShift = fixed ?? Math.floor(random() * brokerCount);
  let partitionId = Math.max(0, options.firstPartitionId ?? 0);

  const result: number[][] = [];
  for (let i = 0; i < partitions; i++, partitionId++) {
    // Grows by one per round of brokerCount partitions, counted from partition 0 (not from the first
    // placed, as Kafka does), so partitions added later land where a topic created whole would have them.
    const replicaShift = baseShift + Math.floor(partitionId / brokerCount);
    const firstIndex = (partitionId + startIndex) % brokerCount;
    const leader = arranged[firstIndex];
    const replicas = [leader];
    const racksUsed = new Set([rackOf.get(leader)]);
    const brokersUsed = new Set([leader]);
    let k = 0;
    while (replicas.length < replicationFactor) {
      const candidate = arranged[followerIndex(firstIndex, replicaShift * rackCount, k++, brokerCount)];
      const rack = rackOf.get(candidate);
      // Skip a rack that already holds a replica while another holds none, and any broker already used.
      const rackOk = !racksUsed.has(rack) || racksUsed.size === rackCount;
      if (rackOk && !brokersUsed.has(candidate)) {
        replicas.push(candidate);
        racksUsed.add(rack);
        brokersUsed.add(candidate);
      }
      // Every broker is a candidate within brokerCount - 1 steps of k, so this terminates; assert it.
      if (k > brokerCount * brokerCount + brokerCount) throw new Error('placeReplicas: no placement found (bug)');
    }
    result.push(replicas);
  }
  return result;
}

/** Offset of follower `k` from the first replica: never 0, so never the first replica itself. */
function followerIndex(firstIndex: number, shift: number, k: number, brokerCount: number): number {
  if (brokerCount === 1) return firstIndex;
  const step = 1 + ((shift + k) % (brokerCount - 1));
  return (firstIndex + step) % brokerCount;
}

/** Racks sorted by name, brokers of a rack by id, taken one per rack in turn. */
export function rackAlternated(brokers: PlacementBroker[]): number[] {
  const byRack = new Map<string, number[]>();
  for (const b of brokers) {
    const rack = b.rack ?? '';
    const list = byRack.get(rack) ?? [];
    list.push(b.brokerId);
    byRack.set(rack, list);
  }
  const racks = [...byRack.keys()].sort();
  for (const list of byRack.values()) list.sort((a, b) => a - b);
  const result: number[] = [];
  for (let round = 0; result.length < brokers.length; round++) {
    for (const rack of racks) {
      const id = byRack.get(rack)![round];
      if (id !== undefined) result.push(id);
    }
  }
  return result;
}
