import {
  DEFAULT_LOG_CONFIG,
  InvalidConfigError,
  isCompacted,
  logConfigFrom,
  retainsByTimeAndSize,
  rollJitterMs,
  validateLogConfig,
} from '@runnel/log';

describe('LogConfig', () => {
  it('has Kafka defaults', () => {
    expect(DEFAULT_LOG_CONFIG).toEqual({
      segmentBytes: 1073741824,
      segmentMs: 604800000,
      segmentJitterMs: 0,
      indexIntervalBytes: 4096,
      segmentIndexBytes: 10485760,
      retentionMs: 604800000,
      retentionBytes: -1,
      flushMessages: Number.MAX_SAFE_INTEGER,
      flushMs: Number.MAX_SAFE_INTEGER,
      messageTimestampType: 'CreateTime',
      maxMessageBytes: 1048588,
      messageTimestampBeforeMaxMs: Number.MAX_SAFE_INTEGER,
      messageTimestampAfterMaxMs: Number.MAX_SAFE_INTEGER,
      cleanupPolicy: 'delete',
      deleteRetentionMs: 86400000,
      minCleanableDirtyRatio: 0.5,
      minCompactionLagMs: 0,
      maxCompactionLagMs: Number.MAX_SAFE_INTEGER,
    });
  });

  it('maps Kafka topic config names and ignores the ones other components own', () => {
    const config = logConfigFrom({
      'segment.bytes': '1048576',
      'segment.ms': '3600000',
      'index.interval.bytes': '100',
      'segment.index.bytes': '4096',
      'retention.ms': '-1',
      'retention.bytes': '1099511627776',
      'flush.messages': '1',
      'flush.ms': '9223372036854775807',
      'message.timestamp.type': 'LogAppendTime',
      'max.message.bytes': '2000000',
      'message.timestamp.before.max.ms': '86400000',
      'message.timestamp.after.max.ms': '3600000',
      'cleanup.policy': 'compact',
      'delete.retention.ms': '1000',
      'min.cleanable.dirty.ratio': '0.01',
      'min.compaction.lag.ms': '60000',
      'segment.jitter.ms': '600000',
      'max.compaction.lag.ms': '9223372036854775807',
      'min.insync.replicas': '2',
    });
    expect(config).toEqual({
      segmentBytes: 1048576,
      segmentMs: 3600000,
      segmentJitterMs: 600000,
      indexIntervalBytes: 100,
      segmentIndexBytes: 4096,
      retentionMs: -1,
      retentionBytes: 1099511627776,
      flushMessages: 1,
      flushMs: Number.MAX_SAFE_INTEGER,
      messageTimestampType: 'LogAppendTime',
      maxMessageBytes: 2000000,
      messageTimestampBeforeMaxMs: 86400000,
      messageTimestampAfterMaxMs: 3600000,
      cleanupPolicy: 'compact',
      deleteRetentionMs: 1000,
      minCleanableDirtyRatio: 0.01,
      minCompactionLagMs: 60000,
      maxCompactionLagMs: Number.MAX_SAFE_INTEGER,
    });
    expect(logConfigFrom({}, config)).toEqual(config);
  });

  it('throws a typed error naming the config for invalid values', () => {
    const cases: Array<[string, string]> = [
      ['segment.bytes', '13'],
      ['segment.bytes', '2147483648'],
      ['segment.bytes', '1e6'],
      ['segment.ms', '0'],
      ['segment.jitter.ms', '-1'],
      ['max.compaction.lag.ms', '0'],
      ['retention.ms', '-2'],
      ['flush.messages', '0'],
      ['max.message.bytes', 'big'],
      ['message.timestamp.before.max.ms', '-1'],
      ['message.timestamp.type', 'NowTime'],
      ['cleanup.policy', 'forever'],
      ['cleanup.policy', ''],
      ['cleanup.policy', 'delete,delete'],
      ['cleanup.policy', 'compact,'],
      ['cleanup.policy', 'Compact'],
      ['delete.retention.ms', '-1'],
      ['min.compaction.lag.ms', '-5'],
      ['min.cleanable.dirty.ratio', '1.5'],
      ['min.cleanable.dirty.ratio', '-0.1'],
      ['min.cleanable.dirty.ratio', ''],
      ['min.cleanable.dirty.ratio', '0x1'],
      ['min.cleanable.dirty.ratio', 'half'],
    ];
    for (const [name, value] of cases) {
      try {
        logConfigFrom({ [name]: value });
        throw new Error(`${name}=${value} accepted`);
      } catch (error) {
        expect(error).toBeInstanceOf(InvalidConfigError);
        expect(error).toMatchObject({ code: 'INVALID_CONFIG', configName: name, value });
      }
    }
    expect(() => validateLogConfig({ ...DEFAULT_LOG_CONFIG, indexIntervalBytes: 1.5 })).toThrow(InvalidConfigError);
    expect(() => validateLogConfig({ ...DEFAULT_LOG_CONFIG, minCleanableDirtyRatio: Number.NaN })).toThrow(InvalidConfigError);
    expect(() => validateLogConfig({ ...DEFAULT_LOG_CONFIG, cleanupPolicy: 'shred' as never })).toThrow(InvalidConfigError);
  });

  it('accepts cleanup.policy in either order and normalizes it; retention applies only with delete', () => {
    const policyOf = (raw: string) => logConfigFrom({ 'cleanup.policy': raw }).cleanupPolicy;
    expect(policyOf('delete')).toBe('delete');
    expect(policyOf('compact')).toBe('compact');
    expect(policyOf('delete,compact')).toBe('delete,compact');
    expect(policyOf('compact,delete')).toBe('delete,compact');
    expect(policyOf('compact, delete')).toBe('delete,compact');
    expect(validateLogConfig({ ...DEFAULT_LOG_CONFIG, cleanupPolicy: 'compact,delete' as never }).cleanupPolicy).toBe('delete,compact');
    const table = (['delete', 'compact', 'delete,compact'] as const).map((cleanupPolicy) => [
      cleanupPolicy,
      retainsByTimeAndSize({ cleanupPolicy }),
      isCompacted({ cleanupPolicy }),
    ]);
    expect(table).toEqual([
      ['delete', true, false],
      ['compact', false, true],
      ['delete,compact', true, true],
    ]);
    expect(logConfigFrom({ 'min.cleanable.dirty.ratio': '1' }).minCleanableDirtyRatio).toBe(1);
    expect(logConfigFrom({ 'min.cleanable.dirty.ratio': '.25' }).minCleanableDirtyRatio).toBe(0.25);
    expect(logConfigFrom({ 'min.cleanable.dirty.ratio': '1e-2' }).minCleanableDirtyRatio).toBe(0.01);
  });

  it("draws a segment's roll jitter below min(segment.jitter.ms, segment.ms), none without jitter", () => {
    expect(rollJitterMs({ segmentJitterMs: 0, segmentMs: 1000 }, () => 0.99)).toBe(0);
    expect(rollJitterMs({ segmentJitterMs: 100, segmentMs: 1000 }, () => 0.5)).toBe(50);
    expect(rollJitterMs({ segmentJitterMs: 5000, segmentMs: 1000 }, () => 0.999)).toBe(999);
  });
});
