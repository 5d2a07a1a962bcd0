import { CompressionCodec, checkBatches, compressionOf, decodeRecordBatches } from '@runnel/protocol';
import type { Acks, PartitionHandle } from '@runnel/replication';
import { RunnelError } from '../../src/common/errors';
import { RecordAccumulator, Ticket } from '../../src/produce/record-accumulator';

/** A partition that assigns offsets like the log and remembers every append. */
function fakePartition(name = 't', failWith?: Error) {
  const appends: { bytes: Buffer; acks: Acks }[] = [];
  let next = 0;
  const partition = {
    topic: name,
    partition: 0,
    append: async (bytes: Buffer, acks: Acks) => {
      if (failWith) throw failWith;
      const records = checkBatches(bytes, Number.MAX_SAFE_INTEGER).reduce((n, h) => n + h.recordCount, 0);
      appends.push({ bytes: Buffer.from(bytes), acks });
      const baseOffset = next;
      next += records;
      return { baseOffset, lastOffset: next - 1, logAppendTimeMs: -1, records };
    },
  };
  return { partition: partition as unknown as PartitionHandle, appends };
}

function accumulator() {
  const appended: [string, number, number][] = [];
  const closed: PartitionHandle[] = [];
  const acc = new RecordAccumulator({
    appended: (topic, records, bytes) => appended.push([topic, records, bytes]),
    closed: (p) => closed.push(p),
    toError: (error) => new RunnelError('INTERNAL', (error as Error).message),
  });
  return { acc, appended, closed };
}

const record = (value: string) => ({ timestamp: 1000, key: null, value: Buffer.from(value), headers: [] });

async function settled(tickets: Ticket[]): Promise<void> {
  await Promise.all(tickets.map((t) => t.batch.done));
}

describe('RecordAccumulator', () => {
  it('compresses with the codec given, and appends in close order even behind an asynchronous zstd encode', async () => {
    const { acc } = accumulator();
    const { partition, appends } = fakePartition();
    // One batch per codec change, all in one turn: zstd (async encode), then none, then gzip.
    const tickets = [
      ...Array.from({ length: 50 }, (_, i) => acc.add(partition, record(`z${i}`), 40, -1, 1_000_000, CompressionCodec.Zstd)),
      acc.add(partition, record('plain'), 40, -1, 1_000_000, CompressionCodec.None),
      acc.add(partition, record('gz'), 40, -1, 1_000_000, CompressionCodec.Gzip),
    ];
    await settled(tickets);
    expect(appends.map((a) => compressionOf(checkBatches(a.bytes, Number.MAX_SAFE_INTEGER)[0].attributes))).toEqual([
      CompressionCodec.Zstd,
      CompressionCodec.None,
      CompressionCodec.Gzip,
    ]);
    expect(tickets.map((t) => t.batch.outcome!.baseOffset + t.index)).toEqual(Array.from({ length: 52 }, (_, i) => i));
    const values: string[] = [];
    for (const a of appends) {
      for await (const batch of decodeRecordBatches(a.bytes, { maxDecompressedBytes: 1 << 20 }))
        for (const r of batch.records) values.push(r.value!.toString());
    }
    expect(values).toEqual([...Array.from({ length: 50 }, (_, i) => `z${i}`), 'plain', 'gz']);
  });

  it('coalesces records added in one event-loop turn into one append; offsets are base + index', async () => {
    const { acc, appended, closed } = accumulator();
    const { partition, appends } = fakePartition();
    const tickets = Array.from({ length: 100 }, (_, i) => acc.add(partition, record(`v${i}`), 40, -1, 1_000_000));
    await settled(tickets);
    expect(appends).toHaveLength(1);
    expect(appends[0].acks).toBe(-1);
    expect(tickets.map((t) => t.batch.outcome!.baseOffset + t.index)).toEqual(Array.from({ length: 100 }, (_, i) => i));
    const values: string[] = [];
    for await (const batch of decodeRecordBatches(appends[0].bytes, { maxDecompressedBytes: 1 << 20 })) {
      for (const r of batch.records) values.push(r.value!.toString());
    }
    expect(values).toEqual(Array.from({ length: 100 }, (_, i) => `v${i}`));
    expect(appended).toEqual([['t', 100, appends[0].bytes.length]]);
    expect(closed).toEqual([partition]);
  });

  it('closes a batch when the next record would pass the byte cap, keeping order across batches', async () => {
    const { acc } = accumulator();
    const { partition, appends } = fakePartition();
    const tickets = Array.from({ length: 10 }, (_, i) => acc.add(partition, record(`v${i}`), 100, 1, 61 + 350));
    expect(appends.length).toBeGreaterThanOrEqual(3); // closed synchronously at the cap, before the tick
    await settled(tickets);
    expect(appends).toHaveLength(4); // 3 + 3 + 3 + 1
    expect(tickets.map((t) => t.batch.outcome!.baseOffset + t.index)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it('keeps acks=all records and acks 0/1 records in separate batches', async () => {
    const { acc } = accumulator();
    const { partition, appends } = fakePartition();
    const tickets = [
      acc.add(partition, record('a'), 20, -1, 1e6),
      acc.add(partition, record('b'), 20, 1, 1e6),
      acc.add(partition, record('c'), 20, 0, 1e6),
    ];
    await settled(tickets);
    expect(appends.map((a) => a.acks).sort()).toEqual([-1, 1]);
    expect(tickets[1].batch).toBe(tickets[2].batch);
    expect(tickets[0].batch).not.toBe(tickets[1].batch);
  });

  it('starts a new batch on the next turn', async () => {
    const { acc } = accumulator();
    const { partition, appends } = fakePartition();
    await settled([acc.add(partition, record('a'), 20, -1, 1e6)]);
    await settled([acc.add(partition, record('b'), 20, -1, 1e6)]);
    expect(appends).toHaveLength(2);
  });

  it('fails every record of a batch whose append fails, with the mapped error, and never rejects', async () => {
    const { acc, appended } = accumulator();
    const { partition } = fakePartition('t', new Error('disk gone'));
    const tickets = [acc.add(partition, record('a'), 20, -1, 1e6), acc.add(partition, record('b'), 20, -1, 1e6)];
    await settled(tickets);
    expect(tickets[0].batch.error).toBeInstanceOf(RunnelError);
    expect(tickets[0].batch.error!.message).toBe('disk gone');
    expect(tickets[0].batch.outcome).toBeUndefined();
    expect(appended).toEqual([]);
  });
});
