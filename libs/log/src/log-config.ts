import { InvalidConfigError } from './errors';

/**
 * Per-log settings, named after Kafka's topic configs (camelCased) with Kafka's defaults, so a
 * topic created with `segment.bytes=...` behaves as it would on Kafka. Sizes are bytes, times
 * milliseconds. "Infinite" Kafka longs (Long.MAX_VALUE) become Number.MAX_SAFE_INTEGER.
 */
export interface LogConfig {
  /** segment.bytes: roll when the active segment would grow past this. */
  segmentBytes: number;
  /** segment.ms: roll when the active segment's first append is older than this. */
  segmentMs: number;
  /**
   * segment.jitter.ms: each segment rolls up to this much before segment.ms (a random share, drawn
   * when the segment starts), so logs created together do not all roll at once (Kafka's rollJitterMs).
   */
  segmentJitterMs: number;
  /** index.interval.bytes: one offset/time index entry per this many bytes of log. */
  indexIntervalBytes: number;
  /** segment.index.bytes: the size bound of each index file; a full index rolls the segment. */
  segmentIndexBytes: number;
  /** retention.ms: delete closed segments whose newest record is older; -1 = keep forever. */
  retentionMs: number;
  /** retention.bytes: delete oldest closed segments while the log is bigger; -1 = no bound. */
  retentionBytes: number;
  /** flush.messages: `shouldFlush` once this many messages are unflushed. */
  flushMessages: number;
  /** flush.ms: `shouldFlush` once unflushed data is this old. */
  flushMs: number;
  /** message.timestamp.type: LogAppendTime stamps batches with the broker's clock on append. */
  messageTimestampType: 'CreateTime' | 'LogAppendTime';
  /** max.message.bytes: the largest record batch accepted, in bytes including its header. */
  maxMessageBytes: number;
  /** message.timestamp.before.max.ms: refuse CreateTime records older than the broker's clock minus this. */
  messageTimestampBeforeMaxMs: number;
  /** message.timestamp.after.max.ms: refuse CreateTime records newer than the broker's clock plus this. */
  messageTimestampAfterMaxMs: number;
  /**
   * cleanup.policy: `delete` applies retention.ms / retention.bytes, `compact` lets the Cleaner
   * keep the latest record per key; both together do both. `compact,delete` is normalized.
   */
  cleanupPolicy: CleanupPolicy;
  /** delete.retention.ms: how long a tombstone stays readable after its batch's timestamp (compact). */
  deleteRetentionMs: number;
  /** min.cleanable.dirty.ratio: clean a compacted log once dirty bytes / cleanable bytes reach this (0..1). */
  minCleanableDirtyRatio: number;
  /** min.compaction.lag.ms: a segment whose newest record is younger than this is not compacted yet. */
  minCompactionLagMs: number;
  /**
   * max.compaction.lag.ms: a compacted log whose oldest dirty batch is older than this is cleaned
   * whatever its dirty ratio, and its active segment rolls after at most this long.
   */
  maxCompactionLagMs: number;
}

export type CleanupPolicy = 'delete' | 'compact' | 'delete,compact';

const INT32_MAX = 0x7fffffff;
const LONG_MAX = 2n ** 63n - 1n;
const DAY_MS = 24 * 60 * 60 * 1000;

export const DEFAULT_LOG_CONFIG: Readonly<LogConfig> = Object.freeze({
  segmentBytes: 1024 * 1024 * 1024,
  segmentMs: 7 * DAY_MS,
  segmentJitterMs: 0,
  indexIntervalBytes: 4096,
  segmentIndexBytes: 10 * 1024 * 1024,
  retentionMs: 7 * DAY_MS,
  retentionBytes: -1,
  flushMessages: Number.MAX_SAFE_INTEGER,
  flushMs: Number.MAX_SAFE_INTEGER,
  messageTimestampType: 'CreateTime',
  maxMessageBytes: 1048588,
  messageTimestampBeforeMaxMs: Number.MAX_SAFE_INTEGER,
  messageTimestampAfterMaxMs: Number.MAX_SAFE_INTEGER,
  cleanupPolicy: 'delete',
  deleteRetentionMs: DAY_MS,
  minCleanableDirtyRatio: 0.5,
  minCompactionLagMs: 0,
  maxCompactionLagMs: Number.MAX_SAFE_INTEGER,
});

/**
 * A new segment's roll jitter: Kafka's `random % min(segment.jitter.ms, segment.ms)`, so a segment
 * rolls once its first append is older than `segmentMs - jitter`. `random` is in [0, 1).
 */
export function rollJitterMs(config: Pick<LogConfig, 'segmentJitterMs' | 'segmentMs'>, random: () => number): number {
  if (config.segmentJitterMs <= 0) return 0;
  return Math.floor(random() * Math.min(config.segmentJitterMs, config.segmentMs));
}

/** segment.ms as rolls apply it: compacted logs roll by max.compaction.lag.ms too (Kafka's UnifiedLog). */
export function rollMs(config: Pick<LogConfig, 'segmentMs' | 'maxCompactionLagMs' | 'cleanupPolicy'>): number {
  return isCompacted(config) ? Math.min(config.segmentMs, config.maxCompactionLagMs) : config.segmentMs;
}

/** Whether retention.ms / retention.bytes delete segments of a log with this config. */
export function retainsByTimeAndSize(config: Pick<LogConfig, 'cleanupPolicy'>): boolean {
  return config.cleanupPolicy !== 'compact';
}

/** Whether the Cleaner compacts a log with this config. */
export function isCompacted(config: Pick<LogConfig, 'cleanupPolicy'>): boolean {
  return config.cleanupPolicy !== 'delete';
}

type NumericKey = Exclude<keyof LogConfig, 'messageTimestampType' | 'cleanupPolicy' | 'minCleanableDirtyRatio'>;

interface NumericRule {
  key: NumericKey;
  min: number;
  /** Kafka `int` configs refuse more than INT32_MAX; `long` configs saturate at MAX_SAFE_INTEGER. */
  int32: boolean;
}

/** Kafka config name → field and range (Kafka's own minimums, so its settings carry over). */
const NUMERIC_RULES: Record<string, NumericRule> = {
  'segment.bytes': { key: 'segmentBytes', min: 14, int32: true },
  'segment.ms': { key: 'segmentMs', min: 1, int32: false },
  'segment.jitter.ms': { key: 'segmentJitterMs', min: 0, int32: false },
  'index.interval.bytes': { key: 'indexIntervalBytes', min: 0, int32: true },
  'segment.index.bytes': { key: 'segmentIndexBytes', min: 4, int32: true },
  'retention.ms': { key: 'retentionMs', min: -1, int32: false },
  'retention.bytes': { key: 'retentionBytes', min: -1, int32: false },
  'flush.messages': { key: 'flushMessages', min: 1, int32: false },
  'flush.ms': { key: 'flushMs', min: 0, int32: false },
  'max.message.bytes': { key: 'maxMessageBytes', min: 0, int32: true },
  'message.timestamp.before.max.ms': { key: 'messageTimestampBeforeMaxMs', min: 0, int32: false },
  'message.timestamp.after.max.ms': { key: 'messageTimestampAfterMaxMs', min: 0, int32: false },
  'delete.retention.ms': { key: 'deleteRetentionMs', min: 0, int32: false },
  'min.compaction.lag.ms': { key: 'minCompactionLagMs', min: 0, int32: false },
  'max.compaction.lag.ms': { key: 'maxCompactionLagMs', min: 1, int32: false },
};
const TIMESTAMP_TYPE_CONFIG = 'message.timestamp.type';
const CLEANUP_POLICY_CONFIG = 'cleanup.policy';
const DIRTY_RATIO_CONFIG = 'min.cleanable.dirty.ratio';
const CLEANUP_POLICIES: readonly CleanupPolicy[] = ['delete', 'compact', 'delete,compact'];

export const LOG_CONFIG_NAMES: readonly string[] = [
  ...Object.keys(NUMERIC_RULES),
  TIMESTAMP_TYPE_CONFIG,
  CLEANUP_POLICY_CONFIG,
  DIRTY_RATIO_CONFIG,
];

/** Kafka's list syntax: `delete`, `compact`, either order together, spaces around commas allowed. */
function parseCleanupPolicy(raw: string): CleanupPolicy {
  const items = new Set(raw.split(',').map((item) => item.trim()));
  const known = [...items].every((item) => item === 'delete' || item === 'compact');
  if (!known || items.size === 0 || raw.split(',').length !== items.size) {
    throw new InvalidConfigError(CLEANUP_POLICY_CONFIG, raw, 'must be delete, compact or delete,compact');
  }
  return items.size === 2 ? 'delete,compact' : ([...items][0] as CleanupPolicy);
}

/** A decimal from 0 to 1 (Kafka's double syntax, without hex or infinities). */
function parseRatio(raw: string): number {
  const text = raw.trim();
  const value = Number(text);
  if (!/^\+?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(text) || !(value >= 0 && value <= 1)) {
    throw new InvalidConfigError(DIRTY_RATIO_CONFIG, raw, 'must be a number from 0 to 1');
  }
  return value;
}

function parseNumeric(name: string, raw: string, rule: NumericRule): number {
  const text = raw.trim();
  if (!/^-?\d+$/.test(text)) throw new InvalidConfigError(name, raw, 'not an integer');
  let value = Number(text);
  if (value < rule.min) throw new InvalidConfigError(name, raw, `must be at least ${rule.min}`);
  if (rule.int32 && value > INT32_MAX) throw new InvalidConfigError(name, raw, `must be at most ${INT32_MAX}`);
  if (BigInt(text) > LONG_MAX) throw new InvalidConfigError(name, raw, `must be at most ${LONG_MAX}`); // not a Kafka long
  if (!Number.isSafeInteger(value)) value = Number.MAX_SAFE_INTEGER;
  return value;
}

/**
 * Builds a LogConfig from Kafka-named string properties (topic configs as stored in metadata or
 * sent by an admin client) over `base`. Names this module does not own (`min.insync.replicas`, ...)
 * are ignored: other components read them. Invalid values throw InvalidConfigError.
 */
export function logConfigFrom(props: Readonly<Record<string, string>>, base: Readonly<LogConfig> = DEFAULT_LOG_CONFIG): LogConfig {
  const config: LogConfig = { ...base };
  for (const [name, raw] of Object.entries(props)) {
    const rule = NUMERIC_RULES[name];
    if (rule) {
      config[rule.key] = parseNumeric(name, raw, rule);
    } else if (name === TIMESTAMP_TYPE_CONFIG) {
      if (raw !== 'CreateTime' && raw !== 'LogAppendTime') {
        throw new InvalidConfigError(name, raw, 'must be CreateTime or LogAppendTime');
      }
      config.messageTimestampType = raw;
    } else if (name === CLEANUP_POLICY_CONFIG) {
      config.cleanupPolicy = parseCleanupPolicy(raw);
    } else if (name === DIRTY_RATIO_CONFIG) {
      config.minCleanableDirtyRatio = parseRatio(raw);
    }
  }
  return validateLogConfig(config);
}

/** Checks a LogConfig built in code (overrides, tests) with the same rules; returns it. */
export function validateLogConfig(config: LogConfig): LogConfig {
  for (const [name, rule] of Object.entries(NUMERIC_RULES)) {
    const value = config[rule.key];
    if (!Number.isSafeInteger(value)) throw new InvalidConfigError(name, value, 'not a safe integer');
    if (value < rule.min) throw new InvalidConfigError(name, value, `must be at least ${rule.min}`);
    if (rule.int32 && value > INT32_MAX) throw new InvalidConfigError(name, value, `must be at most ${INT32_MAX}`);
  }
  if (config.messageTimestampType !== 'CreateTime' && config.messageTimestampType !== 'LogAppendTime') {
    throw new InvalidConfigError(TIMESTAMP_TYPE_CONFIG, config.messageTimestampType, 'must be CreateTime or LogAppendTime');
  }
  if (!CLEANUP_POLICIES.includes(config.cleanupPolicy)) {
    if (typeof config.cleanupPolicy !== 'string')
      throw new InvalidConfigError(CLEANUP_POLICY_CONFIG, config.cleanupPolicy, 'must be delete, compact or delete,compact');
    config.cleanupPolicy = parseCleanupPolicy(config.cleanupPolicy); // e.g. 'compact,delete'
  }
  if (!(config.minCleanableDirtyRatio >= 0 && config.minCleanableDirtyRatio <= 1)) {
    throw new InvalidConfigError(DIRTY_RATIO_CONFIG, config.minCleanableDirtyRatio, 'must be a number from 0 to 1');
  }
  return config;
}
