import { parseInteger } from '../config/broker-config';

/**
 * Produce-path settings from the environment, validated at boot like BrokerConfig (a bad value
 * stops the broker with a message naming the variable).
 */
export interface ProduceConfig {
  /** idempotency.window.ms: how long an Idempotency-Key's first answer is replayed. */
  idempotencyWindowMs: number;
  /** Keys remembered at most (oldest forgotten first). */
  idempotencyMaxKeys: number;
  /** Bytes of remembered answers at most (oldest forgotten first). */
  idempotencyMaxBytes: number;
}

export const PRODUCE_CONFIG = Symbol('PRODUCE_CONFIG');

/** Entries of one records:batch request or one produceJson call (41301 beyond). */
export const MAX_BATCH_ENTRIES = 10_000;
/** One remembered answer at most; a larger one is remembered as "too large to replay". */
export const MAX_REPLAY_BYTES = 4 * 1024 * 1024;

export function loadProduceConfig(env: NodeJS.ProcessEnv): ProduceConfig {
  return {
    idempotencyWindowMs: parseInteger(env, 'RUNNEL_IDEMPOTENCY_WINDOW_MS', 5 * 60_000, 0, 7 * 24 * 3_600_000),
    idempotencyMaxKeys: parseInteger(env, 'RUNNEL_IDEMPOTENCY_MAX_KEYS', 100_000, 1, 10_000_000),
    idempotencyMaxBytes: parseInteger(env, 'RUNNEL_IDEMPOTENCY_MAX_BYTES', 64 * 1024 * 1024, 1024, 2 ** 40),
  };
}
