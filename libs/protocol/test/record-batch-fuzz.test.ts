/**
 * Property tests: random batches round-trip through every codec, and random or damaged bytes
 * either decode or throw ProtocolError — never another exception, never an over-read.
 */
import fc from 'fast-check';
import {
  BATCH_HEADER_SIZE,
  CompressionCodec,
  ProtocolError,
  TimestampType,
  checkBatch,
  checkBatches,
  decodeRecordBatch,
  decodeRecordBatchSync,
  decodeRecordBatchesSync,
  encodeRecordBatch,
  encodeRecordBatchAsync,
  type BatchRecord,
  type RecordBatchInit,
} from '@runnel/protocol';
import { fixCrc } from './helpers';

const CODECS = [CompressionCodec.None, CompressionCodec.Gzip, CompressionCodec.Snappy, CompressionCodec.Lz4, CompressionCodec.Zstd];
const OPTIONS = { maxDecompressedBytes: 1 << 20, maxBatchBytes: 1 << 20 };

const bytesOrNull = (maxLength: number) =>
  fc.option(
    fc.uint8Array({ maxLength }).map((b) => Buffer.from(b)),
    { freq: 4 },
  );

const recordArb = fc.record({
  offsetGap: fc.oneof(fc.constant(1), fc.integer({ min: 1, max: 1000 })),
  timestamp: fc.oneof(fc.integer({ min: 0, max: 2 ** 45 }), fc.constant(-1)),
  key: bytesOrNull(32),
  value: bytesOrNull(300),
  headers: fc.array(fc.record({ key: fc.string({ unit: 'grapheme', maxLength: 8 }), value: bytesOrNull(16) }), { maxLength: 4 }),
});

const batchArb = fc
  .record({
    records: fc.array(recordArb, { maxLength: 30 }),
    baseOffset: fc.integer({ min: 0, max: 2 ** 52 }),
    extraLastOffsetDelta: fc.nat(5),
    compression: fc.constantFrom(...CODECS),
    logAppendTime: fc.boolean(),
    isTransactional: fc.boolean(),
    isControl: fc.boolean(),
    partitionLeaderEpoch: fc.integer({ min: -1, max: 2 ** 31 - 1 }),
    producerId: fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }),
    producerEpoch: fc.integer({ min: -32768, max: 32767 }),
    baseSequence: fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }),
  })
  .map((b): RecordBatchInit => {
    let offset = b.baseOffset - 1;
    const records: BatchRecord[] = b.records.map((r) => {
      offset += r.offsetGap;
      return { offset, timestamp: r.timestamp, key: r.key, value: r.value, headers: r.headers };
    });
    const lastDelta = records.length === 0 ? 0 : offset - b.baseOffset;
    return {
      records,
      baseOffset: b.baseOffset,
      lastOffsetDelta: lastDelta + b.extraLastOffsetDelta,
      compression: b.compression,
      timestampType: b.logAppendTime ? TimestampType.LogAppendTime : TimestampType.CreateTime,
      maxTimestamp: b.logAppendTime ? 1_700_000_000_000 : undefined,
      isTransactional: b.isTransactional,
      isControl: b.isControl,
      partitionLeaderEpoch: b.partitionLeaderEpoch,
      producerId: b.producerId,
      producerEpoch: b.producerEpoch,
      baseSequence: b.baseSequence,
    };
  });

const hexOrNull = (b: Buffer | null) => (b === null ? null : b.toString('hex'));

/** Runs a decoder on untrusted bytes: success or ProtocolError are fine, anything else fails. */
async function decodesOrRefuses(run: () => unknown): Promise<void> {
  try {
    await run();
  } catch (error) {
    if (!(error instanceof ProtocolError)) throw error;
  }
}

describe('random batches', () => {
  it('round-trip through encode and decode with every codec', async () => {
    await fc.assert(
      fc.asyncProperty(batchArb, async (init) => {
        const encoded = await encodeRecordBatchAsync(init);
        const batch = await decodeRecordBatch(encoded, OPTIONS);
        expect(batch).toMatchObject({
          baseOffset: init.baseOffset,
          partitionLeaderEpoch: init.partitionLeaderEpoch,
          compression: init.compression,
          timestampType: init.timestampType,
          isTransactional: init.isTransactional,
          isControl: init.isControl,
          lastOffsetDelta: init.lastOffsetDelta,
          producerId: init.producerId,
          producerEpoch: init.producerEpoch,
          baseSequence: init.baseSequence,
          recordCount: init.records.length,
        });
        const expectedTimestamp = (t: number) => (init.timestampType === TimestampType.LogAppendTime ? init.maxTimestamp : t);
        expect(
          batch.records.map((r) => [
            r.offset,
            r.timestamp,
            hexOrNull(r.key),
            hexOrNull(r.value),
            r.headers.map((h) => [h.key, hexOrNull(h.value)]),
          ]),
        ).toEqual(
          init.records.map((r) => [
            r.offset,
            expectedTimestamp(r.timestamp),
            hexOrNull(r.key),
            hexOrNull(r.value),
            r.headers.map((h) => [h.key, hexOrNull(h.value)]),
          ]),
        );
        if (init.compression !== CompressionCodec.Zstd) {
          // The sync encoder writes the same bytes; the sync decoder reads the same batch.
          expect(encodeRecordBatch(init).equals(encoded)).toBe(true);
          expect(decodeRecordBatchSync(encoded, OPTIONS).records).toHaveLength(init.records.length);
        }
      }),
      { numRuns: 250 },
    );
  });
});

describe('hostile bytes', () => {
  it('random bytes: checkBatch, checkBatches and the decoders parse or throw ProtocolError', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 200 }), async (raw) => {
        const buf = Buffer.from(raw);
        await decodesOrRefuses(() => checkBatch(buf, 0, buf.length, 1 << 20));
        await decodesOrRefuses(() => checkBatches(buf, 1 << 20));
        await decodesOrRefuses(() => decodeRecordBatch(buf, OPTIONS));
        await decodesOrRefuses(() => [...decodeRecordBatchesSync(buf, { ...OPTIONS, allowPartialTail: true })]);
      }),
      { numRuns: 300 },
    );
  });

  // A valid batch with damage applied; with `recrc` the CRC is fixed afterwards so the damage
  // reaches the record decoder and the decompressors instead of stopping at the CRC check.
  const damaged = fc.record({
    init: batchArb,
    recrc: fc.boolean(),
    damage: fc.oneof(
      fc.record({ kind: fc.constant('flip' as const), bits: fc.array(fc.nat(), { minLength: 1, maxLength: 3 }) }),
      fc.record({ kind: fc.constant('bytes' as const), at: fc.nat(), bytes: fc.uint8Array({ minLength: 1, maxLength: 4 }) }),
      fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
    ),
  });

  it('mutated and truncated valid batches: the decoders parse or throw ProtocolError', async () => {
    await fc.assert(
      fc.asyncProperty(damaged, async ({ init, recrc, damage }) => {
        let buf = Buffer.from(await encodeRecordBatchAsync(init));
        if (damage.kind === 'flip') {
          for (const bit of damage.bits) {
            const at = bit % (buf.length * 8);
            buf[at >> 3] ^= 1 << (at & 7);
          }
        } else if (damage.kind === 'bytes') {
          const at = damage.at % buf.length;
          buf.set(damage.bytes.subarray(0, buf.length - at), at);
        } else {
          buf = buf.subarray(0, damage.at % buf.length);
        }
        if (recrc && buf.length >= BATCH_HEADER_SIZE && buf.readInt32BE(8) + 12 === buf.length) fixCrc(buf);
        await decodesOrRefuses(() => decodeRecordBatch(buf, OPTIONS));
        await decodesOrRefuses(() => [...decodeRecordBatchesSync(buf, OPTIONS)]);
        await decodesOrRefuses(() => checkBatches(buf, 1 << 20));
      }),
      { numRuns: 400 },
    );
  });
});
