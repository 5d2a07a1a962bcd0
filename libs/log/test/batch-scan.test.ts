import * as fs from 'node:fs';
import * as path from 'node:path';
import { OFFSET_ATTRIBUTES, ATTR_TIMESTAMP_TYPE } from '@runnel/protocol';
import { FileBatchReader, findRecordAtTimestamp } from '../src/batch-scan';
import { buildBatch, makeTmpDir, removeTmpDirs } from './batch-builder';
// eslint-disable-next-line @typescript-eslint/no-require-imports
const KafkaDecoder = require('kafkajs/src/protocol/decoder');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const decodeRecordBatch = require('kafkajs/src/protocol/recordBatch/v0/decoder');

afterAll(removeTmpDirs);

describe('the test batch builder', () => {
  it('produces batches a Kafka client decodes', async () => {
    const batch = buildBatch({ records: 3, valueBytes: 8, timestampMs: 1_700_000_000_000, timestampStepMs: 5, seed: 2 });
    const decoded = await decodeRecordBatch(new KafkaDecoder(batch));
    expect(decoded.records.map((r: { offset: string; timestamp: string }) => [r.offset, r.timestamp])).toEqual([
      ['0', '1700000000000'],
      ['1', '1700000000005'],
      ['2', '1700000000010'],
    ]);
    expect(decoded.records[1].value.readUInt32BE(0)).toBe(2001);
  });
});

describe('FileBatchReader', () => {
  it('walks whole batches across chunk boundaries and reports a torn tail', () => {
    const batches = [10, 500, 3, 2000, 7].map((valueBytes, i) => buildBatch({ records: 2, valueBytes, seed: i }));
    const file = path.join(makeTmpDir(), 'x.log');
    fs.writeFileSync(file, Buffer.concat([...batches, batches[0].subarray(0, 20)]));
    const fd = fs.openSync(file, 'r');
    try {
      const reader = new FileBatchReader(fd, 0, fs.statSync(file).size, 256);
      const seen: Buffer[] = [];
      for (let slice = reader.nextSync(); slice; slice = reader.nextSync()) {
        if (slice.size === 0 || slice.available < slice.size) {
          expect(slice.available).toBe(20);
          break;
        }
        seen.push(Buffer.from(slice.buf.subarray(slice.start, slice.start + slice.size)));
      }
      expect(seen).toEqual(batches);
      expect(reader.nextPosition).toBe(batches.reduce((n, b) => n + b.length, 0));
    } finally {
      fs.closeSync(fd);
    }
  });
});

describe('findRecordAtTimestamp', () => {
  const batch = buildBatch({ records: 5, timestampMs: 1000, timestampStepMs: 10 });
  it('finds the first record at or after the timestamp and offset', () => {
    expect(findRecordAtTimestamp(batch, 0, batch.length, 1015, 0)).toEqual({ offset: 2, timestamp: 1020 });
    expect(findRecordAtTimestamp(batch, 0, batch.length, 0, 3)).toEqual({ offset: 3, timestamp: 1030 });
    expect(findRecordAtTimestamp(batch, 0, batch.length, 1041, 0)).toBeUndefined();
    expect(findRecordAtTimestamp(batch, 0, batch.length, 0, 5)).toBeUndefined();
  });

  it('answers LogAppendTime batches with their single timestamp', () => {
    const stamped = Buffer.from(batch);
    stamped.writeInt16BE(ATTR_TIMESTAMP_TYPE, OFFSET_ATTRIBUTES);
    expect(findRecordAtTimestamp(stamped, 0, stamped.length, 1015, 1)).toEqual({ offset: 1, timestamp: 1040 });
  });
});
