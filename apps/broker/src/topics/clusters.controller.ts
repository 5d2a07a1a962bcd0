import { Controller, Get, Inject, Param, Req } from '@nestjs/common';
import type { BrokerRegistration, PartitionState } from '@runnel/metadata';
import type { FastifyRequest } from 'fastify';
import { CLUSTER_VIEW, type ClusterView } from '../cluster/cluster-view';
import { listResource } from '../common/rest-v3';
import { CurrentCaller, type Caller } from '../security/caller';
import { baseUrl } from './topics.controller';
import { TopicsService } from './topics.service';
import {
  ClusterRef,
  brokerBody,
  brokerReplicaList,
  clusterBody,
  clusterRef,
  isReassigning,
  knownBroker,
  reassignmentList,
  type ReplicaPlacement,
} from './cluster-resources';

/**
 * The cluster, its brokers and what spans every topic, as Confluent REST v3, read from the
 * ClusterView: on one node this broker is the whole cluster, its only broker and the controller;
 * in cluster mode every registered broker. The cluster and its brokers are shown to every
 * authenticated caller without an ACL check, as Kafka's Metadata answer shows brokers and the
 * controller to any client; partition replicas and reassignments only of the topics the caller
 * may DESCRIBE.
 */
@Controller('v3/clusters')
export class ClustersController {
  constructor(
    private readonly topics: TopicsService,
    @Inject(CLUSTER_VIEW) private readonly view: ClusterView,
  ) {}

  @Get()
  clusters(@Req() req: FastifyRequest) {
    const c = this.ref(req);
    return listResource('KafkaClusterList', `${baseUrl(req)}/v3/clusters`, [clusterBody(c, this.controllerId())]);
  }

  @Get(':cid')
  cluster(@Param('cid') cid: string, @Req() req: FastifyRequest) {
    this.topics.checkCluster(cid);
    return clusterBody(this.ref(req), this.controllerId());
  }

  @Get(':cid/brokers')
  brokers(@Param('cid') cid: string, @Req() req: FastifyRequest) {
    this.topics.checkCluster(cid);
    const c = this.ref(req);
    return listResource(
      'KafkaBrokerList',
      `${c.url}/brokers`,
      this.sortedBrokers().map((b) => brokerBody(c, b, this.advertised(b, req))),
    );
  }

  @Get(':cid/brokers/:broker')
  broker(@Param('cid') cid: string, @Param('broker') broker: string, @Req() req: FastifyRequest) {
    this.topics.checkCluster(cid);
    const registration = knownBroker(this.view, broker);
    return brokerBody(this.ref(req), registration, this.advertised(registration, req));
  }

  /** Every partition replica the broker holds, of the topics the caller may DESCRIBE, in topic then partition order. */
  @Get(':cid/brokers/:broker/partition-replicas')
  brokerReplicas(@Param('cid') cid: string, @Param('broker') broker: string, @Req() req: FastifyRequest, @CurrentCaller() caller: Caller) {
    this.topics.checkCluster(cid);
    const { brokerId } = knownBroker(this.view, broker);
    const held: ReplicaPlacement[] = [];
    for (const state of this.visibleStates(caller)) if (state.replicas.includes(brokerId)) held.push(state);
    return brokerReplicaList(this.ref(req), brokerId, held);
  }

  /** Reassignments in progress across the topics the caller may DESCRIBE. */
  @Get(':cid/topics/-/partitions/-/reassignment')
  reassignments(@Param('cid') cid: string, @Req() req: FastifyRequest, @CurrentCaller() caller: Caller) {
    this.topics.checkCluster(cid);
    return reassignmentList(this.ref(req), undefined, [...this.visibleStates(caller)].filter(isReassigning));
  }

  /**
   * Runnel's extension for the console's Brokers page and overview: every broker with its state,
   * whether it is the controller, and how many partitions it leads and holds, and the cluster's
   * under-replicated and offline partition counts. Counts only, over every topic (as Kafka's
   * broker metrics count them), so shown to every authenticated caller like the brokers.
   */
  @Get(':cid/broker-summaries')
  brokerSummaries(@Param('cid') cid: string, @Req() req: FastifyRequest) {
    this.topics.checkCluster(cid);
    const c = this.ref(req);
    const brokers = this.sortedBrokers();
    const alive = new Set(brokers.filter((b) => b.alive).map((b) => b.brokerId));
    const leaders = new Map<number, number>();
    const replicas = new Map<number, number>();
    let partitions = 0;
    let underReplicated = 0;
    let offline = 0;
    for (const topic of this.topics.list({ includeInternal: true })) {
      for (const state of this.view.partitionStates(topic.name)) {
        partitions++;
        // As Kafka's metrics: an offline partition is counted as offline only (no leader reports it under-replicated).
        if (state.leader < 0 || !alive.has(state.leader)) offline++;
        else {
          leaders.set(state.leader, (leaders.get(state.leader) ?? 0) + 1);
          if (isUnderReplicated(state)) underReplicated++;
        }
        for (const id of state.replicas) replicas.set(id, (replicas.get(id) ?? 0) + 1);
      }
    }
    const controller = this.view.controllerId();
    return {
      kind: 'KafkaBrokerSummaryList',
      metadata: { self: `${c.url}/broker-summaries`, next: null },
      mode: this.view.mode,
      controller_id: controller,
      partitions,
      under_replicated_partitions: underReplicated,
      offline_partitions: offline,
      data: brokers.map((b) => {
        const body = brokerBody(c, b, this.advertised(b, req));
        return {
          broker_id: b.brokerId,
          host: body.host,
          port: body.port,
          rack: b.rack,
          advertised_url: this.advertised(b, req) || null,
          state: b.state,
          alive: b.alive,
          epoch: b.epoch,
          is_controller: b.brokerId === controller,
          is_local: b.brokerId === this.view.localBrokerId,
          leader_count: leaders.get(b.brokerId) ?? 0,
          replica_count: replicas.get(b.brokerId) ?? 0,
        };
      }),
    };
  }

  private controllerId(): number | null {
    return this.view.controllerId();
  }

  private sortedBrokers(): BrokerRegistration[] {
    return [...this.view.brokers()].sort((a, b) => a.brokerId - b.brokerId);
  }

  /** This broker is reached at its own advertised URL; another at the one it registered ('' when none: host and port null). */
  private advertised(broker: BrokerRegistration, req: FastifyRequest): string {
    return broker.brokerId === this.view.localBrokerId ? baseUrl(req) : broker.advertisedUrl;
  }

  /** Every partition state of the topics `caller` may DESCRIBE (internal ones too), in topic then partition order. */
  private *visibleStates(caller: Caller): Iterable<PartitionState> {
    for (const topic of this.topics.listVisible(caller, { includeInternal: true })) yield* this.view.partitionStates(topic.name);
  }

  private ref(req: FastifyRequest): ClusterRef {
    return clusterRef(baseUrl(req), this.topics.clusterId);
  }
}

/** Kafka's UnderReplicatedPartitions: fewer in sync than the replicas it is meant to have (those being added not counted). */
export function isUnderReplicated(state: Pick<PartitionState, 'replicas' | 'isr' | 'addingReplicas'>): boolean {
  return state.isr.length < state.replicas.length - state.addingReplicas.length;
}

/**
 * Confluent REST Proxy v2's broker list, `{"brokers": [ids]}`: the brokers alive now, as Kafka's
 * Metadata answer lists them (on one node: this one). Shown to every authenticated caller.
 */
@Controller('brokers')
export class BrokersV2Controller {
  constructor(@Inject(CLUSTER_VIEW) private readonly view: ClusterView) {}

  @Get()
  list(): { brokers: number[] } {
    return {
      brokers: this.view
        .brokers()
        .filter((b) => b.alive)
        .map((b) => b.brokerId)
        .sort((a, b) => a - b),
    };
  }
}
