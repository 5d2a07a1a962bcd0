/**
 * validateProducerBatches: what Kafka's LogValidator refuses is refused, with a BatchError naming
 * the batch; what it accepts decodes fully. Fixed fixtures for each rule, then random mutations
 * of valid batches (CRC recomputed, so the damage reaches the record decoder).
 */
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import {
  ATTR_CONTROL,
  ATTR_TRANSACTIONAL,
  BATCH_HEADER_SIZE,
  BatchError,
  CompressionCodec,
  OFFSET_ATTRIBUTES,
  OFFSET_MAGIC,
  ProtocolError,
  TimestampType,
  checkBatches,
  decodeRecordBatch,
  encodeRecordBatch,
  encodeRecordBatchAsync,
  validateProducerBatches,
  type ProducerBatchRules,
} from '@runnel/protocol';
import { batchWithSection, fixCrc, hex } from './helpers';

const MiB = 1024 * 1024;
const RULES: ProducerBatchRules = { maxBatchBytes: MiB, maxDecompressedBytes: MiB };
const NOW = 1_700_000_000_000;

function batchOf(
  values: string[],
  init: { timestamp?: number; compression?: CompressionCodec; timestampType?: TimestampType } = {},
): Buffer {
  return encodeRecordBatch({
    records: values.map((v) => ({
      timestamp: init.timestamp ?? NOW,
      key: Buffer.from('k'),
      value: Buffer.from(v),
      headers: [{ key: 'h', value: Buffer.from('v') }],
    })),
    compression: init.compression,
    timestampType: init.timestampType,
  });
}

/** The BatchError `validateProducerBatches` refuses `buf` with; fails the test otherwise. */
async function refusal(buf: Buffer, rules: ProducerBatchRules = RULES): Promise<BatchError> {
  try {
    await validateProducerBatches(buf, rules);
  } catch (error) {
    if (error instanceof BatchError) return error;
    throw new Error(`expected a BatchError, got ${String(error)}`);
  }
  throw new Error('expected a refusal, the batches were accepted');
}

/** One record `[length, attributes, tsDelta, offsetDelta, key, value, headerCount]` as zigzag varints. */
const record = (...bytes: number[]): number[] => [bytes.length * 2, ...bytes];

describe('validateProducerBatches', () => {
  it('accepts what the encoder writes, in every codec, and counts batches and records', async () => {
    const batches = [batchOf(['a', 'b']), batchOf(['c'], { compression: CompressionCodec.Gzip })];
    batches.push(
      await encodeRecordBatchAsync({
        records: [{ timestamp: NOW, key: null, value: Buffer.from('z'), headers: [] }],
        compression: CompressionCodec.Zstd,
      }),
    );
    const validated = await validateProducerBatches(Buffer.concat(batches), RULES);
    expect(validated).toMatchObject({ batches: 3, records: 4 });
    // The headers it hands on are those of the very bytes checked.
    expect(validated.headers).toEqual(checkBatches(Buffer.concat(batches), 1 << 20));
  });

  it('refuses records that lie inside a batch with a valid CRC, naming the batch', async () => {
    const good = batchOf(['ok']);
    const cases: [string, Buffer, string][] = [
      // key length 5 in a record with 1 byte left for it
      ['key past its record', batchWithSection(Buffer.from(record(0, 0, 0, 10, 0, 0)), { recordCount: 1 }), 'INVALID_RECORD'],
      ['record length past the section', batchWithSection(Buffer.from([40, 0, 0, 0, 1, 1, 0]), { recordCount: 1 }), 'INVALID_LENGTH'],
      ['fewer records than the header says', batchWithSection(Buffer.from(record(0, 0, 0, 1, 1, 0)), { recordCount: 2 }), 'INVALID_RECORD'],
      [
        'offset deltas not 0..n-1',
        batchWithSection(Buffer.from([...record(0, 0, 2, 1, 1, 0), ...record(0, 0, 0, 1, 1, 0)]), { recordCount: 2 }),
        'INVALID_RECORD',
      ],
      [
        'trailing garbage after the records',
        batchWithSection(Buffer.from([...record(0, 0, 0, 1, 1, 0), 0xff, 0xff]), { recordCount: 1 }),
        'INVALID_RECORD',
      ],
      ['a varint running past 5 bytes', batchWithSection(hex('0e 00 00 ff ff ff ff ff ff 01 01 00'), { recordCount: 1 }), 'INVALID_RECORD'],
      ['a negative header count', batchWithSection(Buffer.from(record(0, 0, 0, 1, 1, 1)), { recordCount: 1 }), 'INVALID_RECORD'],
      ['no records at all', batchWithSection(Buffer.alloc(0), { recordCount: 0 }), 'INVALID_RECORD'],
      [
        'last offset delta past the count',
        batchWithSection(Buffer.from(record(0, 0, 0, 1, 1, 0)), { recordCount: 1, lastOffsetDelta: 3 }),
        'INVALID_RECORD',
      ],
    ];
    for (const [name, bad, code] of cases) {
      const error = await refusal(Buffer.concat([good, bad]));
      expect([name, error.code, error.batchIndex, error.batchPosition]).toEqual([name, code, 1, good.length]);
      expect(error.message).toMatch(/^batch 1 \(at byte \d+\): /);
    }
  });

  it('refuses control and transactional batches from a producer', async () => {
    for (const bit of [ATTR_CONTROL, ATTR_TRANSACTIONAL]) {
      const batch = batchOf(['a']);
      batch.writeInt16BE(batch.readInt16BE(OFFSET_ATTRIBUTES) | bit, OFFSET_ATTRIBUTES);
      const error = await refusal(fixCrc(batch));
      expect(error.code).toBe('INVALID_RECORD');
      expect(error.message).toMatch(bit === ATTR_CONTROL ? /control batches/ : /transactional/);
    }
  });

  it('refuses a compressed batch that decompresses past the cap (gzip and zstd bombs) as TOO_LARGE', async () => {
    // A records section of one 4 MiB value, compressed: a few KiB on the wire.
    const bigValue = Buffer.alloc(4 * MiB, 0x61);
    const gzip = encodeRecordBatch({
      records: [{ timestamp: NOW, key: null, value: bigValue, headers: [] }],
      compression: CompressionCodec.Gzip,
    });
    const zstd = await encodeRecordBatchAsync({
      records: [{ timestamp: NOW, key: null, value: bigValue, headers: [] }],
      compression: CompressionCodec.Zstd,
    });
    expect(gzip.length).toBeLessThan(64 * 1024);
    for (const bomb of [gzip, zstd]) {
      const error = await refusal(bomb);
      expect(error.code).toBe('TOO_LARGE');
      expect(error.batchIndex).toBe(0);
    }
    // A section that is not what its codec says.
    const notGzip = batchWithSection(Buffer.from('not gzip at all'), { recordCount: 1, attributes: CompressionCodec.Gzip });
    expect((await refusal(notGzip)).code).toBe('CORRUPT_COMPRESSED');
    // A gzip section holding garbage records.
    const garbageInside = batchWithSection(gzipSync(Buffer.from([0xff, 0xff, 0xff])), {
      recordCount: 1,
      attributes: CompressionCodec.Gzip,
    });
    expect((await refusal(garbageInside)).code).toBe('INVALID_RECORD');
  });

  it('refuses CreateTime timestamps outside message.timestamp.before/after.max.ms, not LogAppendTime ones', async () => {
    const timestamps = { nowMs: NOW, beforeMaxMs: 1000, afterMaxMs: 500 };
    const rules = { ...RULES, timestamps };
    await expect(validateProducerBatches(batchOf(['a'], { timestamp: NOW - 1000 }), rules)).resolves.toMatchObject({
      batches: 1,
      records: 1,
    });
    await expect(validateProducerBatches(batchOf(['a'], { timestamp: NOW + 500 }), rules)).resolves.toMatchObject({
      batches: 1,
      records: 1,
    });
    await expect(validateProducerBatches(batchOf(['a'], { timestamp: -1 }), rules)).resolves.toMatchObject({ batches: 1, records: 1 });
    const old = await refusal(batchOf(['a'], { timestamp: NOW - 1001 }), rules);
    expect([old.code, old.message]).toEqual(['INVALID_TIMESTAMP', expect.stringMatching(/message\.timestamp\.before\.max\.ms=1000/)]);
    const future = await refusal(Buffer.concat([batchOf(['a']), batchOf(['b'], { timestamp: NOW + 501 })]), rules);
    expect([future.code, future.batchIndex, future.message]).toEqual(['INVALID_TIMESTAMP', 1, expect.stringMatching(/after\.max\.ms=500/)]);
    const stamped = batchOf(['a'], { timestamp: NOW - 9999, timestampType: TimestampType.LogAppendTime });
    await expect(validateProducerBatches(stamped, rules)).resolves.toMatchObject({ batches: 1, records: 1 });
    // A record older than its batch's maxTimestamp is checked on its own.
    const mixed = encodeRecordBatch({
      records: [
        { timestamp: NOW - 5000, key: null, value: null, headers: [] },
        { timestamp: NOW, key: null, value: null, headers: [] },
      ],
    });
    expect((await refusal(mixed, rules)).message).toMatch(/record 0 timestamp/);
  });

  it('refuses bytes that are not a RecordBatch v2 as UNSUPPORTED_MAGIC, not as too large', async () => {
    const random = Buffer.from('{"value":"this is JSON, not a record batch at all, really not"}');
    expect(random.length).toBeGreaterThanOrEqual(BATCH_HEADER_SIZE);
    const error = await refusal(random);
    expect([error.code, error.message]).toEqual(['UNSUPPORTED_MAGIC', expect.stringMatching(/not a Kafka RecordBatch v2 \(magic \d+/)]);
    const magic1 = batchOf(['a']);
    magic1.writeInt8(1, OFFSET_MAGIC);
    expect((await refusal(magic1)).code).toBe('UNSUPPORTED_MAGIC');
    await expect(validateProducerBatches(Buffer.alloc(0), RULES)).rejects.toMatchObject({ code: 'TRUNCATED' });
  });

  it('only ever throws ProtocolError, and accepts only batches the decoder fully decodes (random mutations)', async () => {
    const base = [
      batchOf(['alpha', 'beta', 'gamma']),
      batchOf(['x'.repeat(50), 'y'], { compression: CompressionCodec.Gzip }),
      batchOf(['s', 'n'], { compression: CompressionCodec.Snappy }),
      batchOf(['l'], { compression: CompressionCodec.Lz4 }),
    ];
    const mutation = fc.record({
      which: fc.nat(base.length - 1),
      edits: fc.array(fc.record({ at: fc.nat(), byte: fc.integer({ min: 0, max: 255 }) }), { minLength: 1, maxLength: 4 }),
      keepHeader: fc.boolean(),
      cut: fc.option(fc.nat(), { freq: 4 }),
    });
    await fc.assert(
      fc.asyncProperty(mutation, async ({ which, edits, keepHeader, cut }) => {
        let batch = Buffer.from(base[which]);
        const from = keepHeader ? BATCH_HEADER_SIZE : 0;
        for (const { at, byte } of edits) batch[from + (at % (batch.length - from))] = byte;
        if (cut !== null) batch = batch.subarray(0, cut % batch.length);
        if (batch.length >= BATCH_HEADER_SIZE && keepHeader) fixCrc(batch);
        let accepted = false;
        try {
          await validateProducerBatches(batch, RULES);
          accepted = true;
        } catch (error) {
          if (!(error instanceof ProtocolError)) throw error;
        }
        if (accepted) {
          const decoded = await decodeRecordBatch(batch, { maxDecompressedBytes: RULES.maxDecompressedBytes });
          expect(decoded.records).toHaveLength(decoded.recordCount);
        }
      }),
      { numRuns: 3000 },
    );
  });
});
