import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query, Req } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { TopicRecord } from '@runnel/metadata';
import { advertisedUrl } from '../http/advertised-url';
import { badRequest } from '../common/errors';
import { parsePartitionId } from './topic-names';
import { TopicsService } from './topics.service';

/** Confluent REST v3 shapes for clusters, topics, configs and partitions (API.md "Topics"). */
@Controller('v3/clusters')
export class TopicsController {
  constructor(private readonly topics: TopicsService) {}

  @Get()
  clusters(@Req() req: FastifyRequest) {
    const base = baseUrl(req);
    return {
      kind: 'KafkaClusterList',
      metadata: { self: `${base}/v3/clusters`, next: null },
      data: [this.cluster(base)],
    };
  }

  @Get(':cid')
  getCluster(@Param('cid') cid: string, @Req() req: FastifyRequest) {
    this.topics.checkCluster(cid);
    return this.cluster(baseUrl(req));
  }

  @Get(':cid/topics')
  list(@Param('cid') cid: string, @Query() query: Record<string, string | undefined>, @Req() req: FastifyRequest) {
    this.topics.checkCluster(cid);
    const limit = query.limit === undefined ? 100 : Number(query.limit);
    if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw badRequest('limit must be an integer from 1 to 1000');
    const afterName = query.page_token ? Buffer.from(query.page_token, 'base64url').toString('utf8') : undefined;
    const includeInternal = query.include_internal === 'true';
    const page = this.topics.list({ afterName, limit: limit + 1, includeInternal });
    const base = `${baseUrl(req)}/v3/clusters/${this.topics.clusterId}/topics`;
    const more = page.length > limit;
    const data = page.slice(0, limit);
    const next = more
      ? `${base}?limit=${limit}&page_token=${Buffer.from(data[data.length - 1].name).toString('base64url')}${includeInternal ? '&include_internal=true' : ''}`
      : null;
    return { kind: 'KafkaTopicList', metadata: { self: base, next }, data: data.map((t) => this.topicBody(t, base)) };
  }

  @Post(':cid/topics')
  @HttpCode(201)
  async create(@Param('cid') cid: string, @Body() body: unknown, @Req() req: FastifyRequest) {
    this.topics.checkCluster(cid);
    if (typeof body !== 'object' || body === null) throw badRequest('body must be a JSON object');
    const topic = await this.topics.create(body);
    return this.topicBody(topic, `${baseUrl(req)}/v3/clusters/${this.topics.clusterId}/topics`);
  }

  @Get(':cid/topics/:topic')
  get(@Param('cid') cid: string, @Param('topic') name: string, @Req() req: FastifyRequest) {
    this.topics.checkCluster(cid);
    return this.topicBody(this.topics.get(name), `${baseUrl(req)}/v3/clusters/${this.topics.clusterId}/topics`);
  }

  @Delete(':cid/topics/:topic')
  @HttpCode(204)
  async delete(@Param('cid') cid: string, @Param('topic') name: string): Promise<void> {
    this.topics.checkCluster(cid);
    await this.topics.delete(name);
  }

  @Get(':cid/topics/:topic/partitions')
  partitions(@Param('cid') cid: string, @Param('topic') name: string, @Req() req: FastifyRequest) {
    this.topics.checkCluster(cid);
    const base = `${baseUrl(req)}/v3/clusters/${this.topics.clusterId}/topics/${name}/partitions`;
    return {
      kind: 'KafkaPartitionList',
      metadata: { self: base, next: null },
      data: this.topics.partitions(name).map((p) => this.partitionBody(name, p, base)),
    };
  }

  @Get(':cid/topics/:topic/partitions/:p')
  partition(@Param('cid') cid: string, @Param('topic') name: string, @Param('p') p: string, @Req() req: FastifyRequest) {
    this.topics.checkCluster(cid);
    const base = `${baseUrl(req)}/v3/clusters/${this.topics.clusterId}/topics/${name}/partitions`;
    return this.partitionBody(name, this.topics.partitionView(name, parsePartitionId(p)), base);
  }

  @Post(':cid/topics/:topic/partitions/:p/records::delete')
  @HttpCode(200)
  async deleteRecords(@Param('cid') cid: string, @Param('topic') name: string, @Param('p') p: string, @Body() body: unknown) {
    this.topics.checkCluster(cid);
    return this.topics.deleteRecords(name, parsePartitionId(p), body);
  }

  private cluster(base: string) {
    const cid = this.topics.clusterId;
    return {
      kind: 'KafkaCluster',
      metadata: { self: `${base}/v3/clusters/${cid}` },
      cluster_id: cid,
      controller: { related: `${base}/v3/clusters/${cid}/brokers/0` },
      brokers: { related: `${base}/v3/clusters/${cid}/brokers` },
      topics: { related: `${base}/v3/clusters/${cid}/topics` },
    };
  }

  private topicBody(topic: TopicRecord, base: string) {
    const self = `${base}/${topic.name}`;
    return {
      kind: 'KafkaTopic',
      metadata: { self, resource_name: `crn:///kafka=${this.topics.clusterId}/topic=${topic.name}` },
      cluster_id: this.topics.clusterId,
      topic_name: topic.name,
      topic_id: topic.topicId,
      is_internal: topic.isInternal,
      replication_factor: topic.replicationFactor,
      partitions_count: topic.partitionsCount,
      partitions: { related: `${self}/partitions` },
      configs: { related: `${self}/configs` },
    };
  }

  private partitionBody(name: string, p: ReturnType<TopicsService['partitionView']>, base: string) {
    return {
      kind: 'KafkaPartition',
      metadata: { self: `${base}/${p.partition_id}` },
      cluster_id: this.topics.clusterId,
      topic_name: name,
      ...p,
    };
  }
}

/** Links come from RUNNEL_ADVERTISED_URL (or the listener), never from the request's Host header. */
export function baseUrl(req: FastifyRequest): string {
  return advertisedUrl(req);
}

/** Kept here for the controllers that import it from this file; defined in topic-names.ts. */
export { parsePartitionId } from './topic-names';
