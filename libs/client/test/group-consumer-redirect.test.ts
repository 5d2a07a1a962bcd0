import type { AddressInfo } from 'node:net';
import { WebSocket, WebSocketServer } from 'ws';
import { AssignmentChange, ConsumedRecord, GroupConsumer, RunnelClientError } from '@runnel/client';
import { record } from './support/scripted-ws';

/**
 * GroupConsumer following its group's coordinator between brokers, against real `ws` servers that
 * play brokers: each connection's frames are recorded and the test answers them by hand.
 */
interface FakeBroker {
  url: string;
  /** Client frames per connection, in connection order. */
  connections: { ws: WebSocket; received: Record<string, any>[] }[];
  send(connection: number, frame: object): void;
  close(): Promise<void>;
}

const waiters = new Set<() => void>();
const recheck = (): void => {
  for (const w of [...waiters]) w();
};
function until(check: () => boolean, what: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      waiters.delete(run);
      reject(new Error(`timed out waiting for ${what}`));
    }, 20_000);
    const run = (): void => {
      if (!check()) return;
      clearTimeout(timer);
      waiters.delete(run);
      resolve();
    };
    waiters.add(run);
    run();
  });
}

async function startBroker(): Promise<FakeBroker> {
  const server = new WebSocketServer({ host: '127.0.0.1', port: 0, path: '/v3/ws' });
  await new Promise((resolve) => server.once('listening', resolve));
  const broker: FakeBroker = {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    connections: [],
    send: (i, frame) => broker.connections[i].ws.send(JSON.stringify(frame)),
    close: () =>
      new Promise((resolve) => {
        for (const c of broker.connections) c.ws.terminate();
        server.close(() => resolve());
      }),
  };
  server.on('connection', (ws) => {
    const connection = { ws, received: [] as Record<string, any>[] };
    broker.connections.push(connection);
    ws.on('message', (data) => {
      connection.received.push(JSON.parse(data.toString()) as Record<string, any>);
      recheck();
    });
    ws.on('close', recheck);
    recheck();
  });
  return broker;
}

describe('GroupConsumer following the coordinator', () => {
  let a: FakeBroker;
  let b: FakeBroker;
  let consumer: GroupConsumer | undefined;
  beforeEach(async () => {
    a = await startBroker();
    b = await startBroker();
  });
  afterEach(async () => {
    await consumer?.close();
    consumer = undefined;
    await a.close();
    await b.close();
  });

  const subscribeOn = (broker: FakeBroker, i: number): Promise<void> =>
    until(() => broker.connections[i]?.received.some((f) => f.type === 'subscribe') === true, `subscribe #${i} on ${broker.url}`);
  const subscribeFrame = (broker: FakeBroker, i: number): Record<string, any> =>
    broker.connections[i].received.find((f) => f.type === 'subscribe')!;
  const notCoordinator = (sub: string, url: string | null): object => ({
    type: 'error',
    sub,
    error_code: 50003,
    message: `group 'g': not its coordinator`,
    coordinator: { broker_id: 2, url },
  });
  const subscribed = (broker: FakeBroker, i: number, sub: string, partitions: number[]): void =>
    broker.send(i, {
      type: 'subscribed',
      sub,
      group: 'g',
      member_id: 'm-1',
      generation: 1,
      assignment: partitions.map((p) => ({ topic: 't', partition: p, offset: 0 })),
    });
  const take = async (n: number): Promise<string[]> => {
    const got: string[] = [];
    for (let i = 0; i < n; i++) {
      const next: IteratorResult<ConsumedRecord> = await consumer!.next();
      if (next.done) throw new Error('ended');
      got.push(String(next.value.value!.data));
    }
    return got;
  };

  it('follows a 50003 to the named coordinator and back, rejoining with its member id; the iteration never sees it', async () => {
    consumer = new GroupConsumer({ baseUrl: a.url, group: 'g', topic: 't', credit: 10, autoCommit: false });
    const changes: AssignmentChange[] = [];
    consumer.onAssignment((c) => changes.push(c));
    const sub = consumer.sub;
    await subscribeOn(a, 0);
    a.send(0, notCoordinator(sub, b.url));
    await subscribeOn(b, 0);
    expect(subscribeFrame(b, 0).member_id).toBeUndefined();
    subscribed(b, 0, sub, [0, 1]);
    b.send(0, { type: 'records', sub, records: [record('t', 0, 0), record('t', 1, 0), record('t', 1, 1)] });
    expect(await take(1)).toEqual(['0:0']);
    // The coordinator moves back to A: records queued from B are dropped, the in-flight commit rejects.
    const commit = consumer.commit([{ partition: 0, offset: 1 }]);
    await until(() => b.connections[0].received.some((f) => f.type === 'commit'), 'the commit');
    b.send(0, notCoordinator(sub, a.url));
    await expect(commit).rejects.toMatchObject({ errorCode: 50003, retriable: true });
    await subscribeOn(a, 1);
    expect(subscribeFrame(a, 1)).toMatchObject({ sub, group: 'g', topic: 't', member_id: 'm-1', credit: 10, auto_commit: false });
    subscribed(a, 1, sub, [1]);
    a.send(1, { type: 'records', sub, records: [record('t', 1, 5), record('t', 1, 6)] });
    // B's queued 1:0 and 1:1 were dropped: the first record yielded is A's.
    expect(await take(2)).toEqual(['1:5', '1:6']);
    expect(changes).toEqual([
      {
        assigned: [
          { topic: 't', partition: 0, offset: 0 },
          { topic: 't', partition: 1, offset: 0 },
        ],
        revoked: [],
      },
      {
        assigned: [],
        revoked: [
          { topic: 't', partition: 0 },
          { topic: 't', partition: 1 },
        ],
      },
      { assigned: [{ topic: 't', partition: 1, offset: 0 }], revoked: [] },
    ]);
    // Commits go to the new socket.
    const again = consumer.commit();
    await until(() => a.connections[1].received.some((f) => f.type === 'commit'), 'the commit on A');
    const frame = a.connections[1].received.find((f) => f.type === 'commit')!;
    expect(frame.offsets).toEqual([{ topic: 't', partition: 1, offset: 7 }]);
    a.send(1, { type: 'committed', sub, ref: frame.ref, offsets: frame.offsets });
    await expect(again).resolves.toEqual([{ topic: 't', partition: 1, offset: 7 }]);
  });

  it('a socket dropped mid-stream reconnects to the same broker and rejoins; an old member id refused with 40901 joins fresh once', async () => {
    consumer = new GroupConsumer({ baseUrl: a.url, group: 'g', topic: 't', credit: 10, autoCommit: false });
    const sub = consumer.sub;
    await subscribeOn(a, 0);
    subscribed(a, 0, sub, [0]);
    a.send(0, { type: 'records', sub, records: [record('t', 0, 0)] });
    expect(await take(1)).toEqual(['0:0']);
    const pending = consumer.next();
    a.connections[0].ws.terminate();
    await subscribeOn(a, 1);
    expect(subscribeFrame(a, 1).member_id).toBe('m-1');
    a.send(1, { type: 'error', sub, error_code: 40901, message: 'unknown member m-1' });
    await subscribeOn(a, 2);
    expect(subscribeFrame(a, 2).member_id).toBeUndefined();
    subscribed(a, 2, sub, [0]);
    a.send(2, { type: 'records', sub, records: [record('t', 0, 0)] });
    await expect(pending).resolves.toMatchObject({ done: false, value: { partition: 0, offset: 0 } });
  });

  it('a 50003 naming no URL rejoins at the same broker; a commit before the rejoin is answered rejects as retriable', async () => {
    consumer = new GroupConsumer({ baseUrl: a.url, group: 'g', topic: 't', autoCommit: false });
    const sub = consumer.sub;
    await subscribeOn(a, 0);
    subscribed(a, 0, sub, [0]);
    await consumer.ready();
    a.send(0, notCoordinator(sub, null));
    await subscribeOn(a, 1);
    await expect(consumer.commit([{ partition: 0, offset: 1 }])).rejects.toMatchObject({ errorCode: 50003, retriable: true });
    expect(a.connections[1].received.some((f) => f.type === 'commit')).toBe(false);
    subscribed(a, 1, sub, [0]);
    a.send(1, { type: 'records', sub, records: [record('t', 0, 3)] });
    expect(await take(1)).toEqual(['0:3']);
  });

  it('gives up after coordinatorRetryMs of failed reconnects and rejects the iteration with the last error', async () => {
    consumer = new GroupConsumer({ baseUrl: a.url, group: 'g', topic: 't', coordinatorRetryMs: 500 });
    const sub = consumer.sub;
    await subscribeOn(a, 0);
    subscribed(a, 0, sub, [0]);
    await consumer.ready();
    const pending = consumer.next();
    await a.close(); // the broker is gone: every reconnect is refused
    const error = await pending.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(RunnelClientError);
    expect(error).toMatchObject({ retriable: true });
  });

  it('gives up at coordinatorRetryMs when the new coordinator accepts the socket but never answers the rejoin', async () => {
    consumer = new GroupConsumer({ baseUrl: a.url, group: 'g', topic: 't', coordinatorRetryMs: 500 });
    const sub = consumer.sub;
    await subscribeOn(a, 0);
    subscribed(a, 0, sub, [0]);
    await consumer.ready();
    const pending = consumer.next();
    a.send(0, notCoordinator(sub, b.url));
    await subscribeOn(b, 0); // B never answers
    await expect(pending).rejects.toMatchObject({ errorCode: 50003, retriable: true });
    await until(() => b.connections[0].ws.readyState === WebSocket.CLOSED, 'the socket to B to close');
  });

  it('still ends the iteration on 40901 removal and on a socket lost before the first join', async () => {
    consumer = new GroupConsumer({ baseUrl: a.url, group: 'g', topic: 't' });
    await subscribeOn(a, 0);
    subscribed(a, 0, consumer.sub, [0]);
    await consumer.ready();
    a.send(0, { type: 'error', sub: consumer.sub, error_code: 40901, message: 'removed by session timeout' });
    await expect(consumer.next()).rejects.toMatchObject({ errorCode: 40901 });
    await consumer.close();
    await b.close();
    consumer = new GroupConsumer({ baseUrl: b.url, group: 'g', topic: 't' });
    await expect(consumer.next()).rejects.toMatchObject({ retriable: true });
  });
});
