/**
 * Cross-checks the codec against KafkaJS's RecordBatch v2 encoder and decoder, an independent
 * implementation that real Kafka brokers accept: batches KafkaJS writes decode here field for
 * field, and batches written here decode in KafkaJS. Compressed sections use the codecs KafkaJS's
 * plugin packages use (raw snappy out, xerial or raw in; LZ4 frames; zstd frames).
 */
import fc from 'fast-check';
import { compressSync as snappyCompress, uncompressSync as snappyUncompress } from 'snappy';
import { compressFrameSync, decompressFrameSync } from 'lz4-napi';
import { compress as zstdCompress, decompress as zstdDecompress } from '@mongodb-js/zstd';
import { CompressionCodec, decodeRecordBatch, encodeRecordBatchAsync, isXerialSnappy, type BatchRecord } from '@runnel/protocol';
// KafkaJS internals have no type declarations: require() them untyped.
const { RecordBatch: kafkaJsRecordBatch } = require('kafkajs/src/protocol/recordBatch/v0');
const kafkaJsRecord = require('kafkajs/src/protocol/recordBatch/record/v0');
const kafkaJsDecodeBatch = require('kafkajs/src/protocol/recordBatch/v0/decoder');
const KafkaJsDecoder = require('kafkajs/src/protocol/decoder');
const Long = require('kafkajs/src/utils/long');
const { Codecs } = require('kafkajs/src/protocol/message/compression');

interface KafkaJsEncoder {
  buffer: Buffer;
}

// What kafkajs-snappy reads: xerial blocks, or one raw block. Written from the format, not ours.
function readXerialOrRaw(buf: Buffer): Buffer {
  if (!isXerialSnappy(buf)) return snappyUncompress(buf, { asBuffer: true }) as Buffer;
  const parts: Buffer[] = [];
  for (let pos = 16; pos < buf.length;) {
    const length = buf.readInt32BE(pos);
    parts.push(snappyUncompress(buf.subarray(pos + 4, pos + 4 + length), { asBuffer: true }) as Buffer);
    pos += 4 + length;
  }
  return Buffer.concat(parts);
}

Codecs[CompressionCodec.Snappy] = () => ({
  compress: async (encoder: KafkaJsEncoder) => snappyCompress(encoder.buffer),
  decompress: async (buf: Buffer) => readXerialOrRaw(buf),
});
Codecs[CompressionCodec.Lz4] = () => ({
  compress: async (encoder: KafkaJsEncoder) => compressFrameSync(encoder.buffer),
  decompress: async (buf: Buffer) => decompressFrameSync(buf),
});
Codecs[CompressionCodec.Zstd] = () => ({
  compress: async (encoder: KafkaJsEncoder) => zstdCompress(encoder.buffer),
  decompress: async (buf: Buffer) => zstdDecompress(buf),
});

const CODECS = [CompressionCodec.None, CompressionCodec.Gzip, CompressionCodec.Snappy, CompressionCodec.Lz4, CompressionCodec.Zstd];
const OPTIONS = { maxDecompressedBytes: 1 << 22 };

const bytes = (maxLength: number) => fc.uint8Array({ maxLength }).map((b) => Buffer.from(b));
// KafkaJS folds headers into a plain object: keys like "valueOf" would collide with its prototype.
const headerKey = fc.string({ unit: 'grapheme', maxLength: 12 }).filter((k) => !(k in Object.prototype));

/** Records as KafkaJS's encoder takes them: headers as an object whose values may be arrays. */
const kafkaJsMessages = fc.array(
  fc.record({
    key: fc.option(bytes(20)),
    value: fc.option(bytes(200)),
    timestampDelta: fc.integer({ min: -100_000, max: 100_000 }),
    headers: fc.dictionary(headerKey, fc.array(bytes(20), { minLength: 1, maxLength: 2 }), { maxKeys: 3 }),
  }),
  { minLength: 1, maxLength: 20 },
);

/** Records as ours takes them, with every nullable field exercised. */
const ourRecords = fc.array(
  fc.record({
    key: fc.option(bytes(20)),
    value: fc.option(bytes(200)),
    timestamp: fc.integer({ min: 1_600_000_000_000, max: 1_800_000_000_000 }),
    headers: fc.array(fc.record({ key: headerKey, value: fc.option(bytes(20)) }), { maxLength: 3 }),
  }),
  { maxLength: 20 },
);

function flatHeaders(headers: Record<string, Buffer[]>): [string, string][] {
  return Object.keys(headers).flatMap((key) => headers[key].map((value): [string, string] => [key, value.toString('hex')]));
}

const hexOrNull = (b: Buffer | null) => (b === null ? null : b.toString('hex'));

describe('KafkaJS-encoded batches decode here', () => {
  it.each(CODECS)('codec %s: every header and record field', async (codec) => {
    await fc.assert(
      fc.asyncProperty(
        kafkaJsMessages,
        fc.record({
          firstOffset: fc.integer({ min: 0, max: 2 ** 50 }),
          firstTimestamp: fc.integer({ min: 1_600_000_000_000, max: 1_800_000_000_000 }),
          partitionLeaderEpoch: fc.integer({ min: -1, max: 2 ** 31 - 1 }),
          transactional: fc.boolean(),
          producerId: fc.bigInt({ min: -1n, max: 2n ** 62n }),
          producerEpoch: fc.integer({ min: -1, max: 32767 }),
          firstSequence: fc.integer({ min: -1, max: 2 ** 31 - 1 }),
        }),
        async (messages, batch) => {
          const records = messages.map((m, i) =>
            kafkaJsRecord({ offsetDelta: i, timestampDelta: m.timestampDelta, key: m.key, value: m.value, headers: m.headers }),
          );
          const maxTimestamp = batch.firstTimestamp + Math.max(...messages.map((m) => m.timestampDelta));
          const encoded: KafkaJsEncoder = await kafkaJsRecordBatch({
            ...batch,
            compression: codec,
            firstOffset: Long.fromValue(batch.firstOffset),
            producerId: Long.fromString(batch.producerId.toString()),
            maxTimestamp,
            lastOffsetDelta: records.length - 1,
            records,
          });
          const decoded = await decodeRecordBatch(encoded.buffer, OPTIONS);
          expect(decoded).toMatchObject({
            baseOffset: batch.firstOffset,
            partitionLeaderEpoch: batch.partitionLeaderEpoch,
            compression: codec,
            isTransactional: batch.transactional,
            isControl: false,
            lastOffsetDelta: messages.length - 1,
            baseTimestamp: batch.firstTimestamp,
            maxTimestamp,
            producerId: batch.producerId,
            producerEpoch: batch.producerEpoch,
            baseSequence: batch.firstSequence,
            recordCount: messages.length,
          });
          expect(
            decoded.records.map((r) => [
              r.offset,
              r.timestamp,
              hexOrNull(r.key),
              hexOrNull(r.value),
              r.headers.map((h) => [h.key, hexOrNull(h.value)]),
            ]),
          ).toEqual(
            messages.map((m, i) => [
              batch.firstOffset + i,
              batch.firstTimestamp + m.timestampDelta,
              hexOrNull(m.key),
              hexOrNull(m.value),
              flatHeaders(m.headers),
            ]),
          );
        },
      ),
      { numRuns: codec === CompressionCodec.None ? 60 : 25 },
    );
  });
});

describe('batches encoded here decode in KafkaJS', () => {
  it.each(CODECS)('codec %s: every header and record field, null header values included', async (codec) => {
    await fc.assert(
      fc.asyncProperty(
        ourRecords,
        fc.integer({ min: 0, max: 2 ** 50 }),
        fc.bigInt({ min: -1n, max: 2n ** 62n }),
        async (records, baseOffset, producerId) => {
          const encoded = await encodeRecordBatchAsync({
            records: records as BatchRecord[],
            compression: codec,
            baseOffset,
            partitionLeaderEpoch: 3,
            isTransactional: true,
            producerId,
            producerEpoch: 2,
            baseSequence: 11,
          });
          const batch = await kafkaJsDecodeBatch(new KafkaJsDecoder(encoded));
          expect(batch).toMatchObject({
            firstOffset: String(baseOffset),
            partitionLeaderEpoch: 3,
            inTransaction: true,
            isControlBatch: false,
            lastOffsetDelta: Math.max(records.length - 1, 0),
            producerId: producerId.toString(),
            producerEpoch: 2,
            firstSequence: 11,
          });
          // KafkaJS folds headers into an object (repeated keys become arrays); compare that way.
          const folded = (headers: { key: string; value: Buffer | null }[]) => {
            const out: Record<string, unknown> = {};
            for (const { key, value } of headers) {
              const v = hexOrNull(value);
              out[key] = out[key] === undefined ? v : Array.isArray(out[key]) ? [...(out[key] as unknown[]), v] : [out[key], v];
            }
            return out;
          };
          const theirs = batch.records.map(
            (r: { offset: string; timestamp: string; key: Buffer | null; value: Buffer | null; headers: Record<string, unknown> }) => [
              r.offset,
              r.timestamp,
              hexOrNull(r.key),
              hexOrNull(r.value),
              Object.fromEntries(
                Object.entries(r.headers).map(([k, v]) => [k, Array.isArray(v) ? v.map(hexOrNull) : hexOrNull(v as Buffer | null)]),
              ),
            ],
          );
          expect(theirs).toEqual(
            records.map((r, i) => [String(baseOffset + i), String(r.timestamp), hexOrNull(r.key), hexOrNull(r.value), folded(r.headers)]),
          );
        },
      ),
      { numRuns: codec === CompressionCodec.None ? 60 : 25 },
    );
  });
});
