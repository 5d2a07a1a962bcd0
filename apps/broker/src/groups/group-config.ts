import type { GroupLimits } from '@runnel/groups';

/**
 * Consumer-group settings: BrokerConfig.groups (read from the environment by the config module):
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
