import type { Offset } from '@runnel/protocol';

/**
 * The errors the storage engine raises for operating conditions a caller must answer (a fetch
 * outside the log, a bad topic config, a log used after close, bytes on disk that are not a log).
 * Bad client bytes are the protocol's `ProtocolError`; broken invariants are plain `Error`s from
 * `assert` (a bug: crash, do not limp on).
 */
export type LogErrorCode =
  | 'OFFSET_OUT_OF_RANGE' // fetch/delete offset outside [logStartOffset, logEndOffset]
  | 'INVALID_CONFIG' // a topic config value is missing its type or range
  | 'INVALID_OFFSET' // a follower append whose offsets do not continue the log
  | 'LOG_CLOSED' // the log was closed or deleted
  | 'CORRUPT_LOG'; // on-disk bytes that recovery cannot make sense of

export abstract class LogError extends Error {
  abstract readonly code: LogErrorCode;
}

/** Maps to HTTP 416 / Kafka OFFSET_OUT_OF_RANGE; carries the valid range for the response. */
export class OffsetOutOfRangeError extends LogError {
  override readonly name = 'OffsetOutOfRangeError';
  readonly code = 'OFFSET_OUT_OF_RANGE';
  constructor(
    readonly requestedOffset: number,
    readonly logStartOffset: Offset,
    readonly logEndOffset: Offset,
  ) {
    super(`offset ${requestedOffset} is outside the log range [${logStartOffset}, ${logEndOffset}]`);
  }
}

export class InvalidConfigError extends LogError {
  override readonly name = 'InvalidConfigError';
  readonly code = 'INVALID_CONFIG';
  constructor(
    readonly configName: string,
    readonly value: unknown,
    reason: string,
  ) {
    super(`invalid value ${JSON.stringify(value)} for ${configName}: ${reason}`);
  }
}

export class InvalidOffsetError extends LogError {
  override readonly name = 'InvalidOffsetError';
  readonly code = 'INVALID_OFFSET';
}

export class LogClosedError extends LogError {
  override readonly name = 'LogClosedError';
  readonly code = 'LOG_CLOSED';
  constructor(dir: string) {
    super(`log ${dir} is closed`);
  }
}

export class CorruptLogError extends LogError {
  override readonly name = 'CorruptLogError';
  readonly code = 'CORRUPT_LOG';
  constructor(
    readonly path: string,
    readonly position: number,
    reason: string,
  ) {
    super(`${path} at byte ${position}: ${reason}`);
  }
}

/**
 * Asserts an invariant of the engine itself; failing it is a bug, never bad input. A message
 * that needs formatting is passed as a function, so hot paths build no string when all is well.
 */
export function assert(condition: unknown, message: string | (() => string)): asserts condition {
  if (!condition) throw new Error(`storage invariant violated: ${typeof message === 'string' ? message : message()}`);
}
