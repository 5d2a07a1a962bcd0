/** Produce-path settings: BrokerConfig.produce (read from the environment by the config module). */
export interface ProduceConfig {
  /** idempotency.window.ms: how long an Idempotency-Key's first answer is replayed. */
  idempotencyWindowMs: number;
  /** Keys remembered at most (oldest forgotten first). */
  idempotencyMaxKeys: number;
  /** Bytes of remembered answers at most (oldest forgotten first). */
  idempotencyMaxBytes: number;
}

export const PRODUCE_CONFIG = Symbol('PRODUCE_CONFIG');

/** Entries of one records:batch request (422/42208 beyond, as Confluent) or one produceJson call (41301 beyond). */
export const MAX_BATCH_ENTRIES = 10_000;
/** Length of a records:batch entry id (the spec's ProduceBatchRequestEntry.id: 1-80 characters). */
export const MAX_BATCH_ID_LENGTH = 80;
/** One remembered answer at most; a larger one is remembered as "too large to replay". */
export const MAX_REPLAY_BYTES = 4 * 1024 * 1024;
