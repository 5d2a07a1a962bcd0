import { DEFAULT_LOG_CONFIG, InvalidConfigError, LogConfig, logConfigFrom } from '@runnel/log';
import { RunnelError } from '../common/errors';

/**
 * Every Kafka topic config (Kafka 3.x/4.x `TopicConfig`), with Kafka's defaults, validation and
 * the broker config that supplies its default (`retention.ms` ← `log.retention.ms`). Values are
 * kept as the strings clients sent (as Kafka does); `logConfigOf` turns a topic's effective
 * configs into the storage engine's LogConfig.
 *
 * `applied` says whether Runnel acts on a config (the log, the cleaner or the produce path);
 * the others are accepted, validated, stored and reported with their value, so tools that set
 * them (Terraform, Julie Ops) work unchanged. Runnel's one departure from Kafka's defaults is
 * `flush.ms = 0`: every append is fsynced by group commit before consumers see it (DESIGN.md).
 */

type Check = (value: string) => string | null;

export interface TopicConfigDef {
  defaultValue: string;
  check: Check;
  /** Kafka's broker config that carries this config's cluster/broker default; none for topic-only configs. */
  brokerName?: string;
  /** Whether Runnel's log or produce path acts on the value (README lists both kinds). */
  applied: boolean;
}

const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;
const LONG_MIN = -(2n ** 63n);
const LONG_MAX = 2n ** 63n - 1n;
const LONG_MAX_TEXT = String(LONG_MAX);

const oneOf =
  (...allowed: string[]): Check =>
  (value) =>
    allowed.includes(value.trim()) ? null : `must be one of ${allowed.join(', ')}`;

/** Kafka's BOOLEAN: true or false, any case. */
const bool: Check = (value) => (/^(true|false)$/i.test(value.trim()) ? null : 'must be true or false');

/** Kafka's INT / LONG in [min, max]; the storage engine saturates longs past 2^53 (log-config.ts). */
const integer =
  (min: bigint, max: bigint): Check =>
  (value) => {
    const text = value.trim();
    if (!/^[+-]?\d+$/.test(text)) return 'not a number';
    const n = BigInt(text);
    const unbounded = max === LONG_MAX || max === BigInt(INT32_MAX); // Kafka's type bound, not the config's
    if (n < min) return unbounded ? `must be at least ${min}` : `must be in [${min}, ${max}]`;
    if (n > max) return unbounded ? `must be at most ${max}` : `must be in [${min}, ${max}]`;
    return null;
  };
const long = (min: number): Check => integer(BigInt(min), LONG_MAX);
const int = (min: number, max = INT32_MAX): Check => integer(BigInt(min), BigInt(max));

/** Kafka's ThrottledReplicaListValidator: empty, `*`, or `partition:broker` pairs. */
const throttledReplicas: Check = (value) =>
  /^\s*(\*|(\d+\s*:\s*\d+)(\s*,\s*\d+\s*:\s*\d+)*)?\s*$/.test(value)
    ? null
    : 'must be *, empty, or a list of partition:broker pairs (0:101,1:102)';

/** message.format.version (deprecated in Kafka 3, ignored from 3.0 on): an ApiVersion such as 3.0-IV1. */
const apiVersion: Check = (value) => (/^\d+\.\d+(\.\d+)?(-IV\d+)?$/.test(value.trim()) ? null : 'must be a Kafka version such as 3.0-IV1');

/** Runnel has no tiered storage, as a Kafka broker without remote.log.storage.system.enable. */
const remoteStorage: Check = (value) =>
  bool(value) ?? (value.trim().toLowerCase() === 'true' ? 'tiered storage is not enabled on this broker (Runnel has none)' : null);

/** Log-owned configs are checked by the storage engine's own rules (log-config.ts). */
const logRule: Check = () => null;

const log = (defaultValue: unknown, brokerName: string): TopicConfigDef => ({
  defaultValue: String(defaultValue),
  check: logRule,
  brokerName,
  applied: true,
});
const stored = (defaultValue: string, check: Check, brokerName?: string): TopicConfigDef => ({
  defaultValue,
  check,
  brokerName,
  applied: false,
});

const CONFIGS: Record<string, TopicConfigDef> = {
  'cleanup.policy': log(DEFAULT_LOG_CONFIG.cleanupPolicy, 'log.cleanup.policy'),
  'compression.gzip.level': stored(
    '-1',
    (v) => int(-1, 9)(v) ?? (v.trim() === '0' ? 'must be -1 or in [1, 9]' : null),
    'compression.gzip.level',
  ),
  'compression.lz4.level': stored('9', int(1, 17), 'compression.lz4.level'),
  'compression.type': {
    defaultValue: 'producer',
    check: oneOf('producer', 'uncompressed', 'gzip', 'snappy', 'lz4', 'zstd'),
    brokerName: 'compression.type',
    applied: true,
  },
  'compression.zstd.level': stored('3', int(-131072, 22), 'compression.zstd.level'),
  'delete.retention.ms': log(DEFAULT_LOG_CONFIG.deleteRetentionMs, 'log.cleaner.delete.retention.ms'),
  'file.delete.delay.ms': stored('60000', long(0), 'log.segment.delete.delay.ms'),
  'flush.messages': log(DEFAULT_LOG_CONFIG.flushMessages, 'log.flush.interval.messages'),
  'flush.ms': log(0, 'log.flush.interval.ms'),
  'follower.replication.throttled.replicas': stored('', throttledReplicas),
  'index.interval.bytes': log(DEFAULT_LOG_CONFIG.indexIntervalBytes, 'log.index.interval.bytes'),
  'leader.replication.throttled.replicas': stored('', throttledReplicas),
  'local.retention.bytes': stored('-2', long(-2), 'log.local.retention.bytes'),
  'local.retention.ms': stored('-2', long(-2), 'log.local.retention.ms'),
  'max.compaction.lag.ms': { defaultValue: LONG_MAX_TEXT, check: logRule, brokerName: 'log.cleaner.max.compaction.lag.ms', applied: true },
  'max.message.bytes': log(DEFAULT_LOG_CONFIG.maxMessageBytes, 'message.max.bytes'),
  'message.downconversion.enable': stored('true', bool, 'log.message.downconversion.enable'),
  'message.format.version': stored('3.0-IV1', apiVersion, 'log.message.format.version'),
  'message.timestamp.after.max.ms': log(DEFAULT_LOG_CONFIG.messageTimestampAfterMaxMs, 'log.message.timestamp.after.max.ms'),
  'message.timestamp.before.max.ms': log(DEFAULT_LOG_CONFIG.messageTimestampBeforeMaxMs, 'log.message.timestamp.before.max.ms'),
  'message.timestamp.difference.max.ms': stored(LONG_MAX_TEXT, long(0), 'log.message.timestamp.difference.max.ms'),
  'message.timestamp.type': log('CreateTime', 'log.message.timestamp.type'),
  'min.cleanable.dirty.ratio': log(DEFAULT_LOG_CONFIG.minCleanableDirtyRatio, 'log.cleaner.min.cleanable.ratio'),
  'min.compaction.lag.ms': log(DEFAULT_LOG_CONFIG.minCompactionLagMs, 'log.cleaner.min.compaction.lag.ms'),
  'min.insync.replicas': stored('1', int(1), 'min.insync.replicas'),
  preallocate: stored('false', bool, 'log.preallocate'),
  'remote.log.copy.disable': stored('false', bool),
  'remote.log.delete.on.disable': stored('false', bool),
  'remote.storage.enable': stored('false', remoteStorage),
  'retention.bytes': log(DEFAULT_LOG_CONFIG.retentionBytes, 'log.retention.bytes'),
  'retention.ms': log(DEFAULT_LOG_CONFIG.retentionMs, 'log.retention.ms'),
  'segment.bytes': log(DEFAULT_LOG_CONFIG.segmentBytes, 'log.segment.bytes'),
  'segment.index.bytes': log(DEFAULT_LOG_CONFIG.segmentIndexBytes, 'log.index.size.max.bytes'),
  'segment.jitter.ms': log(DEFAULT_LOG_CONFIG.segmentJitterMs, 'log.roll.jitter.ms'),
  'segment.ms': log(DEFAULT_LOG_CONFIG.segmentMs, 'log.roll.ms'),
  'unclean.leader.election.enable': stored('false', bool, 'unclean.leader.election.enable'),
};

export const TOPIC_CONFIG_NAMES: readonly string[] = Object.keys(CONFIGS);

export function topicConfigDef(name: string): TopicConfigDef | undefined {
  return Object.hasOwn(CONFIGS, name) ? CONFIGS[name] : undefined;
}

/** Env var carrying the broker-wide default of a topic config: retention.ms → RUNNEL_TOPIC_RETENTION_MS. */
export function envNameOf(configName: string): string {
  return `RUNNEL_TOPIC_${configName.replace(/\./g, '_').toUpperCase()}`;
}

/** Runnel's built-in default of every topic config. */
export function builtInTopicDefaults(): Record<string, string> {
  return Object.fromEntries(Object.entries(CONFIGS).map(([name, def]) => [name, def.defaultValue]));
}

/** Broker-wide defaults: Runnel's, overridden by RUNNEL_TOPIC_* variables (validated). */
export function brokerTopicDefaults(env: NodeJS.ProcessEnv): Record<string, string> {
  const defaults: Record<string, string> = {};
  for (const [name, def] of Object.entries(CONFIGS)) defaults[name] = env[envNameOf(name)] ?? def.defaultValue;
  const problems = checkValues(defaults, (name) => envNameOf(name));
  if (problems.length > 0) throw new Error(`invalid broker topic defaults: ${problems.join('; ')}`);
  return defaults;
}

/**
 * Validates configs a client sent (create or alter) against `defaults` (the effective values of
 * the others, for the checks that span two configs): unknown names and bad values are all
 * reported at once, as Kafka's InvalidConfigurationException: 400 / 40002.
 */
export function validateTopicConfigs(configs: Record<string, string>, defaults: Record<string, string>): void {
  const problems: string[] = [];
  for (const name of Object.keys(configs)) if (!topicConfigDef(name)) problems.push(`${name}: unknown topic config`);
  problems.push(...checkValues({ ...defaults, ...configs }, (name) => name, Object.keys(configs)));
  if (problems.length > 0) {
    throw new RunnelError('INVALID_CONFIG', `Invalid topic config: ${problems[0]}`, { validationErrors: problems });
  }
}

/** One value of one topic config: the reason it is invalid, or null. Unknown names are not checked here. */
export function topicConfigProblem(name: string, value: string): string | null {
  return checkValues({ [name]: value }, (n) => n)[0] ?? null;
}

function checkValues(values: Record<string, string>, label: (name: string) => string, only?: string[]): string[] {
  const problems: string[] = [];
  const names = only ?? Object.keys(values);
  for (const name of names) {
    const def = topicConfigDef(name);
    if (!def) continue;
    if (def.check !== logRule) {
      const reason = def.check(values[name]);
      if (reason) problems.push(`${label(name)}=${values[name]}: ${reason}`);
      continue;
    }
    try {
      logConfigFrom({ [name]: values[name] }); // one at a time, so every bad value is reported
    } catch (error) {
      if (!(error instanceof InvalidConfigError)) throw error;
      problems.push(`${label(error.configName)}: ${error.message}`);
    }
  }
  // Kafka's LogConfig.validateValues: the two compaction lags must not cross.
  const minLag = values['min.compaction.lag.ms'];
  const maxLag = values['max.compaction.lag.ms'];
  const touched = only === undefined || only.includes('min.compaction.lag.ms') || only.includes('max.compaction.lag.ms');
  if (touched && problems.length === 0 && isLong(minLag) && isLong(maxLag) && BigInt(minLag.trim()) > BigInt(maxLag.trim())) {
    problems.push(`min.compaction.lag.ms=${minLag}: conflict, must not be larger than max.compaction.lag.ms=${maxLag}`);
  }
  return problems;
}

const isLong = (value: string | undefined): value is string =>
  value !== undefined && /^[+-]?\d+$/.test(value.trim()) && BigInt(value.trim()) >= LONG_MIN && BigInt(value.trim()) <= LONG_MAX;

/** Kafka's INT32 range, for the broker configs that are Kafka ints. */
export const intRange = (min: number, max = INT32_MAX): Check => int(Math.max(min, INT32_MIN), max);

/**
 * The storage engine's config for a topic. The log itself applies `cleanup.policy` (time and size
 * retention only with `delete`, the Cleaner only with `compact`): one source of truth.
 */
export function logConfigOf(topicConfigs: Record<string, string>, defaults: Record<string, string>): LogConfig {
  return logConfigFrom({ ...defaults, ...topicConfigs });
}
