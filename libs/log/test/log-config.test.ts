import { DEFAULT_LOG_CONFIG, InvalidConfigError, logConfigFrom, validateLogConfig } from '@runnel/log';

describe('LogConfig', () => {
  it('has Kafka defaults', () => {
    expect(DEFAULT_LOG_CONFIG).toEqual({
      segmentBytes: 1073741824,
      segmentMs: 604800000,
      indexIntervalBytes: 4096,
      segmentIndexBytes: 10485760,
      retentionMs: 604800000,
      retentionBytes: -1,
      flushMessages: Number.MAX_SAFE_INTEGER,
      flushMs: Number.MAX_SAFE_INTEGER,
      messageTimestampType: 'CreateTime',
      maxMessageBytes: 1048588,
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
      'cleanup.policy': 'compact',
    });
    expect(config).toEqual({
      segmentBytes: 1048576,
      segmentMs: 3600000,
      indexIntervalBytes: 100,
      segmentIndexBytes: 4096,
      retentionMs: -1,
      retentionBytes: 1099511627776,
      flushMessages: 1,
      flushMs: Number.MAX_SAFE_INTEGER,
      messageTimestampType: 'LogAppendTime',
      maxMessageBytes: 2000000,
    });
    expect(logConfigFrom({}, config)).toEqual(config);
  });

  it('throws a typed error naming the config for invalid values', () => {
    const cases: Array<[string, string]> = [
      ['segment.bytes', '13'],
      ['segment.bytes', '2147483648'],
      ['segment.bytes', '1e6'],
      ['segment.ms', '0'],
      ['retention.ms', '-2'],
      ['flush.messages', '0'],
      ['max.message.bytes', 'big'],
      ['message.timestamp.type', 'NowTime'],
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
  });
});
