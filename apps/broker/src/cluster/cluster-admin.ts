import { Injectable } from '@nestjs/common';
import type { ClusterStore, PartitionState } from '@runnel/metadata';
import { RunnelError } from '../common/errors';
import type { Caller } from '../security/caller';
import type { ClusterView } from './cluster-view';

/**
 * The cluster's administrative writes that only a cluster can carry out (Kafka's
 * AlterPartitionReassignments). The REST layer (reassignments.controller.ts) has already checked
 * the cluster id, ALTER on CLUSTER, that the partition exists and that every target broker is
 * registered, and it audits the outcome: an implementation only writes.
 *
 * Provided under CLUSTER_ADMIN: SingleNodeClusterAdmin on one node; cluster mode's implementation
 * writes through `ClusterStore.reassignPartition` and lets the controller carry the reassignment out.
 */
export interface ClusterAdmin {
  /**
   * Starts a reassignment of the partition to `replicas` (in preference order: the first is the
   * preferred leader), or cancels the one in progress when `replicas` is null. Answers the
   * partition's state as written (addingReplicas / removingReplicas show the reassignment).
   * Throws RunnelError: KAFKA_BAD_REQUEST (400/40002) for what the cluster refuses, NOT_FOUND
   * when cancelling and none is in progress.
   */
  reassign(caller: Caller, topic: string, partition: number, replicas: number[] | null): Promise<PartitionState>;
}

export const CLUSTER_ADMIN = Symbol('CLUSTER_ADMIN');

/** One node has nowhere to move a replica to: every reassignment is refused as Kafka refuses one to an unknown broker. */
@Injectable()
export class SingleNodeClusterAdmin implements ClusterAdmin {
  reassign(_caller: Caller, topic: string, partition: number, replicas: number[] | null): Promise<PartitionState> {
    if (replicas === null) {
      return Promise.reject(new RunnelError('NOT_FOUND', `No reassignment is in progress for partition ${partition} of topic '${topic}'.`));
    }
    return Promise.reject(
      new RunnelError(
        'KAFKA_BAD_REQUEST',
        'Partition reassignment needs cluster mode (RUNNEL_METADATA_URL=postgresql://…): this broker runs alone and holds every replica.',
      ),
    );
  }
}

/**
 * Cluster mode's ClusterAdmin: writes the target through `ClusterStore.reassignPartition` (one
 * PostgreSQL transaction that sets adding/removing replicas and appends a `partition` change);
 * the controller then carries the reassignment out and completes it once the new replicas have
 * joined the ISR. Cancelling answers 404 when the view shows no reassignment in progress (Kafka's
 * NO_REASSIGNMENT_IN_PROGRESS).
 */
export class StoreClusterAdmin implements ClusterAdmin {
  constructor(
    private readonly store: Pick<ClusterStore, 'reassignPartition'>,
    private readonly view: Pick<ClusterView, 'partitionState'>,
  ) {}

  async reassign(_caller: Caller, topic: string, partition: number, replicas: number[] | null): Promise<PartitionState> {
    if (replicas === null) {
      const current = this.view.partitionState(topic, partition);
      if (!current || (current.addingReplicas.length === 0 && current.removingReplicas.length === 0)) {
        throw new RunnelError('NOT_FOUND', `No reassignment is in progress for partition ${partition} of topic '${topic}'.`);
      }
    }
    return this.store.reassignPartition(topic, partition, replicas);
  }
}
