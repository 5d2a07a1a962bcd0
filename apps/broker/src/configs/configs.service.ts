import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import { BrokerConfigScope, MetadataStore, TopicRecord } from '@runnel/metadata';
import { CLUSTER_RESOURCE_NAME, Operation } from '@runnel/security';
import { BrokerConfig } from '../config/broker-config';
import { BROKER_CONFIG, METADATA_STORE } from '../config/tokens';
import { RunnelError } from '../common/errors';
import { AccessControl } from '../security/access-control.service';
import { AuditService, auditEntry } from '../security/audit.service';
import type { Caller } from '../security/caller';
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
 *
 * Authorization (Kafka's): a topic's configs DESCRIBE_CONFIGS / ALTER_CONFIGS on the TOPIC,
 * checked before the topic is looked up (no existence leak); `/topics/-/configs` lists only the
 * topics the caller may DESCRIBE_CONFIGS, filtered before paging; broker and cluster configs
 * DESCRIBE_CONFIGS / ALTER_CONFIGS on the CLUSTER. Alterations are audited with the values before
 * and after.
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
    private readonly access: AccessControl,
    private readonly audit: AuditService,
  ) {
    this.catalog = new ConfigCatalog(config);
  }

  async onModuleInit(): Promise<void> {
    await this.reload();
  }

  /** Re-reads the dynamic broker and cluster configs (at start; in cluster mode after another broker changed them). */
  async reload(): Promise<void> {
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

  topicConfigs(caller: Caller, cid: string, topic: string): DescribedConfig[] {
    this.checkCluster(cid);
    this.topics.authorize(caller, 'DESCRIBE_CONFIGS', topic);
    return this.describeTopic(this.topics.get(topic));
  }

  /**
   * `/topics/-/configs`: every topic's configs, internal topics included (Kafka lists them too),
   * in one answer as Confluent gives it; `page.limit` topics after `page.afterTopic` is Runnel's
   * paged form. `more` says whether topics follow the page.
   */
  allTopicConfigs(
    caller: Caller,
    cid: string,
    page: { afterTopic?: string; limit?: number } = {},
  ): { topics: TopicConfigs[]; more: boolean } {
    this.checkCluster(cid);
    const limit = page.limit ?? Number.MAX_SAFE_INTEGER;
    const topics = this.topics.listWhere(
      { afterName: page.afterTopic, limit: Math.min(limit + 1, Number.MAX_SAFE_INTEGER), includeInternal: true },
      (topic) => this.access.allows(caller, 'DESCRIBE_CONFIGS', 'TOPIC', topic.name),
    );
    return {
      topics: topics.slice(0, limit).map((topic) => ({ topic: topic.name, configs: this.describeTopic(topic) })),
      more: topics.length > limit,
    };
  }

  topicConfig(caller: Caller, cid: string, topic: string, name: string): DescribedConfig {
    this.checkCluster(cid);
    this.topics.authorize(caller, 'DESCRIBE_CONFIGS', topic);
    const record = this.topics.get(topic);
    checkTopicConfigName(topic, name);
    return this.catalog.describeTopic(name, record.configs, this.layers);
  }

  async alterTopicConfigs(caller: Caller, cid: string, topic: string, body: unknown): Promise<void> {
    this.checkCluster(cid);
    this.topics.authorize(caller, 'ALTER_CONFIGS', topic);
    this.topics.get(topic);
    const batch = parseAlterBatch(body);
    for (const a of batch.alterations) checkTopicConfigName(topic, a.name);
    const { set, remove } = split(batch.alterations);
    await this.alterTopic(caller, topic, set, remove, batch.validateOnly);
  }

  async updateTopicConfig(caller: Caller, cid: string, topic: string, name: string, body: unknown): Promise<void> {
    this.checkCluster(cid);
    this.topics.authorize(caller, 'ALTER_CONFIGS', topic);
    this.topics.get(topic);
    checkTopicConfigName(topic, name);
    await this.alterTopic(caller, topic, { [name]: parseUpdateValue(body) }, [], false);
  }

  async resetTopicConfig(caller: Caller, cid: string, topic: string, name: string): Promise<void> {
    this.checkCluster(cid);
    this.topics.authorize(caller, 'ALTER_CONFIGS', topic);
    this.topics.get(topic);
    checkTopicConfigName(topic, name);
    await this.alterTopic(caller, topic, {}, [name], false);
  }

  /** Alters the topic's configs and audits the overrides before and after (not for validate-only). */
  private async alterTopic(caller: Caller, topic: string, set: Record<string, string>, remove: string[], validateOnly: boolean) {
    const before = { ...this.topics.get(topic).configs };
    await this.topics.alterConfigs(topic, set, remove, validateOnly);
    if (validateOnly) return;
    const after = { ...this.topics.get(topic).configs };
    await this.audit.record(auditEntry(caller, `TOPIC:${topic}`, 'ALTER_CONFIGS', 'SUCCESS', { before, after }));
  }

  /** 40301 (audited) unless `caller` may perform `operation` on the cluster. */
  private authorizeCluster(caller: Caller, operation: Operation): void {
    this.access.requireCluster(caller, operation);
  }

  private describeTopic(topic: TopicRecord): DescribedConfig[] {
    return TOPIC_CONFIG_NAMES.map((name) => this.catalog.describeTopic(name, topic.configs, this.layers));
  }

  // ---- broker configs ----

  brokerConfigs(caller: Caller, cid: string, brokerId: string): DescribedConfig[] {
    this.checkCluster(cid);
    this.authorizeCluster(caller, 'DESCRIBE_CONFIGS');
    this.checkBroker(brokerId);
    return this.catalog.brokerConfigNames().map((name) => this.catalog.describeBroker(name, this.layers));
  }

  /** `/brokers/-/configs`: the configs of every broker (this one). */
  allBrokerConfigs(caller: Caller, cid: string): DescribedConfig[] {
    return this.brokerConfigs(caller, cid, String(this.brokerId));
  }

  brokerConfig(caller: Caller, cid: string, brokerId: string, name: string): DescribedConfig {
    this.checkCluster(cid);
    this.authorizeCluster(caller, 'DESCRIBE_CONFIGS');
    this.checkBroker(brokerId);
    this.checkBrokerConfigName(name, `broker ${brokerId}`);
    return this.catalog.describeBroker(name, this.layers);
  }

  async alterBrokerConfigs(caller: Caller, cid: string, brokerId: string, body: unknown): Promise<void> {
    this.checkCluster(cid);
    this.authorizeCluster(caller, 'ALTER_CONFIGS');
    this.checkBroker(brokerId);
    const batch = parseAlterBatch(body);
    await this.alterDynamic(caller, this.brokerId, batch.alterations, batch.validateOnly);
  }

  async updateBrokerConfig(caller: Caller, cid: string, brokerId: string, name: string, body: unknown): Promise<void> {
    this.checkCluster(cid);
    this.authorizeCluster(caller, 'ALTER_CONFIGS');
    this.checkBroker(brokerId);
    this.checkBrokerConfigName(name, `broker ${brokerId}`);
    await this.alterDynamic(caller, this.brokerId, [{ name, operation: 'SET', value: parseUpdateValue(body) }], false);
  }

  async resetBrokerConfig(caller: Caller, cid: string, brokerId: string, name: string): Promise<void> {
    this.checkCluster(cid);
    this.authorizeCluster(caller, 'ALTER_CONFIGS');
    this.checkBroker(brokerId);
    this.checkBrokerConfigName(name, `broker ${brokerId}`);
    await this.alterDynamic(caller, this.brokerId, [{ name, operation: 'DELETE' }], false);
  }

  // ---- cluster-wide dynamic broker configs ----

  clusterConfigs(caller: Caller, cid: string): DescribedConfig[] {
    this.checkCluster(cid);
    this.authorizeCluster(caller, 'DESCRIBE_CONFIGS');
    return Object.keys(this.layers.cluster)
      .sort()
      .map((name) => this.catalog.describeCluster(name, this.layers)!);
  }

  clusterConfig(caller: Caller, cid: string, name: string): DescribedConfig {
    this.checkCluster(cid);
    this.authorizeCluster(caller, 'DESCRIBE_CONFIGS');
    const described = this.catalog.describeCluster(name, this.layers);
    if (!described) throw new RunnelError('NOT_FOUND', `Config ${name} cannot be found for cluster ${this.clusterId}.`);
    return described;
  }

  async alterClusterConfigs(caller: Caller, cid: string, body: unknown): Promise<void> {
    this.checkCluster(cid);
    this.authorizeCluster(caller, 'ALTER_CONFIGS');
    const batch = parseAlterBatch(body);
    await this.alterDynamic(caller, 'default', batch.alterations, batch.validateOnly);
  }

  async updateClusterConfig(caller: Caller, cid: string, name: string, body: unknown): Promise<void> {
    this.checkCluster(cid);
    this.authorizeCluster(caller, 'ALTER_CONFIGS');
    this.checkBrokerConfigName(name, `cluster ${this.clusterId}`);
    await this.alterDynamic(caller, 'default', [{ name, operation: 'SET', value: parseUpdateValue(body) }], false);
  }

  async resetClusterConfig(caller: Caller, cid: string, name: string): Promise<void> {
    this.checkCluster(cid);
    this.authorizeCluster(caller, 'ALTER_CONFIGS');
    this.checkBrokerConfigName(name, `cluster ${this.clusterId}`);
    await this.alterDynamic(caller, 'default', [{ name, operation: 'DELETE' }], false);
  }

  /**
   * Kafka's incrementalAlterConfigs on a BROKER resource: unknown names 404, read-only ones and bad
   * values 400 / 40002, all checked before anything is stored; then stored, mirrored and applied.
   */
  private async alterDynamic(
    caller: Caller,
    scope: BrokerConfigScope,
    alterations: ConfigAlteration[],
    validateOnly: boolean,
  ): Promise<void> {
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
    let before: Record<string, string> = {};
    let after: Record<string, string> = {};
    const write = this.writes.then(async () => {
      before = { ...(scope === 'default' ? this.layers.cluster : this.layers.broker) };
      const now = await this.metadata.alterDynamicBrokerConfigs(scope, set, remove);
      after = { ...now };
      this.layers = scope === 'default' ? { ...this.layers, cluster: now } : { ...this.layers, broker: now };
      if (alterations.some((a) => this.catalog.topicConfigOf(a.name) !== undefined)) {
        this.topics.setTopicDefaults(this.catalog.topicDefaults(this.layers));
      }
    });
    this.writes = write.catch(() => undefined);
    await write;
    const resource = scope === 'default' ? `CLUSTER:${CLUSTER_RESOURCE_NAME}` : `BROKER:${scope}`;
    await this.audit.record(auditEntry(caller, resource, 'ALTER_CONFIGS', 'SUCCESS', { before, after }));
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
