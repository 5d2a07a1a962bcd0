import { encodeRecordBatch } from '@runnel/protocol';
import type { Partition } from '@runnel/replication';
import { RecordTimestamps } from '../../src/history/record-timestamps';

/**
 * A partition of batches of 5 records (timestamps 1000 + offset × 10): `read` answers the batch
 * holding the offset, as the log does, and counts the reads.
 */
function fakePartition(records: number, logStart = 0): Partition & { readCount: number } {
  const fake = {
    readCount: 0,
    highWatermark: records,
    logStartOffset: logStart,
    async read(offset: number) {
      fake.readCount++;
      const base = offset - (offset % 5);
      const count = Math.min(5, records - base);
      const bytes = encodeRecordBatch({
        baseOffset: base,
        records: Array.from({ length: count }, (_, i) => ({
          timestamp: 1000 + (base + i) * 10,
          key: null,
          value: Buffer.from('v'),
          headers: [],
        })),
      });
      return { bytes, nextOffset: base + count, highWatermark: records, logStartOffset: logStart };
    },
  };
  return fake as unknown as Partition & { readCount: number };
}

describe('RecordTimestamps', () => {
  it('finds the timestamp of the record at an offset inside its batch, and reads the log once per offset', async () => {
    const timestamps = new RecordTimestamps();
    const partition = fakePartition(20);
    expect(await timestamps.at(partition, 7)).toBe(1070);
    expect(await timestamps.at(partition, 7)).toBe(1070);
    expect(await timestamps.at(partition, 19)).toBe(1190);
    expect(partition.readCount).toBe(2);
    expect(timestamps.reads).toBe(2);
    expect(timestamps.cached(partition, 7)).toBe(1070);
    expect(timestamps.cached(partition, 8)).toBeUndefined();
  });

  it('answers null outside [log start, high watermark) without reading', async () => {
    const timestamps = new RecordTimestamps();
    const partition = fakePartition(10, 5);
    expect(await timestamps.at(partition, 10)).toBeNull();
    expect(await timestamps.at(partition, 4)).toBeNull();
    expect(partition.readCount).toBe(0);
  });

  it('keeps a partition object apart from another (a topic created again) and stays within its bound', async () => {
    const timestamps = new RecordTimestamps(3);
    const old = fakePartition(20);
    const recreated = fakePartition(20);
    await timestamps.at(old, 1);
    expect(timestamps.cached(recreated, 1)).toBeUndefined();
    for (const offset of [2, 3, 4, 5]) await timestamps.at(recreated, offset);
    expect(timestamps.size).toBe(3);
    expect(timestamps.cached(old, 1)).toBeUndefined(); // the least recently used went first
  });
});
