import {
  CompressionCodec,
  TimestampType,
  decodeRecordBatch,
  decodeRecordBatches,
  decodeRecordBatchesSync,
  encodeRecordBatch,
  encodeRecordBatchAsync,
  needsRecompression,
  recompressRecordBatches,
  reencodeRecordBatch,
} from '../src';

const OPTIONS = { maxDecompressedBytes: 1 << 20 };
const records = [0, 1, 2, 5].map((offset) => ({
  offset: 100 + offset,
  timestamp: 1_700_000_000_000 + offset,
  key: offset === 2 ? null : Buffer.from(`k${offset}`),
  value: offset === 5 ? null : Buffer.from(`value-${offset}`.repeat(20)),
  headers: offset === 1 ? [{ key: 'h', value: Buffer.from('x') }] : [],
}));

/** Every field but the compression and the bytes that depend on it (length, CRC). */
function fieldsOf(batch: Awaited<ReturnType<typeof decodeRecordBatch>>) {
  const { compression: _c, crc: _crc, batchLength: _l, attributes, records: rs, ...rest } = batch;
  return {
    ...rest,
    flags: attributes & ~0x07,
    records: rs.map((r) => ({
      ...r,
      key: r.key?.toString('hex') ?? null,
      value: r.value?.toString('hex') ?? null,
      headers: r.headers.map((h) => [h.key, h.value?.toString('hex')]),
    })),
  };
}

describe('re-encoding batches with another codec', () => {
  it.each([CompressionCodec.None, CompressionCodec.Gzip, CompressionCodec.Snappy, CompressionCodec.Lz4, CompressionCodec.Zstd])(
    'keeps every field and record when going to codec %i, gaps and producer fields included',
    async (codec) => {
      const original = await decodeRecordBatch(
        encodeRecordBatch({
          records,
          baseOffset: 100,
          lastOffsetDelta: 7,
          partitionLeaderEpoch: 3,
          producerId: 42n,
          producerEpoch: 1,
          baseSequence: 9,
          isTransactional: true,
        }),
        OPTIONS,
      );
      const again = await decodeRecordBatch(await reencodeRecordBatch(original, { compression: codec }), OPTIONS);
      expect(again.compression).toBe(codec);
      expect(fieldsOf(again)).toEqual(fieldsOf(original));
    },
  );

  it('keeps LogAppendTime timestamps and the records given', async () => {
    const original = await decodeRecordBatch(
      encodeRecordBatch({
        records,
        timestampType: TimestampType.LogAppendTime,
        baseTimestamp: 1_700_000_000_000,
        maxTimestamp: 1_800_000_000_000,
      }),
      OPTIONS,
    );
    const thinned = await decodeRecordBatch(
      await reencodeRecordBatch(original, { records: [original.records[3]], compression: CompressionCodec.Gzip }),
      OPTIONS,
    );
    expect(thinned).toMatchObject({
      timestampType: TimestampType.LogAppendTime,
      maxTimestamp: 1_800_000_000_000,
      lastOffsetDelta: original.lastOffsetDelta,
    });
    expect(thinned.records.map((r) => [r.offset, r.timestamp])).toEqual([[original.records[3].offset, 1_800_000_000_000]]);
  });

  it('recompresses only the batches that differ, and copies the others byte for byte', async () => {
    const gzip = encodeRecordBatch({ records: records.slice(0, 2), compression: CompressionCodec.Gzip });
    const none = encodeRecordBatch({ records: records.slice(2), baseOffset: 102 });
    const zstd = await encodeRecordBatchAsync({ records: records.slice(0, 1), compression: CompressionCodec.Zstd });
    const body = Buffer.concat([gzip, none, zstd]);
    expect(needsRecompression(body, CompressionCodec.Gzip)).toBe(true);
    expect(needsRecompression(gzip, CompressionCodec.Gzip)).toBe(false);
    const out = await recompressRecordBatches(body, CompressionCodec.Gzip, OPTIONS);
    const batches = [...decodeRecordBatchesSync(out, OPTIONS)];
    expect(batches.map((b) => b.compression)).toEqual([CompressionCodec.Gzip, CompressionCodec.Gzip, CompressionCodec.Gzip]);
    expect(out.subarray(0, gzip.length).equals(gzip)).toBe(true);
    const decoded = [];
    for await (const b of decodeRecordBatches(body, OPTIONS)) decoded.push(b);
    const before = decoded.flatMap((b) => b.records.map((r) => r.value?.toString() ?? null));
    expect(batches.flatMap((b) => b.records.map((r) => r.value?.toString() ?? null))).toEqual(before);
    expect((await recompressRecordBatches(gzip, CompressionCodec.Gzip, OPTIONS)).equals(gzip)).toBe(true);
  });

  it('refuses a batch whose CRC does not match instead of re-encoding garbage', async () => {
    const batch = encodeRecordBatch({ records });
    batch[batch.length - 1] ^= 0xff;
    await expect(recompressRecordBatches(batch, CompressionCodec.Lz4, OPTIONS)).rejects.toMatchObject({ name: 'ProtocolError' });
  });
});
