/**
 * The contract of @runnel/groups: consumer-group membership, server-side partition assignment
 * and committed offsets, in the spirit of Kafka's KIP-848 — the coordinator, not the clients,
 * computes assignments. Plain TypeScript: no Nest, no sockets, no files. The broker supplies
 * three seams: the topics that exist (TopicCatalog), durable storage for the records of
 * `__consumer_offsets` (OffsetLog), and a clock.
 *
 * Guarantees the coordinator keeps (and its tests check):
 * - A partition is owned by at most one member of a group at any instant. A reassignment first
 *   calls the old owner's `onRevoked` (which stops delivery synchronously) and only then the new
 *   owner's `onAssigned` — revoke before assign.
 * - Listener callbacks for a member never run before its `join` returned, nor after its
 *   `onRemoved` or its `leave`.
 * - Commits are fenced: only a current member may commit, only for partitions it owns now.
 * - The committed-offset cache is updated synchronously by `commit`/`resetOffsets`, so a
 *   partition assigned right after a commit starts from that commit.
 */

export interface TopicPartition {
  readonly topic: string;
  readonly partition: number;
}

/**
 * What a member reads: exact topic names, name prefixes and/or one regular expression that must
 * match a whole topic name (Kafka's `subscribe(Pattern)`; HTTP consumers' `topic_pattern`).
 * Internal `__` topics never match a prefix or a pattern.
 */
export interface GroupSubscription {
  readonly topics: readonly string[];
  readonly topicPrefixes: readonly string[];
  readonly topicPattern?: string;
}

/** The broker's topics now. Internal topics (names starting `__`) must not be listed. */
export interface TopicCatalog {
  /** Topic name -> partition count, for every non-internal topic. */
  topics(): ReadonlyMap<string, number>;
}

/** One record of `__consumer_offsets`: key bytes, value bytes (null = tombstone). */
export interface OffsetLogRecord {
  readonly key: Buffer;
  readonly value: Buffer | null;
}

/** Durable storage for the coordinator's records (the broker appends them to `__consumer_offsets`). */
export interface OffsetLog {
  /**
   * Appends the records of one group, in order, to the offsets-topic partition chosen by
   * `groupId`; resolves once they are durable (acks=all), rejects if they could not be written.
   */
  append(groupId: string, records: readonly OffsetLogRecord[]): Promise<void>;
}

export interface AssignedPartition extends TopicPartition {
  /** The group's committed offset (next offset to read), or null when the group has none. */
  readonly committedOffset: number | null;
}

/** Callbacks into the member's connection; all are synchronous and must not throw. */
export interface MemberListener {
  /** Partitions newly owned by this member; delivery may start at their committed offsets. */
  onAssigned(partitions: readonly AssignedPartition[]): void;
  /** Partitions no longer owned; delivery must have stopped when this returns. May call `commit` (auto-commit on revoke). */
  onRevoked(partitions: readonly TopicPartition[]): void;
  /**
   * The member is gone (session timeout, group deleted, coordinator moved...): stop everything. No
   * callback follows. `cause`, when given, is the error the member's client should be answered
   * with (the coordinator's owner decides its shape, e.g. a retriable "not the coordinator").
   */
  onRemoved(reason: string, cause?: Error): void;
}

export interface JoinRequest {
  readonly groupId: string;
  /** Rejoin as this member (e.g. after a reconnect or a broker restart); unknown ids are refused. */
  readonly memberId?: string;
  readonly subscription: GroupSubscription;
  /** Assignor name; default the coordinator's default (cooperative-sticky). */
  readonly assignor?: string;
  /** Default `limits.defaultSessionTimeoutMs`; must lie within the min/max limits. */
  readonly sessionTimeoutMs?: number;
  readonly clientId: string;
  readonly clientHost: string;
}

export interface JoinResult {
  readonly memberId: string;
  /** The member's generation (KIP-848 member epoch) after the join. */
  readonly generation: number;
  /** Partitions owned by the member when `join` returns (its listener is told only of later changes). */
  readonly assigned: readonly AssignedPartition[];
}

export interface OffsetCommit extends TopicPartition {
  readonly offset: number;
  readonly metadata?: string;
}

export type GroupState = 'EMPTY' | 'STABLE' | 'DEAD';

export interface MemberDescription {
  readonly memberId: string;
  readonly clientId: string;
  readonly clientHost: string;
  readonly generation: number;
  readonly sessionTimeoutMs: number;
  readonly subscription: GroupSubscription;
  readonly assignment: readonly TopicPartition[];
  /** False for a member restored at start (or whose connection is gone) that has not rejoined yet. */
  readonly connected: boolean;
}

export interface GroupDescription {
  readonly groupId: string;
  readonly state: GroupState;
  /** The group's assignor (null while the group has never had a member). */
  readonly assignor: string | null;
  /** Group epoch: bumped on every membership or assignment change. */
  readonly generation: number;
  readonly members: readonly MemberDescription[];
}

export interface CommittedOffset extends TopicPartition {
  readonly offset: number;
  readonly metadata: string;
  readonly commitTimestampMs: number;
}

export interface GroupLimits {
  /** Groups (with members or committed offsets) per broker. */
  readonly maxGroups: number;
  readonly maxMembersPerGroup: number;
  readonly minSessionTimeoutMs: number;
  readonly maxSessionTimeoutMs: number;
  readonly defaultSessionTimeoutMs: number;
  /** Topics plus prefixes in one member's subscription. */
  readonly maxSubscribedTopics: number;
}

export const DEFAULT_GROUP_LIMITS: GroupLimits = Object.freeze({
  maxGroups: 10_000,
  maxMembersPerGroup: 1_000,
  minSessionTimeoutMs: 6_000,
  maxSessionTimeoutMs: 300_000,
  defaultSessionTimeoutMs: 45_000,
  maxSubscribedTopics: 100,
});

/** Why a request was refused; the broker maps each code to an API.md error. */
export type GroupErrorCode =
  /** No such group (describe / delete / reset of an unknown group). */
  | 'UNKNOWN_GROUP'
  /** The member is not (or no longer) in the group: removed, left, or never joined. */
  | 'UNKNOWN_MEMBER'
  /** A commit names a partition the member does not own now, or a stale generation. */
  | 'FENCED'
  /** offsets reset / delete of a group that has members. */
  | 'GROUP_NOT_EMPTY'
  /** maxMembersPerGroup reached. */
  | 'GROUP_FULL'
  /** maxGroups reached. */
  | 'TOO_MANY_GROUPS'
  /** A joiner asks for an assignor other than the one the group uses. */
  | 'INCONSISTENT_ASSIGNOR'
  /** Bad input: unknown assignor, session timeout out of bounds, empty/oversized subscription, negative offset, bad group id. */
  | 'INVALID_REQUEST';

export class GroupError extends Error {
  override readonly name = 'GroupError';
  constructor(
    readonly code: GroupErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** Input of an assignor: the members (sorted by id) and the topics they may get. */
export interface AssignmentMember {
  readonly memberId: string;
  /** Topics this member's subscription matches, as resolved against the catalog. */
  readonly topics: ReadonlySet<string>;
  /** What the member owns now (sticky assignors keep what they can). */
  readonly owned: readonly TopicPartition[];
}

/**
 * A pluggable assignment strategy. `assign` is pure and deterministic: every partition of every
 * topic that some member subscribes to goes to exactly one member subscribed to its topic.
 */
export interface Assignor {
  readonly name: string;
  assign(members: readonly AssignmentMember[], partitionCounts: ReadonlyMap<string, number>): Map<string, TopicPartition[]>;
}
