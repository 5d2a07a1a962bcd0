import * as path from 'node:path';
import { brokerTopicDefaults } from '../topics/topic-configs';

/**
 * Broker configuration from the environment, validated once at boot. A bad value stops the
 * process with a message naming the variable, never a stack trace.
 */
export interface BrokerConfig {
  dataDir: string;
  httpPort: number;
  host: string;
  brokerId: number;
  /** Partitions of a topic created without partitions_count (Kafka's num.partitions). */
  defaultPartitions: number;
  /** Upper bound on partitions hosted by this broker, all topics together. */
  maxPartitions: number;
  /** Largest HTTP request body accepted (413 / 41301 beyond). */
  maxRequestBytes: number;
  /** Descriptors the log layer may keep open at once. */
  maxOpenFiles: number;
  /** How often closed segments are checked against retention.ms / retention.bytes. */
  retentionCheckIntervalMs: number;
  /** How often the recovery-point and log-start-offset checkpoints are written. */
  checkpointIntervalMs: number;
  /** Whether compacted topics are cleaned (Kafka's log.cleaner.enable). */
  logCleanerEnable: boolean;
  /** Pause after a cleaner run that found nothing to clean (Kafka's log.cleaner.backoff.ms). */
  logCleanerBackoffMs: number;
  /** Cleaner read + write bytes per second, so compaction never starves produce of disk or CPU. */
  logCleanerIoBytesPerSecond: number;
  /** Unsent bytes one WebSocket/SSE connection may hold before it gets no more records. */
  maxBufferedBytesPerConnection: number;
  /** Unsent bytes of all WebSocket/SSE connections together; past it the worst laggards are closed. */
  maxBufferedBytesTotal: number;
  /** A WebSocket/SSE client that reads nothing of what is queued for it this long is closed. */
  slowConsumerTimeoutMs: number;
  /** Topic config defaults (Kafka names → values), from RUNNEL_TOPIC_* overrides. */
  topicDefaults: Record<string, string>;
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

export function loadBrokerConfig(env: NodeJS.ProcessEnv): BrokerConfig {
  let topicDefaults: Record<string, string>;
  try {
    topicDefaults = brokerTopicDefaults(env);
  } catch (error) {
    throw new ConfigError((error as Error).message);
  }
  return {
    dataDir: path.resolve(env.RUNNEL_DATA_DIR ?? './data'),
    httpPort: parseInteger(env, 'RUNNEL_HTTP_PORT', 8080, 0, 65535),
    host: env.RUNNEL_HOST ?? '0.0.0.0',
    brokerId: parseInteger(env, 'RUNNEL_BROKER_ID', 0, 0, 0x7fffffff),
    defaultPartitions: parseInteger(env, 'RUNNEL_DEFAULT_PARTITIONS', 1, 1, 100_000),
    maxPartitions: parseInteger(env, 'RUNNEL_MAX_PARTITIONS', 10_000, 1, 1_000_000),
    maxRequestBytes: parseInteger(env, 'RUNNEL_MAX_REQUEST_BYTES', 64 * 1024 * 1024, 1024, 2 ** 31 - 1),
    maxOpenFiles: parseInteger(env, 'RUNNEL_MAX_OPEN_FILES', 1024, 16, 1_000_000),
    retentionCheckIntervalMs: parseInteger(env, 'RUNNEL_RETENTION_CHECK_INTERVAL_MS', 300_000, 10, 2 ** 31 - 1),
    checkpointIntervalMs: parseInteger(env, 'RUNNEL_CHECKPOINT_INTERVAL_MS', 60_000, 10, 2 ** 31 - 1),
    logCleanerEnable: parseBoolean(env, 'RUNNEL_LOG_CLEANER_ENABLE', true),
    logCleanerBackoffMs: parseInteger(env, 'RUNNEL_LOG_CLEANER_BACKOFF_MS', 15_000, 10, 2 ** 31 - 1),
    // 32 MiB/s: at that rate the cleaner costs produce p99 little on this machine's disk
    // (~440 MB/s synced, see `npm run bench:cleaner`), and it still compacts 1 GiB in ~1 min.
    logCleanerIoBytesPerSecond: parseInteger(env, 'RUNNEL_LOG_CLEANER_IO_BYTES_PER_SECOND', 32 * 1024 * 1024, 1024, Number.MAX_SAFE_INTEGER),
    maxBufferedBytesPerConnection: parseInteger(env, 'RUNNEL_MAX_BUFFERED_BYTES_PER_CONNECTION', 4 * 1024 * 1024, 64 * 1024, 2 ** 31 - 1),
    maxBufferedBytesTotal: parseInteger(env, 'RUNNEL_MAX_BUFFERED_BYTES_TOTAL', 512 * 1024 * 1024, 64 * 1024, Number.MAX_SAFE_INTEGER),
    slowConsumerTimeoutMs: parseInteger(env, 'RUNNEL_SLOW_CONSUMER_TIMEOUT_MS', 30_000, 100, 2 ** 31 - 1),
    topicDefaults,
  };
}

function parseBoolean(env: NodeJS.ProcessEnv, name: string, fallback: boolean): boolean {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (raw === 'true') return true;
  if (raw === 'false') return false;
  throw new ConfigError(`${name}=${raw} must be true or false`);
}

export function parseInteger(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(
      name === 'RUNNEL_HTTP_PORT' ? `${name}=${raw} is not a TCP port (0-65535)` : `${name}=${raw} must be an integer from ${min} to ${max}`,
    );
  }
  return value;
}
