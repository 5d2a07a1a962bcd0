import type { TimestampLookup } from '@runnel/log';
import type { BatchHeader, LeaderEpoch, Offset } from '@runnel/protocol';
import type { Acks, PartitionAppendResult, PartitionReadResult } from './partition';

/**
 * What the broker's services use of a partition (produce, fetch, subscriptions, groups, search,
 * admin). A local leader (`Partition`) and, in cluster mode, a `RemotePartition` that forwards
 * over the inter-broker channel to the partition's leader both implement it, so every transport
 * works on any broker.
 *
 * The synchronous getters of a remote handle are the leader's latest published values (kept
 * fresh by the leader's partition-state stream); `read` and `append` answers carry exact ones.
 */
export interface PartitionHandle {
  readonly topic: string;
  readonly partition: number;
  readonly leaderEpoch: LeaderEpoch;
  readonly highWatermark: Offset;
  readonly logStartOffset: Offset;
  readonly logEndOffset: Offset;
  readonly sizeBytes: number;
  readonly isClosed: boolean;
  append(batches: Buffer, acks: Acks, checkedHeaders?: readonly BatchHeader[]): Promise<PartitionAppendResult>;
  read(offset: Offset, maxBytes: number): Promise<PartitionReadResult>;
  waitForData(offset: number, timeoutMs: number, signal?: AbortSignal): Promise<boolean>;
  onHighWatermark(listener: (highWatermark: Offset) => void): () => void;
  offsetForTimestamp(timestampMs: number): Promise<TimestampLookup | null>;
  deleteRecordsBefore(offset: Offset): Promise<Offset>;
  /**
   * Brings the synchronous getters up to date with the leader (one round trip for a remote
   * handle; absent on a local partition, whose getters are always current). Request paths that
   * compare a client's offset with them call it first.
   */
  sync?(): Promise<void>;
}

/**
 * Why a partition operation was refused for replication reasons; the broker maps these to
 * API.md errors (all 500/50003, retriable, except where noted) and the inter-broker channel
 * carries them by `code`.
 */
export type ReplicationErrorCode =
  /** This broker does not lead the partition (any more). */
  | 'NOT_LEADER_OR_FOLLOWER'
  /** The request's leader epoch is older than the partition's (KIP-320). */
  | 'FENCED_LEADER_EPOCH'
  /** The request's leader epoch is newer than this broker knows yet. */
  | 'UNKNOWN_LEADER_EPOCH'
  /** acks=all while the ISR is smaller than min.insync.replicas (Kafka's NOT_ENOUGH_REPLICAS). */
  | 'NOT_ENOUGH_REPLICAS'
  /** Appended, but the ISR shrank below min.insync.replicas before the HW passed it. */
  | 'NOT_ENOUGH_REPLICAS_AFTER_APPEND'
  /** The partition has no leader (offline). */
  | 'LEADER_NOT_AVAILABLE';

export class ReplicationError extends Error {
  override readonly name = 'ReplicationError';
  constructor(
    readonly code: ReplicationErrorCode,
    readonly topic: string,
    readonly partition: number,
    message: string,
  ) {
    super(`${code}: ${message}`);
  }
}
