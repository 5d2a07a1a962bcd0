import type { AddressInfo } from 'node:net';
import { WebSocket, WebSocketServer } from 'ws';
import { ConsumedRecord, Consumer, encodeCursor } from '@runnel/client';

/**
 * A real `ws` server on 127.0.0.1:0 plays the broker's subscription side: it honours credit
 * exactly (never more undelivered records than granted) and stamps each frame with a cursor
 * naming the next offset, so tests observe what a client of the real broker observes.
 */
interface FakeWs {
  url: string;
  frames: Record<string, unknown>[];
  sockets: WebSocket[];
  /** Credit the server has left for the subscription. */
  credit: () => number;
  close(): Promise<void>;
}

/** The offset in a one-partition cursor (encodeCursor's grammar: 6 header bytes, delta, then the offset varint). */
function offsetOf(cursor: string): number {
  const bytes = Buffer.from(cursor, 'base64url');
  let value = 0;
  let scale = 1;
  for (let i = 7; i < bytes.length; i++, scale *= 0x80) value += (bytes[i] & 0x7f) * scale;
  return value;
}

const at = (offset: number): string => encodeCursor('t', [{ partition: 0, offset }]);

async function startFakeWs(options: {
  total: number;
  perFrame: number;
  onSubscribe?: (ws: WebSocket, msg: Record<string, unknown>) => boolean;
}): Promise<FakeWs> {
  const server = new WebSocketServer({ host: '127.0.0.1', port: 0, path: '/v3/ws' });
  await new Promise((resolve) => server.once('listening', resolve));
  let credit = 0;
  let next = 0;
  const fake: FakeWs = {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    frames: [],
    sockets: [],
    credit: () => credit,
    close: () =>
      new Promise((resolve) => {
        for (const ws of fake.sockets) ws.terminate();
        server.close(() => resolve());
      }),
  };
  server.on('connection', (ws) => {
    fake.sockets.push(ws);
    let sub = '';
    const pump = (): void => {
      while (credit > 0 && next < options.total) {
        const n = Math.min(credit, options.perFrame, options.total - next);
        const records = Array.from({ length: n }, (_, i) => ({
          partition: 0,
          offset: next + i,
          timestamp: 1,
          key: null,
          value: { type: 'STRING', data: `v${next + i}` },
          headers: [],
        }));
        next += n;
        credit -= n;
        ws.send(JSON.stringify({ type: 'records', sub, records, cursor: `c${next}` }));
      }
    };
    ws.on('message', (data) => {
      const msg = JSON.parse(data.toString()) as Record<string, unknown>;
      fake.frames.push(msg);
      if (msg.type === 'subscribe') {
        sub = msg.sub as string;
        if (options.onSubscribe?.(ws, msg)) return;
        const from = msg.from as { cursor?: string } | undefined;
        if (from?.cursor) next = offsetOf(from.cursor);
        credit = msg.credit as number;
        ws.send(JSON.stringify({ type: 'subscribed', sub, assignment: [{ partition: 0, offset: next }] }));
        pump();
      } else if (msg.type === 'credit') {
        credit += msg.records as number;
        pump();
      }
    });
  });
  return fake;
}

describe('Consumer', () => {
  let fake: FakeWs;
  let consumer: Consumer | undefined;
  afterEach(async () => {
    await consumer?.close();
    consumer = undefined;
    await fake.close();
  });

  it('subscribes, yields records in order and grants credit back as they are taken', async () => {
    fake = await startFakeWs({ total: 3000, perFrame: 64 });
    consumer = new Consumer({ baseUrl: fake.url, topic: 't', partitions: [0], from: 'earliest', credit: 100, format: 'string' });
    const values: unknown[] = [];
    for await (const record of consumer) {
      values.push(record.value!.data);
      if (values.length === 3000) break;
    }
    expect(values).toEqual(Array.from({ length: 3000 }, (_, i) => `v${i}`));
    const subscribe = fake.frames[0];
    expect(subscribe).toEqual({
      type: 'subscribe',
      sub: consumer.sub,
      topic: 't',
      partitions: [0],
      from: 'earliest',
      credit: 100,
      format: 'string',
    });
    const grants = fake.frames.filter((f) => f.type === 'credit');
    expect(grants.length).toBeGreaterThan(0);
    for (const grant of grants) expect(grant).toEqual({ type: 'credit', sub: consumer.sub, records: 50 });
    expect(consumer.assignment).toEqual([{ partition: 0, offset: 0 }]);
    expect(consumer.cursor).toBe(at(3000));
  });

  it('moves the cursor after every record taken, also mid-frame, and resumes exactly from it', async () => {
    fake = await startFakeWs({ total: 100, perFrame: 10 });
    consumer = new Consumer({ baseUrl: fake.url, topic: 't', from: 'earliest', credit: 1000 });
    const seen: number[] = [];
    const cursors: (string | undefined)[] = [];
    for await (const record of consumer) {
      seen.push(record.offset);
      cursors.push(consumer.cursor);
      if (seen.length === 25) break;
    }
    expect(cursors[8]).toBe(at(9)); // 9 of the first frame's 10 records taken
    expect(cursors[24]).toBe(at(25)); // mid-frame: right after the record taken
    expect(offsetOf(consumer.cursor!)).toBe(25);
    const resumeFrom = consumer.cursor!;
    consumer = new Consumer({ baseUrl: fake.url, topic: 't', from: { cursor: resumeFrom } });
    expect(consumer.cursor).toBe(resumeFrom);
    for await (const record of consumer) {
      seen.push(record.offset);
      if (record.offset === 99) break;
    }
    expect(fake.frames.filter((f) => f.type === 'subscribe')[1]).toMatchObject({ from: { cursor: resumeFrom } });
    // Nothing missing, nothing repeated.
    expect(seen).toEqual(Array.from({ length: 100 }, (_, i) => i));
  });

  it('rejects the iteration with the error frame of its subscription', async () => {
    fake = await startFakeWs({
      total: 0,
      perFrame: 1,
      onSubscribe: (ws, msg) => {
        ws.send(JSON.stringify({ type: 'error', sub: 'someone-else', error_code: 50001, message: 'not ours' }));
        ws.send(JSON.stringify({ type: 'error', sub: msg.sub, error_code: 40403, message: 'unknown topic' }));
        return true;
      },
    });
    consumer = new Consumer({ baseUrl: fake.url, topic: 'missing' });
    await expect(consumer.ready()).rejects.toMatchObject({ errorCode: 40403 });
    const iterate = async (): Promise<ConsumedRecord[]> => {
      const got: ConsumedRecord[] = [];
      for await (const record of consumer!) got.push(record);
      return got;
    };
    await expect(iterate()).rejects.toMatchObject({ errorCode: 40403, message: 'unknown topic' });
  });

  it('yields the records received before the socket dropped, then rejects', async () => {
    fake = await startFakeWs({
      total: 0,
      perFrame: 1,
      onSubscribe: (ws, msg) => {
        const record = { partition: 0, offset: 5, timestamp: 1, key: null, value: null, headers: [] };
        ws.send(JSON.stringify({ type: 'records', sub: msg.sub, records: [record], cursor: 'c6' }), () => ws.terminate());
        return true;
      },
    });
    consumer = new Consumer({ baseUrl: fake.url, topic: 't' });
    await expect(consumer.next()).resolves.toMatchObject({ done: false, value: { offset: 5 } });
    expect(consumer.cursor).toBe(at(6));
    await expect(consumer.next()).rejects.toMatchObject({ retriable: true });
  });

  it('close() ends a waiting iteration', async () => {
    fake = await startFakeWs({ total: 0, perFrame: 1 });
    consumer = new Consumer({ baseUrl: fake.url, topic: 't' });
    await consumer.ready();
    const pending = consumer.next();
    await consumer.close();
    await expect(pending).resolves.toEqual({ value: undefined, done: true });
  });

  it('fails when the server sends more than the credit it was given', async () => {
    fake = await startFakeWs({
      total: 0,
      perFrame: 1,
      onSubscribe: (ws, msg) => {
        const records = Array.from({ length: 3 }, (_, i) => ({
          partition: 0,
          offset: i,
          timestamp: 1,
          key: null,
          value: null,
          headers: [],
        }));
        ws.send(JSON.stringify({ type: 'records', sub: msg.sub, records, cursor: 'c3' }));
        return true;
      },
    });
    consumer = new Consumer({ baseUrl: fake.url, topic: 't', credit: 2 });
    await expect(consumer.next()).rejects.toThrow('more records than the 2 credited');
  });
});
