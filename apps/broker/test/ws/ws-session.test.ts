import { Cluster, CountingMetrics, RecordingSink, frame } from './ws-test-kit';

/** WsSession over real partitions (temp dir) and a recording socket: subscriptions, credit, cursors, limits. */
describe('WsSession', () => {
  let cluster: Cluster;
  beforeEach(async () => {
    cluster = await Cluster.open({ orders: 2, single: 1 });
  });
  afterEach(async () => {
    await cluster.close();
  });

  const values = (prefix: string, n: number): string[] => Array.from({ length: n }, (_, i) => `${prefix}${i}`);

  it('subscribes from earliest: "subscribed" with the assignment first, then every record in order per partition', async () => {
    await cluster.append('orders', 0, values('a', 3));
    await cluster.append('orders', 1, values('b', 2));
    const sink = new RecordingSink();
    const session = cluster.session(sink);
    session.handleFrame(frame({ type: 'subscribe', sub: 's1', topic: 'orders', from: 'earliest', format: 'string' }), false);
    await sink.untilRecords('s1', 5);
    expect(sink.frames[0]).toEqual({
      type: 'subscribed',
      sub: 's1',
      assignment: [
        { partition: 0, offset: 0 },
        { partition: 1, offset: 0 },
      ],
    });
    const records = sink.records('s1');
    expect(records.filter((r) => r.partition === 0).map((r) => [r.offset, r.value.data])).toEqual([
      [0, 'a0'],
      [1, 'a1'],
      [2, 'a2'],
    ]);
    expect(records.filter((r) => r.partition === 1).map((r) => [r.offset, r.value.data])).toEqual([
      [0, 'b0'],
      [1, 'b1'],
    ]);
    expect(records[0]).toEqual({
      partition: expect.any(Number),
      offset: 0,
      timestamp: expect.any(Number),
      key: null,
      value: expect.any(Object),
      headers: [],
    });
    session.close();
  });

  it('from latest delivers only records appended after the subscribe, waking on the high watermark', async () => {
    await cluster.append('single', 0, values('old', 4));
    const sink = new RecordingSink();
    const session = cluster.session(sink);
    session.handleFrame(frame({ type: 'subscribe', sub: 's', topic: 'single', format: 'string' }), false);
    await sink.untilType('subscribed');
    expect(sink.frames[0].assignment).toEqual([{ partition: 0, offset: 4 }]);
    await cluster.append('single', 0, ['new0', 'new1']);
    await sink.untilRecords('s', 2);
    await cluster.append('single', 0, ['new2']);
    await sink.untilRecords('s', 3);
    expect(sink.records('s').map((r) => [r.offset, r.value.data])).toEqual([
      [4, 'new0'],
      [5, 'new1'],
      [6, 'new2'],
    ]);
    session.close();
  });

  it('never sends more records than the credit granted: 5, then exactly 5 + 7 after a grant of 7', async () => {
    await cluster.append('single', 0, values('r', 30));
    const sink = new RecordingSink();
    const session = cluster.session(sink);
    session.handleFrame(frame({ type: 'subscribe', sub: 's', topic: 'single', from: 'earliest', credit: 5, format: 'string' }), false);
    await sink.untilRecords('s', 5);
    session.handleFrame(frame({ type: 'credit', sub: 's', records: 7 }), false);
    await sink.untilRecords('s', 12);
    // The next frame only comes once more credit is granted; its first offset proves nothing was skipped or sent early.
    session.handleFrame(frame({ type: 'credit', sub: 's', records: 100 }), false);
    await sink.untilRecords('s', 30);
    const offsets = sink.records('s').map((r) => r.offset);
    expect(offsets).toEqual(Array.from({ length: 30 }, (_, i) => i));
    // Each frame ends at a credit boundary: 5, then 7, then the rest.
    const sizes = sink.of('records', 's').map((f) => f.records.length);
    expect(sizes.slice(0, 2)).toEqual([5, 7]);
    session.close();
  });

  it('a cursor resumes every partition right after the frame that carried it', async () => {
    await cluster.append('orders', 0, values('a', 10));
    await cluster.append('orders', 1, values('b', 10));
    const sink = new RecordingSink();
    const session = cluster.session(sink);
    session.handleFrame(frame({ type: 'subscribe', sub: 's', topic: 'orders', from: 'earliest', credit: 7, format: 'string' }), false);
    await sink.untilRecords('s', 7);
    const first = sink.of('records', 's');
    const cursor = first[first.length - 1].cursor as string;
    expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
    session.close();

    const seen = new Set(sink.records('s').map((r) => `${r.partition}:${r.offset}`));
    const sink2 = new RecordingSink();
    const resumed = cluster.session(sink2);
    resumed.handleFrame(frame({ type: 'subscribe', sub: 'r', topic: 'orders', from: { cursor }, format: 'string' }), false);
    await sink2.untilRecords('r', 13);
    const rest = sink2.records('r');
    expect(rest).toHaveLength(13);
    for (const r of rest) expect(seen.has(`${r.partition}:${r.offset}`)).toBe(false);
    expect(seen.size + rest.length).toBe(20);
    for (const p of [0, 1]) {
      const offsets = [...sink.records('s'), ...rest].filter((r) => r.partition === p).map((r) => r.offset);
      expect(offsets).toEqual(Array.from({ length: 10 }, (_, i) => i));
    }
    resumed.close();
  });

  it('reads only the named partitions, from an offset or a timestamp', async () => {
    await cluster.append('orders', 0, values('a', 3), 1000);
    await cluster.append('orders', 1, values('b', 3), 1000);
    await cluster.append('orders', 1, values('c', 2), 5000);
    const sink = new RecordingSink();
    const session = cluster.session(sink);
    session.handleFrame(
      frame({ type: 'subscribe', sub: 'o', topic: 'orders', partitions: [1], from: { offset: 2 }, format: 'string' }),
      false,
    );
    session.handleFrame(
      frame({ type: 'subscribe', sub: 't', topic: 'orders', partitions: [1], from: { timestamp: 4000 }, format: 'string' }),
      false,
    );
    await sink.untilRecords('o', 3);
    await sink.untilRecords('t', 2);
    expect(sink.records('o').map((r) => [r.partition, r.offset])).toEqual([
      [1, 2],
      [1, 3],
      [1, 4],
    ]);
    expect(sink.records('t').map((r) => r.value.data)).toEqual(['c0', 'c1']);
    session.close();
  });

  it('stops building frames while the socket is backed up and resumes when it drains', async () => {
    await cluster.append('single', 0, values('r', 50));
    const sink = new RecordingSink();
    sink.stalled = true;
    sink.bufferedAmount = 10 * 1024 * 1024; // already over the cap
    const session = cluster.session(sink, { limits: { bufferedBytesHigh: 1024 } });
    session.handleFrame(frame({ type: 'subscribe', sub: 's', topic: 'single', from: 'earliest', format: 'string' }), false);
    await sink.untilType('subscribed');
    expect(sink.records('s')).toHaveLength(0);
    sink.release(); // the subscribed frame's callback fires: the pump restarts
    await sink.untilRecords('s', 50);
    expect(sink.records('s').map((r) => r.offset)).toEqual(Array.from({ length: 50 }, (_, i) => i));
    session.close();
  });

  it('holds a stalled client to the buffer cap: no records frame is built while the socket is over it', async () => {
    for (let i = 0; i < 40; i++) await cluster.append('single', 0, [`record-${i}`]);
    const sink = new RecordingSink();
    sink.stalled = true;
    // One stored batch per frame, so the stream is many small frames.
    const session = cluster.session(sink, { limits: { bufferedBytesHigh: 600, recordsFrameReadBytes: 1 } });
    session.handleFrame(frame({ type: 'subscribe', sub: 's', topic: 'single', from: 'earliest', format: 'string' }), false);
    await sink.until(() => sink.bufferedAmount >= 600);
    const sentWhileStalled = sink.records('s').length;
    expect(sentWhileStalled).toBeLessThan(40);
    sink.release();
    await sink.untilRecords('s', 40);
    expect(sink.records('s').map((r) => r.value.data)).toEqual(Array.from({ length: 40 }, (_, i) => `record-${i}`));
    // The invariant, frame by frame: a records frame only ever went out below the cap.
    sink.frames.forEach((f, i) => {
      if (f.type === 'records') expect(sink.bufferedBeforeSend[i]).toBeLessThan(600);
    });
    session.close();
  });

  it('answers every bad frame with an error frame and keeps serving the connection', async () => {
    await cluster.append('single', 0, ['x']);
    const sink = new RecordingSink();
    const session = cluster.session(sink, { limits: { maxCredit: 100 } });
    const send = (value: unknown): void => session.handleFrame(typeof value === 'string' ? value : frame(value), false);
    send('not json{');
    send({ type: 'bogus' });
    send({ type: 'credit', sub: 'nope', records: 1 });
    send({ type: 'unsubscribe', sub: 'nope' });
    send({ type: 'subscribe', sub: 'g', topic: 'single', group: 'workers', from: { offset: 0 } });
    send({ type: 'commit', sub: 'g', offsets: [] });
    send({ type: 'subscribe', sub: 'u', topic: 'missing' });
    send({ type: 'subscribe', sub: 'p', topic: 'single', partitions: [3] });
    send({ type: 'subscribe', sub: 'r', topic: 'single', from: { offset: 99 } });
    send({ type: 'subscribe', sub: 'c', topic: 'single', from: { cursor: 'AAAA' } });
    send({ type: 'subscribe', sub: 'f', topic: 'single', format: 'xml' });
    session.handleFrame(Buffer.from([1, 2, 3]), true);
    await sink.untilType('error', 12);
    const errors = sink.of('error').map((e) => [e.sub ?? null, e.error_code]);
    // Frames refused by validation answer at once, in order; subscribes that looked up the topic follow.
    expect(errors.slice(0, 8)).toEqual([
      [null, 40001],
      [null, 40001],
      ['nope', 40001],
      ['nope', 40001],
      ['g', 40001],
      ['g', 40001],
      ['f', 40001],
      [null, 40001],
    ]);
    expect(errors.slice(8)).toHaveLength(4);
    expect(errors.slice(8)).toEqual(
      expect.arrayContaining([
        ['u', 40403],
        ['p', 40403],
        ['r', 416],
        ['c', 40001],
      ]),
    );
    expect(sink.of('error').every((e) => typeof e.message === 'string' && e.message.length > 0)).toBe(true);
    expect(sink.of('error').find((e) => e.sub === 'g')!.message).toMatch(/with "group"/);

    // Duplicate sub, credit overflow and the subscription limit (the failed subscribes hold no slot).
    send({ type: 'subscribe', sub: 'ok', topic: 'single', from: 'earliest', credit: 90, format: 'string' });
    send({ type: 'subscribe', sub: 'ok', topic: 'single' });
    await sink.untilType('subscribed');
    send({ type: 'credit', sub: 'ok', records: 20 });
    await sink.untilType('error', 14);
    const later = sink
      .of('error')
      .slice(12)
      .map((e) => [e.sub, e.error_code, e.message]);
    expect(later).toEqual([
      ['ok', 40001, expect.stringMatching(/already exists/)],
      ['ok', 40001, expect.stringMatching(/exceed 100/)],
    ]);
    // The connection still serves: the good subscription got its record.
    await sink.untilRecords('ok', 1);
    expect(sink.records('ok').map((r) => r.value.data)).toEqual(['x']);
    session.close();

    // The subscription limit (subscribes still resolving hold their slot).
    const limited = cluster.session(sink, { limits: { maxSubscriptions: 2 } });
    for (const sub of ['l1', 'l2', 'l3']) limited.handleFrame(frame({ type: 'subscribe', sub, topic: 'single' }), false);
    await sink.until(() => sink.of('error', 'l3').length === 1 && sink.of('subscribed').length === 3);
    expect(sink.of('error', 'l3')[0]).toMatchObject({ error_code: 40001, message: expect.stringMatching(/at most 2 subscriptions/) });
    limited.close();
  });

  it('unsubscribe and close stop delivery and release every subscription', async () => {
    const sink = new RecordingSink();
    const metrics = new CountingMetrics();
    const session = cluster.session(sink, { metrics });
    session.handleFrame(frame({ type: 'subscribe', sub: 'a', topic: 'single', format: 'string' }), false);
    session.handleFrame(frame({ type: 'subscribe', sub: 'b', topic: 'orders', format: 'string' }), false);
    await sink.untilType('subscribed', 2);
    expect(metrics.openSubscriptions).toBe(2);
    session.handleFrame(frame({ type: 'unsubscribe', sub: 'a' }), false);
    expect(metrics.openSubscriptions).toBe(1);
    await cluster.append('single', 0, ['after-unsubscribe']);
    await cluster.append('orders', 0, ['to-b']);
    await sink.untilRecords('b', 1);
    session.close();
    expect(metrics.openSubscriptions).toBe(0);
    await cluster.append('orders', 0, ['after-close']);
    await cluster.append('single', 0, ['after-close']);
    expect(sink.records('a')).toHaveLength(0);
    expect(sink.records('b').map((r) => r.value.data)).toEqual(['to-b']);
    // An unsubscribed name can be reused.
    const sink2 = new RecordingSink();
    const session2 = cluster.session(sink2);
    session2.handleFrame(frame({ type: 'subscribe', sub: 'a', topic: 'single', from: 'earliest' }), false);
    await sink2.untilRecords('a', 2);
    session2.close();
  });

  it('answers produce frames with "produced" carrying the ref, and errors with the ref', async () => {
    const sink = new RecordingSink();
    const calls: unknown[][] = [];
    const producer = {
      produceJson: async (topic: string, records: unknown[], acks: 0 | 1 | -1) => {
        calls.push([topic, records.length, acks]);
        if (topic === 'missing') throw cluster.topics.partitionCount('missing');
        return records.map((_, i) => ({ partition_id: 0, offset: i, timestamp: 1 }));
      },
    };
    const session = cluster.session(sink, { producer });
    session.handleFrame(
      frame({ type: 'produce', ref: 'r1', topic: 'single', records: [{ value: { type: 'STRING', data: 'x' } }], acks: 1 }),
      false,
    );
    session.handleFrame(frame({ type: 'produce', ref: 7, topic: 'missing', records: [{}] }), false);
    session.handleFrame(frame({ type: 'produce', ref: 'r3', topic: 'single', records: [] }), false);
    await sink.until((frames) => frames.length >= 3);
    expect(sink.of('produced')).toEqual([{ type: 'produced', ref: 'r1', results: [{ partition_id: 0, offset: 0, timestamp: 1 }] }]);
    expect(sink.of('error').map((e) => [e.ref, e.error_code])).toEqual(
      expect.arrayContaining([
        [7, 40403],
        ['r3', 40001],
      ]),
    );
    expect(calls).toEqual([
      ['single', 1, 1],
      ['missing', 1, -1],
    ]);
    session.close();
  });
  it('stops reading produce frames while their unsent answers are over the bound, and reads again once they drain', async () => {
    const sink = new RecordingSink();
    sink.stalled = true; // the client sends produce frames but reads no answer
    const producer = {
      produceJson: async (_topic: string, records: unknown[]) => records.map((_, i) => ({ partition_id: 0, offset: i, timestamp: 1 })),
    };
    const session = cluster.session(sink, { producer, limits: { bufferedBytesHigh: 200 } });
    const produce = (ref: number) =>
      session.handleFrame(frame({ type: 'produce', ref, topic: 'single', records: [{ value: { type: 'STRING', data: 'x' } }] }), false);
    for (let ref = 1; ref <= 3; ref++) produce(ref);
    await sink.until((frames) => frames.length >= 3);
    expect(sink.bufferedAmount).toBeGreaterThanOrEqual(200);
    expect(sink.paused).toBe(true);
    sink.release();
    await new Promise((resolve) => setImmediate(resolve));
    expect(sink.paused).toBe(false);
    session.close();
  });
});
