import { decodeOffsetsRecord, groupKey, groupRecord, offsetKey, offsetRecord, type GroupMetadata } from '@runnel/groups';

const metadata: GroupMetadata = {
  assignor: 'range',
  generation: 7,
  members: [
    {
      memberId: 'm-1',
      clientId: 'app',
      clientHost: '10.0.0.1',
      sessionTimeoutMs: 45_000,
      subscription: { topics: ['orders'], topicPrefixes: ['events.'] },
      assignment: [
        { topic: 'events.a', partition: 0 },
        { topic: 'events.a', partition: 3 },
        { topic: 'orders', partition: 1 },
      ],
      generation: 6,
    },
  ],
};

describe('__consumer_offsets records', () => {
  it('writes keys and values in the documented JSON grammar', () => {
    expect(offsetKey('g', 'orders', 3).toString()).toBe('[1,"o","g","orders",3]');
    expect(groupKey('g').toString()).toBe('[1,"g","g"]');
    const offset = offsetRecord('g', 'orders', 3, { offset: 42, metadata: 'm', commitTimestampMs: 1700000000000, generation: 2 });
    expect(offset.value!.toString()).toBe('{"offset":42,"metadata":"m","commit_timestamp":1700000000000,"generation":2}');
    expect(JSON.parse(groupRecord('g', metadata).value!.toString())).toEqual({
      assignor: 'range',
      generation: 7,
      members: [
        {
          member_id: 'm-1',
          client_id: 'app',
          client_host: '10.0.0.1',
          session_timeout_ms: 45_000,
          subscription: { topics: ['orders'], topic_prefixes: ['events.'] },
          assignment: [
            ['events.a', [0, 3]],
            ['orders', [1]],
          ],
          generation: 6,
        },
      ],
    });
  });

  it('keys are deterministic bytes (compaction by key works)', () => {
    expect(offsetKey('g', 't', 1).equals(offsetKey('g', 't', 1))).toBe(true);
    expect(offsetKey('g', 't', 1).equals(offsetKey('g', 't', 2))).toBe(false);
    expect(groupKey('a"b').equals(groupKey('a"b'))).toBe(true);
    expect(groupKey('g').equals(offsetKey('g', 'g', 0))).toBe(false);
  });

  it('round-trips offsets, group metadata and tombstones', () => {
    const value = { offset: 9, metadata: '', commitTimestampMs: 5, generation: 1 };
    expect(decodeOffsetsRecord(offsetRecord('g', 't', 2, value))).toEqual({
      kind: 'offset',
      groupId: 'g',
      topic: 't',
      partition: 2,
      value,
    });
    expect(decodeOffsetsRecord(offsetRecord('g', 't', 2, null))).toEqual({
      kind: 'offset',
      groupId: 'g',
      topic: 't',
      partition: 2,
      value: null,
    });
    expect(decodeOffsetsRecord(groupRecord('g', metadata))).toEqual({ kind: 'group', groupId: 'g', value: metadata });
    expect(decodeOffsetsRecord(groupRecord('g', null))).toEqual({ kind: 'group', groupId: 'g', value: null });
    const empty = { assignor: null, generation: 0, members: [] };
    expect(decodeOffsetsRecord(groupRecord('g', empty))).toEqual({ kind: 'group', groupId: 'g', value: empty });
  });

  it('decodes fixed bytes of the format', () => {
    const decoded = decodeOffsetsRecord({
      key: Buffer.from('[1,"o","billing","payments",0]'),
      value: Buffer.from('{"offset":1000,"metadata":"x","commit_timestamp":1763800000000,"generation":4}'),
    });
    expect(decoded).toEqual({
      kind: 'offset',
      groupId: 'billing',
      topic: 'payments',
      partition: 0,
      value: { offset: 1000, metadata: 'x', commitTimestampMs: 1763800000000, generation: 4 },
    });
  });

  it.each([
    ['not JSON', 'nope', '{}'],
    ['unknown version', '[2,"o","g","t",0]', '{"offset":1,"metadata":"","commit_timestamp":1,"generation":1}'],
    ['unknown kind', '[1,"x","g"]', null],
    ['empty group id', '[1,"g",""]', null],
    ['negative partition', '[1,"o","g","t",-1]', null],
    ['fractional offset', '[1,"o","g","t",0]', '{"offset":1.5,"metadata":"","commit_timestamp":1,"generation":1}'],
    ['negative offset', '[1,"o","g","t",0]', '{"offset":-1,"metadata":"","commit_timestamp":1,"generation":1}'],
    ['missing metadata', '[1,"o","g","t",0]', '{"offset":1,"commit_timestamp":1,"generation":1}'],
    ['value not JSON', '[1,"o","g","t",0]', '{"offset":'],
    ['group value is an array', '[1,"g","g"]', '[]'],
    ['member without id', '[1,"g","g"]', '{"assignor":"range","generation":1,"members":[{"client_id":"c"}]}'],
    [
      'bad assignment',
      '[1,"g","g"]',
      '{"assignor":"range","generation":1,"members":[{"member_id":"m","client_id":"c","client_host":"h","session_timeout_ms":1,"subscription":{"topics":[],"topic_prefixes":[]},"assignment":[["t",["x"]]],"generation":1}]}',
    ],
  ])('returns null for garbage: %s', (_name, key, value) => {
    expect(decodeOffsetsRecord({ key: Buffer.from(key), value: value === null ? Buffer.from('{') : Buffer.from(value) })).toBeNull();
  });
});
