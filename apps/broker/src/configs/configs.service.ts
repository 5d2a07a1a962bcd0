import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import { BrokerConfigScope, MetadataStore, TopicRecord } from '@runnel/metadata';
import { BrokerConfig } from '../config/broker-config';
import { BROKER_CONFIG, METADATA_STORE } from '../config/tokens';
import { RunnelError } from '../common/errors';
import { TOPIC_CONFIG_NAMES, topicConfigDef } from '../topics/topic-configs';
import { TopicsService } from '../topics/topics.service';
import { ConfigCatalog, DescribedConfig, DynamicLayers } from './config-catalog';
import { ConfigAlteration, parseAlterBatch, parseUpdateValue } from './config-requests';

/**
 * Topic, broker and cluster configs (Confluent REST v3 "Configs"), with Kafka's layering
 * (config-catalog.ts). Topic overrides live with the topic (TopicsService); this broker's dynamic
 * configs and the cluster-wide dynamic defaults live in the metadata store and are mirrored here,
 * loaded at start. A broker config that is the default of a topic config (log.retention.ms) is
 * applied at once: every topic without its own value follows it (TopicsService.setTopicDefaults).
 *
 * Writes of dynamic broker configs are serialized, so the mirror always equals the store's last state.
 */
export interface TopicConfigs {
  topic: string;
  configs: DescribedConfig[];
}

@Injectable()
export class ConfigsService implements OnModuleInit {
  private readonly catalog: ConfigCatalog;
  private layers: DynamicLayers = { broker: {}, cluster: {} };
  private writes: Promise<unknown> = Promise.resolve();

  constructor(
    @Inject(BROKER_CONFIG) private readonly config: BrokerConfig,
    @Inject(METADATA_STORE) private readonly metadata: MetadataStore,
    private readonly topics: TopicsService,
  ) {
    this.catalog = new ConfigCatalog(config);
  }

  async onModuleInit(): Promise<void> {
    this.layers = {
      broker: await this.metadata.dynamicBrokerConfigs(this.config.brokerId),
      cluster: await this.metadata.dynamicBrokerConfigs('default'),
    };
    this.topics.setTopicDefaults(this.catalog.topicDefaults(this.layers));
  }

  get clusterId(): string {
    return this.topics.clusterId;
  }

  get brokerId(): number {
    return this.config.brokerId;
  }

  checkCluster(cid: string): void {
    this.topics.checkCluster(cid);
  }

  // ---- topic configs ----

  topicConfigs(cid: string, topic: string): DescribedConfig[] {
    this.checkCluster(cid);
    return this.describeTopic(this.topics.get(topic));
  }

  /**
   * `/topics/-/configs`: every topic's configs, internal topics included (Kafka lists them too),
   * in one answer as Confluent gives it; `page.limit` topics after `page.afterTopic` is Runnel's
   * paged form. `more` says whether topics follow the page.
   */
  allTopicConfigs(cid: string, page: { afterTopic?: string; limit?: number } = {}): { topics: TopicConfigs[]; more: boolean } {
    this.checkCluster(cid);
    const limit = page.limit ?? Number.MAX_SAFE_INTEGER;
    const topics = this.topics.list({
      afterName: page.afterTopic,
      limit: Math.min(limit + 1, Number.MAX_SAFE_INTEGER),
      includeInternal: true,
    });
    return {
      topics: topics.slice(0, limit).map((topic) => ({ topic: topic.name, configs: this.describeTopic(topic) })),
      more: topics.length > limit,
    };
  }

  topicConfig(cid: string, topic: string, name: string): DescribedConfig {
    this.checkCluster(cid);
    const record = this.topics.get(topic);
    checkTopicConfigName(topic, name);
    return this.catalog.describeTopic(name, record.configs, this.layers);
  }

  async alterTopicConfigs(cid: string, topic: string, body: unknown): Promise<void> {
    this.checkCluster(cid);
    this.topics.get(topic);
    const batch = parseAlterBatch(body);
    for (const a of batch.alterations) checkTopicConfigName(topic, a.name);
    const { set, remove } = split(batch.alterations);
    await this.topics.alterConfigs(topic, set, remove, batch.validateOnly);
  }

  async updateTopicConfig(cid: string, topic: string, name: string, body: unknown): Promise<void> {
    this.checkCluster(cid);
    this.topics.get(topic);
    checkTopicConfigName(topic, name);
    await this.topics.alterConfigs(topic, { [name]: parseUpdateValue(body) }, []);
  }

  async resetTopicConfig(cid: string, topic: string, name: string): Promise<void> {
    this.checkCluster(cid);
    this.topics.get(topic);
    checkTopicConfigName(topic, name);
    await this.topics.alterConfigs(topic, {}, [name]);
  }

  private describeTopic(topic: TopicRecord): DescribedConfig[] {
    return TOPIC_CONFIG_NAMES.map((name) => this.catalog.describeTopic(name, topic.configs, this.layers));
  }

  // ---- broker configs ----

  brokerConfigs(cid: string, brokerId: string): DescribedConfig[] {
    this.checkCluster(cid);
    this.checkBroker(brokerId);
    return this.catalog.brokerConfigNames().map((name) => this.catalog.describeBroker(name, this.layers));
  }

  /** `/brokers/-/configs`: the configs of every broker (this one). */
  allBrokerConfigs(cid: string): DescribedConfig[] {
    return this.brokerConfigs(cid, String(this.brokerId));
  }

  brokerConfig(cid: string, brokerId: string, name: string): DescribedConfig {
    this.checkCluster(cid);
    this.checkBroker(brokerId);
    this.checkBrokerConfigName(name, `broker ${brokerId}`);
    return this.catalog.describeBroker(name, this.layers);
  }

  async alterBrokerConfigs(cid: string, brokerId: string, body: unknown): Promise<void> {
    this.checkCluster(cid);
    this.checkBroker(brokerId);
    const batch = parseAlterBatch(body);
    await this.alterDynamic(this.brokerId, batch.alterations, batch.validateOnly);
  }

  async updateBrokerConfig(cid: string, brokerId: string, name: string, body: unknown): Promise<void> {
    this.checkCluster(cid);
    this.checkBroker(brokerId);
    this.checkBrokerConfigName(name, `broker ${brokerId}`);
    await this.alterDynamic(this.brokerId, [{ name, operation: 'SET', value: parseUpdateValue(body) }], false);
  }

  async resetBrokerConfig(cid: string, brokerId: string, name: string): Promise<void> {
    this.checkCluster(cid);
    this.checkBroker(brokerId);
    this.checkBrokerConfigName(name, `broker ${brokerId}`);
    await this.alterDynamic(this.brokerId, [{ name, operation: 'DELETE' }], false);
  }

  // ---- cluster-wide dynamic broker configs ----

  clusterConfigs(cid: string): DescribedConfig[] {
    this.checkCluster(cid);
    return Object.keys(this.layers.cluster)
      .sort()
      .map((name) => this.catalog.describeCluster(name, this.layers)!);
  }

  clusterConfig(cid: string, name: string): DescribedConfig {
    this.checkCluster(cid);
    const described = this.catalog.describeCluster(name, this.layers);
    if (!described) throw new RunnelError('NOT_FOUND', `Config ${name} cannot be found for cluster ${this.clusterId}.`);
    return described;
  }

  async alterClusterConfigs(cid: string, body: unknown): Promise<void> {
    this.checkCluster(cid);
    const batch = parseAlterBatch(body);
    await this.alterDynamic('default', batch.alterations, batch.validateOnly);
  }

  async updateClusterConfig(cid: string, name: string, body: unknown): Promise<void> {
    this.checkCluster(cid);
    this.checkBrokerConfigName(name, `cluster ${this.clusterId}`);
    await this.alterDynamic('default', [{ name, operation: 'SET', value: parseUpdateValue(body) }], false);
  }

  async resetClusterConfig(cid: string, name: string): Promise<void> {
    this.checkCluster(cid);
    this.checkBrokerConfigName(name, `cluster ${this.clusterId}`);
    await this.alterDynamic('default', [{ name, operation: 'DELETE' }], false);
  }

  /**
   * Kafka's incrementalAlterConfigs on a BROKER resource: unknown names 404, read-only ones and bad
   * values 400 / 40002, all checked before anything is stored; then stored, mirrored and applied.
   */
  private async alterDynamic(scope: BrokerConfigScope, alterations: ConfigAlteration[], validateOnly: boolean): Promise<void> {
    const owner = scope === 'default' ? `cluster ${this.clusterId}` : `broker ${scope}`;
    for (const a of alterations) this.checkBrokerConfigName(a.name, owner);
    const readOnly = alterations.filter((a) => this.catalog.isReadOnly(a.name)).map((a) => a.name);
    if (readOnly.length > 0) {
      throw new RunnelError('INVALID_CONFIG', `Cannot update these configs dynamically: ${readOnly.join(', ')}`);
    }
    const problems = alterations
      .filter((a) => a.operation === 'SET')
      .map((a) => {
        const reason = this.catalog.brokerConfigProblem(a.name, a.value!);
        return reason && `${a.name}=${a.value}: ${reason}`;
      })
      .filter((p): p is string => p !== null);
    if (problems.length > 0)
      throw new RunnelError('INVALID_CONFIG', `Invalid config value: ${problems[0]}`, { validationErrors: problems });
    if (validateOnly) return;
    const { set, remove } = split(alterations);
    const write = this.writes.then(async () => {
      const now = await this.metadata.alterDynamicBrokerConfigs(scope, set, remove);
      this.layers = scope === 'default' ? { ...this.layers, cluster: now } : { ...this.layers, broker: now };
      if (alterations.some((a) => this.catalog.topicConfigOf(a.name) !== undefined)) {
        this.topics.setTopicDefaults(this.catalog.topicDefaults(this.layers));
      }
    });
    this.writes = write.catch(() => undefined);
    await write;
  }

  private checkBroker(brokerId: string): void {
    if (brokerId !== String(this.brokerId)) throw new RunnelError('NOT_FOUND', `Broker ${brokerId} cannot be found.`);
  }

  private checkBrokerConfigName(name: string, owner: string): void {
    if (!this.catalog.isBrokerConfig(name)) throw new RunnelError('NOT_FOUND', `Config ${name} cannot be found for ${owner}.`);
  }
}

/** Confluent answers a config name Kafka does not know on a topic with 404. */
function checkTopicConfigName(topic: string, name: string): void {
  if (!topicConfigDef(name)) throw new RunnelError('NOT_FOUND', `Config ${name} cannot be found for topic ${topic}.`);
}

function split(alterations: ConfigAlteration[]): { set: Record<string, string>; remove: string[] } {
  const set: Record<string, string> = {};
  const remove: string[] = [];
  for (const a of alterations) {
    if (a.operation === 'DELETE') remove.push(a.name);
    else set[a.name] = a.value!;
  }
  return { set, remove };
}
