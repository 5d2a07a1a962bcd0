import { AssignmentChange, ConsumedRecord, GroupConsumer, RunnelClientError } from '@runnel/client';
import { ScriptedWs, record, startScriptedWs } from './support/scripted-ws';

/**
 * GroupConsumer's frame handling against a scripted server playing the broker's group side:
 * the subscribe frame, assignment changes, credit as "processed", commits and removal.
 */
describe('GroupConsumer', () => {
  let fake: ScriptedWs;
  let consumer: GroupConsumer | undefined;
  beforeEach(async () => {
    fake = await startScriptedWs();
  });
  afterEach(async () => {
    await consumer?.close();
    consumer = undefined;
    await fake.close();
  });

  const subscribed = (sub: string, assignment: object[]): void =>
    fake.send({ type: 'subscribed', sub, group: 'g', member_id: 'm-1', generation: 3, assignment });
  const credited = (): number => fake.of('credit').reduce((sum, f) => sum + f.records, 0);
  const take = async (n: number): Promise<ConsumedRecord[]> => {
    const got: ConsumedRecord[] = [];
    for (let i = 0; i < n; i++) {
      const next = await consumer!.next();
      if (next.done) throw new Error('ended');
      got.push(next.value);
    }
    return got;
  };

  it('subscribes with the group options and reports member, generation and assignment', async () => {
    consumer = new GroupConsumer({
      baseUrl: fake.url,
      group: 'g',
      topics: ['a', 'b'],
      topicPrefix: 'logs.',
      from: 'earliest',
      credit: 10,
      format: 'string',
      autoCommit: false,
      autoCommitIntervalMs: 250,
      sessionTimeoutMs: 10_000,
      assignor: 'range',
      memberId: 'm-1',
      clientId: 'billing',
    });
    const changes: AssignmentChange[] = [];
    consumer.onAssignment((change) => changes.push(change));
    await fake.until(() => fake.received.length === 1, 'subscribe');
    expect(fake.received[0]).toEqual({
      type: 'subscribe',
      sub: consumer.sub,
      group: 'g',
      topics: ['a', 'b'],
      topic_prefix: 'logs.',
      from: 'earliest',
      credit: 10,
      format: 'string',
      auto_commit: false,
      auto_commit_interval_ms: 250,
      session_timeout_ms: 10_000,
      assignor: 'range',
      member_id: 'm-1',
      client_id: 'billing',
    });
    subscribed(consumer.sub, [
      { topic: 'b', partition: 0, offset: 7 },
      { topic: 'a', partition: 1, offset: 0 },
    ]);
    await expect(consumer.ready()).resolves.toEqual([
      { topic: 'b', partition: 0, offset: 7 },
      { topic: 'a', partition: 1, offset: 0 },
    ]);
    expect(consumer.memberId).toBe('m-1');
    expect(consumer.generation).toBe(3);
    expect(consumer.assignment).toEqual([
      { topic: 'a', partition: 1, offset: 0 },
      { topic: 'b', partition: 0, offset: 7 },
    ]);
    expect(changes).toEqual([
      {
        assigned: [
          { topic: 'b', partition: 0, offset: 7 },
          { topic: 'a', partition: 1, offset: 0 },
        ],
        revoked: [],
      },
    ]);
    fake.send({ type: 'records', sub: consumer.sub, records: [record('b', 0, 7)] });
    await expect(consumer.next()).resolves.toEqual({
      done: false,
      value: expect.objectContaining({ topic: 'b', partition: 0, offset: 7 }),
    });
    expect(consumer).not.toHaveProperty('cursor');
  });

  it('refuses options the broker would refuse', () => {
    expect(() => new GroupConsumer({ baseUrl: 'http://127.0.0.1:1', group: 'g' })).toThrow('topic, topics or topicPrefix');
    expect(() => new GroupConsumer({ baseUrl: 'http://127.0.0.1:1', group: '', topic: 't' })).toThrow('group');
    expect(() => new GroupConsumer({ baseUrl: 'http://127.0.0.1:1', group: 'g', topic: 't', from: { offset: 3 } as never })).toThrow(
      "'earliest' or 'latest'",
    );
  });

  it('credits back only records the application took, and all of them before it leaves', async () => {
    consumer = new GroupConsumer({ baseUrl: fake.url, group: 'g', topic: 't', credit: 10 });
    await fake.until(() => fake.received.length === 1, 'subscribe');
    subscribed(consumer.sub, [{ topic: 't', partition: 0, offset: 0 }]);
    fake.send({ type: 'records', sub: consumer.sub, records: Array.from({ length: 10 }, (_, i) => record('t', 0, i)) });
    await take(3);
    // Two are done with; the third is still being processed until the application asks for more.
    await fake.until(() => credited() === 2, 'credit for 2 records');
    await take(2);
    await fake.until(() => credited() === 4, 'credit for 4 records');
    expect(fake.of('credit').every((f) => f.sub === consumer!.sub)).toBe(true);
    await consumer.close();
    await fake.until(() => fake.clientClosed(), 'the socket to close');
    expect(credited()).toBe(5); // the 5 taken records, not the 10 delivered
  });

  it('skips queued records of revoked partitions (still crediting them in order) and follows reassignment', async () => {
    consumer = new GroupConsumer({ baseUrl: fake.url, group: 'g', topic: 't', credit: 100 });
    const changes: AssignmentChange[] = [];
    consumer.onAssignment((change) => changes.push(change));
    await fake.until(() => fake.received.length === 1, 'subscribe');
    const sub = consumer.sub;
    subscribed(sub, [
      { topic: 't', partition: 0, offset: 0 },
      { topic: 't', partition: 1, offset: 0 },
    ]);
    const mixed = [0, 1, 2, 3, 4].flatMap((o) => [record('t', 0, o), record('t', 1, o)]);
    fake.send({ type: 'records', sub, records: mixed });
    fake.send({ type: 'assignment', sub, assigned: [], revoked: [{ topic: 't', partition: 1 }] });
    fake.send({ type: 'records', sub, records: [record('t', 0, 5), record('t', 0, 6)] });
    fake.send({ type: 'assignment', sub, assigned: [{ topic: 't', partition: 1, offset: 5 }], revoked: [] });
    fake.send({ type: 'records', sub, records: [record('t', 1, 5)] });
    const got = (await take(8)).map((r) => `${r.partition}:${r.offset}`);
    expect(got).toEqual(['0:0', '0:1', '0:2', '0:3', '0:4', '0:5', '0:6', '1:5']);
    expect(changes.slice(1)).toEqual([
      { assigned: [], revoked: [{ topic: 't', partition: 1 }] },
      { assigned: [{ topic: 't', partition: 1, offset: 5 }], revoked: [] },
    ]);
    expect(consumer.assignment).toEqual([
      { topic: 't', partition: 0, offset: 0 },
      { topic: 't', partition: 1, offset: 5 },
    ]);
    // commit() names the positions after what was yielded; partition 1 only from its new start.
    const committing = consumer.commit();
    await fake.until(() => fake.of('commit').length === 1, 'commit');
    expect(fake.of('commit')[0]).toEqual({
      type: 'commit',
      sub,
      ref: expect.any(Number),
      offsets: [
        { topic: 't', partition: 0, offset: 7 },
        { topic: 't', partition: 1, offset: 6 },
      ],
    });
    fake.send({ type: 'committed', sub, ref: fake.of('commit')[0].ref, offsets: fake.of('commit')[0].offsets });
    await expect(committing).resolves.toEqual([
      { topic: 't', partition: 0, offset: 7 },
      { topic: 't', partition: 1, offset: 6 },
    ]);
    await consumer.close();
    await fake.until(() => fake.clientClosed(), 'the socket to close');
    expect(credited()).toBe(13); // every delivered record, the 5 skipped ones included
  });

  it('sends one commit at a time; a refused commit rejects alone and the consumer goes on', async () => {
    consumer = new GroupConsumer({ baseUrl: fake.url, group: 'g', topic: 't', credit: 100 });
    await fake.until(() => fake.received.length === 1, 'subscribe');
    const sub = consumer.sub;
    subscribed(sub, [{ topic: 't', partition: 0, offset: 0 }]);
    fake.send({ type: 'records', sub, records: [record('t', 0, 0), record('t', 0, 1), record('t', 0, 2)] });
    await take(2);
    const first = consumer.commit();
    const second = consumer.commit([{ partition: 4, offset: 0 }]);
    const third = consumer.commit([{ partition: 0, offset: 1, metadata: 'm' }]);
    await fake.until(() => fake.of('commit').length === 1, 'the first commit');
    expect(fake.of('commit')[0].offsets).toEqual([{ topic: 't', partition: 0, offset: 2 }]);
    fake.send({ type: 'committed', sub, ref: fake.of('commit')[0].ref, offsets: [{ topic: 't', partition: 0, offset: 2 }] });
    await expect(first).resolves.toEqual([{ topic: 't', partition: 0, offset: 2 }]);
    await fake.until(() => fake.of('commit').length === 2, 'the second commit');
    expect(fake.of('commit')[1].offsets).toEqual([{ partition: 4, offset: 0 }]);
    // The refusal echoes the commit's ref: it answers that commit and does not end the consumer.
    fake.send({ type: 'error', sub, ref: fake.of('commit')[1].ref, error_code: 40901, message: 'member m-1 does not own t/4' });
    await expect(second).rejects.toBeInstanceOf(RunnelClientError);
    await expect(second).rejects.toMatchObject({ errorCode: 40901, message: 'member m-1 does not own t/4' });
    await fake.until(() => fake.of('commit').length === 3, 'the third commit');
    expect(fake.of('commit')[2].offsets).toEqual([{ partition: 0, offset: 1, metadata: 'm' }]);
    fake.send({ type: 'committed', sub, ref: fake.of('commit')[2].ref, offsets: [{ topic: 't', partition: 0, offset: 1 }] });
    await expect(third).resolves.toEqual([{ topic: 't', partition: 0, offset: 1 }]);
    await expect(consumer.next()).resolves.toMatchObject({ done: false, value: { offset: 2 } });
  });

  it('removal by session timeout drops the queued records and ends the iteration and a pending commit with 40901', async () => {
    consumer = new GroupConsumer({ baseUrl: fake.url, group: 'g', topic: 't', credit: 100 });
    await fake.until(() => fake.received.length === 1, 'subscribe');
    const sub = consumer.sub;
    subscribed(sub, [{ topic: 't', partition: 0, offset: 0 }]);
    fake.send({ type: 'records', sub, records: [0, 1, 2, 3].map((o) => record('t', 0, o)) });
    await take(1);
    const commit = consumer.commit();
    await fake.until(() => fake.of('commit').length === 1, 'commit');
    // No ref: the error is not an answer to the commit but the end of the membership.
    fake.send({ type: 'error', sub, error_code: 40901, message: 'removed from the group' });
    await expect(commit).rejects.toMatchObject({ errorCode: 40901, message: 'removed from the group' });
    await expect(consumer.next()).rejects.toMatchObject({ errorCode: 40901 });
    await expect(consumer.commit()).rejects.toMatchObject({ errorCode: 40901 });
  });

  it('a subscribe the broker refuses rejects ready() and the iteration', async () => {
    consumer = new GroupConsumer({ baseUrl: fake.url, group: 'g', topic: 't', assignor: 'round-robin' });
    await fake.until(() => fake.received.length === 1, 'subscribe');
    fake.send({ type: 'error', sub: consumer.sub, error_code: 40901, message: 'group g uses assignor range, not round-robin' });
    await expect(consumer.ready()).rejects.toMatchObject({ errorCode: 40901 });
    await expect(consumer.next()).rejects.toMatchObject({ errorCode: 40901 });
  });

  it('an assignment listener that throws fails the consumer', async () => {
    consumer = new GroupConsumer({ baseUrl: fake.url, group: 'g', topic: 't' });
    consumer.onAssignment((change) => {
      if (change.revoked.length > 0) throw new Error('listener broke');
    });
    await fake.until(() => fake.received.length === 1, 'subscribe');
    subscribed(consumer.sub, [{ topic: 't', partition: 0, offset: 0 }]);
    await consumer.ready();
    fake.send({ type: 'assignment', sub: consumer.sub, assigned: [], revoked: [{ topic: 't', partition: 0 }] });
    await expect(consumer.next()).rejects.toThrow('listener broke');
  });
});
