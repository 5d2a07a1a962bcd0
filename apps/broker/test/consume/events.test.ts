import * as net from 'node:net';
import { BrokerProcess, startBroker } from '../support/broker-process';
import { decodeCursor, encodeCursor } from '../../src/consume/cursor';
import { WsClient } from '../ws/ws-client';
import { SseClient, createTopic, getJson, produce } from './consume-support';

/** Server-sent event streams against a real broker process. */
describe('consume: GET /v3/clusters/{cid}/topics/{topic}/events', () => {
  let broker: BrokerProcess;
  let topicSeq = 0;
  const streams: SseClient[] = [];
  const newTopic = async (partitions: number): Promise<string> => {
    const name = `events-${++topicSeq}`;
    await createTopic(broker.baseUrl, name, partitions);
    return name;
  };
  const open = async (topic: string, query: string, headers: Record<string, string> = {}): Promise<SseClient> => {
    const stream = await SseClient.open(`${broker.baseUrl}/v3/clusters/-/topics/${topic}/events?${query}`, headers);
    streams.push(stream);
    return stream;
  };
  const label = (r: any) => `${r.partition_id}:${r.offset}:${r.value?.data ?? null}`;

  beforeAll(async () => {
    broker = await startBroker();
  });
  afterEach(() => {
    for (const stream of streams.splice(0)) stream.close();
  });
  afterAll(async () => {
    await broker?.stop();
  });

  it('streams records produced after subscribing, with the API.md record shape', async () => {
    const topic = await newTopic(2);
    await produce(broker.baseUrl, topic, 0, [{ value: 'before' }]);
    const stream = await open(topic, 'from=latest&format=string');
    expect(stream.status).toBe(200);
    expect(stream.headers.get('content-type')).toMatch(/^text\/event-stream/);

    await produce(broker.baseUrl, topic, 1, [{ key: 'k', value: 'one', timestamp: 42 }]);
    const [first] = await stream.records(1);
    expect(first.record).toEqual({
      partition_id: 1,
      offset: 0,
      timestamp: 42,
      timestamp_type: 'CREATE_TIME',
      key: { type: 'STRING', data: 'k' },
      value: { type: 'STRING', data: 'one' },
      headers: [],
    });
    // The id is the broker's one cursor: the next offset of every partition.
    expect(decodeCursor(topic, first.id, 10)).toEqual([
      { partition: 0, offset: 1 },
      { partition: 1, offset: 1 },
    ]);

    await produce(broker.baseUrl, topic, 0, [{ value: 'two' }, { value: 'three' }]);
    expect((await stream.records(2)).map((e) => label(e.record))).toEqual(['0:1:two', '0:2:three']);
  });

  it('resumes with Last-Event-ID right after the cursor: no duplicates, no gaps', async () => {
    const topic = await newTopic(2);
    await produce(broker.baseUrl, topic, 0, [{ value: 'a0' }, { value: 'a1' }]);
    await produce(broker.baseUrl, topic, 1, [{ value: 'b0' }]);
    await produce(broker.baseUrl, topic, 0, [{ value: 'a2' }]);
    const all = ['0:0:a0', '0:1:a1', '0:2:a2', '1:0:b0'];

    const first = await open(topic, 'from=earliest&format=string');
    const seen = await first.records(2);
    first.close();

    await produce(broker.baseUrl, topic, 1, [{ value: 'b1' }]);
    await produce(broker.baseUrl, topic, 0, [{ value: 'a3' }]);
    all.push('1:1:b1', '0:3:a3');

    // An EventSource reconnects to the same URL and adds Last-Event-ID, which wins over `from`.
    const resumed = await open(topic, 'from=earliest&format=string', { 'last-event-id': seen[1].id });
    const rest = await resumed.records(all.length - 2);
    // One sentinel per partition: once both arrive, nothing delivered before them can still be missing.
    await produce(broker.baseUrl, topic, 0, [{ value: 'end' }]);
    await produce(broker.baseUrl, topic, 1, [{ value: 'end' }]);
    const tail = await resumed.records(2);
    expect(tail.map((e) => e.record.value.data)).toEqual(['end', 'end']);

    const delivered = [...seen, ...rest].map((e) => label(e.record));
    expect(new Set(delivered).size).toBe(delivered.length);
    expect(delivered.sort()).toEqual(all.sort());
  });

  it('streams only the named partitions and accepts a cursor as `from`', async () => {
    const topic = await newTopic(3);
    await produce(broker.baseUrl, topic, 0, [{ value: 'p0' }]);
    await produce(broker.baseUrl, topic, 2, [{ value: 'p2-a' }, { value: 'p2-b' }]);
    const stream = await open(topic, 'from=earliest&partitions=2&format=string');
    const events = await stream.records(2);
    expect(events.map((e) => label(e.record))).toEqual(['2:0:p2-a', '2:1:p2-b']);
    expect(decodeCursor(topic, events[0].id, 10)).toEqual([{ partition: 2, offset: 1 }]);

    const fromCursor = await open(topic, `from=${events[0].id}&partitions=2&format=string`);
    expect((await fromCursor.records(1)).map((e) => label(e.record))).toEqual(['2:1:p2-b']);
  });

  it('one cursor for both transports: an event id resumes a WebSocket subscription and a records frame cursor resumes a stream', async () => {
    const topic = await newTopic(2);
    await produce(broker.baseUrl, topic, 0, [{ value: 'a0' }, { value: 'a1' }]);
    await produce(broker.baseUrl, topic, 1, [{ value: 'b0' }]);
    const stream = await open(topic, 'from=earliest&format=string');
    const events = await stream.records(3);
    const afterA1 = events.find((e) => label(e.record) === '0:1:a1')!.id;
    const ws = await WsClient.open(broker.baseUrl);
    try {
      ws.send({ type: 'subscribe', sub: 'w', topic, from: { cursor: afterA1 }, format: 'string' });
      await ws.untilRecords('w', 1);
      expect((await ws.next('subscribed', 1, 'w')).assignment).toEqual([
        { partition: 0, offset: 2 },
        { partition: 1, offset: 0 }, // the stream takes partitions in turn: a0, a1, then b0
      ]);
      expect(ws.records('w').map((r) => [r.partition, r.offset, r.value.data])).toEqual([[1, 0, 'b0']]);
      const frames = ws.of('records', 'w');
      const wsCursor = frames[frames.length - 1].cursor as string;
      await produce(broker.baseUrl, topic, 1, [{ value: 'b1' }]);
      const resumed = await open(topic, `from=${wsCursor}&format=string`);
      expect((await resumed.records(1)).map((e) => label(e.record))).toEqual(['1:1:b1']);
      // The same out-of-range position is the same 416 on both transports.
      const beyond = encodeCursor(topic, [{ partition: 0, offset: 99 }]);
      const sse = await fetch(`${broker.baseUrl}/v3/clusters/-/topics/${topic}/events?from=${beyond}`);
      expect(sse.status).toBe(416);
      expect(((await sse.json()) as { error_code: number }).error_code).toBe(416);
      ws.send({ type: 'subscribe', sub: 'x', topic, from: { cursor: beyond } });
      expect((await ws.next('error', 1, 'x')).error_code).toBe(416);
    } finally {
      ws.close();
    }
  });

  it('keeps serving after a client disconnects mid-stream', async () => {
    const topic = await newTopic(1);
    const big = 'x'.repeat(2000);
    for (let batch = 0; batch < 20; batch++) {
      await produce(
        broker.baseUrl,
        topic,
        0,
        Array.from({ length: 100 }, (_, i) => ({ value: `${batch * 100 + i}${big}` })),
      );
    }
    const stream = await open(topic, 'from=earliest');
    await stream.records(10);
    stream.close();

    const offsets = await getJson(`${broker.baseUrl}/v3/clusters/-/topics/${topic}/partitions/0/offsets?at=latest`);
    expect(offsets.body).toEqual({ offset: 2000, timestamp: -1 });
    const again = await open(topic, 'from=earliest&format=string');
    const events = await again.records(2000);
    expect(events.map((e) => e.record.offset)).toEqual(Array.from({ length: 2000 }, (_, i) => i));
  });

  it('answers bad parameters with 40001, unknown topics and partitions with 40403, out-of-range cursors with 416', async () => {
    const topic = await newTopic(2);
    const url = (t: string, query: string) => `${broker.baseUrl}/v3/clusters/-/topics/${t}/events?${query}`;
    const cursor = (positions: object) => Buffer.from(JSON.stringify(positions)).toString('base64url');
    const cases: [string, Record<string, string>, number, number][] = [
      [url(topic, 'format=xml'), {}, 400, 40001],
      [url(topic, 'from=garbage!'), {}, 400, 40001],
      [url(topic, `from=${cursor({ '0': 'x' })}`), {}, 400, 40001],
      [url(topic, 'partitions=a,b'), {}, 400, 40001],
      [url(topic, 'from=earliest'), { 'last-event-id': 'not a cursor' }, 400, 40001],
      [url(topic, 'partitions=0,7'), {}, 404, 40403],
      // As a WebSocket subscribe with that cursor: a partition the topic does not have.
      [url(topic, `from=${cursor({ '5': 0 })}`), {}, 404, 40403],
      [url('no-such-topic', 'from=earliest'), {}, 404, 40403],
      [url(topic, `from=${cursor({ '0': 99 })}`), {}, 416, 416],
    ];
    for (const [target, headers, status, code] of cases) {
      const answer = await getJson(target, headers);
      expect({ target, status: answer.status, code: answer.body.error_code }).toEqual({ target, status, code });
    }
  });
});

describe('consume: event streams and broker lifecycle', () => {
  let broker: BrokerProcess | undefined;
  afterEach(async () => {
    await broker?.stop();
    broker = undefined;
  });

  it('ends the stream with an error event when its topic is deleted', async () => {
    broker = await startBroker();
    await createTopic(broker.baseUrl, 'doomed', 1);
    const stream = await SseClient.open(`${broker.baseUrl}/v3/clusters/-/topics/doomed/events?from=earliest`);
    await produce(broker.baseUrl, 'doomed', 0, [{ value: 'last' }]);
    await stream.records(1);
    const deleted = await fetch(`${broker.baseUrl}/v3/clusters/-/topics/doomed`, { method: 'DELETE' });
    expect(deleted.status).toBe(204);
    // The stream notices at its next heartbeat at the latest (HEARTBEAT_MS, 15 s).
    const event = await stream.next();
    expect(event?.event).toBe('error');
    expect(JSON.parse(event!.data!)).toMatchObject({ error_code: 40403 });
    expect(await stream.next()).toBeUndefined();
    expect((await fetch(`${broker.baseUrl}/health/live`)).status).toBe(200);
  });

  it('shuts down cleanly with open streams and parked long polls, ending both', async () => {
    broker = await startBroker();
    await createTopic(broker.baseUrl, 'busy', 1);
    const stream = await SseClient.open(`${broker.baseUrl}/v3/clusters/-/topics/busy/events?from=latest`);
    await produce(broker.baseUrl, 'busy', 0, [{ value: 'x' }]);
    await stream.records(1);
    const poll = getJson(`${broker.baseUrl}/v3/clusters/-/topics/busy/partitions/0/records?offset=1&timeout_ms=60000`).catch(
      (e: Error) => e,
    );
    expect(await broker.stop()).toBe(0);
    expect(await stream.next()).toBeUndefined();
    await poll; // answered empty, or refused if it arrived after the listener closed: it never hangs
  });
});

describe('consume: event streams of clients that do not read', () => {
  let broker: BrokerProcess | undefined;
  afterEach(async () => {
    await broker?.stop('SIGKILL');
    broker = undefined;
  });

  it('ends a stream whose client reads nothing with event: error 50003, its buffered bytes bounded', async () => {
    const total = 4 * 1024 * 1024;
    broker = await startBroker({
      env: {
        RUNNEL_MAX_BUFFERED_BYTES_PER_CONNECTION: String(256 * 1024),
        RUNNEL_MAX_BUFFERED_BYTES_TOTAL: String(total),
        RUNNEL_SLOW_CONSUMER_TIMEOUT_MS: '2000',
      },
    });
    await createTopic(broker.baseUrl, 'big', 1);
    const { port } = new URL(broker.baseUrl);
    // A hand-made HTTP client that reads the response head, then stops reading its socket.
    const socket = net.connect(Number(port), '127.0.0.1');
    let received = '';
    let paused = false;
    let onData = (): void => undefined;
    // The response ends after the error event (the connection itself may stay open: keep-alive).
    const ended = new Promise<void>((resolve) => {
      socket.once('close', () => resolve());
      onData = () => {
        if (received.endsWith('\r\n0\r\n\r\n')) resolve();
      };
    });
    socket.on('error', () => undefined);
    socket.on('data', (chunk) => {
      received += chunk.toString('latin1');
      if (!paused && received.includes(': stream open')) {
        paused = true;
        socket.pause();
      }
      onData();
    });
    socket.write(`GET /v3/clusters/-/topics/big/events?from=earliest HTTP/1.1\r\nhost: 127.0.0.1\r\naccept: text/event-stream\r\n\r\n`);
    const value = 'x'.repeat(8 * 1024);
    for (let b = 0; b < 15; b++)
      await produce(
        broker.baseUrl,
        'big',
        0,
        Array.from({ length: 100 }, () => ({ value })),
      );

    const peaks: number[] = [];
    const deadline = Date.now() + 15_000;
    for (;;) {
      const text = await (await fetch(`${broker.baseUrl}/metrics`)).text();
      peaks.push(Number(/^runnel_outbound_buffered_bytes (\S+)$/m.exec(text)?.[1]));
      if (Number(/^runnel_slow_consumer_closes_total (\S+)$/m.exec(text)?.[1]) >= 1) break;
      if (Date.now() > deadline) throw new Error(`no slow-consumer close: ${peaks.at(-1)} bytes buffered\n${broker.output().slice(-3000)}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(Math.max(...peaks)).toBeLessThanOrEqual(total);
    socket.resume();
    await ended;
    socket.destroy();
    // (chunked transfer encoding: the event is one chunk of its own)
    const events = [...received.matchAll(/^event: error\ndata: (.*)\n/gm)];
    expect(events).toHaveLength(1);
    const body = JSON.parse(events[0][1]);
    expect(body).toEqual({ error_code: 50003, message: expect.stringMatching(/^slow consumer: /) });
  }, 60_000);
});
