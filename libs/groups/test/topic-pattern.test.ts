import { GroupCoordinator, GroupError, compileTopicPattern, decodeOffsetsRecord, type JoinRequest } from '@runnel/groups';
import { FakeCatalog, FakeClock, MemoryOffsetLog, RecordingListener, tpString } from './fakes';

function setup(topics: Record<string, number>) {
  const log = new MemoryOffsetLog();
  const catalog = new FakeCatalog(topics);
  const coordinator = new GroupCoordinator({ offsetLog: log, catalog, clock: new FakeClock().read, newMemberId: () => 'm-1' });
  const request: JoinRequest = {
    groupId: 'g',
    subscription: { topics: [], topicPrefixes: [], topicPattern: 'orders-[0-9]+' },
    clientId: 'c',
    clientHost: 'h',
  };
  return { log, catalog, coordinator, request };
}

function groupError(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    if (error instanceof GroupError) return `${error.code}: ${error.message}`;
    throw error;
  }
  return 'no error';
}

describe('topicPattern subscriptions', () => {
  it('match whole topic names, never internal topics, and pick up topics created later', () => {
    const { catalog, coordinator, request } = setup({
      'orders-1': 1,
      'orders-x': 1,
      'old-orders-2': 1,
      'orders-2-archive': 1,
      __orders: 1,
    });
    const listener = new RecordingListener();
    const joined = coordinator.join(request, listener);
    expect(joined.assigned.map(tpString)).toEqual(['orders-1/0']);
    catalog.map.set('orders-22', 2);
    coordinator.topicsChanged();
    expect(listener.events).toEqual([
      {
        type: 'assigned',
        partitions: [
          expect.objectContaining({ topic: 'orders-22', partition: 0 }),
          expect.objectContaining({ topic: 'orders-22', partition: 1 }),
        ],
      },
    ]);
  });

  it('refuses invalid, oversized and backtracking-prone patterns', () => {
    const { coordinator, request } = setup({});
    const join = (topicPattern: string) =>
      groupError(() =>
        coordinator.join({ ...request, subscription: { topics: [], topicPrefixes: [], topicPattern } }, new RecordingListener()),
      );
    expect(join('orders-(')).toMatch(/^INVALID_REQUEST: topic pattern is not a valid regular expression/);
    expect(join('x'.repeat(256))).toMatch(/^INVALID_REQUEST: topic pattern must be a regular expression of 1 to 255/);
    expect(join('(a+)+b')).toMatch(/^INVALID_REQUEST: topic pattern must not repeat a group/);
    expect(join('(x*y)*')).toMatch(/catastrophic/);
    expect(() => compileTopicPattern('(orders|payments)-[a-z]+')).not.toThrow();
  });

  it('is persisted with the member in the group metadata record', async () => {
    const { log, coordinator, request } = setup({ 'orders-1': 1 });
    coordinator.join(request, new RecordingListener());
    await coordinator.flush();
    const decoded = log.records.map(decodeOffsetsRecord).filter((r) => r?.kind === 'group');
    const last = decoded[decoded.length - 1] as unknown as { value: { members: { subscription: unknown }[] } };
    expect(last.value.members[0].subscription).toEqual({ topics: [], topicPrefixes: [], topicPattern: 'orders-[0-9]+' });
  });
});
