/**
 * API.md's closed set of errors. Every failure a client sees is one of these kinds: one HTTP
 * status, one `error_code`, and whether retrying can help. Services throw `RunnelError`; the
 * HTTP filter and the WebSocket gateway render it. No stack trace or path ever leaves the broker.
 */

export const ERROR_KINDS = {
  BAD_REQUEST: { errorCode: 40001, status: 400, retriable: false },
  TOPIC_EXISTS: { errorCode: 40002, status: 409, retriable: false },
  NOT_AUTHENTICATED: { errorCode: 40101, status: 401, retriable: false },
  NOT_AUTHORIZED: { errorCode: 40301, status: 403, retriable: false },
  NOT_FOUND: { errorCode: 404, status: 404, retriable: false },
  UNKNOWN_TOPIC_OR_PARTITION: { errorCode: 40403, status: 404, retriable: false },
  UNKNOWN_GROUP: { errorCode: 40404, status: 404, retriable: false },
  CONFLICT: { errorCode: 40901, status: 409, retriable: false },
  TOO_LARGE: { errorCode: 41301, status: 413, retriable: false },
  OFFSET_OUT_OF_RANGE: { errorCode: 416, status: 416, retriable: false },
  INVALID_CONFIG: { errorCode: 42201, status: 422, retriable: false },
  IDEMPOTENCY_KEY_REUSED: { errorCode: 42202, status: 422, retriable: false },
  THROTTLED: { errorCode: 42901, status: 429, retriable: true },
  RETRIABLE: { errorCode: 50003, status: 503, retriable: true },
  INTERNAL: { errorCode: 50001, status: 500, retriable: false },
} as const;

export type ErrorKind = keyof typeof ERROR_KINDS;

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
