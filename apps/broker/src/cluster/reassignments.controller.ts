import { Body, Controller, Delete, HttpCode, Inject, Param, Post, Req } from '@nestjs/common';
import type { PartitionState } from '@runnel/metadata';
import type { FastifyRequest } from 'fastify';
import { RunnelError, badRequest } from '../common/errors';
import { AccessControl } from '../security/access-control.service';
import { AuditService, auditEntry } from '../security/audit.service';
import { CurrentCaller, type Caller } from '../security/caller';
import { clusterRef, reassignmentBody } from '../topics/cluster-resources';
import { parsePartitionId } from '../topics/topic-names';
import { baseUrl } from '../topics/topics.controller';
import { TopicsService } from '../topics/topics.service';
import { CLUSTER_ADMIN, type ClusterAdmin } from './cluster-admin';
import { CLUSTER_VIEW, type ClusterView } from './cluster-view';

/** More target replicas than any cluster Runnel runs has brokers: refused before anything is looked up. */
export const MAX_REASSIGNMENT_REPLICAS = 64;

/**
 * Runnel's extension to Confluent v3's read-only reassignment resources: start (POST, body
 * `{"replicas": [broker ids]}`, the first the preferred leader) or cancel (DELETE) the
 * reassignment of one partition, as Kafka's AlterPartitionReassignments. Needs ALTER on the
 * CLUSTER (as Kafka); every accepted change is audited with the partition's replicas before and
 * after. The controller carries the reassignment out: the answer (202) is the reassignment as
 * written, and GET .../reassignment follows its progress.
 */
@Controller('v3/clusters')
export class ReassignmentsController {
  constructor(
    private readonly topics: TopicsService,
    private readonly access: AccessControl,
    private readonly audit: AuditService,
    @Inject(CLUSTER_VIEW) private readonly view: ClusterView,
    @Inject(CLUSTER_ADMIN) private readonly admin: ClusterAdmin,
  ) {}

  @Post(':cid/topics/:topic/partitions/:p/reassignment')
  @HttpCode(202)
  async start(
    @Param('cid') cid: string,
    @Param('topic') name: string,
    @Param('p') p: string,
    @Body() body: unknown,
    @Req() req: FastifyRequest,
    @CurrentCaller() caller: Caller,
  ) {
    const { partitionId, before } = this.target(cid, name, p, caller);
    const replicas = this.parseReplicas(body);
    const after = await this.audited(caller, name, before, 'start', () => this.admin.reassign(caller, name, partitionId, replicas));
    return reassignmentBody(clusterRef(baseUrl(req), this.topics.clusterId), after);
  }

  /** Cancels the reassignment in progress (the partition keeps its original replicas); 404 when none is. */
  @Delete(':cid/topics/:topic/partitions/:p/reassignment')
  @HttpCode(202)
  async cancel(
    @Param('cid') cid: string,
    @Param('topic') name: string,
    @Param('p') p: string,
    @Req() req: FastifyRequest,
    @CurrentCaller() caller: Caller,
  ) {
    const { partitionId, before } = this.target(cid, name, p, caller);
    const after = await this.audited(caller, name, before, 'cancel', () => this.admin.reassign(caller, name, partitionId, null));
    return reassignmentBody(clusterRef(baseUrl(req), this.topics.clusterId), after);
  }

  /** 404 for another cluster, 40301 (audited) without ALTER on the cluster, then 40403 / 404 for an unknown topic / partition. */
  private target(cid: string, name: string, rawPartition: string, caller: Caller): { partitionId: number; before: PartitionState } {
    this.topics.checkCluster(cid);
    this.access.requireCluster(caller, 'ALTER');
    const partitionId = parsePartitionId(rawPartition);
    const topic = this.topics.get(name);
    const before = partitionId < topic.partitionsCount ? this.view.partitionState(name, partitionId) : undefined;
    if (!before) throw new RunnelError('NOT_FOUND', `Partition ${partitionId} of topic '${name}' cannot be found.`);
    return { partitionId, before };
  }

  /**
   * `{"replicas": [ids]}`: 1 to MAX_REASSIGNMENT_REPLICAS distinct registered broker ids (40002
   * otherwise, as Kafka's INVALID_REPLICA_ASSIGNMENT through Confluent); a malformed body 40001.
   */
  private parseReplicas(body: unknown): number[] {
    if (body === undefined || body === null)
      throw new RunnelError('UNPROCESSABLE', 'Request body is empty: send {"replicas": [broker ids]}');
    if (typeof body !== 'object' || Array.isArray(body)) throw badRequest('body must be a JSON object {"replicas": [broker ids]}');
    const replicas = (body as { replicas?: unknown }).replicas;
    if (!Array.isArray(replicas)) throw badRequest('replicas must be an array of broker ids');
    if (replicas.length > MAX_REASSIGNMENT_REPLICAS) throw badRequest(`replicas may list at most ${MAX_REASSIGNMENT_REPLICAS} brokers`);
    if (!replicas.every((id) => Number.isSafeInteger(id) && (id as number) >= 0)) {
      throw badRequest('replicas must be an array of broker ids (non-negative integers)');
    }
    const ids = replicas as number[];
    if (ids.length === 0) throw new RunnelError('KAFKA_BAD_REQUEST', 'The replica assignment is empty: name at least one broker.');
    if (new Set(ids).size !== ids.length)
      throw new RunnelError('KAFKA_BAD_REQUEST', `The replica assignment ${JSON.stringify(ids)} lists a broker twice.`);
    const unknown = ids.filter((id) => this.view.broker(id) === undefined);
    if (unknown.length > 0) {
      throw new RunnelError('KAFKA_BAD_REQUEST', `The replica assignment names unregistered brokers: ${unknown.join(', ')}.`);
    }
    return ids;
  }

  /** Runs the change and audits its outcome: SUCCESS with the replicas before and after, or FAILED with the refusal. */
  private async audited(
    caller: Caller,
    topic: string,
    before: PartitionState,
    action: 'start' | 'cancel',
    change: () => Promise<PartitionState>,
  ): Promise<PartitionState> {
    const operation = action === 'start' ? 'ALTER_PARTITION_REASSIGNMENTS' : 'CANCEL_PARTITION_REASSIGNMENT';
    let after: PartitionState;
    try {
      after = await change();
    } catch (error) {
      await this.audit.record(
        auditEntry(caller, `TOPIC:${topic}`, operation, 'FAILED', {
          before: replicasOf(before),
          after: { error: (error as Error).message },
        }),
      );
      throw error;
    }
    await this.audit.record(
      auditEntry(caller, `TOPIC:${topic}`, operation, 'SUCCESS', { before: replicasOf(before), after: replicasOf(after) }),
    );
    return after;
  }
}

/** What the audit log keeps of a partition's placement. */
function replicasOf(s: PartitionState) {
  return { partition_id: s.partitionId, replicas: s.replicas, adding_replicas: s.addingReplicas, removing_replicas: s.removingReplicas };
}
