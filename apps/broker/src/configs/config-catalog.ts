import type { BrokerConfig } from '../config/broker-config';
import { TOPIC_CONFIG_NAMES, builtInTopicDefaults, intRange, topicConfigDef, topicConfigProblem } from '../topics/topic-configs';

/**
 * Kafka's config model for topics, brokers and the cluster, as DescribeConfigs reports it.
 *
 * A config's value comes from the first layer that sets it, Kafka's precedence:
 *   DYNAMIC_TOPIC_CONFIG (topic override) > DYNAMIC_BROKER_CONFIG (this broker, set over REST)
 *   > DYNAMIC_DEFAULT_BROKER_CONFIG (cluster-wide, set over REST) > STATIC_BROKER_CONFIG
 *   (RUNNEL_* variables) > DEFAULT_CONFIG (built in).
 * A topic config's broker layers are those of its broker synonym (`retention.ms` ← `log.retention.ms`),
 * and `synonyms` lists every layer that sets a value, in that order, as Kafka does.
 *
 * Pure: the dynamic layers are handed in (ConfigsService keeps them, the metadata store persists them).
 */

export type ConfigSource =
  'DYNAMIC_TOPIC_CONFIG' | 'DYNAMIC_BROKER_CONFIG' | 'DYNAMIC_DEFAULT_BROKER_CONFIG' | 'STATIC_BROKER_CONFIG' | 'DEFAULT_CONFIG';

export interface ConfigSynonym {
  name: string;
  value: string | null;
  source: ConfigSource;
}

/** One config as the v3 API describes it (the fields every *ConfigData shares). */
export interface DescribedConfig {
  name: string;
  value: string | null;
  is_default: boolean;
  is_read_only: boolean;
  is_sensitive: boolean;
  source: ConfigSource;
  synonyms: ConfigSynonym[];
}

/** The dynamic layers: this broker's overrides and the cluster-wide defaults (Kafka broker config names). */
export interface DynamicLayers {
  broker: Readonly<Record<string, string>>;
  cluster: Readonly<Record<string, string>>;
}

interface BrokerConfigDef {
  defaultValue: string | null;
  /** The value the broker's environment gives it, when that differs from the built-in default. */
  staticValue?: string;
  /** Not dynamically updatable in Kafka: alteration is refused with 400 / 40002. */
  readOnly: boolean;
  /** The reason a value is invalid, or null. */
  check: (value: string) => string | null;
  /** The topic config whose default this broker config is. */
  topicConfig?: string;
}

const KAFKA_INT_MAX = '2147483647';

const positiveDouble = (value: string): string | null =>
  /^\s*\+?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\s*$/.test(value) && Number(value) > 0 ? null : 'must be a positive number';

export class ConfigCatalog {
  private readonly brokerDefs = new Map<string, BrokerConfigDef>();
  /** Topic config → its broker synonym, for the topic configs that have one. */
  private readonly brokerNameOfTopic = new Map<string, string>();

  constructor(config: BrokerConfig) {
    const builtIn = builtInTopicDefaults();
    for (const topicName of TOPIC_CONFIG_NAMES) {
      const brokerName = topicConfigDef(topicName)!.brokerName;
      if (!brokerName) continue;
      this.brokerNameOfTopic.set(topicName, brokerName);
      const staticValue = config.topicDefaults[topicName];
      this.brokerDefs.set(brokerName, {
        defaultValue: builtIn[topicName],
        staticValue: staticValue !== builtIn[topicName] ? staticValue : undefined,
        readOnly: false,
        check: (value) => topicConfigProblem(topicName, value),
        topicConfig: topicName,
      });
    }
    const readOnly = (defaultValue: string | null, actual?: string): BrokerConfigDef => ({
      defaultValue,
      staticValue: actual !== undefined && actual !== defaultValue ? actual : undefined,
      readOnly: true,
      check: () => null,
    });
    const dynamic = (defaultValue: string, actual: string, check: BrokerConfigDef['check']): BrokerConfigDef => ({
      defaultValue,
      staticValue: actual !== defaultValue ? actual : undefined,
      readOnly: false,
      check,
    });
    const groups = config.groups.limits;
    const entries: Record<string, BrokerConfigDef> = {
      'advertised.listeners': readOnly(null, config.advertisedUrl),
      'auto.create.topics.enable': readOnly('true', 'false'),
      'broker.id': readOnly('-1', String(config.brokerId)),
      'default.replication.factor': readOnly('1', '1'),
      'delete.topic.enable': readOnly('true', 'true'),
      'group.max.session.timeout.ms': readOnly('1800000', String(groups.maxSessionTimeoutMs)),
      'group.min.session.timeout.ms': readOnly('6000', String(groups.minSessionTimeoutMs)),
      listeners: readOnly('PLAINTEXT://:9092', `HTTP://${config.host}:${config.httpPort}`),
      'log.cleaner.backoff.ms': dynamic('15000', String(config.logCleanerBackoffMs), intRange(0)),
      'log.cleaner.enable': readOnly('true', String(config.logCleanerEnable)),
      'log.cleaner.io.max.bytes.per.second': dynamic('1.7976931348623157E308', String(config.logCleanerIoBytesPerSecond), positiveDouble),
      'log.dirs': readOnly(null, config.dataDir),
      'log.retention.check.interval.ms': readOnly('300000', String(config.retentionCheckIntervalMs)),
      'max.connections': dynamic(KAFKA_INT_MAX, String(config.maxConnections), intRange(0)),
      'max.connections.per.ip': dynamic(KAFKA_INT_MAX, String(config.maxConnectionsPerIp), intRange(0)),
      'num.partitions': readOnly('1', String(config.defaultPartitions)),
      'offsets.topic.num.partitions': readOnly('50', String(config.groups.offsetsTopicPartitions)),
      'offsets.topic.segment.bytes': readOnly('104857600', String(config.groups.offsetsTopicSegmentBytes)),
    };
    for (const [name, def] of Object.entries(entries)) this.brokerDefs.set(name, def);
  }

  /** Every broker config name, sorted as Kafka lists them. */
  brokerConfigNames(): string[] {
    return [...this.brokerDefs.keys()].sort();
  }

  isBrokerConfig(name: string): boolean {
    return this.brokerDefs.has(name);
  }

  isReadOnly(name: string): boolean {
    return this.brokerDefs.get(name)?.readOnly ?? true;
  }

  /** Why `value` is not valid for broker config `name`, or null. */
  brokerConfigProblem(name: string, value: string): string | null {
    return this.brokerDefs.get(name)!.check(value);
  }

  /** The topic config a broker config is the default of (log.retention.ms → retention.ms). */
  topicConfigOf(brokerName: string): string | undefined {
    return this.brokerDefs.get(brokerName)?.topicConfig;
  }

  /** A broker config as one broker reports it (/brokers/{id}/configs). */
  describeBroker(name: string, layers: DynamicLayers): DescribedConfig {
    const def = this.brokerDefs.get(name)!;
    return described(name, def.readOnly, this.brokerSynonyms(name, layers));
  }

  /** A cluster-wide dynamic default (/broker-configs), or undefined when none is set. */
  describeCluster(name: string, layers: DynamicLayers): DescribedConfig | undefined {
    if (!(name in layers.cluster)) return undefined;
    return described(name, false, this.brokerSynonyms(name, { broker: {}, cluster: layers.cluster }));
  }

  /** A topic config of a topic whose own overrides are `topicConfigs`. */
  describeTopic(name: string, topicConfigs: Readonly<Record<string, string>>, layers: DynamicLayers): DescribedConfig {
    const synonyms: ConfigSynonym[] = [];
    if (Object.hasOwn(topicConfigs, name)) synonyms.push({ name, value: topicConfigs[name], source: 'DYNAMIC_TOPIC_CONFIG' });
    const brokerName = this.brokerNameOfTopic.get(name);
    if (brokerName) synonyms.push(...this.brokerSynonyms(brokerName, layers));
    else synonyms.push({ name, value: topicConfigDef(name)!.defaultValue, source: 'DEFAULT_CONFIG' });
    return described(name, false, synonyms);
  }

  /** What a topic without overrides gets for each topic config, given the dynamic layers. */
  topicDefaults(layers: DynamicLayers): Record<string, string> {
    const defaults: Record<string, string> = {};
    for (const name of TOPIC_CONFIG_NAMES)
      defaults[name] = this.describeTopic(name, {}, layers).value ?? topicConfigDef(name)!.defaultValue;
    return defaults;
  }

  private brokerSynonyms(name: string, layers: DynamicLayers): ConfigSynonym[] {
    const def = this.brokerDefs.get(name)!;
    const synonyms: ConfigSynonym[] = [];
    if (Object.hasOwn(layers.broker, name)) synonyms.push({ name, value: layers.broker[name], source: 'DYNAMIC_BROKER_CONFIG' });
    if (Object.hasOwn(layers.cluster, name)) synonyms.push({ name, value: layers.cluster[name], source: 'DYNAMIC_DEFAULT_BROKER_CONFIG' });
    if (def.staticValue !== undefined) synonyms.push({ name, value: def.staticValue, source: 'STATIC_BROKER_CONFIG' });
    synonyms.push({ name, value: def.defaultValue, source: 'DEFAULT_CONFIG' });
    return synonyms;
  }
}

function described(name: string, readOnly: boolean, synonyms: ConfigSynonym[]): DescribedConfig {
  const effective = synonyms[0];
  return {
    name,
    value: effective.value,
    is_default: effective.source === 'DEFAULT_CONFIG',
    is_read_only: readOnly,
    is_sensitive: false,
    source: effective.source,
    synonyms,
  };
}
