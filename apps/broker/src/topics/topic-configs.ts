import { DEFAULT_LOG_CONFIG, InvalidConfigError, LogConfig, logConfigFrom } from '@runnel/log';
import { RunnelError } from '../common/errors';

/**
 * The topic configs of API.md, with Kafka's names, their broker-wide defaults and validation.
 * Values are kept as strings (as Kafka does); `logConfigOf` turns a topic's effective configs
 * into the storage engine's LogConfig. Runnel's one departure from Kafka's defaults is
 * `flush.ms = 0`: every append is fsynced by group commit before consumers see it (DESIGN.md).
 */

type Check = (value: string) => string | null;

const oneOf =
  (...allowed: string[]): Check =>
  (value) =>
    allowed.includes(value) ? null : `must be one of ${allowed.join(', ')}`;
const integerAtLeast =
  (min: number): Check =>
  (value) =>
    /^-?\d+$/.test(value.trim()) && Number(value) >= min ? null : `must be an integer >= ${min}`;
/** Log-owned configs are checked by the storage engine's own rules. */
const logRule: Check = () => null;

const RULES: Record<string, { defaultValue: string; check: Check }> = {
  'cleanup.policy': { defaultValue: DEFAULT_LOG_CONFIG.cleanupPolicy, check: logRule },
  'retention.ms': { defaultValue: String(DEFAULT_LOG_CONFIG.retentionMs), check: logRule },
  'retention.bytes': { defaultValue: String(DEFAULT_LOG_CONFIG.retentionBytes), check: logRule },
  'segment.bytes': { defaultValue: String(DEFAULT_LOG_CONFIG.segmentBytes), check: logRule },
  'segment.ms': { defaultValue: String(DEFAULT_LOG_CONFIG.segmentMs), check: logRule },
  'max.message.bytes': { defaultValue: String(DEFAULT_LOG_CONFIG.maxMessageBytes), check: logRule },
  'min.insync.replicas': { defaultValue: '1', check: integerAtLeast(1) },
  'message.timestamp.type': { defaultValue: 'CreateTime', check: logRule },
  'message.timestamp.before.max.ms': { defaultValue: String(DEFAULT_LOG_CONFIG.messageTimestampBeforeMaxMs), check: logRule },
  'message.timestamp.after.max.ms': { defaultValue: String(DEFAULT_LOG_CONFIG.messageTimestampAfterMaxMs), check: logRule },
  'compression.type': { defaultValue: 'producer', check: oneOf('producer', 'uncompressed', 'gzip', 'snappy', 'lz4', 'zstd') },
  'flush.messages': { defaultValue: String(DEFAULT_LOG_CONFIG.flushMessages), check: logRule },
  'flush.ms': { defaultValue: '0', check: logRule },
  'delete.retention.ms': { defaultValue: String(DEFAULT_LOG_CONFIG.deleteRetentionMs), check: logRule },
  'min.cleanable.dirty.ratio': { defaultValue: String(DEFAULT_LOG_CONFIG.minCleanableDirtyRatio), check: logRule },
  'unclean.leader.election.enable': { defaultValue: 'false', check: oneOf('true', 'false') },
};

export const TOPIC_CONFIG_NAMES: readonly string[] = Object.keys(RULES);

/** Env var carrying the broker-wide default of a topic config: retention.ms → RUNNEL_TOPIC_RETENTION_MS. */
export function envNameOf(configName: string): string {
  return `RUNNEL_TOPIC_${configName.replace(/\./g, '_').toUpperCase()}`;
}

/** Broker-wide defaults: Runnel's, overridden by RUNNEL_TOPIC_* variables (validated). */
export function brokerTopicDefaults(env: NodeJS.ProcessEnv): Record<string, string> {
  const defaults: Record<string, string> = {};
  for (const [name, rule] of Object.entries(RULES)) defaults[name] = env[envNameOf(name)] ?? rule.defaultValue;
  const problems = checkValues(defaults, (name) => envNameOf(name));
  if (problems.length > 0) throw new Error(`invalid broker topic defaults: ${problems.join('; ')}`);
  return defaults;
}

/**
 * Validates configs a client sent (create or alter): unknown names and bad values are all
 * reported at once as one 42201 with validation_errors.
 */
export function validateTopicConfigs(configs: Record<string, string>, defaults: Record<string, string>): void {
  const problems: string[] = [];
  for (const name of Object.keys(configs)) if (!(name in RULES)) problems.push(`${name}: unknown topic config`);
  problems.push(...checkValues({ ...defaults, ...configs }, (name) => name, Object.keys(configs)));
  if (problems.length > 0) {
    throw new RunnelError('INVALID_CONFIG', `Invalid topic config: ${problems[0]}`, { validationErrors: problems });
  }
}

function checkValues(values: Record<string, string>, label: (name: string) => string, only?: string[]): string[] {
  const problems: string[] = [];
  const names = only ?? Object.keys(values);
  for (const name of names) {
    const rule = RULES[name];
    if (!rule) continue;
    if (rule.check !== logRule) {
      const reason = rule.check(values[name]);
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
  return problems;
}

/**
 * The storage engine's config for a topic. The log itself applies `cleanup.policy` (time and size
 * retention only with `delete`, the Cleaner only with `compact`): one source of truth.
 */
export function logConfigOf(topicConfigs: Record<string, string>, defaults: Record<string, string>): LogConfig {
  return logConfigFrom({ ...defaults, ...topicConfigs });
}

export interface DescribedConfig {
  name: string;
  value: string;
  is_default: boolean;
  is_read_only: boolean;
  is_sensitive: boolean;
  source: 'DYNAMIC_TOPIC_CONFIG' | 'DEFAULT_CONFIG';
}

export function describeTopicConfigs(topicConfigs: Record<string, string>, defaults: Record<string, string>): DescribedConfig[] {
  return TOPIC_CONFIG_NAMES.map((name) => {
    const set = name in topicConfigs;
    return {
      name,
      value: set ? topicConfigs[name] : defaults[name],
      is_default: !set,
      is_read_only: false,
      is_sensitive: false,
      source: set ? 'DYNAMIC_TOPIC_CONFIG' : 'DEFAULT_CONFIG',
    };
  });
}
