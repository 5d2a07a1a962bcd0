import { BrokerProcess, startBroker } from '../support/broker-process';
import { createTopicOn, produceStrings } from '../support/topic-helpers';
import { WsClient } from './ws-client';

/** The WebSocket gateway against the real broker process: subscribe, credit, cursors, errors, disconnects. */
describe('broker process: WebSocket /v3/ws', () => {
  let broker: BrokerProcess;
  const clients: WsClient[] = [];
  beforeAll(async () => {
    broker = await startBroker();
  });
  afterAll(async () => {
    await broker?.stop();
  });
  afterEach(() => {
    for (const client of clients.splice(0)) client.close();
  });

  let topicSeq = 0;
  async function createTopic(partitions = 1): Promise<string> {
    const name = `ws-topic-${++topicSeq}`;
    await createTopicOn(broker, name, partitions);
    return name;
  }

  const produce = (topic: string, partition: number, values: string[]): Promise<void> => produceStrings(broker, topic, partition, values);

  async function connect(): Promise<WsClient> {
    const client = await WsClient.open(broker.baseUrl);
    clients.push(client);
    return client;
  }

  const range = (n: number, prefix = 'v'): string[] => Array.from({ length: n }, (_, i) => `${prefix}${i}`);

  it('subscribes from earliest and receives what was produced, many records per frame', async () => {
    const topic = await createTopic();
    await produce(topic, 0, range(500));
    const client = await connect();
    client.send({ type: 'subscribe', sub: 's', topic, from: 'earliest', format: 'string' });
    expect(await client.next('subscribed')).toEqual({ type: 'subscribed', sub: 's', assignment: [{ partition: 0, offset: 0 }] });
    await client.untilRecords('s', 500);
    const records = client.records('s');
    expect(records.map((r) => r.value)).toEqual(range(500).map((data) => ({ type: 'STRING', data })));
    expect(records.map((r) => r.offset)).toEqual(range(500).map((_, i) => i));
    expect(Object.keys(records[0]).sort()).toEqual(['headers', 'key', 'offset', 'partition', 'timestamp', 'value']);
    expect(client.of('records', 's').length).toBeLessThan(500);
    expect(typeof client.of('records', 's')[0].cursor).toBe('string');
  });

  it('ends a caught-up subscription with a 40403 frame when its topic is deleted; the socket keeps working', async () => {
    const topic = await createTopic();
    await produce(topic, 0, range(2));
    const client = await connect();
    client.send({ type: 'subscribe', sub: 'd', topic, from: 'earliest', format: 'string' });
    await client.untilRecords('d', 2);
    expect((await fetch(`${broker.baseUrl}/v3/clusters/-/topics/${topic}`, { method: 'DELETE' })).status).toBe(204);
    expect(await client.next('error', 1, 'd')).toMatchObject({ type: 'error', sub: 'd', error_code: 40403 });
    const other = await createTopic();
    client.send({ type: 'subscribe', sub: 'd', topic: other, format: 'string' });
    expect(await client.next('subscribed', 1, 'd')).toMatchObject({ sub: 'd', assignment: [{ partition: 0, offset: 0 }] });
  });

  it('from latest (the default) receives only records produced after subscribing', async () => {
    const topic = await createTopic();
    await produce(topic, 0, range(3, 'old'));
    const client = await connect();
    client.send({ type: 'subscribe', sub: 'l', topic, format: 'string' });
    expect((await client.next('subscribed')).assignment).toEqual([{ partition: 0, offset: 3 }]);
    await produce(topic, 0, range(2, 'new'));
    await client.untilRecords('l', 2);
    expect(client.records('l').map((r) => [r.offset, r.value.data])).toEqual([
      [3, 'new0'],
      [4, 'new1'],
    ]);
  });

  it('credit: 5 records, then exactly 5 + N in order after granting N', async () => {
    const topic = await createTopic();
    await produce(topic, 0, range(100));
    const client = await connect();
    client.send({ type: 'subscribe', sub: 'c', topic, from: 'earliest', credit: 5, format: 'string' });
    await client.untilRecords('c', 5);
    client.send({ type: 'credit', sub: 'c', records: 20 });
    await client.untilRecords('c', 25);
    // A marker: an error answer to a later frame proves every frame sent before it was seen.
    client.send({ type: 'credit', sub: 'no-such-sub', records: 1 });
    await client.next('error');
    expect(client.records('c').map((r) => r.offset)).toEqual(range(25).map((_, i) => i));
    client.send({ type: 'credit', sub: 'c', records: 75 });
    await client.untilRecords('c', 100);
    expect(client.records('c').map((r) => r.offset)).toEqual(range(100).map((_, i) => i));
  });

  it('a cursor resumes, on a new socket, exactly after what was delivered', async () => {
    const topic = await createTopic(3);
    for (const p of [0, 1, 2]) await produce(topic, p, range(20, `p${p}-`));
    const first = await connect();
    first.send({ type: 'subscribe', sub: 'a', topic, from: 'earliest', credit: 17, format: 'string' });
    await first.untilRecords('a', 17);
    const frames = first.of('records', 'a');
    const cursor = frames[frames.length - 1].cursor;
    first.close();

    const second = await connect();
    second.send({ type: 'subscribe', sub: 'b', topic, from: { cursor }, format: 'string' });
    await second.untilRecords('b', 43);
    const all = [...first.records('a'), ...second.records('b')];
    for (const p of [0, 1, 2]) {
      expect(all.filter((r) => r.partition === p).map((r) => r.value.data)).toEqual(range(20, `p${p}-`));
    }
  });

  it('reads many partitions, or only the named ones', async () => {
    const topic = await createTopic(4);
    for (const p of [0, 1, 2, 3]) await produce(topic, p, range(10, `p${p}-`));
    const client = await connect();
    client.send({ type: 'subscribe', sub: 'all', topic, from: 'earliest', format: 'string' });
    client.send({ type: 'subscribe', sub: 'two', topic, partitions: [1, 3], from: { offset: 5 }, format: 'string' });
    await client.untilRecords('all', 40);
    await client.untilRecords('two', 10);
    expect((await client.next('subscribed', 1, 'all')).assignment.map((a: { partition: number }) => a.partition)).toEqual([0, 1, 2, 3]);
    expect(
      client
        .records('two')
        .map((r) => `${r.partition}:${r.offset}`)
        .sort(),
    ).toEqual(['1:5', '1:6', '1:7', '1:8', '1:9', '3:5', '3:6', '3:7', '3:8', '3:9']);
  });

  it('answers every bad frame with its error frame and keeps the socket working', async () => {
    const topic = await createTopic(2);
    await produce(topic, 0, ['ok']);
    const client = await connect();
    const cases: Array<[unknown, string | undefined, number]> = [
      ['{not json', undefined, 40001],
      [{ type: 'dance' }, undefined, 40001],
      [{ type: 'credit', sub: 'ghost', records: 5 }, 'ghost', 40001],
      [{ type: 'unsubscribe', sub: 'ghost' }, 'ghost', 40001],
      [{ type: 'subscribe', sub: 'grp', topic, group: 'g1', partitions: [0] }, 'grp', 40001],
      [{ type: 'subscribe', sub: 'nt', topic: 'no-such-topic' }, 'nt', 40403],
      [{ type: 'subscribe', sub: 'np', topic, partitions: [7] }, 'np', 40403],
      [{ type: 'subscribe', sub: 'oor', topic, partitions: [0], from: { offset: 1000 } }, 'oor', 416],
      [{ type: 'subscribe', sub: 'cur', topic, from: { cursor: 'Zm9vYmFy' } }, 'cur', 40001],
      [{ type: 'subscribe', sub: 'big', topic, credit: 10_000_000 }, 'big', 40001],
    ];
    for (const [frame, sub, code] of cases) {
      const before = client.of('error').length;
      client.send(frame);
      const error = await client.next('error', before + 1);
      expect({ sub: error.sub, code: error.error_code }).toEqual({ sub, code });
      expect(error.message).toEqual(expect.any(String));
    }
    // Duplicate sub and credit overflow on a live subscription.
    client.send({ type: 'subscribe', sub: 'live', topic, partitions: [0], from: 'earliest', credit: 99_999, format: 'string' });
    client.send({ type: 'subscribe', sub: 'live', topic });
    const duplicate = await client.next('error', cases.length + 1);
    expect(duplicate).toMatchObject({ sub: 'live', error_code: 40001 });
    await client.untilRecords('live', 1);
    client.send({ type: 'credit', sub: 'live', records: 50 });
    expect(await client.next('error', cases.length + 2)).toMatchObject({ sub: 'live', error_code: 40001 });
    // Still serving: new records arrive on the live subscription.
    await produce(topic, 0, ['after-errors']);
    await client.untilRecords('live', 2);
    expect(client.records('live').map((r) => r.value.data)).toEqual(['ok', 'after-errors']);
    expect(client.closeCode).toBeUndefined();
  });

  it('limits subscriptions per socket', async () => {
    const topic = await createTopic();
    const client = await connect();
    for (let i = 0; i < 100; i++) client.send({ type: 'subscribe', sub: `s${i}`, topic });
    await client.until(() => client.of('subscribed').length === 100);
    client.send({ type: 'subscribe', sub: 'one-too-many', topic });
    expect(await client.next('error')).toMatchObject({ sub: 'one-too-many', error_code: 40001 });
    client.send({ type: 'unsubscribe', sub: 's0' });
    client.send({ type: 'subscribe', sub: 'fits-now', topic });
    await client.next('subscribed', 1, 'fits-now');
  });

  it('closes a socket that sends a frame over the 1 MiB cap with 1009; the broker keeps serving', async () => {
    const client = await connect();
    client.send(
      JSON.stringify({ type: 'produce', topic: 'x', records: [{ value: { type: 'STRING', data: 'x'.repeat(2 * 1024 * 1024) } }] }),
    );
    await client.untilClosed();
    expect(client.closeCode).toBe(1009);
    const other = await connect();
    other.send({ type: 'bogus' });
    expect((await other.next('error')).error_code).toBe(40001);
  });

  it('a client that disconnects mid-stream leaves the broker serving and its subscriptions closed', async () => {
    const topic = await createTopic(2);
    for (const p of [0, 1]) await produce(topic, p, range(5000, `p${p}-`));
    const leaver = await connect();
    leaver.send({ type: 'subscribe', sub: 'x', topic, from: 'earliest', credit: 100_000 });
    leaver.send({ type: 'subscribe', sub: 'y', topic, from: 'earliest', credit: 100_000 });
    await leaver.next('records');
    leaver.close();
    await leaver.untilClosed();

    const stayer = await connect();
    stayer.send({ type: 'subscribe', sub: 'z', topic, from: 'earliest', credit: 100_000, format: 'string' });
    await stayer.untilRecords('z', 10_000);
    expect((await fetch(`${broker.baseUrl}/health/live`)).status).toBe(200);
    // The gauge counts the stayer's one subscription once the leaver's close was processed.
    stayer.send({ type: 'unsubscribe', sub: 'z' });
    stayer.close();
    await stayer.untilClosed();
    let text = '';
    for (let attempt = 0; attempt < 100; attempt++) {
      text = await (await fetch(`${broker.baseUrl}/metrics`)).text();
      if (/^runnel_ws_subscriptions 0$/m.test(text) && /^runnel_ws_connections 0$/m.test(text)) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(text).toMatch(/^runnel_ws_subscriptions 0$/m);
    expect(text).toMatch(/^runnel_ws_connections 0$/m);
  });

  it('produce frames answer "produced" per record, in order, and subscribers receive the records', async () => {
    const topic = await createTopic();
    const client = await connect();
    client.send({ type: 'subscribe', sub: 'w', topic, format: 'json' });
    await client.next('subscribed');
    client.send({
      type: 'produce',
      ref: 'p1',
      topic,
      records: [
        { value: { type: 'JSON', data: { n: 1 } } },
        { key: { type: 'STRING', data: 'k' }, value: { type: 'JSON', data: { n: 2 } } },
      ],
    });
    const produced = await client.next('produced');
    expect(produced).toEqual({
      type: 'produced',
      ref: 'p1',
      results: [
        { partition_id: 0, offset: 0, timestamp: expect.any(Number) },
        { partition_id: 0, offset: 1, timestamp: expect.any(Number) },
      ],
    });
    await client.untilRecords('w', 2);
    expect(client.records('w').map((r) => r.value)).toEqual([
      { type: 'JSON', data: { n: 1 } },
      { type: 'JSON', data: { n: 2 } },
    ]);
    client.send({ type: 'produce', ref: 9, topic: 'no-such-topic', records: [{}] });
    expect(await client.next('error')).toMatchObject({ ref: 9, error_code: 40403 });
    client.send({ type: 'produce', ref: 'bad', topic, records: [{ value: { type: 'BINARY', data: '!!not base64' } }] });
    const answer = await client
      .until(() => client.frames.some((f) => f.ref === 'bad'))
      .then(() => client.frames.find((f) => f.ref === 'bad')!);
    // A bad record gets its own error result (or the whole frame an error): either way nothing of it is readable.
    expect(JSON.stringify(answer)).toMatch(/40001/);
  });

  it('refuses an upgrade on another path', async () => {
    await expect(WsClient.open(broker.baseUrl, '/v3/other')).rejects.toThrow(/404/);
  });

  it('accepts /v3/ws with a query string, and keeps serving HTTP routes on the same port', async () => {
    const client = await WsClient.open(broker.baseUrl, '/v3/ws?client=e2e');
    clients.push(client);
    client.send({ type: 'bogus' });
    expect((await client.next('error')).error_code).toBe(40001);
    expect((await fetch(`${broker.baseUrl}/health/live`)).status).toBe(200);
  });
});

describe('broker process: WebSocket upgrades and the per-address connection bound', () => {
  let broker: BrokerProcess | undefined;
  afterEach(async () => {
    await broker?.stop();
    broker = undefined;
  });

  it('refuses an upgrade over RUNNEL_MAX_CONNECTIONS_PER_IP with 503; the open socket keeps working', async () => {
    broker = await startBroker({ env: { RUNNEL_MAX_CONNECTIONS_PER_IP: '1' } });
    const first = await WsClient.open(broker.baseUrl);
    try {
      await expect(WsClient.open(broker.baseUrl)).rejects.toThrow(/503/);
      first.send({ type: 'bogus' });
      expect((await first.next('error')).error_code).toBe(40001);
    } finally {
      first.close();
    }
  });
});

describe('broker process: WebSocket shutdown', () => {
  it('closes open sockets with 1001 on SIGTERM and exits 0', async () => {
    const broker = await startBroker();
    try {
      const client = await WsClient.open(broker.baseUrl);
      const response = await fetch(`${broker.baseUrl}/v3/clusters/-/topics`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ topic_name: 'shutdown', partitions_count: 1 }),
      });
      expect(response.status).toBe(201);
      client.send({ type: 'subscribe', sub: 's', topic: 'shutdown' });
      await client.next('subscribed');
      const exit = broker.stop();
      await client.untilClosed();
      expect(client.closeCode).toBe(1001);
      expect(await exit).toBe(0);
    } finally {
      await broker.stop();
    }
  });
});
