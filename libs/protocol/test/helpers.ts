import {
  BATCH_HEADER_SIZE,
  LOG_OVERHEAD,
  OFFSET_BATCH_LENGTH,
  OFFSET_CRC,
  OFFSET_LAST_OFFSET_DELTA,
  OFFSET_RECORD_COUNT,
  OFFSET_ATTRIBUTES,
  ProtocolError,
  computeBatchCrc,
  encodeRecordBatch,
  type ProtocolErrorCode,
} from '@runnel/protocol';

/** The ProtocolError code `run` throws; fails the test if it throws anything else or nothing. */
export function protocolErrorCode(run: () => unknown): ProtocolErrorCode {
  try {
    run();
  } catch (error) {
    if (error instanceof ProtocolError) return error.code;
    throw new Error(`expected a ProtocolError, got ${String(error)}`);
  }
  throw new Error('expected a ProtocolError, nothing was thrown');
}

export async function protocolErrorCodeAsync(run: () => Promise<unknown>): Promise<ProtocolErrorCode> {
  try {
    await run();
  } catch (error) {
    if (error instanceof ProtocolError) return error.code;
    throw new Error(`expected a ProtocolError, got ${String(error)}`);
  }
  throw new Error('expected a ProtocolError, nothing was thrown');
}

/** Recomputes the CRC of the batch at the start of `batch`, in place. */
export function fixCrc(batch: Buffer): Buffer {
  batch.writeUInt32BE(computeBatchCrc(batch, 0, batch.length), OFFSET_CRC);
  return batch;
}

/**
 * A batch whose records section is `section`, byte for byte, with a valid length and CRC: for
 * testing what the record decoder does with sections no encoder would write.
 */
export function batchWithSection(section: Buffer, fields: { recordCount: number; lastOffsetDelta?: number; attributes?: number }): Buffer {
  const header = encodeRecordBatch({ records: [], baseTimestamp: 1_000 }).subarray(0, BATCH_HEADER_SIZE);
  const batch = Buffer.concat([header, section]);
  batch.writeInt32BE(batch.length - LOG_OVERHEAD, OFFSET_BATCH_LENGTH);
  batch.writeInt32BE(fields.recordCount, OFFSET_RECORD_COUNT);
  batch.writeInt32BE(fields.lastOffsetDelta ?? Math.max(fields.recordCount - 1, 0), OFFSET_LAST_OFFSET_DELTA);
  batch.writeInt16BE(fields.attributes ?? 0, OFFSET_ATTRIBUTES);
  return fixCrc(batch);
}

export function hex(bytes: string): Buffer {
  return Buffer.from(bytes.replace(/\s+/g, ''), 'hex');
}

/** Byte equality without jest's element-by-element deep compare (slow on large buffers). */
export function expectSameBytes(actual: Buffer, expected: Buffer): void {
  expect(actual.length).toBe(expected.length);
  expect(actual.equals(expected)).toBe(true);
}
