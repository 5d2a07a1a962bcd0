import { murmur2, toPositive } from './murmur2';

/**
 * Kafka's default partitioning, so that keys land where a Java client (or KafkaJS's default
 * partitioner) would put them:
 *
 *   keyed record   partition = toPositive(murmur2(keyBytes)) % numPartitions
 *   null key       the "sticky" partition: one partition, picked at random, until the producer
 *                  closes the batch it was filling (`onNewBatch`), as Kafka 2.4+ does, so that
 *                  unkeyed records fill whole batches instead of spreading one record per batch.
 *
 * The partition count is the topic's current one; when it grows, keys move, exactly as in Kafka.
 */

function checkPartitionCount(numPartitions: number): void {
  if (!(Number.isInteger(numPartitions) && numPartitions > 0 && numPartitions <= 0x7fffffff)) {
    throw new RangeError(`partition count ${numPartitions} is not a positive int32`);
  }
}

export function partitionForKey(key: Uint8Array, numPartitions: number): number {
  checkPartitionCount(numPartitions);
  return toPositive(murmur2(key)) % numPartitions;
}

/** Chooses partitions for one producer; not shared between producers (the sticky choice is theirs). */
export class DefaultPartitioner {
  private sticky = -1;

  /** `random()` returns [0, 1), as Math.random; injectable for tests. */
  constructor(private readonly random: () => number = Math.random) {}

  partition(key: Uint8Array | null, numPartitions: number): number {
    if (key !== null) return partitionForKey(key, numPartitions);
    checkPartitionCount(numPartitions);
    if (this.sticky < 0 || this.sticky >= numPartitions) this.sticky = this.pick(numPartitions, -1);
    return this.sticky;
  }

  /** The batch for the sticky partition was closed: move unkeyed records to another partition. */
  onNewBatch(numPartitions: number): void {
    checkPartitionCount(numPartitions);
    this.sticky = this.pick(numPartitions, this.sticky);
  }

  private pick(numPartitions: number, avoid: number): number {
    if (numPartitions === 1) return 0;
    let next = Math.floor(this.random() * numPartitions) % numPartitions;
    if (next === avoid) next = (next + 1) % numPartitions;
    return next;
  }
}
