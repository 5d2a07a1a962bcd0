import { Body, Controller, Delete, Get, HttpCode, Param, Post, Put, Query, Req } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { listResource, resourceMetadata, resourceName } from '../common/rest-v3';
import { CurrentCaller, type Caller } from '../security/caller';
import { baseUrl } from '../topics/topics.controller';
import { DescribedConfig } from './config-catalog';
import { parseTopicPage } from './config-requests';
import { ConfigsService } from './configs.service';

/**
 * Confluent REST v3 "Configs": topic configs, broker configs and cluster-wide dynamic broker
 * configs (KafkaTopicConfig, KafkaBrokerConfig, KafkaClusterConfig). Alterations answer 204, as
 * Confluent's do; the new values are read back with GET.
 */
@Controller('v3/clusters')
export class ConfigsController {
  constructor(private readonly configs: ConfigsService) {}

  /** Everything in one answer, as Confluent; `limit` (topics per page) and `page_token` page it (Runnel's extension). */
  @Get(':cid/topics/-/configs')
  allTopicConfigs(
    @Param('cid') cid: string,
    @Query() query: Record<string, string | undefined>,
    @Req() req: FastifyRequest,
    @CurrentCaller() caller: Caller,
  ) {
    const page = parseTopicPage(query);
    const { topics, more } = this.configs.allTopicConfigs(caller, cid, page);
    const data = topics.flatMap(({ topic, configs }) => configs.map((c) => this.topicConfig(req, topic, c)));
    const self = `${this.cluster(req)}/topics/-/configs`;
    const next = more
      ? `${self}?limit=${page.limit}&page_token=${Buffer.from(topics[topics.length - 1].topic).toString('base64url')}`
      : null;
    return listResource('KafkaTopicConfigList', self, data, next);
  }

  @Get(':cid/topics/:topic/configs')
  topicConfigs(@Param('cid') cid: string, @Param('topic') topic: string, @Req() req: FastifyRequest, @CurrentCaller() caller: Caller) {
    const data = this.configs.topicConfigs(caller, cid, topic).map((c) => this.topicConfig(req, topic, c));
    return listResource('KafkaTopicConfigList', `${this.cluster(req)}/topics/${topic}/configs`, data);
  }

  @Post(':cid/topics/:topic/configs::alter')
  @HttpCode(204)
  async alterTopicConfigs(
    @Param('cid') cid: string,
    @Param('topic') topic: string,
    @Body() body: unknown,
    @CurrentCaller() caller: Caller,
  ): Promise<void> {
    await this.configs.alterTopicConfigs(caller, cid, topic, body);
  }

  @Get(':cid/topics/:topic/configs/:name')
  getTopicConfig(
    @Param('cid') cid: string,
    @Param('topic') topic: string,
    @Param('name') name: string,
    @Req() req: FastifyRequest,
    @CurrentCaller() caller: Caller,
  ) {
    return this.topicConfig(req, topic, this.configs.topicConfig(caller, cid, topic, name));
  }

  @Put(':cid/topics/:topic/configs/:name')
  @HttpCode(204)
  async updateTopicConfig(
    @Param('cid') cid: string,
    @Param('topic') topic: string,
    @Param('name') name: string,
    @Body() body: unknown,
    @CurrentCaller() caller: Caller,
  ) {
    await this.configs.updateTopicConfig(caller, cid, topic, name, body);
  }

  @Delete(':cid/topics/:topic/configs/:name')
  @HttpCode(204)
  async resetTopicConfig(
    @Param('cid') cid: string,
    @Param('topic') topic: string,
    @Param('name') name: string,
    @CurrentCaller() caller: Caller,
  ) {
    await this.configs.resetTopicConfig(caller, cid, topic, name);
  }

  @Get(':cid/brokers/-/configs')
  allBrokerConfigs(@Param('cid') cid: string, @Req() req: FastifyRequest, @CurrentCaller() caller: Caller) {
    const data = this.configs.allBrokerConfigs(caller, cid).map((c) => this.brokerConfig(req, c));
    return listResource('KafkaBrokerConfigList', `${this.cluster(req)}/brokers/-/configs`, data);
  }

  @Get(':cid/brokers/:broker/configs')
  brokerConfigs(@Param('cid') cid: string, @Param('broker') broker: string, @Req() req: FastifyRequest, @CurrentCaller() caller: Caller) {
    const data = this.configs.brokerConfigs(caller, cid, broker).map((c) => this.brokerConfig(req, c));
    return listResource('KafkaBrokerConfigList', `${this.cluster(req)}/brokers/${this.configs.brokerId}/configs`, data);
  }

  @Post(':cid/brokers/:broker/configs::alter')
  @HttpCode(204)
  async alterBrokerConfigs(
    @Param('cid') cid: string,
    @Param('broker') broker: string,
    @Body() body: unknown,
    @CurrentCaller() caller: Caller,
  ): Promise<void> {
    await this.configs.alterBrokerConfigs(caller, cid, broker, body);
  }

  @Get(':cid/brokers/:broker/configs/:name')
  getBrokerConfig(
    @Param('cid') cid: string,
    @Param('broker') broker: string,
    @Param('name') name: string,
    @Req() req: FastifyRequest,
    @CurrentCaller() caller: Caller,
  ) {
    return this.brokerConfig(req, this.configs.brokerConfig(caller, cid, broker, name));
  }

  @Put(':cid/brokers/:broker/configs/:name')
  @HttpCode(204)
  async updateBrokerConfig(
    @Param('cid') cid: string,
    @Param('broker') broker: string,
    @Param('name') name: string,
    @Body() body: unknown,
    @CurrentCaller() caller: Caller,
  ) {
    await this.configs.updateBrokerConfig(caller, cid, broker, name, body);
  }

  @Delete(':cid/brokers/:broker/configs/:name')
  @HttpCode(204)
  async resetBrokerConfig(
    @Param('cid') cid: string,
    @Param('broker') broker: string,
    @Param('name') name: string,
    @CurrentCaller() caller: Caller,
  ) {
    await this.configs.resetBrokerConfig(caller, cid, broker, name);
  }

  @Get(':cid/broker-configs')
  clusterConfigs(@Param('cid') cid: string, @Req() req: FastifyRequest, @CurrentCaller() caller: Caller) {
    const data = this.configs.clusterConfigs(caller, cid).map((c) => this.clusterConfig(req, c));
    return listResource('KafkaClusterConfigList', `${this.cluster(req)}/broker-configs`, data);
  }

  @Post(':cid/broker-configs::alter')
  @HttpCode(204)
  async alterClusterConfigs(@Param('cid') cid: string, @Body() body: unknown, @CurrentCaller() caller: Caller): Promise<void> {
    await this.configs.alterClusterConfigs(caller, cid, body);
  }

  @Get(':cid/broker-configs/:name')
  getClusterConfig(@Param('cid') cid: string, @Param('name') name: string, @Req() req: FastifyRequest, @CurrentCaller() caller: Caller) {
    return this.clusterConfig(req, this.configs.clusterConfig(caller, cid, name));
  }

  @Put(':cid/broker-configs/:name')
  @HttpCode(204)
  async updateClusterConfig(
    @Param('cid') cid: string,
    @Param('name') name: string,
    @Body() body: unknown,
    @CurrentCaller() caller: Caller,
  ) {
    await this.configs.updateClusterConfig(caller, cid, name, body);
  }

  @Delete(':cid/broker-configs/:name')
  @HttpCode(204)
  async resetClusterConfig(@Param('cid') cid: string, @Param('name') name: string, @CurrentCaller() caller: Caller) {
    await this.configs.resetClusterConfig(caller, cid, name);
  }

  private cluster(req: FastifyRequest): string {
    return `${baseUrl(req)}/v3/clusters/${this.configs.clusterId}`;
  }

  private topicConfig(req: FastifyRequest, topic: string, config: DescribedConfig) {
    const cid = this.configs.clusterId;
    return {
      kind: 'KafkaTopicConfig',
      metadata: resourceMetadata(
        `${this.cluster(req)}/topics/${topic}/configs/${config.name}`,
        resourceName(cid, ['topic', topic], ['config', config.name]),
      ),
      cluster_id: cid,
      topic_name: topic,
      ...config,
    };
  }

  private brokerConfig(req: FastifyRequest, config: DescribedConfig) {
    const cid = this.configs.clusterId;
    const broker = this.configs.brokerId;
    return {
      kind: 'KafkaBrokerConfig',
      metadata: resourceMetadata(
        `${this.cluster(req)}/brokers/${broker}/configs/${config.name}`,
        resourceName(cid, ['broker', broker], ['config', config.name]),
      ),
      cluster_id: cid,
      broker_id: broker,
      ...config,
    };
  }

  private clusterConfig(req: FastifyRequest, config: DescribedConfig) {
    const cid = this.configs.clusterId;
    return {
      kind: 'KafkaClusterConfig',
      metadata: resourceMetadata(`${this.cluster(req)}/broker-configs/${config.name}`, resourceName(cid, ['broker-config', config.name])),
      cluster_id: cid,
      config_type: 'BROKER',
      ...config,
    };
  }
}
