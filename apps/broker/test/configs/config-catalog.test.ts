import { loadBrokerConfig } from '../../src/config/broker-config';
import { ConfigCatalog } from '../../src/configs/config-catalog';

/** Kafka's layering of config values: topic > this broker > cluster-wide > static > default, synonyms in that order. */
describe('ConfigCatalog', () => {
  const config = loadBrokerConfig(
    { RUNNEL_DATA_DIR: '/var/lib/runnel', RUNNEL_TOPIC_RETENTION_MS: '3600000', RUNNEL_DEFAULT_PARTITIONS: '3' },
    4096,
  );
  const catalog = new ConfigCatalog(config);
  const none = { broker: {}, cluster: {} };

  it('describes a broker config from its static setting and Kafka default', () => {
    expect(catalog.describeBroker('log.retention.ms', none)).toEqual({
      name: 'log.retention.ms',
      value: '3600000',
      is_default: false,
      is_read_only: false,
      is_sensitive: false,
      source: 'STATIC_BROKER_CONFIG',
      synonyms: [
        { name: 'log.retention.ms', value: '3600000', source: 'STATIC_BROKER_CONFIG' },
        { name: 'log.retention.ms', value: '604800000', source: 'DEFAULT_CONFIG' },
      ],
    });
    expect(catalog.describeBroker('num.partitions', none)).toMatchObject({
      value: '3',
      is_read_only: true,
      source: 'STATIC_BROKER_CONFIG',
    });
    expect(catalog.describeBroker('compression.type', none)).toMatchObject({
      value: 'producer',
      is_default: true,
      source: 'DEFAULT_CONFIG',
    });
    expect(catalog.describeBroker('log.dirs', none)).toMatchObject({ value: '/var/lib/runnel', is_read_only: true });
  });

  it('puts the dynamic layers first: this broker, then the cluster-wide default', () => {
    const layers = { broker: { 'log.retention.ms': '1000' }, cluster: { 'log.retention.ms': '2000', 'compression.type': 'gzip' } };
    expect(catalog.describeBroker('log.retention.ms', layers).synonyms.map((s) => [s.source, s.value])).toEqual([
      ['DYNAMIC_BROKER_CONFIG', '1000'],
      ['DYNAMIC_DEFAULT_BROKER_CONFIG', '2000'],
      ['STATIC_BROKER_CONFIG', '3600000'],
      ['DEFAULT_CONFIG', '604800000'],
    ]);
    expect(catalog.describeCluster('log.retention.ms', layers)!.synonyms.map((s) => s.source)).toEqual([
      'DYNAMIC_DEFAULT_BROKER_CONFIG',
      'STATIC_BROKER_CONFIG',
      'DEFAULT_CONFIG',
    ]);
    expect(catalog.describeCluster('log.segment.bytes', layers)).toBeUndefined();
    expect(catalog.topicDefaults(layers)).toMatchObject({ 'retention.ms': '1000', 'compression.type': 'gzip', 'segment.ms': '604800000' });
  });

  it("describes a topic config through its broker synonym, the topic's own value first", () => {
    const layers = { broker: {}, cluster: { 'log.cleanup.policy': 'compact' } };
    expect(catalog.describeTopic('cleanup.policy', { 'cleanup.policy': 'delete' }, layers)).toMatchObject({
      value: 'delete',
      source: 'DYNAMIC_TOPIC_CONFIG',
      synonyms: [
        { name: 'cleanup.policy', value: 'delete', source: 'DYNAMIC_TOPIC_CONFIG' },
        { name: 'log.cleanup.policy', value: 'compact', source: 'DYNAMIC_DEFAULT_BROKER_CONFIG' },
        { name: 'log.cleanup.policy', value: 'delete', source: 'DEFAULT_CONFIG' },
      ],
    });
    expect(catalog.describeTopic('cleanup.policy', {}, layers)).toMatchObject({
      value: 'compact',
      is_default: false,
      source: 'DYNAMIC_DEFAULT_BROKER_CONFIG',
    });
    // A topic-only config has no broker synonym: its default is Kafka's.
    expect(catalog.describeTopic('leader.replication.throttled.replicas', {}, none)).toMatchObject({
      value: '',
      is_default: true,
      synonyms: [{ name: 'leader.replication.throttled.replicas', value: '', source: 'DEFAULT_CONFIG' }],
    });
  });

  it('validates broker config values with the rules of the topic config they default', () => {
    expect(catalog.brokerConfigProblem('log.retention.ms', 'soon')).toContain('retention.ms');
    expect(catalog.brokerConfigProblem('log.preallocate', 'maybe')).toContain('true or false');
    expect(catalog.brokerConfigProblem('max.connections', '-1')).toContain('at least 0');
    expect(catalog.brokerConfigProblem('log.cleaner.io.max.bytes.per.second', '1e6')).toBeNull();
    expect(catalog.isReadOnly('broker.id')).toBe(true);
    expect(catalog.isBrokerConfig('no.such.config')).toBe(false);
    expect(catalog.topicConfigOf('log.roll.ms')).toBe('segment.ms');
  });
});
