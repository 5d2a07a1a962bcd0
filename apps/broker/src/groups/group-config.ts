import { DEFAULT_GROUP_LIMITS, GroupLimits } from '@runnel/groups';
import { ConfigError, parseInteger } from '../config/broker-config';

/**
 * Consumer-group settings from the environment (validated at boot like the broker's own):
 * Kafka's group.* and offsets.topic.* settings under RUNNEL_ names.
 */
export interface GroupConfig {
  limits: GroupLimits;
  /** offsets.topic.num.partitions: fixed once the topic exists. */
  offsetsTopicPartitions: number;
  /** offsets.topic.segment.bytes (compaction works on closed segments). */
  offsetsTopicSegmentBytes: number;
  /** How often members past their session timeout are looked for. */
  sessionCheckIntervalMs: number;
  /** WebSocket pings (each pong renews the sessions of the socket's group members). */
  wsPingIntervalMs: number;
  /** A WebSocket that answers no ping and sends nothing for this long is closed. */
  wsIdleTimeoutMs: number;
}

export function loadGroupConfig(env: NodeJS.ProcessEnv): GroupConfig {
  const d = DEFAULT_GROUP_LIMITS;
  const minSessionTimeoutMs = parseInteger(env, 'RUNNEL_GROUP_MIN_SESSION_TIMEOUT_MS', d.minSessionTimeoutMs, 1, 2 ** 31 - 1);
  const maxSessionTimeoutMs = parseInteger(env, 'RUNNEL_GROUP_MAX_SESSION_TIMEOUT_MS', d.maxSessionTimeoutMs, 1, 2 ** 31 - 1);
  const defaultSessionTimeoutMs = parseInteger(env, 'RUNNEL_GROUP_DEFAULT_SESSION_TIMEOUT_MS', d.defaultSessionTimeoutMs, 1, 2 ** 31 - 1);
  if (minSessionTimeoutMs > maxSessionTimeoutMs || defaultSessionTimeoutMs < minSessionTimeoutMs || defaultSessionTimeoutMs > maxSessionTimeoutMs) {
    throw new ConfigError(
      `RUNNEL_GROUP_DEFAULT_SESSION_TIMEOUT_MS=${defaultSessionTimeoutMs} must lie within RUNNEL_GROUP_MIN_SESSION_TIMEOUT_MS=${minSessionTimeoutMs} and RUNNEL_GROUP_MAX_SESSION_TIMEOUT_MS=${maxSessionTimeoutMs}`,
    );
  }
  return {
    limits: {
      maxGroups: parseInteger(env, 'RUNNEL_MAX_GROUPS', d.maxGroups, 1, 10_000_000),
      maxMembersPerGroup: parseInteger(env, 'RUNNEL_GROUP_MAX_MEMBERS', d.maxMembersPerGroup, 1, 1_000_000),
      minSessionTimeoutMs,
      maxSessionTimeoutMs,
      defaultSessionTimeoutMs,
      maxSubscribedTopics: parseInteger(env, 'RUNNEL_GROUP_MAX_SUBSCRIBED_TOPICS', d.maxSubscribedTopics, 1, 100_000),
    },
    offsetsTopicPartitions: parseInteger(env, 'RUNNEL_OFFSETS_TOPIC_PARTITIONS', 50, 1, 1000),
    offsetsTopicSegmentBytes: parseInteger(env, 'RUNNEL_OFFSETS_TOPIC_SEGMENT_BYTES', 100 * 1024 * 1024, 1024, 2 ** 31 - 1),
    sessionCheckIntervalMs: Math.max(10, Math.min(1000, Math.floor(minSessionTimeoutMs / 4))),
    // Kafka's heartbeat.interval.ms default; at most a third of the shortest session timeout.
    wsPingIntervalMs: parseInteger(env, 'RUNNEL_WS_PING_INTERVAL_MS', Math.max(10, Math.min(3000, Math.floor(minSessionTimeoutMs / 3))), 10, 2 ** 31 - 1),
    wsIdleTimeoutMs: parseInteger(env, 'RUNNEL_WS_IDLE_TIMEOUT_MS', 120_000, 100, 2 ** 31 - 1),
  };
}
