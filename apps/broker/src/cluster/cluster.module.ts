import { Global, Module } from '@nestjs/common';
import type { ClusterStore } from '@runnel/metadata';
import type { ReplicaManager } from '@runnel/replication';
import { BrokerConfig } from '../config/broker-config';
import { BROKER_CONFIG, CLUSTER_STORE, REPLICA_MANAGER } from '../config/tokens';
import { CLUSTER_ADMIN, SingleNodeClusterAdmin, StoreClusterAdmin } from './cluster-admin';
import { CLUSTER_VIEW } from './cluster-view';
import { ClusterService } from './cluster.service';
import { HttpForwarder } from './http-forwarder';
import { SingleNodeClusterView } from './single-node-cluster-view';

/**
 * The cluster as every module sees it, global: the ClusterService (inert on a single node) and
 * the CLUSTER_VIEW / CLUSTER_ADMIN it answers through — in cluster mode its view of the metadata
 * log and reassignments written to PostgreSQL; on one node this broker as the whole cluster.
 */
@Global()
@Module({
  providers: [
    ClusterService,
    HttpForwarder,
    {
      provide: CLUSTER_VIEW,
      inject: [BROKER_CONFIG, REPLICA_MANAGER, ClusterService],
      useFactory: (config: BrokerConfig, replicas: ReplicaManager, cluster: ClusterService) =>
        cluster.enabled
          ? cluster.view
          : new SingleNodeClusterView(config.brokerId, replicas, { advertisedUrl: config.advertisedUrl, rack: null }),
    },
    {
      provide: CLUSTER_ADMIN,
      inject: [CLUSTER_STORE, ClusterService],
      useFactory: (store: ClusterStore | null, cluster: ClusterService) =>
        cluster.enabled && store ? new StoreClusterAdmin(store, cluster.view) : new SingleNodeClusterAdmin(),
    },
  ],
  exports: [ClusterService, CLUSTER_VIEW, CLUSTER_ADMIN, HttpForwarder],
})
export class ClusterModule {}
