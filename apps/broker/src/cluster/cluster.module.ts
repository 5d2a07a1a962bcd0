import { Global, Module } from '@nestjs/common';
import { ClusterService } from './cluster.service';

/** Cluster mode's conductor (inert on a single node); global so the topic catalog and the views can reach it. */
@Global()
@Module({
  providers: [ClusterService],
  exports: [ClusterService],
})
export class ClusterModule {}
