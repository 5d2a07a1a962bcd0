import { HttpException, Logger } from '@nestjs/common';
import { GroupError, GroupErrorCode } from '@runnel/groups';
import { LogClosedError, OffsetOutOfRangeError, describeStorageError, storageErrnoOf } from '@runnel/log';
import { MetadataWriteError } from '@runnel/metadata';
import { API_ERRORS, ApiErrorKind, ProtocolError } from '@runnel/protocol';
import { PartitionOffsetOutOfRangeError, PartitionStorageError, ReplicationError } from '@runnel/replication';
import { UNSUPPORTED_MEDIA_TYPE_MESSAGE } from '../produce/body-parsers';

/**
 * API.md's closed set of errors (the table lives in @runnel/protocol, shared with the client).
 * Every failure a client sees is one of these kinds: one HTTP status, one `error_code`, and
 * whether retrying can help. Services throw `RunnelError`; whatever else reaches a transport goes
 * through `toApiError`, the one boundary every transport uses (HTTP filter, NDJSON reports,
 * WebSocket error frames, SSE error events), so a failure has the same code and fields
 * everywhere. No stack trace or path ever leaves the broker.
 */
export const ERROR_KINDS = API_ERRORS;

export type ErrorKind = ApiErrorKind;

export interface ErrorBody {
  error_code: number;
  message: string;
  validation_errors?: string[];
  [extra: string]: unknown;
}

export class RunnelError extends Error {
  override readonly name = 'RunnelError';
  constructor(
    readonly kind: ErrorKind,
    message: string,
    readonly extra: { validationErrors?: string[]; retryAfterSeconds?: number; fields?: Record<string, unknown> } = {},
  ) {
    super(message);
  }

  get status(): number {
    return ERROR_KINDS[this.kind].status;
  }

  get errorCode(): number {
    return ERROR_KINDS[this.kind].errorCode;
  }

  get retriable(): boolean {
    return ERROR_KINDS[this.kind].retriable;
  }

  toBody(): ErrorBody {
    const body: ErrorBody = { error_code: this.errorCode, message: this.message, ...this.extra.fields };
    if (this.extra.validationErrors?.length) body.validation_errors = this.extra.validationErrors;
    return body;
  }
}

export const badRequest = (message: string, validationErrors?: string[]): RunnelError =>
  new RunnelError('BAD_REQUEST', message, { validationErrors });

export const unknownTopic = (topic: string): RunnelError =>
  new RunnelError('UNKNOWN_TOPIC_OR_PARTITION', `This server does not host this topic-partition: topic '${topic}' does not exist`);

export const unknownPartition = (topic: string, partition: number): RunnelError =>
  new RunnelError('UNKNOWN_TOPIC_OR_PARTITION', `This server does not host this topic-partition: ${topic}-${partition}`);

/** 416 with the range a client may read, `[earliest_offset, high_watermark]`, on every transport. */
export const offsetOutOfRange = (topicPartition: string, offset: number, earliestOffset: number, highWatermark: number): RunnelError =>
  new RunnelError(
    'OFFSET_OUT_OF_RANGE',
    `offset ${offset} is outside the range of ${topicPartition}: [${earliestOffset}, ${highWatermark}]`,
    {
      fields: { earliest_offset: earliestOffset, high_watermark: highWatermark },
    },
  );

const GROUP_ERROR_KINDS: Record<GroupErrorCode, ErrorKind> = {
  UNKNOWN_GROUP: 'UNKNOWN_GROUP',
  UNKNOWN_MEMBER: 'CONFLICT',
  FENCED: 'CONFLICT',
  GROUP_NOT_EMPTY: 'CONFLICT',
  GROUP_FULL: 'CONFLICT',
  TOO_MANY_GROUPS: 'CONFLICT',
  INCONSISTENT_ASSIGNOR: 'CONFLICT',
  INVALID_REQUEST: 'BAD_REQUEST',
};

const logger = new Logger('ApiErrors');

/**
 * The one map from whatever a use case threw to the API error a client sees. Library errors map
 * by type (never by message); framework errors (Nest/Fastify) by their 4xx status; anything else
 * is a bug: logged here with its stack, answered 50001 without internals.
 */
export function toApiError(error: unknown): RunnelError {
  if (error instanceof RunnelError) return error;
  if (error instanceof GroupError) return new RunnelError(GROUP_ERROR_KINDS[error.code], error.message);
  if (error instanceof ProtocolError) {
    return error.code === 'TOO_LARGE'
      ? new RunnelError('TOO_LARGE', `Record batch too large: ${error.message}`)
      : badRequest(`Invalid record batch (${error.code}): ${error.message}; nothing was appended`);
  }
  if (error instanceof PartitionOffsetOutOfRangeError) {
    return offsetOutOfRange(`${error.topic}-${error.partition}`, error.requestedOffset, error.logStartOffset, error.highWatermark);
  }
  if (error instanceof OffsetOutOfRangeError) {
    return offsetOutOfRange('the log', error.requestedOffset, error.logStartOffset, error.logEndOffset);
  }
  // Storage failures (Kafka's KAFKA_STORAGE_ERROR): retriable, naming the error, never a path.
  if (error instanceof PartitionStorageError) return new RunnelError('RETRIABLE', error.message);
  if (error instanceof MetadataWriteError) return new RunnelError('RETRIABLE', `KAFKA_STORAGE_ERROR: ${error.message}; retry later`);
  if (storageErrnoOf(error)) return new RunnelError('RETRIABLE', `KAFKA_STORAGE_ERROR: ${describeStorageError(error)}; retry later`);
  // Replication refusals (not the leader, fenced or unknown epoch, ISR below min.insync.replicas,
  // offline): all retriable, the Kafka error name first in the message.
  if (error instanceof ReplicationError) return new RunnelError('RETRIABLE', `${error.message}; retry`);
  if (error instanceof LogClosedError) {
    return new RunnelError('RETRIABLE', 'The partition is not accepting writes on this broker; retry later');
  }
  // The JSON body parser's answers, as Confluent's proxy gives them on every route: a body that is
  // not JSON is 400/400 (Jackson's parse error), a JSON content type with no body 422.
  const code = (error as { code?: unknown } | null)?.code;
  if (code === 'FST_ERR_CTP_INVALID_JSON_BODY' || (error instanceof SyntaxError && httpStatusOf(error) === 400)) {
    return new RunnelError('MALFORMED_REQUEST', `Malformed JSON body: ${error instanceof Error ? error.message : 'not JSON'}`);
  }
  if (code === 'FST_ERR_CTP_EMPTY_JSON_BODY') return new RunnelError('UNPROCESSABLE', 'Request body is empty: send a JSON object');
  const status = httpStatusOf(error);
  if (status !== undefined && status >= 400 && status < 500) return new HttpStatusError(status, httpMessageOf(error, status));
  logger.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
  return new RunnelError('INTERNAL', 'Internal server error');
}

/**
 * A framework's 4xx (unknown route, unparsable JSON, body over the limit, unsupported media type):
 * the API.md kind for the statuses it has one for, else the status itself as the error_code.
 */
class HttpStatusError extends RunnelError {
  constructor(
    private readonly httpStatus: number,
    message: string,
  ) {
    super(KIND_OF_STATUS[httpStatus] ?? 'BAD_REQUEST', message);
  }

  override get status(): number {
    return this.httpStatus;
  }

  override get errorCode(): number {
    const kind = KIND_OF_STATUS[this.httpStatus];
    return kind === undefined ? this.httpStatus : ERROR_KINDS[kind].errorCode;
  }
}

const KIND_OF_STATUS: Partial<Record<number, ErrorKind>> = { 400: 'BAD_REQUEST', 404: 'NOT_FOUND', 413: 'TOO_LARGE', 429: 'THROTTLED' };

function httpStatusOf(error: unknown): number | undefined {
  if (error instanceof HttpException) return error.getStatus();
  const status = (error as { statusCode?: unknown } | null)?.statusCode;
  return typeof status === 'number' ? status : undefined;
}

function httpMessageOf(error: unknown, status: number): string {
  if (status === 404) return 'HTTP 404 Not Found';
  if (status === 413) return 'Request body is larger than the broker accepts';
  if (status === 415) return UNSUPPORTED_MEDIA_TYPE_MESSAGE;
  if (error instanceof HttpException) {
    const response = error.getResponse();
    if (typeof response === 'object' && response !== null && 'message' in response) {
      const message = (response as { message: unknown }).message;
      return Array.isArray(message) ? message.join('; ') : String(message);
    }
    return error.message;
  }
  return error instanceof Error ? error.message : `HTTP ${status}`;
}
