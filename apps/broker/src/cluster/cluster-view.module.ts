import { Global, Module } from '@nestjs/common';
import type { ReplicaManager } from '@runnel/replication';
import { BrokerConfig } from '../config/broker-config';
import { BROKER_CONFIG, REPLICA_MANAGER } from '../config/tokens';
import { BrokersV2Controller } from '../topics/clusters.controller';
import { TopicsModule } from '../topics/topics.module';
import { CLUSTER_ADMIN, SingleNodeClusterAdmin } from './cluster-admin';
import { CLUSTER_VIEW } from './cluster-view';
import { ReassignmentsController } from './reassignments.controller';
import { SingleNodeClusterView } from './single-node-cluster-view';

/**
 * The one-node ClusterView and ClusterAdmin (no RUNNEL_METADATA_URL), global so that every module
 * reads the cluster through CLUSTER_VIEW. Cluster mode provides both tokens from its own module
 * instead (ClusterService).
 */
@Global()
@Module({
  providers: [
    {
      provide: CLUSTER_VIEW,
      inject: [BROKER_CONFIG, REPLICA_MANAGER],
      useFactory: (config: BrokerConfig, replicas: ReplicaManager) =>
        new SingleNodeClusterView(config.brokerId, replicas, { advertisedUrl: config.advertisedUrl, rack: config.cluster?.rack ?? null }),
    },
    { provide: CLUSTER_ADMIN, useClass: SingleNodeClusterAdmin },
  ],
  exports: [CLUSTER_VIEW, CLUSTER_ADMIN],
})
export class ClusterViewModule {}

/**
 * The routes of the cluster that TopicsModule does not hold (the reassignment extension, REST
 * Proxy v2's broker list), over whichever CLUSTER_VIEW / CLUSTER_ADMIN the app provides.
 */
@Module({ imports: [TopicsModule], controllers: [ReassignmentsController, BrokersV2Controller] })
export class ClusterRoutesModule {}
