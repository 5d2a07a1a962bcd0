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

/** A user's SCRAM credential for one mechanism (base64 salt/keys, as Kafka stores them). */
export interface ScramCredentialRecord {
  mechanism: string;
  salt: string;
  storedKey: string;
  serverKey: string;
  iterations: number;
}

export interface UserRecord {
  name: string;
  createdAt: Date;
  credentials: ScramCredentialRecord[];
}

export interface ApiKeyRecord {
  keyId: string;
  userName: string;
  /** Hex SHA-256 of the key's secret; the secret itself is never stored. */
  secretHash: string;
  createdAt: Date;
  expiresAt: Date | null;
}

/** A Kafka ACL binding as stored (enum values as Kafka's names). */
export interface AclRecord {
  id: number;
  resourceType: string;
  resourceName: string;
  patternType: string;
  principal: string;
  host: string;
  operation: string;
  permission: string;
}

/**
 * A quota entity: `user` / `clientId` are a name, `'<default>'` (Kafka's default entity) or
 * `''` (not part of the entity: a client-id-only quota has `user: ''`).
 */
export interface QuotaEntity {
  user: string;
  clientId: string;
}

export interface QuotaRecord {
  entity: QuotaEntity;
  /** producer_byte_rate, consumer_byte_rate, request_percentage → value. */
  values: Record<string, number>;
}

export interface AuditRecord {
  id: number;
  time: Date;
  principal: string;
  source: string;
  resource: string;
  operation: string;
  outcome: string;
  before: string | null;
  after: string | null;
}

export type NewAuditRecord = Omit<AuditRecord, 'id' | 'time'> & { time?: Date };

/** One page of the audit log: ordered by id, after (`asc`) or before (`desc`) a cursor, filtered by exact values. */
export interface AuditQuery {
  order: 'asc' | 'desc';
  /** `asc`: ids greater than this (0 = from the oldest); `desc`: ids less than this (0 = from the newest). */
  cursor: number;
  limit: number;
  principal?: string;
  outcome?: string;
  operation?: string;
  resource?: string;
}

export class UserExistsError extends Error {
  override readonly name = 'UserExistsError';
  constructor(readonly userName: string) {
    super(`user '${userName}' already exists`);
  }
}

export class UserNotFoundError extends Error {
  override readonly name = 'UserNotFoundError';
  constructor(readonly userName: string) {
    super(`user '${userName}' does not exist`);
  }
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
  /** Every user with its credentials, by name. */
  listUsers(): Promise<UserRecord[]>;
  getUser(name: string): Promise<UserRecord | null>;
  /** Throws UserExistsError when the name is taken. */
  createUser(name: string, credentials: ScramCredentialRecord[]): Promise<UserRecord>;
  /** Sets (adds or replaces, per mechanism) credentials of an existing user; throws UserNotFoundError. */
  setCredentials(name: string, credentials: ScramCredentialRecord[]): Promise<UserRecord>;
  /** Deletes the user, its credentials and its API keys; false when there was no such user. */
  deleteUser(name: string): Promise<boolean>;
  /** Throws UserNotFoundError when the user does not exist. */
  createApiKey(key: Omit<ApiKeyRecord, 'createdAt'>): Promise<ApiKeyRecord>;
  getApiKey(keyId: string): Promise<ApiKeyRecord | null>;
  listApiKeys(userName: string): Promise<ApiKeyRecord[]>;
  /** False when there was no such key. */
  deleteApiKey(keyId: string): Promise<boolean>;
  listAcls(): Promise<AclRecord[]>;
  /** Stores the bindings not stored yet (one transaction); returns the records of all of them. */
  createAcls(bindings: Omit<AclRecord, 'id'>[]): Promise<AclRecord[]>;
  /** Deletes the bindings with these ids (one transaction); returns those that existed. */
  deleteAcls(ids: number[]): Promise<AclRecord[]>;
  listQuotas(): Promise<QuotaRecord[]>;
  /**
   * Sets and removes quota values of one entity in one transaction; returns the entity's values
   * afterwards (empty when none is left).
   */
  alterQuotas(entity: QuotaEntity, set: Record<string, number>, remove: string[]): Promise<Record<string, number>>;
  appendAudit(events: NewAuditRecord[]): Promise<void>;
  /** At most `limit` audit records past the cursor in `order`, matching every filter given (indexed columns). */
  listAudit(query: AuditQuery): Promise<AuditRecord[]>;
  /** Deletes audit records older than `before`; returns how many. */
  trimAudit(before: Date): Promise<number>;
  close(): Promise<void>;
}
