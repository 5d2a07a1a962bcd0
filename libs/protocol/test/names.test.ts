import { MAX_PARTITION_ID, isPartitionId, isValidTopicName, parsePartitionIdText } from '@runnel/protocol';
import { isValidPartition, isValidTopicName as logIsValidTopicName } from '@runnel/log';

describe('topic names and partition ids (one definition for broker, storage and client)', () => {
  it('accepts Kafka topic names of 1-249 legal characters, except "." and ".."', () => {
    for (const name of ['a', 'orders', 'a.b_c-1', '__consumer_offsets', 'x'.repeat(249)]) expect(isValidTopicName(name)).toBe(true);
    for (const name of ['', '.', '..', 'has space', 'x'.repeat(250), 'ä', 'a/b', 42, null]) expect(isValidTopicName(name)).toBe(false);
    expect(logIsValidTopicName).toBe(isValidTopicName);
  });

  it('takes partition ids as non-negative int32 numbers or their plain decimal text', () => {
    for (const id of [0, 1, MAX_PARTITION_ID]) expect([isPartitionId(id), isValidPartition(id)]).toEqual([true, true]);
    for (const id of [-1, 1.5, MAX_PARTITION_ID + 1, NaN, '1', null]) expect(isPartitionId(id)).toBe(false);
    expect(['0', '7', '2147483647'].map(parsePartitionIdText)).toEqual([0, 7, 2147483647]);
    for (const text of ['', '-1', '+1', '01', '1.0', '1e3', '0x1', ' 1', '2147483648', '9999999999', '12345678901']) {
      expect({ text, id: parsePartitionIdText(text) }).toEqual({ text, id: undefined });
    }
  });
});
