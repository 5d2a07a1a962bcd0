import type { PartitionRecord } from '../metadata-store';

/**
 * Cluster mode's control-plane store (DESIGN.md "Cluster mode"): broker registrations with
 * leases, the controller lease, partition state changes and the ordered metadata change log.
 * PostgreSQL is the consensus engine: every method is one transaction, every lease is computed
 * from the database's clock only (`now()` in SQL, never a broker's Date), and every write that
 * changes partition state compare-and-sets the epochs it was computed from.
 *
 * Implemented by PostgresClusterStore (postgres-cluster-store.ts). The Controller
 * (controller.ts) and the broker's ClusterService use this interface only.
 */

export type BrokerState = 'RUNNING' | 'CONTROLLED_SHUTDOWN' | 'STOPPED';

export interface BrokerRegistration {
  brokerId: number;
  /** Broker epoch: raised at every registration, so a restarted broker is a new incarnation. */
  epoch: number;
  incarnationId: string;
  /** host:port of the inter-broker listener as other brokers reach it. */
  interBrokerAddress: string;
  /** Base URL of the broker's public HTTP/WS listener (RUNNEL_ADVERTISED_URL). */
  advertisedUrl: string;
  rack: string | null;
  state: BrokerState;
  /** The lease is unexpired by the database's clock at the time of the read. */
  alive: boolean;
  /** The database's clock: when the lease runs out. */
  leaseExpiresAt: Date;
}

export interface NewBrokerRegistration {
  brokerId: number;
  incarnationId: string;
  interBrokerAddress: string;
  advertisedUrl: string;
  rack: string | null;
}

export interface ControllerLeaseState {
  brokerId: number;
  /** Controller epoch: raised whenever the lease changes holder. */
  epoch: number;
  /** The lease is unexpired by the database's clock at the time of the read. */
  alive: boolean;
  leaseExpiresAt: Date;
}

/** 0: RECOVERED; 1: RECOVERING (after an unclean election; the ISR may not grow). */
export type LeaderRecoveryState = 0 | 1;

/** A partition's replicated state, as the controller and the leaders see it. */
export interface PartitionState extends PartitionRecord {
  /** -1: no leader (offline). */
  leader: number;
  leaderRecoveryState: LeaderRecoveryState;
  /** A reassignment in progress: replicas being added / removed (Kafka's AddingReplicas / RemovingReplicas). */
  addingReplicas: number[];
  removingReplicas: number[];
}

/**
 * A controller's change to one partition, computed from `expected` (its (leaderEpoch,
 * partitionEpoch) as read). The store applies it only if the partition still has those epochs;
 * it then writes `next` with partitionEpoch + 1 (and leaderEpoch + 1 when the leader changed; the
 * caller sets `next.leaderEpoch` itself).
 */
export interface PartitionUpdate {
  topicName: string;
  partitionId: number;
  expected: { leaderEpoch: number; partitionEpoch: number };
  next: Omit<PartitionState, 'topicName' | 'partitionId' | 'partitionEpoch'>;
}

export type PartitionUpdateOutcome =
  { applied: true; state: PartitionState } | { applied: false; reason: 'STALE_EPOCH' | 'UNKNOWN_PARTITION' };

/** Kafka's AlterPartition from a partition's leader (an ISR shrink or expand, or recovery done). */
export interface AlterPartitionRequest {
  brokerId: number;
  brokerEpoch: number;
  topicName: string;
  partitionId: number;
  leaderEpoch: number;
  partitionEpoch: number;
  /** The proposed ISR, each member with the broker epoch the leader saw it fetch with (KIP-903). */
  newIsr: { brokerId: number; brokerEpoch: number }[];
  leaderRecoveryState: LeaderRecoveryState;
}

/** Kafka's AlterPartition error codes, by name. */
export type AlterPartitionError =
  | 'STALE_BROKER_EPOCH'
  | 'NOT_CONTROLLER'
  | 'UNKNOWN_TOPIC_OR_PARTITION'
  | 'FENCED_LEADER_EPOCH'
  | 'INVALID_UPDATE_VERSION'
  | 'INELIGIBLE_REPLICA'
  | 'INVALID_REQUEST'
  | 'NEW_LEADER_ELECTED';

export type AlterPartitionOutcome = { ok: true; state: PartitionState } | { ok: false; error: AlterPartitionError };

export interface MetadataChangeRecord {
  seq: number;
  time: Date;
  /** topic | partition | broker | controller | configs | broker-configs | acls | quotas | users | api-keys */
  kind: string;
  /** The topic name, broker id, ... the change is about ('' for cluster-wide). */
  subject: string;
  /** A hint of the new state (JSON); followers re-read what it names. */
  payload: unknown;
}

export interface ClusterStore {
  /** The database's clock now (for logs and tests; leases never compare it with a local clock). */
  now(): Promise<Date>;

  /** The inter-broker secret, created (random) by the first broker that asks. */
  interBrokerSecret(): Promise<string>;

  /**
   * Registers (or re-registers) this broker: epoch = its previous epoch + 1 (1 for a new id),
   * state RUNNING, lease = now() + leaseMs. Appends a `broker` change. Throws
   * BrokerIdInUseError while another incarnation of the same id holds an unexpired lease.
   */
  registerBroker(broker: NewBrokerRegistration, leaseMs: number): Promise<BrokerRegistration>;
  /** Renews the lease; false when `epoch` is no longer the broker's current epoch (fenced: re-register). */
  heartbeat(brokerId: number, epoch: number, leaseMs: number): Promise<boolean>;
  /** Sets the state of a current incarnation (controlled shutdown, clean stop); false when fenced. Appends a `broker` change. */
  setBrokerState(brokerId: number, epoch: number, state: BrokerState): Promise<boolean>;
  brokers(): Promise<BrokerRegistration[]>;

  /**
   * Takes the controller lease when it is vacant or expired (epoch + 1, appends a `controller`
   * change) or renews it when `brokerId` already holds it; null when another broker holds an
   * unexpired lease. Only a broker whose `brokerEpoch` is current and whose lease is alive may hold it.
   */
  acquireOrRenewController(brokerId: number, brokerEpoch: number, leaseMs: number): Promise<ControllerLeaseState | null>;
  /** Gives the lease up (clean stop) if held with `epoch`. */
  resignController(brokerId: number, epoch: number): Promise<void>;
  controller(): Promise<ControllerLeaseState | null>;

  /** Every partition's state (of one topic when given), by topic then partition id. */
  partitions(topicName?: string): Promise<PartitionState[]>;
  /**
   * A controller's partition changes: in one transaction, checks that `controllerEpoch` is the
   * current controller epoch, held by `controllerId` with an unexpired lease (else throws
   * NotControllerError, nothing applied), then compare-and-sets each partition and appends one
   * `partition` change per applied update.
   */
  updatePartitions(controllerId: number, controllerEpoch: number, updates: PartitionUpdate[]): Promise<PartitionUpdateOutcome[]>;
  /** A leader's ISR change, validated as Kafka's controller validates AlterPartition; appends a `partition` change when applied. */
  alterPartition(request: AlterPartitionRequest): Promise<AlterPartitionOutcome>;
  /**
   * Starts a reassignment (Kafka's AlterPartitionReassignments; `target` null cancels): writes
   * adding/removing replicas for the controller to carry out. Appends a `partition` change.
   */
  reassignPartition(topicName: string, partitionId: number, target: number[] | null): Promise<PartitionState>;

  /** At most `limit` changes with seq > `afterSeq`, in seq order (dense: a missing seq is a gap). */
  changesAfter(afterSeq: number, limit: number): Promise<MetadataChangeRecord[]>;
  /** The highest seq written (0 when none). */
  lastSeq(): Promise<number>;
  /**
   * Calls `wake` on every NOTIFY of a new change (a hint only: followers always re-read by seq).
   * Answers the function that stops listening. Reconnects by itself; calls `wake` after a reconnect.
   */
  listen(wake: () => void): Promise<() => Promise<void>>;

  close(): Promise<void>;
}

export class BrokerIdInUseError extends Error {
  override readonly name = 'BrokerIdInUseError';
  constructor(readonly brokerId: number) {
    super(`broker id ${brokerId} is registered by another running broker (its lease has not expired); is RUNNEL_NODE_ID unique?`);
  }
}

export class NotControllerError extends Error {
  override readonly name = 'NotControllerError';
  constructor(
    readonly brokerId: number,
    readonly epoch: number,
  ) {
    super(`broker ${brokerId} with controller epoch ${epoch} is not the controller (lease lost or expired)`);
  }
}
