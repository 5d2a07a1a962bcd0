/**
 * The closed set of errors the protocol layer raises for bad bytes. Every decoder and validator
 * throws `ProtocolError` (never a RangeError from an over-read, never a crash) so callers can map
 * it to API.md's 40001 "invalid record" or 41301 "too large" without string matching.
 */

export type ProtocolErrorCode =
  | 'TRUNCATED' // fewer bytes than a length or fixed field says
  | 'CORRUPT_CRC' // CRC32C mismatch
  | 'UNSUPPORTED_MAGIC' // magic byte other than 2
  | 'INVALID_LENGTH' // negative, impossible or inconsistent length field
  | 'TOO_LARGE' // a size limit (batch, record, decompressed size) was exceeded
  | 'INVALID_RECORD' // record-level inconsistency: count, offset deltas, varint overflow
  | 'UNSUPPORTED_COMPRESSION' // codec id 5..7
  | 'CORRUPT_COMPRESSED' // the compressed section does not decompress
  | 'INVALID_TIMESTAMP'; // a record timestamp outside the topic's message.timestamp.*.max.ms bounds

export class ProtocolError extends Error {
  override readonly name = 'ProtocolError';
  constructor(
    readonly code: ProtocolErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export function isProtocolError(error: unknown): error is ProtocolError {
  return error instanceof ProtocolError;
}

/**
 * A ProtocolError located in a buffer of back-to-back batches: the index of the batch it is in
 * and the byte position where that batch starts, so a produce answer can name the batch and a
 * read can stop right before it. Same code as the error it wraps.
 */
export class BatchError extends ProtocolError {
  constructor(
    readonly batchIndex: number,
    readonly batchPosition: number,
    readonly reason: ProtocolError,
  ) {
    super(reason.code, `batch ${batchIndex} (at byte ${batchPosition}): ${reason.message}`);
  }
}

/** Wraps what a step on batch `index` at `position` threw, if it is a bare ProtocolError. */
export function inBatch(error: unknown, index: number, position: number): unknown {
  return error instanceof ProtocolError && !(error instanceof BatchError) ? new BatchError(index, position, error) : error;
}
