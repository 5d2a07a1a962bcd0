/**
 * The metadata repository: cluster id, topics, their configs and partition assignments. The
 * broker talks to this interface only; `SqliteMetadataStore` is the embedded implementation and a
 * PostgreSQL one follows for clusters. Records are never stored here.
 *
 * Implementations are safe for concurrent calls from one process; `createTopic` is atomic (the
 * topic, its configs and its partitions appear together or not at all).
 */

export interface TopicRecord {
  name: string;
  topicId: string;
  partitionsCount: number;
  replicationFactor: number;
  isInternal: boolean;
  /** Only the configs set on the topic; defaults are the broker's. */
  configs: Record<string, string>;
  createdAt: Date;
}

export interface PartitionRecord {
  topicName: string;
  partitionId: number;
  leader: number;
  leaderEpoch: number;
  partitionEpoch: number;
  replicas: number[];
  isr: number[];
}

/** Whose dynamic broker configs: one broker's overrides, or the cluster-wide defaults ('default'). */
export type BrokerConfigScope = number | 'default';

export interface ListTopicsOptions {
  includeInternal: boolean;
  /** Exclusive lower bound on the name, for page tokens. */
  afterName?: string;
  limit: number;
}

export class TopicExistsError extends Error {
  override readonly name = 'TopicExistsError';
  constructor(readonly topicName: string) {
    super(`topic '${topicName}' already exists`);
  }
}

export class TopicNotFoundError extends Error {
  override readonly name = 'TopicNotFoundError';
  constructor(readonly topicName: string) {
    super(`topic '${topicName}' does not exist`);
  }
}

/**
 * A write the store could not make for an operating reason (full disk, I/O error): nothing of
 * it was applied and the store stays usable, so the caller may answer "retry later".
 */
export class MetadataWriteError extends Error {
  override readonly name = 'MetadataWriteError';
  constructor(
    readonly operation: string,
    override readonly cause: unknown,
  ) {
    super(`metadata store could not ${operation}: ${lastLine(cause)}`);
  }
}

function lastLine(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  const lines = text
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean);
  return lines[lines.length - 1] ?? 'unknown error';
}

export interface MetadataStore {
  /** The cluster id, created on first use and stable afterwards. */
  clusterId(): Promise<string>;
  listTopics(options: ListTopicsOptions): Promise<TopicRecord[]>;
  countTopics(): Promise<number>;
  getTopic(name: string): Promise<TopicRecord | null>;
  /** Throws TopicExistsError when the name is taken. */
  createTopic(topic: Omit<TopicRecord, 'createdAt'>, partitions: PartitionRecord[]): Promise<TopicRecord>;
  /** Returns false when there was no such topic. */
  deleteTopic(name: string): Promise<boolean>;
  /** Sets and removes configs in one transaction; throws TopicNotFoundError. */
  alterTopicConfigs(name: string, set: Record<string, string>, remove: string[]): Promise<TopicRecord>;
  /**
   * Adds `partitions` (ids from the topic's current count upwards, without gaps) and raises the
   * topic's partition count to match, in one transaction; throws TopicNotFoundError.
   */
  addPartitions(name: string, partitions: PartitionRecord[]): Promise<TopicRecord>;
  listPartitions(topicName: string): Promise<PartitionRecord[]>;
  /** The dynamic broker configs set for `scope` (name → value); empty when none. */
  dynamicBrokerConfigs(scope: BrokerConfigScope): Promise<Record<string, string>>;
  /** Sets and removes dynamic broker configs of `scope` in one transaction; returns what is set afterwards. */
  alterDynamicBrokerConfigs(scope: BrokerConfigScope, set: Record<string, string>, remove: string[]): Promise<Record<string, string>>;
  close(): Promise<void>;
}
