import { encodeRecordBatch, scanRecordBatches, type RecordView } from '@runnel/protocol';
import { ConfigError, loadBrokerConfig } from '../../src/config/broker-config';
import { matchLine } from '../../src/search/match-render';
import { estimateBytes } from '../../src/search/search-range';
import { parseEstimateQuery, parseSearchBody } from '../../src/search/search-requests';

/** The search module's pure parts: settings, request parsing, byte estimates, match rendering. */
describe('search settings', () => {
  it('defaults to 2 searches at once and 64 MiB/s, and refuses nonsense', () => {
    expect(loadBrokerConfig({}, 1024).search).toEqual({ concurrency: 2, bytesPerSecond: 64 * 1024 * 1024 });
    expect(loadBrokerConfig({ RUNNEL_SEARCH_CONCURRENCY: '5', RUNNEL_SEARCH_BYTES_PER_SEC: '1048576' }, 1024).search).toEqual({
      concurrency: 5,
      bytesPerSecond: 1048576,
    });
    expect(() => loadBrokerConfig({ RUNNEL_SEARCH_CONCURRENCY: '0' }, 1024)).toThrow(ConfigError);
    expect(() => loadBrokerConfig({ RUNNEL_SEARCH_BYTES_PER_SEC: '64MiB' }, 1024)).toThrow(
      'RUNNEL_SEARCH_BYTES_PER_SEC=64MiB is not an integer',
    );
  });
});

describe('search requests', () => {
  it('fills the defaults', () => {
    const request = parseSearchBody({ filter: { key: { equals: 'a' } } });
    expect(request).toMatchObject({
      partitions: undefined,
      from: { kind: 'earliest' },
      to: { kind: 'latest' },
      maxMatches: 100,
      maxMs: 30_000,
      maxBytes: 1024 * 1024 * 1024,
      format: 'binary',
      cursor: undefined,
    });
    expect(
      parseSearchBody({ filter: { key: { equals: 'a' } }, partitions: [3, 1, 3], from: { offset: 5 }, to: { timestamp: 9 } }),
    ).toMatchObject({
      partitions: [1, 3],
      from: { kind: 'offset', offset: 5 },
      to: { kind: 'timestamp', timestamp: 9 },
    });
    expect(parseEstimateQuery({ from: 'offset:10', to: 'timestamp:20', partitions: '1,0' })).toEqual({
      partitions: [0, 1],
      from: { kind: 'offset', offset: 10 },
      to: { kind: 'timestamp', timestamp: 20 },
    });
  });

  it.each([
    [[], 'the body must be a JSON object'],
    [{ filter: { key: { equals: 'a' } }, partitions: [] }, 'partitions must be a non-empty array'],
    [{ filter: { key: { equals: 'a' } }, partitions: [-1] }, 'partitions must hold partition ids'],
    [{ filter: { key: { equals: 'a' } }, from: { offset: -1 } }, 'from must be'],
    [{ filter: { key: { equals: 'a' } }, to: { offset: 1, timestamp: 2 } }, 'to must be'],
    [{ filter: { key: { equals: 'a' } }, budget: { max_ms: 0 } }, 'budget.max_ms must be an integer from 1 to 600000'],
    [{ filter: { key: { equals: 'a' } }, cursor: 7 }, 'cursor must be the cursor string'],
    [{ filter: { key: { equals: 'a' } }, limit: 3 }, 'unknown field "limit"'],
  ])('refuses %j', (body, message) => {
    expect(() => parseSearchBody(body)).toThrow(message);
  });
});

describe('estimateBytes', () => {
  const log = {
    logEndOffset: 300,
    sizeBytes: 1000 + 2000 + 500,
    segmentBaseOffsets: () => [0, 100, 200],
    closedSegments: () => [{ size: 1000 }, { size: 2000 }],
  };

  it('spreads each segment evenly over its offsets', () => {
    expect(estimateBytes(log, 0, 300)).toBe(3500);
    expect(estimateBytes(log, 50, 150)).toBe(500 + 1000);
    expect(estimateBytes(log, 250, 300)).toBe(250);
    expect(estimateBytes(log, 100, 100)).toBe(0);
    expect(estimateBytes(log, 150, 120)).toBe(0);
  });
});

describe('matchLine', () => {
  async function viewOf(value: Buffer): Promise<RecordView> {
    let view: RecordView | undefined;
    await scanRecordBatches(
      encodeRecordBatch({ records: [{ timestamp: 5, key: null, value, headers: [] }] }),
      { maxDecompressedBytes: 1 << 26 },
      (r) => {
        view = r;
        return false;
      },
    );
    return view!;
  }

  it('cuts a value above 64 KiB at a character boundary and says so', async () => {
    const value = Buffer.from('a'.repeat(65_534) + '€' + 'tail'); // the 3-byte € spans the 64 KiB mark
    const line = JSON.parse(matchLine(0, await viewOf(value), 'string'));
    expect(line.type).toBe('match');
    expect(line.record.value).toEqual({ type: 'STRING', data: 'a'.repeat(65_534) });
    expect(line.record).toMatchObject({ value_truncated: true, value_size: value.length });

    const binary = JSON.parse(matchLine(0, await viewOf(Buffer.alloc(70_000, 0xff)), 'json'));
    expect(binary.record.value.type).toBe('BINARY');
    expect(Buffer.from(binary.record.value.data, 'base64')).toEqual(Buffer.alloc(64 * 1024, 0xff));

    const small = JSON.parse(matchLine(3, await viewOf(Buffer.from('{"n":12345678901234567890}')), 'json'));
    expect(small.record.value_truncated).toBeUndefined();
    expect(matchLine(3, await viewOf(Buffer.from('{"n":12345678901234567890}')), 'json')).toContain('"data":{"n":12345678901234567890}'); // as stored
  });
});
