import type { ReplicaFetchRequest, ReplicaFetchResponse } from '@runnel/replication';

/**
 * The ReplicaManager is built with the broker's storage, before the inter-broker channel exists
 * (the channel needs the ReplicaManager to serve fetches); this link is what its follower fetches
 * and broker-epoch checks call, connected by the ClusterService once the channel listens. Until
 * then a fetch fails (the fetcher backs off and retries) and no broker epoch is known.
 */
export class ReplicaLink {
  private target: { transport: ReplicaLink['transport']; brokerEpochOf: ReplicaLink['brokerEpochOf'] } | undefined;

  connect(target: {
    transport: (leaderId: number, request: ReplicaFetchRequest) => Promise<ReplicaFetchResponse>;
    brokerEpochOf: (brokerId: number) => number | undefined;
  }): void {
    this.target = target;
  }

  readonly transport = (leaderId: number, request: ReplicaFetchRequest): Promise<ReplicaFetchResponse> => {
    if (!this.target) return Promise.reject(new Error('the inter-broker channel is not started yet'));
    return this.target.transport(leaderId, request);
  };

  readonly brokerEpochOf = (brokerId: number): number | undefined => this.target?.brokerEpochOf(brokerId);
}

export const REPLICA_LINK = Symbol('REPLICA_LINK');
