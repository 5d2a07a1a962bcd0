import type { BrokerRegistration, PartitionState } from '@runnel/metadata';

/**
 * What this broker knows of the cluster, kept in memory and updated from the metadata change log
 * (cluster mode) or fixed (one node: this broker, leading every partition). Reads are synchronous
 * and cheap, for the REST resources, the console's views and the partition router. The one
 * writer is ClusterService (cluster mode) or SingleNodeClusterView.
 */
export interface ClusterView {
  readonly mode: 'single' | 'cluster';
  readonly localBrokerId: number;
  /** Every registered broker, by id (one node: this one, alive). */
  brokers(): readonly BrokerRegistration[];
  broker(brokerId: number): BrokerRegistration | undefined;
  /** The controller's broker id; null while no broker holds the lease. */
  controllerId(): number | null;
  /** A partition's replicated state (leader -1 when offline); undefined for an unknown partition. */
  partitionState(topic: string, partition: number): PartitionState | undefined;
  /** Every partition of the topic, by id (empty for an unknown topic). */
  partitionStates(topic: string): readonly PartitionState[];
  /** Calls `listener` after every applied change of brokers or partitions; answers the unsubscribe function. */
  onChange(listener: () => void): () => void;
}

export const CLUSTER_VIEW = Symbol('CLUSTER_VIEW');
