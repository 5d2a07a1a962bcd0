import * as fs from 'node:fs';
import * as path from 'node:path';
import { z } from 'zod';
import { DEFAULT_GROUP_LIMITS } from '@runnel/groups';
import type { HttpConsumerConfig } from '../consumers/consumer-config';
import type { GroupConfig } from '../groups/group-config';
import type { ProduceConfig } from '../produce/produce-config';
import { SecurityConfig, TLS_CLIENT_AUTH, TlsClientAuth } from '../security/security-config';
import { TOPIC_CONFIG_NAMES, brokerTopicDefaults, envNameOf } from '../topics/topic-configs';
import { booleanVar, enumVar, integerVar, optionalIntegerVar, originListVar, originVar, stringVar } from './env-vars';

/**
 * Broker configuration: every RUNNEL_* variable the broker reads, parsed strictly by one zod
 * schema (./env-vars), once, at boot (main.ts), then injected (BROKER_CONFIG and the per-module
 * tokens built from it). A bad value stops the process with a one-line message naming the
 * variable, never a stack trace. No other code reads process.env.
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
  /** Distinct pending deltas one metadata watch (WebSocket "watch") may hold; one more ends it with 42901 "resync". */
  watchQueueMax: number;
  /** Topic config defaults (Kafka names → values), from RUNNEL_TOPIC_* overrides. */
  topicDefaults: Record<string, string>;
  /** Produce-path settings (PRODUCE_CONFIG). */
  produce: ProduceConfig;
  /** Consumer-group settings (GROUP_CONFIG). */
  groups: GroupConfig;
  /** HTTP consumer instances (Confluent REST v2 / Strimzi bridge API). */
  httpConsumers: HttpConsumerConfig;
  /** Level of the JSON log lines on stdout (RUNNEL_LOG_LEVEL). */
  logLevel: LogLevel;
  /** A client must send a request's headers within this. */
  httpHeadersTimeoutMs: number;
  /** A client must send a whole request body within this (NDJSON produce streams are exempt: idle timeout only). */
  httpRequestTimeoutMs: number;
  /** A connection on which the client sends nothing while the broker waits for it is closed after this. */
  httpIdleTimeoutMs: number;
  /** An idle keep-alive connection between requests is closed after this. */
  httpKeepAliveTimeoutMs: number;
  /** Open HTTP/WebSocket connections at most; beyond it new connections are closed at accept. */
  maxConnections: number;
  /** Open connections from one client address at most; beyond it 503 / 50003. */
  maxConnectionsPerIp: number;
  /** Exact origins a browser may call the API from (CORS); none by default. */
  corsOrigins: string[];
  /** Base of every link in responses; unset: the listener's own address (see advertisedUrlOf). */
  advertisedUrl: string | undefined;
  /** Authentication, ACLs, TLS, quotas and the audit log (DESIGN.md "Security"). */
  security: SecurityConfig;
  /** The console's history (history/history.service.ts): sampling interval, retention and memory bound. */
  history: { intervalMs: number; retentionMs: number; maxBytes: number };
  /** Broker-side search (records:search): its one bounded reader. */
  search: SearchConfig;
  /** Test-only fault injection: while this file exists, log writes fail with ENOSPC (see libs/log io.ts). */
  testEnospcFlagFile: string | undefined;
  /** Cluster mode (RUNNEL_METADATA_URL=postgresql://...); undefined on a single node (SQLite). */
  cluster: ClusterConfig | undefined;
}

/**
 * Cluster mode (DESIGN.md "Cluster mode"). The broker's id is `brokerId` (RUNNEL_NODE_ID, or its
 * older name RUNNEL_BROKER_ID); `host` (RUNNEL_HOST) is both the bind address of every listener and
 * the source address of every outgoing inter-broker connection, so links can be cut per node.
 */
export interface ClusterConfig {
  /** postgresql://... of the metadata store (RUNNEL_METADATA_URL). */
  metadataUrl: string;
  /** This broker's rack (RUNNEL_RACK), for rack-aware replica placement; null when unset. */
  rack: string | null;
  /** Port of the inter-broker listener on `host` (RUNNEL_INTER_BROKER_PORT). */
  interBrokerPort: number;
  /**
   * host:port other brokers connect to for the inter-broker channel (RUNNEL_INTER_BROKER_ADVERTISED);
   * default `<host>:<interBrokerPort>` (127.0.0.1 when host is 0.0.0.0). The fault suite points it at a TCP proxy.
   */
  interBrokerAdvertised: string;
  /** Broker lease, renewed by heartbeat every `heartbeatMs` (RUNNEL_BROKER_LEASE_MS, RUNNEL_BROKER_HEARTBEAT_MS). */
  brokerLeaseMs: number;
  heartbeatMs: number;
  /** Controller lease (RUNNEL_CONTROLLER_LEASE_MS), renewed every `heartbeatMs`. */
  controllerLeaseMs: number;
  /** Kafka's replica.lag.time.max.ms: a follower not caught up for this long leaves the ISR (RUNNEL_REPLICA_LAG_TIME_MAX_MS). */
  replicaLagTimeMaxMs: number;
  /** Kafka's default.replication.factor for topics created without one (RUNNEL_DEFAULT_REPLICATION_FACTOR). */
  defaultReplicationFactor: number;
  /**
   * Kafka's offsets.topic.replication.factor, for the broker's own topics (`__consumer_offsets`,
   * idempotency) (RUNNEL_OFFSETS_TOPIC_REPLICATION_FACTOR): created once that many brokers are
   * alive, waited for up to 30 s, else with as many as there are.
   */
  internalReplicationFactor: number;
  /** Kafka's auto.leader.rebalance.enable / leader.imbalance.check.interval.seconds (RUNNEL_LEADER_REBALANCE_INTERVAL_MS; 0 = off). */
  leaderRebalanceIntervalMs: number;
  /** How long controlled shutdown waits for leadership to move away (RUNNEL_CONTROLLED_SHUTDOWN_TIMEOUT_MS). */
  controlledShutdownTimeoutMs: number;
}

/** Searches running at once (more: 429/42901), and the stored bytes per second all of them may read together. */
export interface SearchConfig {
  concurrency: number;
  bytesPerSecond: number;
}

export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

const INT32_MAX = 2 ** 31 - 1;
/** Descriptors kept back from connections for stdio, the log lines, SQLite and the data dir lock. */
const RESERVED_DESCRIPTORS = 64;

/** The process's descriptor limit (soft RLIMIT_NOFILE), where the platform says it. */
export function descriptorLimit(): number | undefined {
  try {
    const line = /^Max open files\s+(\d+)/m.exec(fs.readFileSync('/proc/self/limits', 'utf8'));
    return line ? Number(line[1]) : undefined;
  } catch {
    return undefined;
  }
}

function brokerSchema(fileLimit: number | undefined) {
  const g = DEFAULT_GROUP_LIMITS;
  return z
    .object({
      RUNNEL_DATA_DIR: stringVar('./data'),
      RUNNEL_HTTP_PORT: integerVar(8080, 0, 65535, 'a TCP port (0-65535)'),
      RUNNEL_HOST: stringVar('0.0.0.0'),
      RUNNEL_BROKER_ID: integerVar(0, 0, INT32_MAX),
      RUNNEL_NODE_ID: optionalIntegerVar(0, INT32_MAX),
      RUNNEL_METADATA_URL: stringVar(''),
      RUNNEL_RACK: stringVar(''),
      RUNNEL_INTER_BROKER_PORT: integerVar(9093, 0, 65535, 'a TCP port (0-65535)'),
      RUNNEL_INTER_BROKER_ADVERTISED: stringVar(''),
      RUNNEL_BROKER_LEASE_MS: integerVar(6_000, 100, INT32_MAX),
      RUNNEL_BROKER_HEARTBEAT_MS: integerVar(1_000, 10, INT32_MAX),
      RUNNEL_CONTROLLER_LEASE_MS: integerVar(6_000, 100, INT32_MAX),
      RUNNEL_REPLICA_LAG_TIME_MAX_MS: integerVar(30_000, 100, INT32_MAX),
      RUNNEL_DEFAULT_REPLICATION_FACTOR: integerVar(1, 1, 32),
      RUNNEL_OFFSETS_TOPIC_REPLICATION_FACTOR: integerVar(3, 1, 32),
      RUNNEL_LEADER_REBALANCE_INTERVAL_MS: integerVar(300_000, 0, INT32_MAX),
      RUNNEL_CONTROLLED_SHUTDOWN_TIMEOUT_MS: integerVar(30_000, 0, INT32_MAX),
      RUNNEL_DEFAULT_PARTITIONS: integerVar(1, 1, 100_000),
      RUNNEL_MAX_PARTITIONS: integerVar(10_000, 1, 1_000_000),
      RUNNEL_MAX_REQUEST_BYTES: integerVar(64 * 1024 * 1024, 1024, INT32_MAX),
      RUNNEL_MAX_OPEN_FILES: integerVar(1024, 16, 1_000_000),
      RUNNEL_RETENTION_CHECK_INTERVAL_MS: integerVar(300_000, 10, INT32_MAX),
      RUNNEL_CHECKPOINT_INTERVAL_MS: integerVar(60_000, 10, INT32_MAX),
      RUNNEL_LOG_CLEANER_ENABLE: booleanVar(true),
      RUNNEL_LOG_CLEANER_BACKOFF_MS: integerVar(15_000, 10, INT32_MAX),
      // 32 MiB/s: at that rate the cleaner costs produce p99 little on this machine's disk
      // (~440 MB/s synced, see `npm run bench:cleaner`), and it still compacts 1 GiB in ~1 min.
      RUNNEL_LOG_CLEANER_IO_BYTES_PER_SECOND: integerVar(32 * 1024 * 1024, 1024, Number.MAX_SAFE_INTEGER),
      RUNNEL_MAX_BUFFERED_BYTES_PER_CONNECTION: integerVar(4 * 1024 * 1024, 64 * 1024, INT32_MAX),
      RUNNEL_MAX_BUFFERED_BYTES_TOTAL: integerVar(512 * 1024 * 1024, 64 * 1024, Number.MAX_SAFE_INTEGER),
      RUNNEL_SLOW_CONSUMER_TIMEOUT_MS: integerVar(30_000, 100, INT32_MAX),
      RUNNEL_IDEMPOTENCY_WINDOW_MS: integerVar(5 * 60_000, 0, 7 * 24 * 3_600_000),
      RUNNEL_IDEMPOTENCY_MAX_KEYS: integerVar(100_000, 1, 10_000_000),
      RUNNEL_IDEMPOTENCY_MAX_BYTES: integerVar(64 * 1024 * 1024, 1024, 2 ** 40),
      RUNNEL_GROUP_MIN_SESSION_TIMEOUT_MS: integerVar(g.minSessionTimeoutMs, 1, INT32_MAX),
      RUNNEL_GROUP_MAX_SESSION_TIMEOUT_MS: integerVar(g.maxSessionTimeoutMs, 1, INT32_MAX),
      RUNNEL_GROUP_DEFAULT_SESSION_TIMEOUT_MS: integerVar(g.defaultSessionTimeoutMs, 1, INT32_MAX),
      RUNNEL_MAX_GROUPS: integerVar(g.maxGroups, 1, 10_000_000),
      RUNNEL_GROUP_MAX_MEMBERS: integerVar(g.maxMembersPerGroup, 1, 1_000_000),
      RUNNEL_GROUP_MAX_SUBSCRIBED_TOPICS: integerVar(g.maxSubscribedTopics, 1, 100_000),
      RUNNEL_HTTP_CONSUMERS_MAX: integerVar(1000, 1, 1_000_000),
      RUNNEL_HTTP_CONSUMERS_MAX_PER_GROUP: integerVar(100, 1, 1_000_000),
      // Confluent REST's consumer.instance.timeout.ms; also the member's session timeout, so within the group bounds.
      RUNNEL_HTTP_CONSUMER_INSTANCE_TIMEOUT_MS: optionalIntegerVar(1, INT32_MAX),
      RUNNEL_HTTP_CONSUMER_MAX_POLL_WAIT_MS: integerVar(30_000, 0, 300_000),
      RUNNEL_HTTP_CONSUMER_MAX_POLL_BYTES: integerVar(8 * 1024 * 1024, 1024, 256 * 1024 * 1024),
      RUNNEL_OFFSETS_TOPIC_PARTITIONS: integerVar(50, 1, 1000),
      RUNNEL_OFFSETS_TOPIC_SEGMENT_BYTES: integerVar(100 * 1024 * 1024, 1024, INT32_MAX),
      // Default: Kafka's heartbeat.interval.ms, at most a third of the shortest session timeout.
      RUNNEL_WS_PING_INTERVAL_MS: optionalIntegerVar(10, INT32_MAX),
      RUNNEL_WS_IDLE_TIMEOUT_MS: integerVar(120_000, 100, INT32_MAX),
      RUNNEL_LOG_LEVEL: enumVar<LogLevel>('info', LOG_LEVELS),
      RUNNEL_HTTP_HEADERS_TIMEOUT_MS: integerVar(30_000, 100, INT32_MAX),
      RUNNEL_HTTP_REQUEST_TIMEOUT_MS: integerVar(120_000, 100, INT32_MAX),
      RUNNEL_HTTP_IDLE_TIMEOUT_MS: integerVar(120_000, 100, INT32_MAX),
      RUNNEL_HTTP_KEEP_ALIVE_TIMEOUT_MS: integerVar(5_000, 100, INT32_MAX),
      // Unset: what the descriptor limit leaves after the log layer's files and a reserve.
      RUNNEL_MAX_CONNECTIONS: optionalIntegerVar(1, 10_000_000),
      RUNNEL_MAX_CONNECTIONS_PER_IP: optionalIntegerVar(1, 10_000_000),
      RUNNEL_CORS_ORIGINS: originListVar(),
      RUNNEL_ADVERTISED_URL: originVar(),
      RUNNEL_TEST_ENOSPC_FLAG_FILE: stringVar(''),
      RUNNEL_AUTH: booleanVar(false),
      RUNNEL_ADMIN_PASSWORD: stringVar(''),
      RUNNEL_SUPER_USERS: stringVar('User:admin'),
      RUNNEL_METRICS_PUBLIC: booleanVar(false),
      RUNNEL_ALLOW_EVERYONE_IF_NO_ACL_FOUND: booleanVar(false),
      RUNNEL_ALLOWED_ORIGINS: originListVar(),
      RUNNEL_AUTH_CACHE_MS: integerVar(5 * 60_000, 0, INT32_MAX),
      RUNNEL_AUTH_FAILURES_BEFORE_DELAY: integerVar(5, 0, 1_000_000),
      RUNNEL_AUTH_MAX_FAILURE_DELAY_MS: integerVar(5_000, 0, 600_000),
      RUNNEL_WS_TICKET_TTL_MS: integerVar(30_000, 1_000, 3_600_000),
      RUNNEL_AUDIT_RETENTION_MS: integerVar(30 * 24 * 3_600_000, 60_000, Number.MAX_SAFE_INTEGER),
      RUNNEL_TLS_CERT: stringVar(''),
      RUNNEL_TLS_KEY: stringVar(''),
      RUNNEL_TLS_CA: stringVar(''),
      RUNNEL_TLS_CLIENT_AUTH: enumVar<TlsClientAuth>('none', TLS_CLIENT_AUTH),
      RUNNEL_TLS_PRINCIPAL_MAPPING_RULES: stringVar('DEFAULT'),
      RUNNEL_QUOTA_WINDOW_NUM: integerVar(11, 2, 1000),
      RUNNEL_QUOTA_WINDOW_SIZE_MS: integerVar(1000, 10, 3_600_000),
      RUNNEL_QUOTA_MAX_DELAY_MS: integerVar(30_000, 0, INT32_MAX),
      RUNNEL_WATCH_QUEUE_MAX: integerVar(10_000, 1, 1_000_000),
      RUNNEL_HISTORY_INTERVAL_MS: integerVar(10_000, 100, 3_600_000),
      RUNNEL_HISTORY_RETENTION_MS: integerVar(24 * 3_600_000, 60_000, 366 * 24 * 3_600_000),
      RUNNEL_HISTORY_MAX_BYTES: integerVar(256 * 1024 * 1024, 1024 * 1024, Number.MAX_SAFE_INTEGER),
      RUNNEL_SEARCH_CONCURRENCY: integerVar(2, 1, 1000),
      RUNNEL_SEARCH_BYTES_PER_SEC: integerVar(64 * 1024 * 1024, 1024, Number.MAX_SAFE_INTEGER),
    })
    .transform((v) => ({ ...v, fileLimit }));
}

type Parsed = z.output<ReturnType<typeof brokerSchema>>;

/**
 * Parses the environment into a BrokerConfig. `fileLimit` (the process's descriptor limit) sizes
 * the default connection bound; tests pass it, main.ts reads it.
 */
export function loadBrokerConfig(env: NodeJS.ProcessEnv, fileLimit: number | undefined = descriptorLimit()): BrokerConfig {
  const result = brokerSchema(fileLimit).safeParse(env);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => {
      const name = String(issue.path[0]);
      return `${name}=${shown(env[name])} ${issue.message}`;
    });
    throw new ConfigError(problems.join('; '));
  }
  const v = result.data;
  return {
    dataDir: path.resolve(v.RUNNEL_DATA_DIR),
    httpPort: v.RUNNEL_HTTP_PORT,
    host: v.RUNNEL_HOST,
    brokerId: v.RUNNEL_NODE_ID ?? v.RUNNEL_BROKER_ID,
    defaultPartitions: v.RUNNEL_DEFAULT_PARTITIONS,
    maxPartitions: v.RUNNEL_MAX_PARTITIONS,
    maxRequestBytes: v.RUNNEL_MAX_REQUEST_BYTES,
    maxOpenFiles: v.RUNNEL_MAX_OPEN_FILES,
    retentionCheckIntervalMs: v.RUNNEL_RETENTION_CHECK_INTERVAL_MS,
    checkpointIntervalMs: v.RUNNEL_CHECKPOINT_INTERVAL_MS,
    logCleanerEnable: v.RUNNEL_LOG_CLEANER_ENABLE,
    logCleanerBackoffMs: v.RUNNEL_LOG_CLEANER_BACKOFF_MS,
    logCleanerIoBytesPerSecond: v.RUNNEL_LOG_CLEANER_IO_BYTES_PER_SECOND,
    maxBufferedBytesPerConnection: v.RUNNEL_MAX_BUFFERED_BYTES_PER_CONNECTION,
    maxBufferedBytesTotal: v.RUNNEL_MAX_BUFFERED_BYTES_TOTAL,
    slowConsumerTimeoutMs: v.RUNNEL_SLOW_CONSUMER_TIMEOUT_MS,
    watchQueueMax: v.RUNNEL_WATCH_QUEUE_MAX,
    topicDefaults: topicDefaultsOf(env),
    produce: {
      idempotencyWindowMs: v.RUNNEL_IDEMPOTENCY_WINDOW_MS,
      idempotencyMaxKeys: v.RUNNEL_IDEMPOTENCY_MAX_KEYS,
      idempotencyMaxBytes: v.RUNNEL_IDEMPOTENCY_MAX_BYTES,
    },
    groups: groupConfigOf(v),
    httpConsumers: httpConsumerConfigOf(v),
    logLevel: v.RUNNEL_LOG_LEVEL,
    httpHeadersTimeoutMs: v.RUNNEL_HTTP_HEADERS_TIMEOUT_MS,
    httpRequestTimeoutMs: v.RUNNEL_HTTP_REQUEST_TIMEOUT_MS,
    httpIdleTimeoutMs: v.RUNNEL_HTTP_IDLE_TIMEOUT_MS,
    httpKeepAliveTimeoutMs: v.RUNNEL_HTTP_KEEP_ALIVE_TIMEOUT_MS,
    ...connectionBoundsOf(v),
    corsOrigins: v.RUNNEL_CORS_ORIGINS,
    advertisedUrl: v.RUNNEL_ADVERTISED_URL,
    testEnospcFlagFile: v.RUNNEL_TEST_ENOSPC_FLAG_FILE || undefined,
    security: securityConfigOf(v),
    history: { intervalMs: v.RUNNEL_HISTORY_INTERVAL_MS, retentionMs: v.RUNNEL_HISTORY_RETENTION_MS, maxBytes: v.RUNNEL_HISTORY_MAX_BYTES },
    search: { concurrency: v.RUNNEL_SEARCH_CONCURRENCY, bytesPerSecond: v.RUNNEL_SEARCH_BYTES_PER_SEC },
    cluster: clusterConfigOf(v),
  };
}

function clusterConfigOf(v: Parsed): ClusterConfig | undefined {
  const url = v.RUNNEL_METADATA_URL.trim();
  if (url === '') return undefined;
  if (!/^postgres(ql)?:\/\//.test(url)) {
    throw new ConfigError(`RUNNEL_METADATA_URL must be a postgresql:// URL (cluster mode); leave it unset for the embedded SQLite store`);
  }
  if (v.RUNNEL_BROKER_HEARTBEAT_MS * 2 > v.RUNNEL_BROKER_LEASE_MS || v.RUNNEL_BROKER_HEARTBEAT_MS * 2 > v.RUNNEL_CONTROLLER_LEASE_MS) {
    throw new ConfigError('RUNNEL_BROKER_HEARTBEAT_MS must be at most half of RUNNEL_BROKER_LEASE_MS and of RUNNEL_CONTROLLER_LEASE_MS');
  }
  const advertised = v.RUNNEL_INTER_BROKER_ADVERTISED.trim();
  if (advertised !== '' && !/^[^\s:/]+:\d{1,5}$/.test(advertised)) {
    throw new ConfigError(`RUNNEL_INTER_BROKER_ADVERTISED=${shown(advertised)} must be host:port`);
  }
  const host = v.RUNNEL_HOST === '0.0.0.0' || v.RUNNEL_HOST === '::' ? '127.0.0.1' : v.RUNNEL_HOST;
  return {
    metadataUrl: url,
    rack: v.RUNNEL_RACK.trim() || null,
    interBrokerPort: v.RUNNEL_INTER_BROKER_PORT,
    interBrokerAdvertised: advertised || `${host}:${v.RUNNEL_INTER_BROKER_PORT}`,
    brokerLeaseMs: v.RUNNEL_BROKER_LEASE_MS,
    heartbeatMs: v.RUNNEL_BROKER_HEARTBEAT_MS,
    controllerLeaseMs: v.RUNNEL_CONTROLLER_LEASE_MS,
    replicaLagTimeMaxMs: v.RUNNEL_REPLICA_LAG_TIME_MAX_MS,
    defaultReplicationFactor: v.RUNNEL_DEFAULT_REPLICATION_FACTOR,
    internalReplicationFactor: v.RUNNEL_OFFSETS_TOPIC_REPLICATION_FACTOR,
    leaderRebalanceIntervalMs: v.RUNNEL_LEADER_REBALANCE_INTERVAL_MS,
    controlledShutdownTimeoutMs: v.RUNNEL_CONTROLLED_SHUTDOWN_TIMEOUT_MS,
  };
}

/** Kafka's super.users syntax: principals separated by semicolons. */
const PRINCIPAL = /^User:[^;\s]{1,255}$/;

function securityConfigOf(v: Parsed): SecurityConfig {
  const superUsers = v.RUNNEL_SUPER_USERS.split(';')
    .map((item) => item.trim())
    .filter(Boolean);
  const bad = superUsers.find((principal) => !PRINCIPAL.test(principal));
  if (bad !== undefined) throw new ConfigError(`RUNNEL_SUPER_USERS has "${bad}", which is not a principal such as User:admin`);
  const adminPassword = v.RUNNEL_ADMIN_PASSWORD;
  if (adminPassword && (adminPassword.length < 8 || adminPassword.length > 1024)) {
    // The value is a secret: the message names the variable, never what it holds.
    throw new ConfigError(`RUNNEL_ADMIN_PASSWORD must have 8 to 1024 characters (it has ${adminPassword.length})`);
  }
  const tlsFiles = [v.RUNNEL_TLS_CERT, v.RUNNEL_TLS_KEY];
  if (tlsFiles.some(Boolean) && !tlsFiles.every(Boolean)) {
    throw new ConfigError('RUNNEL_TLS_CERT and RUNNEL_TLS_KEY must be set together (PEM files of the listener certificate and its key)');
  }
  if (v.RUNNEL_TLS_CLIENT_AUTH !== 'none' && !v.RUNNEL_TLS_CA) {
    throw new ConfigError(`RUNNEL_TLS_CLIENT_AUTH=${v.RUNNEL_TLS_CLIENT_AUTH} needs RUNNEL_TLS_CA (the CA client certificates chain to)`);
  }
  if (v.RUNNEL_TLS_CLIENT_AUTH !== 'none' && !v.RUNNEL_TLS_CERT) {
    throw new ConfigError(`RUNNEL_TLS_CLIENT_AUTH=${v.RUNNEL_TLS_CLIENT_AUTH} needs TLS on (RUNNEL_TLS_CERT and RUNNEL_TLS_KEY)`);
  }
  return {
    enabled: v.RUNNEL_AUTH,
    adminPassword: v.RUNNEL_ADMIN_PASSWORD || undefined,
    superUsers,
    metricsPublic: v.RUNNEL_METRICS_PUBLIC,
    allowEveryoneIfNoAclFound: v.RUNNEL_ALLOW_EVERYONE_IF_NO_ACL_FOUND,
    allowedOrigins: v.RUNNEL_ALLOWED_ORIGINS,
    credentialCacheMs: v.RUNNEL_AUTH_CACHE_MS,
    failuresBeforeDelay: v.RUNNEL_AUTH_FAILURES_BEFORE_DELAY,
    maxFailureDelayMs: v.RUNNEL_AUTH_MAX_FAILURE_DELAY_MS,
    wsTicketTtlMs: v.RUNNEL_WS_TICKET_TTL_MS,
    auditRetentionMs: v.RUNNEL_AUDIT_RETENTION_MS,
    tls: v.RUNNEL_TLS_CERT
      ? {
          certFile: path.resolve(v.RUNNEL_TLS_CERT),
          keyFile: path.resolve(v.RUNNEL_TLS_KEY),
          caFile: v.RUNNEL_TLS_CA ? path.resolve(v.RUNNEL_TLS_CA) : undefined,
          clientAuth: v.RUNNEL_TLS_CLIENT_AUTH,
          principalMappingRules: v.RUNNEL_TLS_PRINCIPAL_MAPPING_RULES,
        }
      : undefined,
    quotas: {
      windowCount: v.RUNNEL_QUOTA_WINDOW_NUM,
      windowMs: v.RUNNEL_QUOTA_WINDOW_SIZE_MS,
      maxDelayMs: v.RUNNEL_QUOTA_MAX_DELAY_MS,
    },
  };
}

function groupConfigOf(v: Parsed): GroupConfig {
  const minSessionTimeoutMs = v.RUNNEL_GROUP_MIN_SESSION_TIMEOUT_MS;
  const maxSessionTimeoutMs = v.RUNNEL_GROUP_MAX_SESSION_TIMEOUT_MS;
  const defaultSessionTimeoutMs = v.RUNNEL_GROUP_DEFAULT_SESSION_TIMEOUT_MS;
  if (
    minSessionTimeoutMs > maxSessionTimeoutMs ||
    defaultSessionTimeoutMs < minSessionTimeoutMs ||
    defaultSessionTimeoutMs > maxSessionTimeoutMs
  ) {
    throw new ConfigError(
      `RUNNEL_GROUP_DEFAULT_SESSION_TIMEOUT_MS=${defaultSessionTimeoutMs} must lie within RUNNEL_GROUP_MIN_SESSION_TIMEOUT_MS=${minSessionTimeoutMs} and RUNNEL_GROUP_MAX_SESSION_TIMEOUT_MS=${maxSessionTimeoutMs}`,
    );
  }
  return {
    limits: {
      maxGroups: v.RUNNEL_MAX_GROUPS,
      maxMembersPerGroup: v.RUNNEL_GROUP_MAX_MEMBERS,
      minSessionTimeoutMs,
      maxSessionTimeoutMs,
      defaultSessionTimeoutMs,
      maxSubscribedTopics: v.RUNNEL_GROUP_MAX_SUBSCRIBED_TOPICS,
    },
    offsetsTopicPartitions: v.RUNNEL_OFFSETS_TOPIC_PARTITIONS,
    offsetsTopicSegmentBytes: v.RUNNEL_OFFSETS_TOPIC_SEGMENT_BYTES,
    sessionCheckIntervalMs: Math.max(10, Math.min(1000, Math.floor(minSessionTimeoutMs / 4))),
    wsPingIntervalMs: v.RUNNEL_WS_PING_INTERVAL_MS ?? Math.max(10, Math.min(3000, Math.floor(minSessionTimeoutMs / 3))),
    wsIdleTimeoutMs: v.RUNNEL_WS_IDLE_TIMEOUT_MS,
  };
}

function httpConsumerConfigOf(v: Parsed): HttpConsumerConfig {
  // Default: Confluent's 5 minutes, within the group session bounds.
  const instanceTimeoutMs =
    v.RUNNEL_HTTP_CONSUMER_INSTANCE_TIMEOUT_MS ??
    Math.max(v.RUNNEL_GROUP_MIN_SESSION_TIMEOUT_MS, Math.min(300_000, v.RUNNEL_GROUP_MAX_SESSION_TIMEOUT_MS));
  if (instanceTimeoutMs < v.RUNNEL_GROUP_MIN_SESSION_TIMEOUT_MS || instanceTimeoutMs > v.RUNNEL_GROUP_MAX_SESSION_TIMEOUT_MS) {
    throw new ConfigError(
      `RUNNEL_HTTP_CONSUMER_INSTANCE_TIMEOUT_MS=${instanceTimeoutMs} must lie within RUNNEL_GROUP_MIN_SESSION_TIMEOUT_MS=${v.RUNNEL_GROUP_MIN_SESSION_TIMEOUT_MS} and RUNNEL_GROUP_MAX_SESSION_TIMEOUT_MS=${v.RUNNEL_GROUP_MAX_SESSION_TIMEOUT_MS} (it is the instance's group session)`,
    );
  }
  return {
    maxInstances: v.RUNNEL_HTTP_CONSUMERS_MAX,
    maxInstancesPerGroup: v.RUNNEL_HTTP_CONSUMERS_MAX_PER_GROUP,
    instanceTimeoutMs,
    maxPollWaitMs: v.RUNNEL_HTTP_CONSUMER_MAX_POLL_WAIT_MS,
    maxPollBytes: v.RUNNEL_HTTP_CONSUMER_MAX_POLL_BYTES,
  };
}

/**
 * Connections must leave descriptors for the log layer's files (RUNNEL_MAX_OPEN_FILES) and the
 * reserve (stdio, log output, SQLite), or a flood of clients stops the broker writing. Per
 * address: half the total, so one client cannot take them all.
 */
function connectionBoundsOf(v: Parsed): { maxConnections: number; maxConnectionsPerIp: number } {
  const derived = v.fileLimit === undefined ? 10_000 : Math.max(16, v.fileLimit - v.RUNNEL_MAX_OPEN_FILES - RESERVED_DESCRIPTORS);
  const maxConnections = v.RUNNEL_MAX_CONNECTIONS ?? derived;
  const maxConnectionsPerIp = v.RUNNEL_MAX_CONNECTIONS_PER_IP ?? Math.max(1, Math.floor(maxConnections / 2));
  return { maxConnections, maxConnectionsPerIp };
}

/** RUNNEL_TOPIC_<CONFIG> overrides; integer configs take decimal digits only, like every variable. */
function topicDefaultsOf(env: NodeJS.ProcessEnv): Record<string, string> {
  const runnelDefaults = brokerTopicDefaults({});
  const overrides: Record<string, string> = {};
  for (const name of TOPIC_CONFIG_NAMES) {
    const variable = envNameOf(name);
    const raw = env[variable];
    if (raw === undefined || raw === '') continue;
    if (/^\s|\s$/.test(raw) || (/^-?\d+$/.test(runnelDefaults[name]) && !/^-?\d+$/.test(raw))) {
      throw new ConfigError(`${variable}=${shown(raw)} is not an integer in decimal digits`);
    }
    overrides[variable] = raw;
  }
  try {
    return brokerTopicDefaults(overrides);
  } catch (error) {
    throw new ConfigError((error as Error).message);
  }
}

/**
 * One variable read the same strict way, for settings not yet in the schema above (add new ones
 * to the schema instead).
 */
export function parseInteger(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number): number {
  const result = integerVar(fallback, min, max).safeParse(env[name]);
  if (!result.success) throw new ConfigError(`${name}=${shown(env[name])} ${result.error.issues[0].message}`);
  return result.data;
}

export function parseBoolean(env: NodeJS.ProcessEnv, name: string, fallback: boolean): boolean {
  const result = booleanVar(fallback).safeParse(env[name]);
  if (!result.success) throw new ConfigError(`${name}=${shown(env[name])} ${result.error.issues[0].message}`);
  return result.data;
}

/** A value as typed, quoted only when spaces or invisible characters would hide what is wrong. */
function shown(raw: string | undefined): string {
  return raw !== undefined && /^[\x21-\x7e]+$/.test(raw) ? raw : JSON.stringify(raw ?? '');
}
