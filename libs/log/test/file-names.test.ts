import {
  deletedPartitionDirName,
  formatBaseOffset,
  isDeletedPartitionDirName,
  parsePartitionDirName,
  parseSegmentFileName,
  partitionDirName,
  segmentFileName,
} from '@runnel/log';

describe('segment file names', () => {
  it('formats base offsets as 20 zero-padded digits, as Kafka', () => {
    expect(segmentFileName(42, 'log')).toBe('00000000000000000042.log');
    expect(segmentFileName(0, 'index')).toBe('00000000000000000000.index');
    expect(segmentFileName(Number.MAX_SAFE_INTEGER, 'timeindex')).toBe('00009007199254740991.timeindex');
    expect(segmentFileName(7, 'log', 'deleted')).toBe('00000000000000000007.log.deleted');
    expect(segmentFileName(7, 'index', 'swap')).toBe('00000000000000000007.index.swap');
    expect(() => formatBaseOffset(-1)).toThrow(RangeError);
  });

  it('parses what it formats and nothing else', () => {
    for (const kind of ['log', 'index', 'timeindex'] as const) {
      for (const state of ['live', 'deleted', 'cleaned', 'swap'] as const) {
        expect(parseSegmentFileName(segmentFileName(123, kind, state))).toEqual({ baseOffset: 123, kind, state });
      }
    }
    for (const name of [
      '42.log',
      '00000000000000000042.txt',
      '00000000000000000042.snapshot',
      'leader-epoch-checkpoint',
      '00000000000000000042.log.tmp',
      '99999999999999999999.log',
    ]) {
      expect(parseSegmentFileName(name)).toBeUndefined();
    }
  });
});

describe('partition directory names', () => {
  it('round-trips topics that contain dashes and dots', () => {
    expect(partitionDirName('orders', 3)).toBe('orders-3');
    expect(parsePartitionDirName('my-topic.v2-17')).toEqual({ topic: 'my-topic.v2', partition: 17 });
    expect(parsePartitionDirName(partitionDirName('a-1', 0))).toEqual({ topic: 'a-1', partition: 0 });
  });

  it('refuses names that are not partition directories or would escape the data dir', () => {
    for (const name of ['orders', 'orders-', 'orders-01', '-3', 'x/y-1', '..-1x', 'orders-3.abc-delete']) {
      expect(parsePartitionDirName(name)).toBeUndefined();
    }
    expect(() => partitionDirName('..', 1)).toThrow(RangeError);
    expect(() => partitionDirName('a/b', 1)).toThrow(RangeError);
    expect(() => partitionDirName('ok', -1)).toThrow(RangeError);
    expect(() => partitionDirName('x'.repeat(250), 0)).toThrow(RangeError);
  });

  it('marks directories being deleted so open() can finish the job', () => {
    const name = deletedPartitionDirName('orders-3', 'abc123');
    expect(name).toBe('orders-3.abc123-delete');
    expect(isDeletedPartitionDirName(name)).toBe(true);
    expect(isDeletedPartitionDirName('orders-3')).toBe(false);
    expect(isDeletedPartitionDirName('orders-delete')).toBe(false);
  });

  it('keeps a deleted 249-character topic directory name within 255 bytes', () => {
    const name = deletedPartitionDirName(partitionDirName('t'.repeat(249), 99999), 'f'.repeat(32));
    expect(name).toBe(`${'t'.repeat(209)}-99999.${'f'.repeat(32)}-delete`);
    expect(name).toHaveLength(255);
    expect(isDeletedPartitionDirName(name)).toBe(true);
  });
});
