import {
  BATCH_HEADER_SIZE,
  CompressionCodec,
  OFFSET_ATTRIBUTES,
  OFFSET_BATCH_LENGTH,
  OFFSET_LAST_OFFSET_DELTA,
  OFFSET_MAGIC,
  OFFSET_RECORD_COUNT,
  TimestampType,
  batchNextOffset,
  checkBatch,
  checkBatches,
  decodeRecordBatchSync,
  encodeRecordBatch,
  readBatchHeader,
  setBaseOffset,
  setLogAppendTime,
  setPartitionLeaderEpoch,
} from '@runnel/protocol';
import { fixCrc, protocolErrorCode } from './helpers';

const LIMIT = 1 << 20;

function sampleBatch(): Buffer {
  return encodeRecordBatch({
    baseTimestamp: 1_700_000_000_000,
    producerId: 7n,
    producerEpoch: 1,
    baseSequence: 0,
    records: [
      { timestamp: 1_700_000_000_000, key: Buffer.from('a'), value: Buffer.from('1'), headers: [] },
      { timestamp: 1_700_000_000_004, key: null, value: Buffer.from('2'), headers: [{ key: 'h', value: null }] },
      { timestamp: 1_700_000_000_002, key: Buffer.from('c'), value: null, headers: [] },
    ],
  });
}

describe('checkBatch', () => {
  it('accepts a well-formed batch and returns its header', () => {
    const batch = sampleBatch();
    const header = checkBatch(batch, 0, batch.length, LIMIT);
    expect(header).toMatchObject({
      baseOffset: 0,
      batchLength: batch.length - 12,
      magic: 2,
      lastOffsetDelta: 2,
      baseTimestamp: 1_700_000_000_000,
      maxTimestamp: 1_700_000_000_004,
      producerId: 7n,
      producerEpoch: 1,
      baseSequence: 0,
      recordCount: 3,
    });
    expect(batchNextOffset(header)).toBe(3);
  });

  it('refuses each malformed header with its own error code', () => {
    const batch = sampleBatch();
    const broken = (patch: (b: Buffer) => void, crc = true) => {
      const copy = Buffer.from(batch);
      patch(copy);
      if (crc) fixCrc(copy);
      return () => checkBatch(copy, 0, copy.length, LIMIT);
    };
    expect(protocolErrorCode(() => checkBatch(batch, 0, 60, LIMIT))).toBe('TRUNCATED'); // header cut
    expect(protocolErrorCode(() => checkBatch(batch, 0, batch.length - 1, LIMIT))).toBe('TRUNCATED'); // body cut
    expect(protocolErrorCode(() => checkBatch(batch, 0, batch.length, batch.length - 1))).toBe('TOO_LARGE');
    expect(protocolErrorCode(broken((b) => b.writeInt32BE(-1, OFFSET_BATCH_LENGTH)))).toBe('INVALID_LENGTH');
    expect(protocolErrorCode(broken((b) => b.writeInt32BE(48, OFFSET_BATCH_LENGTH)))).toBe('INVALID_LENGTH');
    expect(protocolErrorCode(broken((b) => b.writeInt8(1, OFFSET_MAGIC)))).toBe('UNSUPPORTED_MAGIC');
    expect(protocolErrorCode(broken((b) => (b[b.length - 1] ^= 1), false))).toBe('CORRUPT_CRC');
    expect(protocolErrorCode(broken((b) => b.writeInt32BE(-1, OFFSET_RECORD_COUNT)))).toBe('INVALID_RECORD');
    expect(protocolErrorCode(broken((b) => b.writeInt32BE(-1, OFFSET_LAST_OFFSET_DELTA)))).toBe('INVALID_RECORD');
    expect(protocolErrorCode(broken((b) => b.writeInt32BE(1, OFFSET_LAST_OFFSET_DELTA)))).toBe('INVALID_RECORD');
    expect(protocolErrorCode(broken((b) => b.writeInt16BE(5, OFFSET_ATTRIBUTES)))).toBe('UNSUPPORTED_COMPRESSION');
  });

  it('never reads before pos or past end', () => {
    const batch = sampleBatch();
    const framed = Buffer.concat([Buffer.from('junk'), batch, Buffer.from('more junk')]);
    expect(checkBatch(framed, 4, 4 + batch.length, LIMIT).recordCount).toBe(3);
  });
});

describe('checkBatches', () => {
  it('returns the headers of back-to-back batches', () => {
    const two = Buffer.concat([sampleBatch(), sampleBatch()]);
    expect(checkBatches(two, LIMIT).map((h) => h.recordCount)).toEqual([3, 3]);
  });

  it('refuses trailing bytes, an empty buffer and too many batches', () => {
    const batch = sampleBatch();
    expect(protocolErrorCode(() => checkBatches(Buffer.concat([batch, batch.subarray(0, 70)]), LIMIT))).toBe('TRUNCATED');
    expect(protocolErrorCode(() => checkBatches(Buffer.alloc(0), LIMIT))).toBe('TRUNCATED');
    expect(protocolErrorCode(() => checkBatches(Buffer.concat([batch, batch]), LIMIT, 1))).toBe('TOO_LARGE');
  });
});

describe('header patches', () => {
  it('setBaseOffset and setPartitionLeaderEpoch keep the CRC valid and shift every record offset', () => {
    const batch = sampleBatch();
    setBaseOffset(batch, 0, 2 ** 40 + 5);
    setPartitionLeaderEpoch(batch, 0, 17);
    const header = checkBatch(batch, 0, batch.length, LIMIT);
    expect(header.baseOffset).toBe(2 ** 40 + 5);
    expect(header.partitionLeaderEpoch).toBe(17);
    const decoded = decodeRecordBatchSync(batch, { maxDecompressedBytes: LIMIT });
    expect(decoded.records.map((r) => r.offset)).toEqual([2 ** 40 + 5, 2 ** 40 + 6, 2 ** 40 + 7]);
  });

  it('setBaseOffset works on a batch inside a larger buffer', () => {
    const batch = sampleBatch();
    const log = Buffer.concat([batch, batch]);
    setBaseOffset(log, batch.length, 3);
    expect(checkBatches(log, LIMIT).map((h) => h.baseOffset)).toEqual([0, 3]);
  });

  it('setLogAppendTime recomputes the CRC and makes every record carry the append time', () => {
    const batch = encodeRecordBatch({
      compression: CompressionCodec.Gzip,
      records: [
        { timestamp: 10, key: null, value: Buffer.from('x'), headers: [] },
        { timestamp: 20, key: null, value: Buffer.from('y'), headers: [] },
      ],
    });
    setLogAppendTime(batch, 0, batch.length, 1_700_000_000_123);
    const header = readBatchHeader(batch);
    expect(header.maxTimestamp).toBe(1_700_000_000_123);
    const decoded = decodeRecordBatchSync(batch, { maxDecompressedBytes: LIMIT });
    expect(decoded.timestampType).toBe(TimestampType.LogAppendTime);
    expect(decoded.compression).toBe(CompressionCodec.Gzip);
    expect(decoded.records.map((r) => r.timestamp)).toEqual([1_700_000_000_123, 1_700_000_000_123]);
    expect(decoded.records.map((r) => r.timestampDelta)).toEqual([0, 10]);
  });

  it('reads a header at any position', () => {
    const batch = sampleBatch();
    const framed = Buffer.concat([Buffer.alloc(3), batch]);
    expect(readBatchHeader(framed, 3)).toEqual(readBatchHeader(batch, 0));
    expect(BATCH_HEADER_SIZE).toBe(61);
  });
});
