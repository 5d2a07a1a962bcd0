import { TOPIC_CONFIG_DOCS, configDoc, configProblem } from '../../app/(console)/topics/topic-config-docs';

/** The create form's early checks of config values (the broker still validates everything). */
describe('configProblem', () => {
  it('accepts the documented default of every config it knows', () => {
    for (const doc of TOPIC_CONFIG_DOCS) expect([doc.name, configProblem(doc.name, doc.kafkaDefault)]).toEqual([doc.name, null]);
  });

  it('names what is wrong with numbers, ratios and choices', () => {
    expect(configProblem('retention.ms', 'an hour')).toBe('must be a whole number');
    expect(configProblem('retention.ms', '-2')).toBe('must be at least -1');
    expect(configProblem('retention.ms', '-1')).toBeNull();
    expect(configProblem('segment.bytes', '13')).toBe('must be at least 14');
    expect(configProblem('max.message.bytes', '2147483648')).toBe('must be at most 2147483647');
    expect(configProblem('min.cleanable.dirty.ratio', '1.5')).toBe('must be a number from 0 to 1');
    expect(configProblem('min.cleanable.dirty.ratio', '0.25')).toBeNull();
    expect(configProblem('cleanup.policy', 'forever')).toBe('must be one of delete, compact, delete,compact');
    expect(configProblem('cleanup.policy', 'compact,delete')).toBeNull();
    expect(configProblem('message.timestamp.type', 'LogAppendTime')).toBeNull();
    expect(configProblem('retention.ms', '  ')).toBe('enter a value');
  });

  it('leaves configs it does not document to the broker', () => {
    expect(configDoc('segment.jitter.ms')).toBeUndefined();
    expect(configProblem('segment.jitter.ms', 'anything')).toBeNull();
  });
});
