import { gzipSync } from 'node:zlib';
import {
  BATCH_HEADER_SIZE,
  CompressionCodec,
  TimestampType,
  decodeRecordBatch,
  decodeRecordBatchSync,
  decodeRecordBatches,
  decodeRecordBatchesSync,
  encodeRecordBatch,
  encodeRecordBatchAsync,
  type BatchRecord,
  type RecordBatch,
} from '@runnel/protocol';
import { batchWithSection, fixCrc, hex, protocolErrorCode, protocolErrorCodeAsync } from './helpers';

const OPTIONS = { maxDecompressedBytes: 1 << 20 };
const CODECS = [CompressionCodec.None, CompressionCodec.Gzip, CompressionCodec.Snappy, CompressionCodec.Lz4, CompressionCodec.Zstd];

const RECORDS: BatchRecord[] = [
  {
    timestamp: 1_700_000_000_000,
    key: Buffer.from('user-1'),
    value: Buffer.from('{"amount":42}'),
    headers: [
      { key: 'trace-id', value: Buffer.from('abc') },
      { key: 'trace-id', value: Buffer.from('duplicate keys are kept, in order') },
      { key: 'ünïcødé ✓', value: null },
    ],
  },
  { timestamp: 1_699_999_999_990, key: null, value: null, headers: [] }, // earlier: negative delta
  { timestamp: 1_700_000_000_500, key: Buffer.alloc(0), value: Buffer.alloc(0), headers: [{ key: '', value: Buffer.alloc(0) }] },
];

function plain(batch: RecordBatch) {
  return batch.records.map((r) => ({
    offset: r.offset,
    timestamp: r.timestamp,
    key: r.key === null ? null : r.key.toString('hex'),
    value: r.value === null ? null : r.value.toString('hex'),
    headers: r.headers.map((h) => [h.key, h.value === null ? null : h.value.toString('hex')]),
  }));
}

function plainInput(records: BatchRecord[], baseOffset = 0) {
  return records.map((r, i) => ({
    offset: r.offset ?? baseOffset + i,
    timestamp: r.timestamp,
    key: r.key === null ? null : r.key.toString('hex'),
    value: r.value === null ? null : r.value.toString('hex'),
    headers: r.headers.map((h) => [h.key, h.value === null ? null : h.value.toString('hex')]),
  }));
}

describe('encodeRecordBatch / decodeRecordBatch', () => {
  it.each(CODECS)('round-trips every header field and record field with codec %s', async (codec) => {
    const encoded = await encodeRecordBatchAsync({
      records: RECORDS,
      compression: codec,
      baseOffset: 1000,
      partitionLeaderEpoch: 9,
      isTransactional: true,
      producerId: 123456789012n,
      producerEpoch: 7,
      baseSequence: 55,
    });
    const batch = await decodeRecordBatch(encoded, OPTIONS);
    expect(batch).toMatchObject({
      baseOffset: 1000,
      batchLength: encoded.length - 12,
      partitionLeaderEpoch: 9,
      magic: 2,
      attributes: codec | 0x10,
      compression: codec,
      timestampType: TimestampType.CreateTime,
      isTransactional: true,
      isControl: false,
      lastOffsetDelta: 2,
      baseTimestamp: 1_700_000_000_000, // the first record's, as Kafka's builder does
      maxTimestamp: 1_700_000_000_500,
      producerId: 123456789012n,
      producerEpoch: 7,
      baseSequence: 55,
      recordCount: 3,
    });
    expect(plain(batch)).toEqual(plainInput(RECORDS, 1000));
    expect(batch.records.map((r) => [r.offsetDelta, r.timestampDelta])).toEqual([
      [0, 0],
      [1, -10],
      [2, 500],
    ]);
    if (codec !== CompressionCodec.Zstd) expect(plain(decodeRecordBatchSync(encoded, OPTIONS))).toEqual(plain(batch));
  });

  it('writes the defaults a non-idempotent producer sends, and the smallest uncompressed layout', () => {
    const encoded = encodeRecordBatch({ records: [{ timestamp: 5, key: null, value: Buffer.from('v'), headers: [] }] });
    const batch = decodeRecordBatchSync(encoded, OPTIONS);
    expect(batch).toMatchObject({ partitionLeaderEpoch: -1, producerId: -1n, producerEpoch: -1, baseSequence: -1, attributes: 0 });
    // Record: length 7 (zigzag 0e), attributes 0, ts delta 0, offset delta 0, key -1, value len 1 'v', 0 headers.
    expect(encoded.subarray(BATCH_HEADER_SIZE).toString('hex')).toBe('0e' + '00' + '00' + '00' + '01' + '02' + '76' + '00');
  });

  it('keeps explicit offsets with gaps (a compacted batch) and an explicit lastOffsetDelta', () => {
    const records: BatchRecord[] = [
      { offset: 100, timestamp: 1, key: Buffer.from('a'), value: null, headers: [] },
      { offset: 103, timestamp: 2, key: Buffer.from('b'), value: null, headers: [] },
    ];
    const batch = decodeRecordBatchSync(encodeRecordBatch({ records, baseOffset: 100, lastOffsetDelta: 9 }), OPTIONS);
    expect(batch.records.map((r) => r.offset)).toEqual([100, 103]);
    expect(batch.lastOffsetDelta).toBe(9);
  });

  it('encodes an empty batch as Kafka does (no timestamps) and a control batch', () => {
    const empty = decodeRecordBatchSync(encodeRecordBatch({ records: [] }), OPTIONS);
    expect(empty).toMatchObject({ recordCount: 0, records: [], baseTimestamp: -1, maxTimestamp: -1, lastOffsetDelta: 0 });
    // An emptied batch with codec bits but no section at all needs no decompressing.
    const emptied = batchWithSection(Buffer.alloc(0), { recordCount: 0, attributes: CompressionCodec.Zstd });
    expect(decodeRecordBatchSync(emptied, OPTIONS).records).toEqual([]);
    const marker = encodeRecordBatch({
      isControl: true,
      isTransactional: true,
      records: [{ timestamp: 1, key: hex('0000 0001'), value: hex('0000 00000005'), headers: [] }], // COMMIT, epoch 5
    });
    const control = decodeRecordBatchSync(marker, OPTIONS);
    expect([control.isControl, control.isTransactional, control.attributes]).toEqual([true, true, 0x30]);
  });

  it('gives LogAppendTime records the batch’s maxTimestamp', () => {
    const encoded = encodeRecordBatch({ records: RECORDS, timestampType: TimestampType.LogAppendTime, maxTimestamp: 42 });
    const batch = decodeRecordBatchSync(encoded, OPTIONS);
    expect(batch.timestampType).toBe(TimestampType.LogAppendTime);
    expect(batch.records.map((r) => r.timestamp)).toEqual([42, 42, 42]);
  });

  it('returns keys and values as views into the input, not copies', () => {
    const encoded = encodeRecordBatch({ records: RECORDS });
    expect(decodeRecordBatchSync(encoded, OPTIONS).records[0].key?.buffer).toBe(encoded.buffer);
  });

  it('refuses records it cannot represent', () => {
    const record = (r: Partial<BatchRecord>): BatchRecord => ({ timestamp: 1, key: null, value: null, headers: [], ...r });
    expect(protocolErrorCode(() => encodeRecordBatch({ records: [record({ timestamp: 1.5 })] }))).toBe('INVALID_RECORD');
    expect(protocolErrorCode(() => encodeRecordBatch({ records: [record({ offset: 5 }), record({ offset: 5 })] }))).toBe('INVALID_RECORD');
    expect(protocolErrorCode(() => encodeRecordBatch({ records: [record({ offset: -1 })] }))).toBe('INVALID_RECORD');
    expect(protocolErrorCode(() => encodeRecordBatch({ records: [record({ offset: 2 ** 31 })] }))).toBe('INVALID_RECORD');
    expect(protocolErrorCode(() => encodeRecordBatch({ records: [record({}), record({})], lastOffsetDelta: 0 }))).toBe('INVALID_RECORD');
    const nullKey = { key: null as unknown as string, value: null };
    expect(protocolErrorCode(() => encodeRecordBatch({ records: [record({ headers: [nullKey] })] }))).toBe('INVALID_RECORD');
    expect(() => encodeRecordBatch({ records: [], compression: CompressionCodec.Zstd })).toThrow(/async/);
    expect(() => encodeRecordBatch({ records: [], compression: 6 as CompressionCodec })).toThrow(RangeError);
  });
});

describe('decoding refuses malformed batches with a typed error', () => {
  // One valid record: length 6 (zigzag 0c), attributes, ts delta 0, offset delta 0, key null, value null, 0 headers.
  const RECORD = '0c 00 00 00 01 01 00';
  const decode = (batch: Buffer) => () => decodeRecordBatchSync(batch, OPTIONS);

  it('accepts the hand-built record these cases start from', () => {
    expect(decodeRecordBatchSync(batchWithSection(hex(RECORD), { recordCount: 1 }), OPTIONS).records).toHaveLength(1);
  });

  it('batch framing: truncated, bad CRC, magic, length, trailing bytes', () => {
    const batch = encodeRecordBatch({ records: RECORDS });
    expect(protocolErrorCode(decode(batch.subarray(0, batch.length - 1)))).toBe('TRUNCATED');
    expect(protocolErrorCode(decode(batch.subarray(0, 30)))).toBe('TRUNCATED');
    const flipped = Buffer.from(batch);
    flipped[70] ^= 0x10;
    expect(protocolErrorCode(decode(flipped))).toBe('CORRUPT_CRC');
    const magic = Buffer.from(batch);
    magic[16] = 1;
    expect(protocolErrorCode(decode(magic))).toBe('UNSUPPORTED_MAGIC');
    expect(protocolErrorCode(decode(Buffer.concat([batch, Buffer.alloc(1)])))).toBe('INVALID_LENGTH');
    expect(protocolErrorCode(() => decodeRecordBatchSync(batch, { ...OPTIONS, maxBatchBytes: 100 }))).toBe('TOO_LARGE');
  });

  it('record count: fewer records than declared, trailing bytes, too many for the section, over maxRecords', () => {
    expect(protocolErrorCode(decode(batchWithSection(hex(RECORD), { recordCount: 2 })))).toBe('INVALID_RECORD');
    expect(protocolErrorCode(decode(batchWithSection(hex(RECORD + '00'), { recordCount: 1 })))).toBe('INVALID_RECORD');
    expect(protocolErrorCode(decode(batchWithSection(hex(''), { recordCount: 2 ** 31 - 1 })))).toBe('INVALID_RECORD');
    const three = encodeRecordBatch({ records: RECORDS });
    expect(protocolErrorCode(() => decodeRecordBatchSync(three, { ...OPTIONS, maxRecords: 2 }))).toBe('TOO_LARGE');
  });

  it('offset deltas: not strictly increasing, or past lastOffsetDelta', () => {
    const second = (delta: string) => hex(RECORD + `0c 00 00 ${delta} 01 01 00`);
    expect(protocolErrorCode(decode(batchWithSection(second('00'), { recordCount: 2 })))).toBe('INVALID_RECORD');
    expect(protocolErrorCode(decode(batchWithSection(second('04'), { recordCount: 2, lastOffsetDelta: 1 })))).toBe('INVALID_RECORD');
    expect(decodeRecordBatchSync(batchWithSection(second('04'), { recordCount: 2, lastOffsetDelta: 2 }), OPTIONS).records[1].offset).toBe(
      2,
    );
    expect(protocolErrorCode(decode(batchWithSection(hex('0c 00 00 01 01 01 00'), { recordCount: 1, lastOffsetDelta: 0 })))).toBe(
      'INVALID_RECORD', // offset delta -1
    );
  });

  it('record length: negative, past the section, longer or shorter than the fields', () => {
    expect(protocolErrorCode(decode(batchWithSection(hex('01 00 00 00 01 01 00'), { recordCount: 1 })))).toBe('INVALID_LENGTH');
    expect(protocolErrorCode(decode(batchWithSection(hex('10 00 00 00 01 01 00'), { recordCount: 1 })))).toBe('INVALID_LENGTH');
    expect(protocolErrorCode(decode(batchWithSection(hex('0e 00 00 00 01 01 00 00'), { recordCount: 1 })))).toBe('INVALID_RECORD');
    expect(protocolErrorCode(decode(batchWithSection(hex('0c 00 00 00 01 02 61 00'), { recordCount: 1 })))).toBe('INVALID_RECORD');
  });

  it('fields: key past the record, bad key length, overlong varint, bad header count, null header key', () => {
    const one = (body: string) => {
      const bytes = hex(body);
      return batchWithSection(Buffer.concat([Buffer.from([bytes.length * 2]), bytes]), { recordCount: 1 });
    };
    expect(protocolErrorCode(decode(one('00 00 00 08 6162 01 00')))).toBe('INVALID_RECORD'); // key of 4, 2 present
    expect(protocolErrorCode(decode(one('00 00 00 03 01 00')))).toBe('INVALID_LENGTH'); // key length -2
    expect(protocolErrorCode(decode(one('00 8080808080808080808001 00 01 01 00')))).toBe('INVALID_RECORD'); // 11-byte varlong
    expect(protocolErrorCode(decode(one('00 00 808080808001 01 01 00')))).toBe('INVALID_RECORD'); // 6-byte varint
    expect(protocolErrorCode(decode(one('00 00 00 01 01 01')))).toBe('INVALID_RECORD'); // header count -1
    expect(protocolErrorCode(decode(one('00 00 00 01 01 7e 00 00')))).toBe('INVALID_RECORD'); // 63 headers in 2 bytes
    expect(protocolErrorCode(decode(one('00 00 00 01 01 02 01 01')))).toBe('INVALID_RECORD'); // null header key
    expect(decodeRecordBatchSync(one('00 00 00 01 01 02 02 68 01'), OPTIONS).records[0].headers).toEqual([{ key: 'h', value: null }]);
  });

  it('compression: unknown codec, corrupt section, decompression bomb', async () => {
    expect(protocolErrorCode(decode(batchWithSection(hex(RECORD), { recordCount: 1, attributes: 5 })))).toBe('UNSUPPORTED_COMPRESSION');
    for (const codec of CODECS.slice(1)) {
      const corrupt = batchWithSection(hex('0badc0de0badc0de0badc0de'), { recordCount: 1, attributes: codec });
      expect(await protocolErrorCodeAsync(() => decodeRecordBatch(corrupt, OPTIONS))).toBe('CORRUPT_COMPRESSED');
    }
    const bomb = batchWithSection(gzipSync(Buffer.alloc(8 << 20)), { recordCount: 1, attributes: CompressionCodec.Gzip });
    expect(protocolErrorCode(decode(bomb))).toBe('TOO_LARGE');
    const zstd = await encodeRecordBatchAsync({ records: RECORDS, compression: CompressionCodec.Zstd });
    expect(protocolErrorCode(decode(zstd))).toBe('UNSUPPORTED_COMPRESSION'); // sync path: use decodeRecordBatch
  });
});

describe('decodeRecordBatches', () => {
  const a = encodeRecordBatch({ records: RECORDS.slice(0, 1), baseOffset: 0 });
  const b = encodeRecordBatch({ records: RECORDS.slice(1), baseOffset: 1, compression: CompressionCodec.Lz4 });

  it('decodes back-to-back batches, sync and async', async () => {
    const both = Buffer.concat([a, b]);
    expect([...decodeRecordBatchesSync(both, OPTIONS)].map((batch) => batch.records.map((r) => r.offset))).toEqual([[0], [1, 2]]);
    const offsets: number[][] = [];
    for await (const batch of decodeRecordBatches(both, OPTIONS)) offsets.push(batch.records.map((r) => r.offset));
    expect(offsets).toEqual([[0], [1, 2]]);
    expect([...decodeRecordBatchesSync(Buffer.alloc(0), OPTIONS)]).toEqual([]);
  });

  it('stops at a partial last batch only when told to', () => {
    for (const cut of [5, 20, b.length - 1]) {
      const partial = Buffer.concat([a, b.subarray(0, cut)]);
      expect([...decodeRecordBatchesSync(partial, { ...OPTIONS, allowPartialTail: true })]).toHaveLength(1);
      expect(protocolErrorCode(() => [...decodeRecordBatchesSync(partial, OPTIONS)])).toBe('TRUNCATED');
    }
  });

  it('yields the good batches before throwing at a bad one', () => {
    const bad = fixCrc(Buffer.from(b));
    bad[16] = 3; // magic
    const seen: number[] = [];
    expect(
      protocolErrorCode(() => {
        for (const batch of decodeRecordBatchesSync(Buffer.concat([a, bad]), { ...OPTIONS, allowPartialTail: true })) {
          seen.push(batch.recordCount);
        }
      }),
    ).toBe('UNSUPPORTED_MAGIC');
    expect(seen).toEqual([1]);
  });
});
