import { RunnelError } from '../../src/common/errors';
import {
  TOPIC_CONFIG_NAMES,
  brokerTopicDefaults,
  logConfigOf,
  topicConfigDef,
  topicConfigProblem,
  validateTopicConfigs,
} from '../../src/topics/topic-configs';

/** Kafka's topic configs: every name of Kafka 3.x/4.x TopicConfig, Kafka's value rules, 400 / 40002 naming the config. */
describe('topic configs', () => {
  const defaults = brokerTopicDefaults({});

  it('knows every Kafka topic config, with Kafka defaults', () => {
    expect([...TOPIC_CONFIG_NAMES].sort()).toEqual(
      [
        'cleanup.policy',
        'compression.gzip.level',
        'compression.lz4.level',
        'compression.type',
        'compression.zstd.level',
        'delete.retention.ms',
        'file.delete.delay.ms',
        'flush.messages',
        'flush.ms',
        'follower.replication.throttled.replicas',
        'index.interval.bytes',
        'leader.replication.throttled.replicas',
        'local.retention.bytes',
        'local.retention.ms',
        'max.compaction.lag.ms',
        'max.message.bytes',
        'message.downconversion.enable',
        'message.format.version',
        'message.timestamp.after.max.ms',
        'message.timestamp.before.max.ms',
        'message.timestamp.difference.max.ms',
        'message.timestamp.type',
        'min.cleanable.dirty.ratio',
        'min.compaction.lag.ms',
        'min.insync.replicas',
        'preallocate',
        'remote.log.copy.disable',
        'remote.log.delete.on.disable',
        'remote.storage.enable',
        'retention.bytes',
        'retention.ms',
        'segment.bytes',
        'segment.index.bytes',
        'segment.jitter.ms',
        'segment.ms',
        'unclean.leader.election.enable',
      ].sort(),
    );
    expect(defaults).toMatchObject({
      'cleanup.policy': 'delete',
      'compression.type': 'producer',
      'local.retention.ms': '-2',
      'max.compaction.lag.ms': '9223372036854775807',
      'min.compaction.lag.ms': '0',
      'segment.jitter.ms': '0',
      'file.delete.delay.ms': '60000',
      'message.downconversion.enable': 'true',
      'flush.ms': '0',
    });
    expect(topicConfigDef('retention.ms')).toMatchObject({ brokerName: 'log.retention.ms', applied: true });
    expect(topicConfigDef('preallocate')).toMatchObject({ brokerName: 'log.preallocate', applied: false });
    expect(topicConfigDef('toString')).toBeUndefined();
  });

  it.each([
    ['segment.jitter.ms', '0'],
    ['segment.jitter.ms', '9223372036854775807'],
    ['max.compaction.lag.ms', '1'],
    ['preallocate', 'TRUE'],
    ['message.downconversion.enable', 'false'],
    ['local.retention.bytes', '-2'],
    ['local.retention.ms', '86400000'],
    ['follower.replication.throttled.replicas', '*'],
    ['leader.replication.throttled.replicas', '0:101, 1:102'],
    ['follower.replication.throttled.replicas', ''],
    ['message.format.version', '2.8-IV1'],
    ['compression.gzip.level', '-1'],
    ['compression.zstd.level', '-5'],
    ['remote.storage.enable', 'false'],
    ['message.timestamp.difference.max.ms', '3600000'],
    ['cleanup.policy', 'compact, delete'],
    ['index.interval.bytes', '0'],
  ])('accepts %s=%s', (name, value) => {
    expect(topicConfigProblem(name, value)).toBeNull();
    expect(() => validateTopicConfigs({ [name]: value }, defaults)).not.toThrow();
  });

  it.each([
    ['segment.jitter.ms', '-1', 'at least 0'],
    ['max.compaction.lag.ms', '0', 'at least 1'],
    ['file.delete.delay.ms', '1.5', 'not a number'],
    ['preallocate', 'yes', 'true or false'],
    ['local.retention.ms', '-3', 'at least -2'],
    ['segment.jitter.ms', '9223372036854775808', 'at most 9223372036854775807'],
    ['max.compaction.lag.ms', '9223372036854775808', 'at most 9223372036854775807'],
    ['follower.replication.throttled.replicas', '0-101', 'partition:broker'],
    ['message.format.version', 'newest', 'Kafka version'],
    ['compression.gzip.level', '0', '-1 or in [1, 9]'],
    ['compression.lz4.level', '18', '[1, 17]'],
    ['compression.type', 'brotli', 'one of'],
    ['min.insync.replicas', '0', 'at least 1'],
    ['remote.storage.enable', 'true', 'tiered storage'],
    ['segment.bytes', '13', 'at least 14'],
    ['unclean.leader.election.enable', '1', 'true or false'],
  ])('refuses %s=%s with 400 / 40002 naming the config', (name, value, reason) => {
    expect(topicConfigProblem(name, value)).toContain(reason);
    let thrown: unknown;
    try {
      validateTopicConfigs({ [name]: value }, defaults);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(RunnelError);
    expect((thrown as RunnelError).status).toBe(400);
    expect((thrown as RunnelError).errorCode).toBe(40002);
    expect((thrown as RunnelError).message).toContain(name);
  });

  it('refuses crossed compaction lags, also against the value the topic already has', () => {
    expect(() => validateTopicConfigs({ 'min.compaction.lag.ms': '10', 'max.compaction.lag.ms': '5' }, defaults)).toThrow(/conflict/);
    expect(() => validateTopicConfigs({ 'min.compaction.lag.ms': '10' }, { ...defaults, 'max.compaction.lag.ms': '5' })).toThrow(
      /conflict/,
    );
    expect(() => validateTopicConfigs({ 'min.compaction.lag.ms': '5', 'max.compaction.lag.ms': '10' }, defaults)).not.toThrow();
  });

  it('reports unknown names with the bad values, all at once', () => {
    expect(() => validateTopicConfigs({ 'no.such': '1', preallocate: 'x' }, defaults)).toThrow(
      expect.objectContaining({ extra: { validationErrors: ['no.such: unknown topic config', expect.stringContaining('preallocate=x')] } }),
    );
  });

  it('applies the configs the log implements and ignores the stored-only ones', () => {
    const config = logConfigOf(
      { 'min.compaction.lag.ms': '60000', 'segment.index.bytes': '4096', 'segment.jitter.ms': '5', preallocate: 'true' },
      defaults,
    );
    expect(config).toMatchObject({ minCompactionLagMs: 60000, segmentIndexBytes: 4096, flushMs: 0 });
  });

  it('takes broker-wide defaults from RUNNEL_TOPIC_* variables and refuses bad ones', () => {
    expect(brokerTopicDefaults({ RUNNEL_TOPIC_SEGMENT_JITTER_MS: '100' })['segment.jitter.ms']).toBe('100');
    expect(() => brokerTopicDefaults({ RUNNEL_TOPIC_PREALLOCATE: 'sometimes' })).toThrow(/RUNNEL_TOPIC_PREALLOCATE/);
  });
});
