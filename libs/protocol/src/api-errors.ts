/**
 * API.md's closed set of errors, shared by the broker (which answers them) and the client (which
 * decides whether to retry): each kind is one `error_code`, one HTTP status and whether retrying
 * can help. Nothing here knows HTTP frameworks; the broker's RunnelError is built on it.
 */
export const API_ERRORS = {
  BAD_REQUEST: { errorCode: 40001, status: 400, retriable: false },
  /** Confluent's plain 400/400: a body that is not JSON at all, a record over its size threshold. */
  MALFORMED_REQUEST: { errorCode: 400, status: 400, retriable: false },
  /** Confluent v3 answers Kafka's TopicExistsException with 400 and 40002. */
  TOPIC_EXISTS: { errorCode: 40002, status: 400, retriable: false },
  /** Kafka's invalid-request family on admin calls (bad replication factor, partitions, config): Confluent's 400/40002. */
  KAFKA_BAD_REQUEST: { errorCode: 40002, status: 400, retriable: false },
  NOT_AUTHENTICATED: { errorCode: 40101, status: 401, retriable: false },
  NOT_AUTHORIZED: { errorCode: 40301, status: 403, retriable: false },
  NOT_FOUND: { errorCode: 404, status: 404, retriable: false },
  UNKNOWN_TOPIC_OR_PARTITION: { errorCode: 40403, status: 404, retriable: false },
  UNKNOWN_GROUP: { errorCode: 40404, status: 404, retriable: false },
  CONFLICT: { errorCode: 40901, status: 409, retriable: false },
  TOO_LARGE: { errorCode: 41301, status: 413, retriable: false },
  OFFSET_OUT_OF_RANGE: { errorCode: 416, status: 416, retriable: false },
  /** An invalid topic, broker or cluster config: Kafka's InvalidConfigurationException, which Confluent answers 400/40002. */
  INVALID_CONFIG: { errorCode: 40002, status: 400, retriable: false },
  /** A request body that is well-formed JSON but cannot be processed (Confluent: empty produce body). */
  UNPROCESSABLE: { errorCode: 422, status: 422, retriable: false },
  /** A records:batch request that is empty, too long or repeats an entry id (Confluent's 42208). */
  BATCH_INVALID: { errorCode: 42208, status: 422, retriable: false },
  /** HTTP consumer API (Confluent v2 / Strimzi bridge). */
  CONSUMER_INSTANCE_NOT_FOUND: { errorCode: 40403, status: 404, retriable: false },
  CONSUMER_ALREADY_SUBSCRIBED: { errorCode: 40901, status: 409, retriable: false },
  CONSUMER_ALREADY_EXISTS: { errorCode: 40902, status: 409, retriable: false },
  CONSUMER_ILLEGAL_STATE: { errorCode: 40903, status: 409, retriable: false },
  CONSUMER_FORMAT_MISMATCH: { errorCode: 40601, status: 406, retriable: false },
  INVALID_CONSUMER_CONFIG: { errorCode: 42204, status: 422, retriable: false },
  /** An Idempotency-Key reused with a different request (Stripe's rule). */
  IDEMPOTENCY_KEY_REUSED: { errorCode: 42202, status: 422, retriable: false },
  THROTTLED: { errorCode: 42901, status: 429, retriable: true },
  /**
   * Leader or storage not available (KAFKA_STORAGE_ERROR…): Confluent's REST proxy answers Kafka's
   * retriable errors with HTTP 500 and error_code 50003, and so does Runnel, on every route.
   */
  RETRIABLE: { errorCode: 50003, status: 500, retriable: true },
  INTERNAL: { errorCode: 50001, status: 500, retriable: false },
} as const;

export type ApiErrorKind = keyof typeof API_ERRORS;

const RETRIABLE_CODES: ReadonlySet<number> = new Set(
  Object.values(API_ERRORS)
    .filter((kind) => kind.retriable)
    .map((kind) => kind.errorCode),
);

/**
 * Whether a request that failed with `errorCode` may succeed if retried (50003 leader or storage
 * not available, 42901 throttled). `status` covers answers without an API.md body (a proxy's 429
 * or 503 page).
 */
export function isRetriableErrorCode(errorCode: number, status?: number): boolean {
  return RETRIABLE_CODES.has(errorCode) || status === 429 || status === 503;
}
