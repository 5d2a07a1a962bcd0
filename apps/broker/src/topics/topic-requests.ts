import { RunnelError, badRequest } from '../common/errors';
import type { CreateTopicRequest } from './topics.service';

/** What a create-topic request asks for, read and checked before anything is created (Confluent's CreateTopicRequestData). */
export interface TopicLayout {
  partitionsCount: number;
  replicationFactor: number;
  /** The replicas of each partition when the request gave them (`replicas_assignments`); else placed by the broker. */
  assignments?: number[][];
}

/** The brokers a create may use (the live ones; one node: itself) and the defaults of absent counts. */
export interface TopicLayoutContext {
  brokerIds: number[];
  defaultPartitions: number;
  defaultReplicationFactor: number;
}

/**
 * Partition count and replication factor of a create: from `replicas_assignments` when given
 * (its keys and lists, every broker a live one, no duplicates, one length), else from
 * `partitions_count` / `replication_factor` (absent or -1: the broker's defaults, as Confluent).
 * A replication factor above the live brokers, as anything else Kafka refuses, is 400/40002.
 */
export function topicLayout(request: CreateTopicRequest, context: TopicLayoutContext): TopicLayout {
  const assignments = parseReplicasAssignments(request.replicas_assignments);
  const live = new Set(context.brokerIds);
  if (assignments) {
    if (request.partitions_count !== undefined && request.partitions_count !== null && request.partitions_count !== -1) {
      if (request.partitions_count !== assignments.length) {
        throw new RunnelError('KAFKA_BAD_REQUEST', 'partitions_count and replicas_assignments disagree: give one of them');
      }
    }
    for (const [partition, replicas] of assignments.entries()) {
      const unknown = replicas.find((id) => !live.has(id));
      if (unknown !== undefined) {
        const message = `Unknown broker ${unknown} in the replicas of partition ${partition}: the live brokers are ${[...live].join(', ')}`;
        throw new RunnelError('KAFKA_BAD_REQUEST', message);
      }
      if (new Set(replicas).size !== replicas.length) {
        throw new RunnelError('KAFKA_BAD_REQUEST', `Duplicate brokers in the replicas of partition ${partition}`);
      }
      if (replicas.length !== assignments[0].length) {
        throw new RunnelError('KAFKA_BAD_REQUEST', 'All partitions must have the same number of replicas');
      }
    }
    return { partitionsCount: assignments.length, replicationFactor: assignments[0].length, assignments };
  }
  const partitionsCount = optionalInteger('partitions_count', request.partitions_count, context.defaultPartitions);
  const replicationFactor = optionalInteger('replication_factor', request.replication_factor, context.defaultReplicationFactor);
  if (replicationFactor > live.size) {
    throw new RunnelError('KAFKA_BAD_REQUEST', `Replication factor: ${replicationFactor} larger than available brokers: ${live.size}.`);
  }
  return { partitionsCount, replicationFactor };
}

/** The nil UUID: the topic id Kafka answers for a validate-only create. */
export const VALIDATE_ONLY_TOPIC_ID = '00000000-0000-0000-0000-000000000000';

/** A count as Kafka takes it: absent or -1 is the broker's default, below 1 is Kafka's invalid-request family (40002). */
function optionalInteger(field: string, value: unknown, fallback: number): number {
  if (value === undefined || value === null || value === -1) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value)) throw badRequest(`${field} must be an integer`);
  if (value < 1 || value > 0x7fffffff) throw new RunnelError('KAFKA_BAD_REQUEST', `${field} must be larger than 0`);
  return value;
}

/**
 * `replicas_assignments` ({"0": [broker, ...], "1": [...]}) as one replica list per partition,
 * or undefined when absent or empty (Confluent then uses the counts). Partition ids must run
 * from 0 without gaps, as Kafka requires.
 */
function parseReplicasAssignments(input: unknown): number[][] | undefined {
  if (input === undefined || input === null) return undefined;
  if (typeof input !== 'object' || Array.isArray(input)) {
    throw badRequest('replicas_assignments must be an object of partition id -> [broker ids]');
  }
  const entries = Object.entries(input as Record<string, unknown>);
  if (entries.length === 0) return undefined;
  const assignments: number[][] = new Array<number[]>(entries.length);
  for (const [key, replicas] of entries) {
    const partition = /^(0|[1-9]\d{0,9})$/.test(key) ? Number(key) : NaN;
    if (!(partition < entries.length)) {
      throw new RunnelError(
        'KAFKA_BAD_REQUEST',
        `replicas_assignments must name partitions 0 to ${entries.length - 1}, not ${JSON.stringify(key)}`,
      );
    }
    if (!Array.isArray(replicas) || replicas.length === 0 || !replicas.every((id) => Number.isInteger(id))) {
      throw badRequest(`replicas_assignments["${key}"] must be a non-empty array of broker ids`);
    }
    assignments[partition] = replicas as number[];
  }
  return assignments;
}
