import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CompressionCodec, TimestampType, checkBatch, decodeRecordBatchSync, encodeRecordBatch } from '@runnel/protocol';

/**
 * Fixed bytes of batches as a real Kafka client wrote them: KafkaJS 2.2.4's Produce v3 request
 * for three messages of a transactional producer (fixtures/generate-kafkajs-batches.js).
 */
function fixture(name: string): Buffer {
  return Buffer.from(readFileSync(join(__dirname, 'fixtures', name), 'utf8').replace(/\s+/g, ''), 'hex');
}

const EXPECTED_RECORDS = [
  {
    offset: 0,
    timestamp: 1_700_000_000_000,
    key: 'user-1',
    value: '{"amount":42}',
    headers: [
      ['trace-id', 'abc-123'],
      ['content-type', 'application/json'],
    ],
  },
  { offset: 1, timestamp: 1_700_000_000_005, key: null, value: 'no key', headers: [] },
  {
    offset: 2,
    timestamp: 1_700_000_000_010,
    key: 'user-2',
    value: null, // a tombstone
    headers: [
      ['retry', '1'],
      ['retry', '2'],
    ],
  },
];

function readable(buf: Buffer) {
  return decodeRecordBatchSync(buf, { maxDecompressedBytes: 1 << 20 }).records.map((r) => ({
    offset: r.offset,
    timestamp: r.timestamp,
    key: r.key === null ? null : r.key.toString(),
    value: r.value === null ? null : r.value.toString(),
    headers: r.headers.map((h) => [h.key, h.value === null ? null : h.value.toString()]),
  }));
}

const HEADER = {
  baseOffset: 0,
  partitionLeaderEpoch: 0,
  magic: 2,
  lastOffsetDelta: 2,
  baseTimestamp: 1_700_000_000_000,
  maxTimestamp: 1_700_000_000_010,
  producerId: 4242n,
  producerEpoch: 3,
  baseSequence: 17,
  recordCount: 3,
  isTransactional: true,
  isControl: false,
  timestampType: TimestampType.CreateTime,
};

describe('a batch as KafkaJS writes it', () => {
  it('uncompressed: decodes to its concrete header and record values', () => {
    const bytes = fixture('kafkajs-uncompressed.hex');
    expect(bytes.length).toBe(177);
    expect(decodeRecordBatchSync(bytes, { maxDecompressedBytes: 0 })).toMatchObject({
      ...HEADER,
      batchLength: 165,
      crc: 0xefd43f4f,
      attributes: 0x10,
      compression: CompressionCodec.None,
    });
    expect(readable(bytes)).toEqual(EXPECTED_RECORDS);
  });

  it('gzip: decodes to the same records', () => {
    const bytes = fixture('kafkajs-gzip.hex');
    expect(checkBatch(bytes, 0, bytes.length, bytes.length).crc).toBe(0x14ea5204);
    expect(decodeRecordBatchSync(bytes, { maxDecompressedBytes: 1 << 20 })).toMatchObject({
      ...HEADER,
      batchLength: 176,
      attributes: 0x11,
      compression: CompressionCodec.Gzip,
    });
    expect(readable(bytes)).toEqual(EXPECTED_RECORDS);
  });

  it('is what our encoder writes for the same batch, byte for byte', () => {
    const ours = encodeRecordBatch({
      partitionLeaderEpoch: 0,
      isTransactional: true,
      producerId: 4242n,
      producerEpoch: 3,
      baseSequence: 17,
      records: EXPECTED_RECORDS.map((r) => ({
        timestamp: r.timestamp,
        key: r.key === null ? null : Buffer.from(r.key),
        value: r.value === null ? null : Buffer.from(r.value),
        headers: r.headers.map(([key, value]) => ({ key: key!, value: Buffer.from(value!) })),
      })),
    });
    expect(ours.toString('hex')).toBe(fixture('kafkajs-uncompressed.hex').toString('hex'));
  });
});
