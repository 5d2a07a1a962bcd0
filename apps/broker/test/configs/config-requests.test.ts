import { RunnelError } from '../../src/common/errors';
import { MAX_ALTERATIONS_PER_BATCH, parseAlterBatch, parseTopicPage, parseUpdateValue } from '../../src/configs/config-requests';

const codeOf = (run: () => unknown): number | undefined => {
  try {
    run();
  } catch (error) {
    return (error as RunnelError).errorCode;
  }
  return undefined;
};

describe('config request bodies', () => {
  it("parses Confluent's AlterConfigBatchRequestData", () => {
    expect(
      parseAlterBatch({
        data: [
          { name: 'cleanup.policy', operation: 'DELETE' },
          { name: 'compression.type', value: 'gzip' },
          { name: 'retention.ms', value: 1000, operation: 'set' },
        ],
        validate_only: true,
      }),
    ).toEqual({
      alterations: [
        { name: 'cleanup.policy', operation: 'DELETE' },
        { name: 'compression.type', operation: 'SET', value: 'gzip' },
        { name: 'retention.ms', operation: 'SET', value: '1000' },
      ],
      validateOnly: true,
    });
    expect(parseAlterBatch({ data: [] })).toEqual({ alterations: [], validateOnly: false });
  });

  it('answers malformed bodies 40001 and what Kafka refuses 40002', () => {
    expect(codeOf(() => parseAlterBatch(null))).toBe(40001);
    expect(codeOf(() => parseAlterBatch({ data: {} }))).toBe(40001);
    expect(codeOf(() => parseAlterBatch({ data: [{ value: 'x' }] }))).toBe(40001);
    expect(codeOf(() => parseAlterBatch({ data: [{ name: 'a', operation: 'APPEND' }] }))).toBe(40001);
    expect(codeOf(() => parseAlterBatch({ data: [], validate_only: 'yes' }))).toBe(40001);
    expect(
      codeOf(() =>
        parseAlterBatch({ data: Array.from({ length: MAX_ALTERATIONS_PER_BATCH + 1 }, (_, i) => ({ name: `c${i}`, value: '1' })) }),
      ),
    ).toBe(40001);
    expect(codeOf(() => parseAlterBatch({ data: [{ name: 'retention.ms' }] }))).toBe(40002);
    expect(
      codeOf(() =>
        parseAlterBatch({
          data: [
            { name: 'a', value: '1' },
            { name: 'a', operation: 'DELETE' },
          ],
        }),
      ),
    ).toBe(40002);
  });

  it("parses UpdateConfigRequestData's value", () => {
    expect(parseUpdateValue({ value: 'gzip' })).toBe('gzip');
    expect(parseUpdateValue({ value: 5 })).toBe('5');
    expect(codeOf(() => parseUpdateValue({ value: null }))).toBe(40002);
    expect(codeOf(() => parseUpdateValue([]))).toBe(40001);
    expect(codeOf(() => parseUpdateValue({ value: { a: 1 } }))).toBe(40001);
  });

  it('pages /topics/-/configs only when asked', () => {
    expect(parseTopicPage({})).toEqual({});
    expect(parseTopicPage({ limit: '2', page_token: Buffer.from('orders').toString('base64url') })).toEqual({
      afterTopic: 'orders',
      limit: 2,
    });
    for (const limit of ['0', '1001', '-1', '1.5', 'ten']) expect(codeOf(() => parseTopicPage({ limit }))).toBe(40001);
  });
});
