import { BrokerProcess, startBroker } from '../../../apps/broker/test/support/broker-process';
import { Admin, ConsumedRecord, GroupConsumer, Producer } from '@runnel/client';

/**
 * GroupConsumer against the real broker: two members split a 4-partition topic, one commits and
 * leaves, the other takes over from the committed offsets; auto-commit follows what the
 * application processed.
 */
describe('GroupConsumer against the broker', () => {
  let broker: BrokerProcess;
  const consumers: GroupConsumer[] = [];
  beforeAll(async () => {
    // Short session timeouts and pings, as the broker's own group tests.
    broker = await startBroker({
      env: { RUNNEL_GROUP_MIN_SESSION_TIMEOUT_MS: '300', RUNNEL_WS_PING_INTERVAL_MS: '100', RUNNEL_OFFSETS_TOPIC_PARTITIONS: '4' },
    });
  });
  afterAll(async () => {
    for (const c of consumers) await c.close();
    await broker?.stop();
  });

  const join = (options: Omit<ConstructorParameters<typeof GroupConsumer>[0], 'baseUrl'>): GroupConsumer => {
    const consumer = new GroupConsumer({ baseUrl: broker.baseUrl, format: 'string', ...options });
    consumers.push(consumer);
    return consumer;
  };

  async function createTopic(name: string, partitions: number): Promise<void> {
    await new Admin({ baseUrl: broker.baseUrl }).createTopic(name, { partitions });
  }

  async function produce(topic: string, partitions: number, perPartition: number): Promise<void> {
    const producer = new Producer({ baseUrl: broker.baseUrl, topic, lingerMs: 1 });
    const sends: Promise<unknown>[] = [];
    for (let p = 0; p < partitions; p++)
      for (let i = 0; i < perPartition; i++) sends.push(producer.send({ partition: p, value: `${p}:${i}` }));
    await Promise.all(sends);
    await producer.close();
  }

  async function lags(group: string): Promise<{ partition_id: number; current_offset: number; consumer_id: string }[]> {
    const response = await fetch(`${broker.baseUrl}/v3/clusters/-/consumer-groups/${group}/lags`);
    return response.status === 200 ? ((await response.json()) as { data: any[] }).data : [];
  }

  /** Polls a REST condition (the broker's view) until it holds; no fixed sleeps. */
  async function eventually<T>(read: () => Promise<T>, check: (value: T) => boolean): Promise<T> {
    const deadline = Date.now() + 30_000;
    for (;;) {
      const value = await read();
      if (check(value)) return value;
      if (Date.now() > deadline) throw new Error(`condition not reached; last value: ${JSON.stringify(value)}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  /** Resolves once the consumer owns `count` partitions, as its assignment events say. */
  const owns = (consumer: GroupConsumer, count: number): Promise<void> =>
    new Promise((resolve) => {
      const check = (): void => {
        if (consumer.assignment.length !== count) return;
        off();
        resolve();
      };
      const off = consumer.onAssignment(check);
      check();
    });

  async function take(consumer: GroupConsumer, n: number): Promise<ConsumedRecord[]> {
    const got: ConsumedRecord[] = [];
    while (got.length < n) {
      const next = await consumer.next();
      if (next.done) throw new Error(`consumer ended after ${got.length} of ${n} records`);
      got.push(next.value);
    }
    return got;
  }

  const keyOf = (r: ConsumedRecord): string => `${r.partition}/${r.offset}`;

  it('two members split 4 partitions; after one commits and leaves the other resumes from its commits, losing and repeating nothing', async () => {
    await createTopic('gc-handover', 4);
    const a = join({ group: 'gc-handover', topic: 'gc-handover', from: 'earliest', autoCommit: false, credit: 20 });
    await a.ready();
    await owns(a, 4);
    const b = join({ group: 'gc-handover', topic: 'gc-handover', from: 'earliest', autoCommit: false, credit: 20 });
    await b.ready();
    await Promise.all([owns(a, 2), owns(b, 2)]);
    const aPartitions = a.assignment.map((x) => x.partition);
    expect([...aPartitions, ...b.assignment.map((x) => x.partition)].sort()).toEqual([0, 1, 2, 3]);
    const bAssigned: { partition: number; offset: number }[] = [];
    b.onAssignment((change) => bAssigned.push(...change.assigned));

    await produce('gc-handover', 4, 50);
    const aTaken = await take(a, 30);
    for (const r of aTaken) {
      expect(aPartitions).toContain(r.partition);
      expect(r.topic).toBe('gc-handover');
      expect(r.value).toEqual({ type: 'STRING', data: `${r.partition}:${r.offset}` });
    }
    // A partition it does not own is refused, and the member carries on.
    const notOwned = b.assignment[0].partition;
    await expect(a.commit([{ partition: notOwned, offset: 0 }])).rejects.toMatchObject({ errorCode: 40901 });
    const committed = await a.commit();
    const expected = aPartitions
      .map((p) => ({ p, taken: aTaken.filter((r) => r.partition === p) }))
      .filter((x) => x.taken.length > 0)
      .map((x) => ({ topic: 'gc-handover', partition: x.p, offset: x.taken[x.taken.length - 1].offset + 1 }));
    expect([...committed].sort((x, y) => x.partition - y.partition)).toEqual(expected.sort((x, y) => x.partition - y.partition));
    const afterCommit = await lags('gc-handover');
    for (const c of expected) expect(afterCommit.find((l) => l.partition_id === c.partition)?.current_offset).toBe(c.offset);
    await a.close();

    await owns(b, 4);
    for (const p of aPartitions) {
      const from = expected.find((c) => c.partition === p)?.offset ?? 0;
      expect(bAssigned.find((x) => x.partition === p)).toEqual({ topic: 'gc-handover', partition: p, offset: from });
    }
    const bTaken = await take(b, 200 - aTaken.length);
    const aKeys = new Set(aTaken.map(keyOf));
    const bKeys = new Set(bTaken.map(keyOf));
    expect(bKeys.size).toBe(bTaken.length); // nothing twice
    expect(bTaken.filter((r) => aKeys.has(keyOf(r)))).toEqual([]); // no committed record again
    const all = new Set([...aKeys, ...bKeys]);
    expect(all.size).toBe(200); // nothing lost
    for (let p = 0; p < 4; p++) {
      const offsets = bTaken.filter((r) => r.partition === p).map((r) => r.offset);
      expect(offsets).toEqual([...offsets].sort((x, y) => x - y)); // in order per partition
    }
    expect(b.assignment.map((x) => x.partition).sort()).toEqual([0, 1, 2, 3]);
  }, 120_000);

  it('auto-commit covers the records the application processed, and everything on close', async () => {
    await createTopic('gc-auto', 1);
    await produce('gc-auto', 1, 30);
    // credit 1: one record per frame, so the broker's commit follows every single record credited.
    const c = join({ group: 'gc-auto', topic: 'gc-auto', from: 'earliest', credit: 1, autoCommitIntervalMs: 100 });
    const first = await take(c, 20);
    expect(first.map((r) => r.offset)).toEqual(Array.from({ length: 20 }, (_, i) => i));
    // 19 processed; the 20th is still in the application's hands (it has not asked for more).
    await eventually(
      () => lags('gc-auto'),
      (l) => l[0]?.current_offset === 19,
    );
    await take(c, 10);
    const waiting = c.next(); // asking for more: the 30th is processed too
    await eventually(
      () => lags('gc-auto'),
      (l) => l[0]?.current_offset === 30 && l[0]?.consumer_id === c.memberId,
    );
    await c.close();
    await expect(waiting).resolves.toEqual({ value: undefined, done: true });
    const final = await eventually(
      () => lags('gc-auto'),
      (l) => l[0]?.consumer_id === '',
    );
    expect(final[0]).toMatchObject({ partition_id: 0, current_offset: 30 });
  }, 120_000);

  it('close() commits what was yielded before it leaves', async () => {
    await createTopic('gc-close', 2);
    await produce('gc-close', 2, 25);
    const c = join({ group: 'gc-close', topic: 'gc-close', from: 'earliest', credit: 10 });
    const seen: ConsumedRecord[] = [];
    for await (const r of c) {
      seen.push(r);
      if (seen.length === 50) break; // for-await closes the consumer
    }
    const final = await eventually(
      () => lags('gc-close'),
      (l) => l.length === 2 && l.every((x) => x.consumer_id === '' && x.current_offset === 25),
    );
    expect(final.map((l) => l.partition_id).sort()).toEqual([0, 1]);
    // A new member of the group has nothing left to read: it starts at the committed ends.
    const next = join({ group: 'gc-close', topic: 'gc-close', from: 'earliest' });
    await next.ready();
    await owns(next, 2);
    expect(next.assignment).toEqual([
      { topic: 'gc-close', partition: 0, offset: 25 },
      { topic: 'gc-close', partition: 1, offset: 25 },
    ]);
  }, 120_000);
});
