import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query, Req, UseFilters } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { badRequest } from '../common/errors';
import { CurrentCaller, type Caller } from '../security/caller';
import { baseUrl } from '../topics/topics.controller';
import { TopicsService } from '../topics/topics.service';
import { GroupAdminService, parseResetRequest } from './group-admin.service';
import {
  ClusterRef,
  assignmentListResource,
  assignmentResource,
  consumerListResource,
  consumerResource,
  groupDetailResource,
  groupListResource,
  groupsUrl,
  lagListResource,
  lagResource,
  lagSummaryResource,
} from './group-resources';
import { ForwardToCoordinatorFilter, GroupListFanOut, mergeGroupLists } from './group-forward';
import { GroupsService } from './groups.service';

/**
 * Confluent REST v3's consumer groups, consumers, assignments and lags (API.md "Consumer
 * groups"; shapes in group-resources.ts), plus Runnel's offsets:reset and DELETE. Each route is
 * one service call. A group coordinated by another broker is answered there (group-forward.ts).
 */
@Controller('v3/clusters/:cid/consumer-groups')
@UseFilters(ForwardToCoordinatorFilter)
export class GroupsController {
  constructor(
    private readonly groups: GroupsService,
    private readonly admin: GroupAdminService,
    private readonly topics: TopicsService,
    private readonly fanOut: GroupListFanOut,
  ) {}

  /**
   * Every group in one answer, as Confluent lists them; `limit` + `page_token` page (Runnel's
   * extension). In cluster mode the groups every live broker coordinates, merged (group-forward.ts).
   */
  @Get()
  async list(
    @Param('cid') cid: string,
    @Query() query: Record<string, string | undefined>,
    @Req() req: FastifyRequest,
    @CurrentCaller() caller: Caller,
  ) {
    const cluster = this.cluster(cid, req);
    let limit: number | undefined;
    if (query.limit !== undefined) {
      limit = Number(query.limit);
      if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw badRequest('limit must be an integer from 1 to 1000');
    }
    const afterGroupId = query.page_token ? Buffer.from(query.page_token, 'base64url').toString('utf8') : undefined;
    const page = this.groups.listVisible(caller, limit === undefined ? {} : { afterGroupId, limit: limit + 1 });
    const local = groupListResource(cluster, limit === undefined ? page : page.slice(0, limit), null);
    let data: { consumer_group_id: string }[] = local.data;
    let more = limit !== undefined && page.length > limit;
    if (this.fanOut.applies(req)) {
      ({ data, more } = mergeGroupLists([{ data, more }, ...(await this.fanOut.remoteParts(req, caller))], limit));
    }
    const next =
      more && limit !== undefined
        ? `${groupsUrl(cluster)}?limit=${limit}&page_token=${Buffer.from(data[data.length - 1].consumer_group_id).toString('base64url')}`
        : null;
    return { ...local, metadata: { ...local.metadata, next }, data };
  }

  @Get(':group')
  get(@Param('cid') cid: string, @Param('group') groupId: string, @Req() req: FastifyRequest, @CurrentCaller() caller: Caller) {
    const cluster = this.cluster(cid, req);
    return groupDetailResource(cluster, this.groups.describeFor(caller, groupId));
  }

  @Get(':group/consumers')
  consumers(@Param('cid') cid: string, @Param('group') groupId: string, @Req() req: FastifyRequest, @CurrentCaller() caller: Caller) {
    const cluster = this.cluster(cid, req);
    return consumerListResource(cluster, this.groups.describeFor(caller, groupId));
  }

  @Get(':group/consumers/:consumer')
  consumer(
    @Param('cid') cid: string,
    @Param('group') groupId: string,
    @Param('consumer') consumerId: string,
    @Req() req: FastifyRequest,
    @CurrentCaller() caller: Caller,
  ) {
    const cluster = this.cluster(cid, req);
    const { member } = this.admin.member(caller, groupId, consumerId);
    return consumerResource(cluster, groupId, member);
  }

  @Get(':group/consumers/:consumer/assignments')
  assignments(
    @Param('cid') cid: string,
    @Param('group') groupId: string,
    @Param('consumer') consumerId: string,
    @Req() req: FastifyRequest,
    @CurrentCaller() caller: Caller,
  ) {
    const cluster = this.cluster(cid, req);
    const { member } = this.admin.member(caller, groupId, consumerId);
    return assignmentListResource(cluster, groupId, member);
  }

  @Get(':group/consumers/:consumer/assignments/:topic/partitions/:partition')
  assignment(
    @Param('cid') cid: string,
    @Param('group') groupId: string,
    @Param('consumer') consumerId: string,
    @Param('topic') topic: string,
    @Param('partition') partition: string,
    @Req() req: FastifyRequest,
    @CurrentCaller() caller: Caller,
  ) {
    const cluster = this.cluster(cid, req);
    const found = this.admin.assignment(caller, groupId, consumerId, topic, partition);
    return assignmentResource(cluster, groupId, consumerId, found.partition);
  }

  @Get(':group/lags')
  lags(@Param('cid') cid: string, @Param('group') groupId: string, @Req() req: FastifyRequest, @CurrentCaller() caller: Caller) {
    const cluster = this.cluster(cid, req);
    return lagListResource(cluster, groupId, this.admin.lags(caller, groupId));
  }

  @Get(':group/lags/:topic/partitions/:partition')
  lag(
    @Param('cid') cid: string,
    @Param('group') groupId: string,
    @Param('topic') topic: string,
    @Param('partition') partition: string,
    @Req() req: FastifyRequest,
    @CurrentCaller() caller: Caller,
  ) {
    const cluster = this.cluster(cid, req);
    return lagResource(cluster, groupId, this.admin.lag(caller, groupId, topic, partition));
  }

  @Get(':group/lag-summary')
  lagSummary(@Param('cid') cid: string, @Param('group') groupId: string, @Req() req: FastifyRequest, @CurrentCaller() caller: Caller) {
    const cluster = this.cluster(cid, req);
    return lagSummaryResource(cluster, groupId, this.admin.lagSummary(caller, groupId));
  }

  @Post(':group/offsets::reset')
  @HttpCode(200)
  async resetOffsets(@Param('cid') cid: string, @Param('group') groupId: string, @Body() body: unknown, @CurrentCaller() caller: Caller) {
    this.topics.checkCluster(cid);
    const request = parseResetRequest(body);
    const data = await this.admin.resetOffsets(caller, groupId, request);
    return {
      kind: 'KafkaConsumerGroupOffsetReset',
      cluster_id: this.topics.clusterId,
      consumer_group_id: groupId,
      dry_run: request.dryRun,
      data,
    };
  }

  @Delete(':group')
  @HttpCode(204)
  async delete(@Param('cid') cid: string, @Param('group') groupId: string, @CurrentCaller() caller: Caller): Promise<void> {
    this.topics.checkCluster(cid);
    await this.groups.deleteGroup(caller, groupId);
  }

  /** Checks the cluster id of the path (404 if not this cluster) and names this cluster's URL. */
  private cluster(cid: string, req: FastifyRequest): ClusterRef {
    this.topics.checkCluster(cid);
    const id = this.topics.clusterId;
    return { id, url: `${baseUrl(req)}/v3/clusters/${id}` };
  }
}
