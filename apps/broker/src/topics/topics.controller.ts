import { Body, Controller, Delete, Get, HttpCode, Inject, Param, Patch, Post, Query, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { CLUSTER_VIEW, type ClusterView } from '../cluster/cluster-view';
import { advertisedUrl } from '../http/advertised-url';
import { RunnelError, badRequest } from '../common/errors';
import { CurrentCaller, type Caller } from '../security/caller';
import { parsePartitionId } from './topic-names';
import { TopicsService } from './topics.service';
import {
  ClusterRef,
  OFFSET_TYPE,
  clusterRef,
  describedState,
  isReassigning,
  parseBrokerId,
  partitionBody,
  partitionList,
  partitionOffsetsBody,
  partitionReplicaList,
  reassignmentBody,
  reassignmentList,
  replicaBody,
  topicBody,
  topicList,
  withState,
} from './cluster-resources';

/** Topics, their partitions, offsets, replicas and reassignments, as Confluent REST v3 (API.md "Topics"). */
@Controller('v3/clusters')
export class TopicsController {
  constructor(
    private readonly topics: TopicsService,
    @Inject(CLUSTER_VIEW) private readonly view: ClusterView,
  ) {}

  /**
   * Every topic in one answer, internal ones included (`is_internal: true`), as Confluent lists
   * them. Runnel's extensions: `limit` and `page_token` page the list (the console), and
   * `include_internal=false` leaves the internal topics out.
   */
  @Get(':cid/topics')
  list(
    @Param('cid') cid: string,
    @Query() query: Record<string, string | undefined>,
    @Req() req: FastifyRequest,
    @CurrentCaller() caller: Caller,
  ) {
    const c = this.cluster(cid, req);
    const limit = query.limit === undefined ? undefined : Number(query.limit);
    if (limit !== undefined && (!Number.isInteger(limit) || limit < 1 || limit > 1000))
      throw badRequest('limit must be an integer from 1 to 1000');
    if (query.include_internal !== undefined && query.include_internal !== 'true' && query.include_internal !== 'false') {
      throw badRequest('include_internal must be true or false');
    }
    const afterName = query.page_token ? Buffer.from(query.page_token, 'base64url').toString('utf8') : undefined;
    const includeInternal = query.include_internal !== 'false';
    const page = this.topics.listVisible(caller, { afterName, limit: limit === undefined ? undefined : limit + 1, includeInternal });
    const more = limit !== undefined && page.length > limit;
    const data = more ? page.slice(0, limit) : page;
    const next = more
      ? `${c.url}/topics?limit=${limit}&page_token=${Buffer.from(data[data.length - 1].name).toString('base64url')}${includeInternal ? '' : '&include_internal=false'}`
      : null;
    return topicList(c, data, next);
  }

  /** 201 with the topic; with `validate_only: true` 200 with the topic it would create, nothing created (Confluent's answers). */
  @Post(':cid/topics')
  @HttpCode(201)
  async create(
    @Param('cid') cid: string,
    @Body() body: unknown,
    @Req() req: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
    @CurrentCaller() caller: Caller,
  ) {
    const c = this.cluster(cid, req);
    const topic = await this.topics.createTopic(caller, requestObject(body));
    if ((body as { validate_only?: unknown }).validate_only === true) void reply.status(200);
    return topicBody(c, topic);
  }

  @Get(':cid/topics/:topic')
  get(@Param('cid') cid: string, @Param('topic') name: string, @Req() req: FastifyRequest, @CurrentCaller() caller: Caller) {
    const c = this.cluster(cid, req);
    return topicBody(c, this.topics.describe(caller, name));
  }

  /** Raises `partitions_count` (Kafka's CreatePartitions); answers the topic with its new count. */
  @Patch(':cid/topics/:topic')
  async addPartitions(
    @Param('cid') cid: string,
    @Param('topic') name: string,
    @Body() body: unknown,
    @Req() req: FastifyRequest,
    @CurrentCaller() caller: Caller,
  ) {
    const c = this.cluster(cid, req);
    return topicBody(c, await this.topics.addPartitions(caller, name, requestObject(body)));
  }

  @Delete(':cid/topics/:topic')
  @HttpCode(204)
  async delete(@Param('cid') cid: string, @Param('topic') name: string, @CurrentCaller() caller: Caller): Promise<void> {
    this.topics.checkCluster(cid);
    await this.topics.delete(caller, name);
  }

  @Get(':cid/topics/:topic/partitions')
  partitions(@Param('cid') cid: string, @Param('topic') name: string, @Req() req: FastifyRequest, @CurrentCaller() caller: Caller) {
    const c = this.cluster(cid, req);
    const views = this.topics.partitions(caller, name).map((p) => withState(p, this.view.partitionState(name, p.partitionId)));
    return partitionList(c, name, views);
  }

  @Get(':cid/topics/:topic/partitions/:p')
  partition(
    @Param('cid') cid: string,
    @Param('topic') name: string,
    @Param('p') p: string,
    @Req() req: FastifyRequest,
    @CurrentCaller() caller: Caller,
  ) {
    const c = this.cluster(cid, req);
    const id = parsePartitionId(p);
    return partitionBody(c, withState(this.topics.describePartition(caller, name, id), this.view.partitionState(name, id)));
  }

  /** The partition's earliest and latest offsets; `offset_type` may only be `earliest_and_latest` (400 otherwise, as Confluent). */
  @Get(':cid/topics/:topic/partitions/:p/offset')
  offsets(
    @Param('cid') cid: string,
    @Param('topic') name: string,
    @Param('p') p: string,
    @Query('offset_type') offsetType: string | undefined,
    @Req() req: FastifyRequest,
    @CurrentCaller() caller: Caller,
  ) {
    const c = this.cluster(cid, req);
    if (offsetType !== undefined && offsetType !== OFFSET_TYPE) throw badRequest(`offset_type:${offsetType} is invalid`);
    return partitionOffsetsBody(c, this.topics.describePartition(caller, name, parsePartitionId(p)));
  }

  @Get(':cid/topics/:topic/partitions/:p/replicas')
  replicas(
    @Param('cid') cid: string,
    @Param('topic') name: string,
    @Param('p') p: string,
    @Req() req: FastifyRequest,
    @CurrentCaller() caller: Caller,
  ) {
    const c = this.cluster(cid, req);
    return partitionReplicaList(c, describedState(this.topics, this.view, caller, name, parsePartitionId(p)));
  }

  @Get(':cid/topics/:topic/partitions/:p/replicas/:broker')
  replica(
    @Param('cid') cid: string,
    @Param('topic') name: string,
    @Param('p') p: string,
    @Param('broker') broker: string,
    @Req() req: FastifyRequest,
    @CurrentCaller() caller: Caller,
  ) {
    const c = this.cluster(cid, req);
    const id = parsePartitionId(p);
    const state = describedState(this.topics, this.view, caller, name, id);
    const brokerId = parseBrokerId(broker);
    if (brokerId === undefined || !state.replicas.includes(brokerId)) {
      throw new RunnelError('NOT_FOUND', `Replica ${broker} of partition ${id} of topic '${name}' cannot be found.`);
    }
    return replicaBody(c, state, brokerId);
  }

  /** Reassignments of the topic's partitions in progress (never any on one node). */
  @Get(':cid/topics/:topic/partitions/-/reassignment')
  reassignments(@Param('cid') cid: string, @Param('topic') name: string, @Req() req: FastifyRequest, @CurrentCaller() caller: Caller) {
    const c = this.cluster(cid, req);
    this.topics.describe(caller, name);
    return reassignmentList(c, name, this.view.partitionStates(name).filter(isReassigning));
  }

  /** The partition's reassignment in progress; 404 when there is none, as Confluent answers. */
  @Get(':cid/topics/:topic/partitions/:p/reassignment')
  reassignment(
    @Param('cid') cid: string,
    @Param('topic') name: string,
    @Param('p') p: string,
    @Req() req: FastifyRequest,
    @CurrentCaller() caller: Caller,
  ) {
    const c = this.cluster(cid, req);
    const id = parsePartitionId(p);
    const state = describedState(this.topics, this.view, caller, name, id);
    if (!isReassigning(state)) throw new RunnelError('NOT_FOUND', `No reassignment is in progress for partition ${id} of topic '${name}'.`);
    return reassignmentBody(c, state);
  }

  @Post(':cid/topics/:topic/partitions/:p/records::delete')
  @HttpCode(200)
  async deleteRecords(
    @Param('cid') cid: string,
    @Param('topic') name: string,
    @Param('p') p: string,
    @Body() body: unknown,
    @CurrentCaller() caller: Caller,
  ) {
    this.topics.checkCluster(cid);
    return this.topics.deleteRecords(caller, name, parsePartitionId(p), body);
  }

  /** The cluster's link root, after checking `cid` (404 for another cluster). */
  private cluster(cid: string, req: FastifyRequest): ClusterRef {
    this.topics.checkCluster(cid);
    return clusterRef(baseUrl(req), this.topics.clusterId);
  }
}

/** A request's JSON object; no body at all is Confluent's 422 ("invalid payload"), another JSON value 400. */
function requestObject(body: unknown): Record<string, unknown> {
  if (body === undefined || body === null) throw new RunnelError('UNPROCESSABLE', 'Request body is empty: send a JSON object');
  if (typeof body !== 'object' || Array.isArray(body)) throw badRequest('body must be a JSON object');
  return body as Record<string, unknown>;
}

/** Links come from RUNNEL_ADVERTISED_URL (or the listener), never from the request's Host header. */
export function baseUrl(req: FastifyRequest): string {
  return advertisedUrl(req);
}

/** Kept here for the controllers that import it from this file; defined in topic-names.ts. */
export { parsePartitionId } from './topic-names';
