import { Controller, Get, Param, Req } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { listResource } from '../common/rest-v3';
import { CurrentCaller, type Caller } from '../security/caller';
import { baseUrl } from './topics.controller';
import { TopicsService } from './topics.service';
import { ClusterRef, brokerBody, brokerReplicaList, clusterBody, clusterRef, reassignmentList } from './cluster-resources';

/**
 * The cluster, its brokers and what spans every topic, as Confluent REST v3: this node is the
 * whole cluster, its only broker (id RUNNEL_BROKER_ID) and the controller. The cluster and its
 * brokers are shown to every authenticated caller without an ACL check, as Kafka's Metadata
 * answer shows brokers and the controller to any client; partition replicas only of the topics
 * the caller may DESCRIBE.
 */
@Controller('v3/clusters')
export class ClustersController {
  constructor(private readonly topics: TopicsService) {}

  @Get()
  clusters(@Req() req: FastifyRequest) {
    const c = this.ref(req);
    return listResource('KafkaClusterList', `${baseUrl(req)}/v3/clusters`, [clusterBody(c, this.topics.brokerId)]);
  }

  @Get(':cid')
  cluster(@Param('cid') cid: string, @Req() req: FastifyRequest) {
    this.topics.checkCluster(cid);
    return clusterBody(this.ref(req), this.topics.brokerId);
  }

  @Get(':cid/brokers')
  brokers(@Param('cid') cid: string, @Req() req: FastifyRequest) {
    this.topics.checkCluster(cid);
    const c = this.ref(req);
    return listResource('KafkaBrokerList', `${c.url}/brokers`, [brokerBody(c, this.topics.brokerId, baseUrl(req))]);
  }

  @Get(':cid/brokers/:broker')
  broker(@Param('cid') cid: string, @Param('broker') broker: string, @Req() req: FastifyRequest) {
    this.topics.checkCluster(cid);
    return brokerBody(this.ref(req), this.topics.checkBroker(broker), baseUrl(req));
  }

  /** Every partition replica the broker holds: on one node, one per partition of every topic. */
  @Get(':cid/brokers/:broker/partition-replicas')
  brokerReplicas(@Param('cid') cid: string, @Param('broker') broker: string, @Req() req: FastifyRequest, @CurrentCaller() caller: Caller) {
    this.topics.checkCluster(cid);
    return brokerReplicaList(this.ref(req), this.topics.brokerId, this.topics.replicasOnBroker(caller, broker));
  }

  /** Reassignments in progress across the cluster: none on one node. */
  @Get(':cid/topics/-/partitions/-/reassignment')
  reassignments(@Param('cid') cid: string, @Req() req: FastifyRequest, @CurrentCaller() caller: Caller) {
    this.topics.checkCluster(cid);
    return reassignmentList(this.ref(req), undefined, this.topics.reassignments(caller));
  }

  private ref(req: FastifyRequest): ClusterRef {
    return clusterRef(baseUrl(req), this.topics.clusterId);
  }
}
