import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query, Req } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import type { GroupDescription, MemberDescription } from '@runnel/groups';
import { RunnelError, badRequest } from '../common/errors';
import { baseUrl } from '../topics/topics.controller';
import { TopicsService } from '../topics/topics.service';
import { GroupAdminService, parseResetRequest } from './group-admin.service';
import { GroupsService } from './groups.service';

/** Confluent REST v3 shapes for consumer groups (API.md "Consumer groups"); each route is one service call. */
@Controller('v3/clusters/:cid/consumer-groups')
export class GroupsController {
  constructor(
    private readonly groups: GroupsService,
    private readonly admin: GroupAdminService,
    private readonly topics: TopicsService,
  ) {}

  @Get()
  list(@Param('cid') cid: string, @Query() query: Record<string, string | undefined>, @Req() req: FastifyRequest) {
    this.topics.checkCluster(cid);
    const limit = query.limit === undefined ? 100 : Number(query.limit);
    if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw badRequest('limit must be an integer from 1 to 1000');
    const afterGroupId = query.page_token ? Buffer.from(query.page_token, 'base64url').toString('utf8') : undefined;
    const page = this.groups.coordinator.listGroups({ afterGroupId, limit: limit + 1 });
    const base = this.base(req);
    const more = page.length > limit;
    const data = page.slice(0, limit);
    const next = more ? `${base}?limit=${limit}&page_token=${Buffer.from(data[data.length - 1].groupId).toString('base64url')}` : null;
    return { kind: 'KafkaConsumerGroupList', metadata: { self: base, next }, data: data.map((g) => this.groupBody(g, base)) };
  }

  @Get(':group')
  get(@Param('cid') cid: string, @Param('group') groupId: string, @Req() req: FastifyRequest) {
    this.topics.checkCluster(cid);
    const group = this.groups.describe(groupId);
    const base = this.base(req);
    return { ...this.groupBody(group, base), members: group.members.map((m) => this.memberBody(group, m, base)) };
  }

  @Get(':group/consumers')
  consumers(@Param('cid') cid: string, @Param('group') groupId: string, @Req() req: FastifyRequest) {
    this.topics.checkCluster(cid);
    const group = this.groups.describe(groupId);
    const base = this.base(req);
    return {
      kind: 'KafkaConsumerList',
      metadata: { self: `${base}/${encodeURIComponent(groupId)}/consumers`, next: null },
      data: group.members.map((m) => this.memberBody(group, m, base)),
    };
  }

  @Get(':group/consumers/:consumer')
  consumer(@Param('cid') cid: string, @Param('group') groupId: string, @Param('consumer') consumerId: string, @Req() req: FastifyRequest) {
    this.topics.checkCluster(cid);
    const group = this.groups.describe(groupId);
    const member = group.members.find((m) => m.memberId === consumerId);
    if (!member) throw new RunnelError('NOT_FOUND', `consumer '${consumerId}' is not a member of group '${groupId}'`);
    return this.memberBody(group, member, this.base(req));
  }

  @Get(':group/lags')
  lags(@Param('cid') cid: string, @Param('group') groupId: string, @Req() req: FastifyRequest) {
    this.topics.checkCluster(cid);
    const lags = this.admin.lags(groupId);
    const clusterId = this.topics.clusterId;
    return {
      kind: 'KafkaConsumerLagList',
      metadata: { self: `${this.base(req)}/${encodeURIComponent(groupId)}/lags`, next: null },
      data: lags.map((l) => ({ kind: 'KafkaConsumerLag', cluster_id: clusterId, consumer_group_id: groupId, ...l, instance_id: null })),
    };
  }

  @Get(':group/lag-summary')
  lagSummary(@Param('cid') cid: string, @Param('group') groupId: string, @Req() req: FastifyRequest) {
    this.topics.checkCluster(cid);
    const { max, total } = this.admin.lagSummary(groupId);
    return {
      kind: 'KafkaConsumerGroupLagSummary',
      metadata: { self: `${this.base(req)}/${encodeURIComponent(groupId)}/lag-summary` },
      cluster_id: this.topics.clusterId,
      consumer_group_id: groupId,
      max_lag_consumer_id: max?.consumer_id ?? null,
      max_lag_instance_id: null,
      max_lag_client_id: max?.client_id ?? null,
      max_lag_topic_name: max?.topic_name ?? null,
      max_lag_partition_id: max?.partition_id ?? null,
      max_lag: max?.lag ?? 0,
      total_lag: total,
    };
  }

  @Post(':group/offsets::reset')
  @HttpCode(200)
  async resetOffsets(@Param('cid') cid: string, @Param('group') groupId: string, @Body() body: unknown) {
    this.topics.checkCluster(cid);
    const request = parseResetRequest(body);
    const data = await this.admin.resetOffsets(groupId, request);
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
  async delete(@Param('cid') cid: string, @Param('group') groupId: string): Promise<void> {
    this.topics.checkCluster(cid);
    await this.groups.deleteGroup(groupId);
  }

  private base(req: FastifyRequest): string {
    return `${baseUrl(req)}/v3/clusters/${this.topics.clusterId}/consumer-groups`;
  }

  private groupBody(group: GroupDescription, base: string) {
    const self = `${base}/${encodeURIComponent(group.groupId)}`;
    return {
      kind: 'KafkaConsumerGroup',
      metadata: { self },
      cluster_id: this.topics.clusterId,
      consumer_group_id: group.groupId,
      is_simple: false,
      partition_assignor: group.assignor,
      state: group.state,
      generation: group.generation,
      members_count: group.members.length,
      coordinator: { related: `${baseUrl0(base)}/brokers/0` },
      consumers: { related: `${self}/consumers` },
      lag_summary: { related: `${self}/lag-summary` },
    };
  }

  private memberBody(group: GroupDescription, m: MemberDescription, base: string) {
    return {
      kind: 'KafkaConsumer',
      metadata: { self: `${base}/${encodeURIComponent(group.groupId)}/consumers/${encodeURIComponent(m.memberId)}` },
      cluster_id: this.topics.clusterId,
      consumer_group_id: group.groupId,
      consumer_id: m.memberId,
      instance_id: null,
      client_id: m.clientId,
      client_host: m.clientHost,
      generation: m.generation,
      session_timeout_ms: m.sessionTimeoutMs,
      connected: m.connected,
      subscription: { topics: m.subscription.topics, topic_prefixes: m.subscription.topicPrefixes },
      assignments: m.assignment.map((p) => ({ topic_name: p.topic, partition_id: p.partition })),
    };
  }
}

/** The cluster URL of a consumer-groups base URL. */
function baseUrl0(groupsBase: string): string {
  return groupsBase.slice(0, groupsBase.lastIndexOf('/consumer-groups'));
}
