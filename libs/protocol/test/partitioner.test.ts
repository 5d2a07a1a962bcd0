import fc from 'fast-check';
import { DefaultPartitioner, partitionForKey } from '@runnel/protocol';
const { DefaultPartitioner: KafkaJsDefaultPartitioner } = require('kafkajs/src/producer/partitioners');

function kafkaJsPartition(key: Buffer, numPartitions: number): number {
  const partitionMetadata = Array.from({ length: numPartitions }, (_, partitionId) => ({ partitionId, leader: 0 }));
  return KafkaJsDefaultPartitioner()({ topic: 't', partitionMetadata, message: { key } });
}

describe('partitionForKey', () => {
  it('puts keys where Kafka’s default partitioner does: toPositive(murmur2(key)) % n', () => {
    // murmur2("21") = -973932308, toPositive = 1173551340.
    expect(partitionForKey(Buffer.from('21'), 3)).toBe(1173551340 % 3);
    expect(partitionForKey(Buffer.from('21'), 1)).toBe(0);
  });

  it('agrees with KafkaJS’s Java-compatible DefaultPartitioner on random keys and partition counts', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 0, maxLength: 40 }), fc.integer({ min: 1, max: 1000 }), (key, n) => {
        expect(partitionForKey(key, n)).toBe(kafkaJsPartition(Buffer.from(key), n));
      }),
      { numRuns: 2000 },
    );
  });

  it('refuses a partition count that is not a positive int32', () => {
    for (const n of [0, -1, 1.5, 2 ** 31, NaN]) expect(() => partitionForKey(Buffer.from('k'), n)).toThrow(RangeError);
  });
});

describe('DefaultPartitioner', () => {
  it('hashes keyed records and keeps unkeyed ones on one partition until the batch closes', () => {
    const randoms = [0.5, 0.5, 0.1];
    const partitioner = new DefaultPartitioner(() => randoms.shift() ?? 0);
    expect(partitioner.partition(Buffer.from('21'), 10)).toBe(1173551340 % 10);
    const first = partitioner.partition(null, 10);
    expect(first).toBe(5);
    expect(partitioner.partition(null, 10)).toBe(5);
    // A new batch moves on, and never to the same partition when another exists.
    partitioner.onNewBatch(10);
    expect(partitioner.partition(null, 10)).toBe(6);
    partitioner.onNewBatch(10);
    expect(partitioner.partition(null, 10)).toBe(1);
  });

  it('re-picks the sticky partition when the partition count shrinks below it', () => {
    const partitioner = new DefaultPartitioner(() => 0.99);
    expect(partitioner.partition(null, 10)).toBe(9);
    expect(partitioner.partition(null, 4)).toBe(3);
    expect(partitioner.partition(null, 1)).toBe(0);
  });
});
