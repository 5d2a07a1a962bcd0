import { Module } from '@nestjs/common';
import { BrokersV2Controller } from '../topics/clusters.controller';
import { TopicsModule } from '../topics/topics.module';
import { ReassignmentsController } from './reassignments.controller';

/**
 * The routes of the cluster that TopicsModule does not hold (the reassignment extension, REST
 * Proxy v2's broker list), over whichever CLUSTER_VIEW / CLUSTER_ADMIN the app provides.
 */
@Module({ imports: [TopicsModule], controllers: [ReassignmentsController, BrokersV2Controller] })
export class ClusterRoutesModule {}
