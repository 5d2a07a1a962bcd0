/**
 * The replica fetch protocol (Kafka's Fetch from a follower, v12+ with lastFetchedEpoch): one
 * request covers many partitions the follower replicates from one leader; the response carries
 * raw batch bytes, untouched. Encoded by fetch-codec.ts for the inter-broker channel.
 */
export interface ReplicaFetchRequest {
  /** The follower's broker id and its current broker epoch (fencing of restarted followers). */
  replicaId: number;
  brokerEpoch: number;
  /** Long poll: answer at once if any partition has data or an error, else after at most this. */
  maxWaitMs: number;
  /** Response size bound (sum of records bytes); at least one batch is returned even if larger. */
  maxBytes: number;
  partitions: ReplicaFetchPartition[];
}

export interface ReplicaFetchPartition {
  topic: string;
  partition: number;
  /** The leader epoch the follower believes current (KIP-320); the leader fences a mismatch. */
  currentLeaderEpoch: number;
  /** The follower's log end offset: the next offset it needs. */
  fetchOffset: number;
  /** The epoch of the follower's last batch (-1 when empty): the leader checks it for divergence (KIP-101/KIP-595). */
  lastFetchedEpoch: number;
  /** What the follower has fsynced (its durable log end offset); the leader's HW is the min of these over the ISR. */
  durableOffset: number;
  logStartOffset: number;
  /** Per-partition byte bound. */
  maxBytes: number;
}

export type ReplicaFetchError =
  | 'NONE'
  | 'NOT_LEADER_OR_FOLLOWER'
  | 'FENCED_LEADER_EPOCH'
  | 'UNKNOWN_LEADER_EPOCH'
  | 'OFFSET_OUT_OF_RANGE'
  | 'UNKNOWN_TOPIC_OR_PARTITION'
  | 'STALE_BROKER_EPOCH'
  | 'KAFKA_STORAGE_ERROR';

export interface ReplicaFetchPartitionResponse {
  topic: string;
  partition: number;
  error: ReplicaFetchError;
  highWatermark: number;
  logStartOffset: number;
  /** Set when the follower's log diverges: truncate to min(endOffset, own end of `epoch`) and fetch again. */
  divergingEpoch?: { epoch: number; endOffset: number };
  /** Raw RecordBatch bytes starting at fetchOffset (empty when none or on error). */
  records: Buffer;
}

export interface ReplicaFetchResponse {
  partitions: ReplicaFetchPartitionResponse[];
}
