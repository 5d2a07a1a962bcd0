import { WebSocket } from 'ws';
import { BrokerProcess, startBroker } from '../support/broker-process';
import { createTopicOn, produceStrings } from '../support/topic-helpers';
import { WsClient } from './ws-client';

/**
 * Memory for clients that do not read is bounded (real broker process, real sockets): a socket
 * paused by its client gets records only up to the per-connection bound, the broker-wide buffered
 * bytes gauge never passes the total cap, and the non-reader is closed 1008 "slow consumer: …"
 * once it has read nothing for the slow-consumer timeout — even though it keeps sending frames —
 * while a normal reader on the same topic gets every record.
 */
const PER_CONNECTION = 256 * 1024;
const TOTAL = 4 * 1024 * 1024;
const ENV = {
  RUNNEL_MAX_BUFFERED_BYTES_PER_CONNECTION: String(PER_CONNECTION),
  RUNNEL_MAX_BUFFERED_BYTES_TOTAL: String(TOTAL),
  RUNNEL_SLOW_CONSUMER_TIMEOUT_MS: '2000',
};
const VALUE = 'x'.repeat(8 * 1024);
const BATCHES = 15;
const PER_BATCH = 100; // 15 x 100 x 8 KiB = 12 MiB: far more than the kernel's socket buffers hold

async function metrics(broker: BrokerProcess): Promise<Record<string, number>> {
  const text = await (await fetch(`${broker.baseUrl}/metrics`)).text();
  const values: Record<string, number> = {};
  for (const match of text.matchAll(/^(runnel_outbound_\w+|runnel_slow_consumer_\w+) (\S+)$/gm)) values[match[1]] = Number(match[2]);
  return values;
}

/** A subscriber whose client stops reading its socket right after `subscribed`. */
async function nonReader(
  broker: BrokerProcess,
  topic: string,
): Promise<{ socket: WebSocket; closed: Promise<{ code: number; reason: string }> }> {
  const socket = new WebSocket(`${broker.baseUrl.replace(/^http/, 'ws')}/v3/ws`);
  socket.on('error', () => undefined);
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    socket.once('close', (code, reason) => resolve({ code, reason: reason.toString() })),
  );
  await new Promise((resolve, reject) => {
    socket.once('open', resolve);
    socket.once('error', reject);
  });
  socket.send(JSON.stringify({ type: 'subscribe', sub: 's', topic, from: 'earliest', credit: 100_000 }));
  await new Promise<void>((resolve) => socket.once('message', () => resolve()));
  (socket as unknown as { _socket: { pause(): void } })._socket.pause();
  return { socket, closed };
}

describe('broker process: WebSocket slow consumers', () => {
  let broker: BrokerProcess | undefined;
  const cleanup: (() => void)[] = [];
  afterEach(async () => {
    for (const c of cleanup.splice(0)) c();
    await broker?.stop('SIGKILL');
    broker = undefined;
  });

  it('bounds what a non-reading subscriber costs, closes it 1008, and a reader still gets everything', async () => {
    broker = await startBroker({ env: ENV });
    await createTopicOn(broker, 'big', 1);
    const slow = await nonReader(broker, 'big');
    cleanup.push(() => slow.socket.terminate());
    // It keeps sending frames (each answered with an error frame it never reads): not "idle".
    const chatter = setInterval(() => slow.socket.send(JSON.stringify({ type: 'unsubscribe', sub: 'nope' })), 300);
    cleanup.push(() => clearInterval(chatter));
    const reader = await WsClient.open(broker.baseUrl);
    cleanup.push(() => reader.close());
    reader.send({ type: 'subscribe', sub: 'r', topic: 'big', from: 'earliest', credit: 100_000, format: 'string' });
    await reader.next('subscribed', 1, 'r');

    for (let b = 0; b < BATCHES; b++)
      await produceStrings(
        broker,
        'big',
        0,
        Array.from({ length: PER_BATCH }, () => VALUE),
      );

    const seen: number[] = [];
    let last: Record<string, number> = {};
    const deadline = Date.now() + 40_000;
    for (;;) {
      last = await metrics(broker);
      seen.push(last.runnel_outbound_buffered_bytes);
      if (last.runnel_slow_consumer_closes_total >= 1) break;
      if (Date.now() > deadline) throw new Error(`no slow-consumer close; metrics ${JSON.stringify(last)}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(Math.max(...seen)).toBeLessThanOrEqual(TOTAL);
    expect(last.runnel_outbound_buffered_bytes_peak).toBeLessThanOrEqual(TOTAL);

    // The client reads again: what was queued, then the close frame with the code and the reason.
    (slow.socket as unknown as { _socket: { resume(): void } })._socket.resume();
    const { code, reason } = await slow.closed;
    expect(code).toBe(1008);
    expect(reason).toMatch(/^slow consumer: /);

    await reader.untilRecords('r', BATCHES * PER_BATCH);
    const offsets = reader.records('r').map((r) => r.offset);
    expect(offsets).toEqual(Array.from({ length: BATCHES * PER_BATCH }, (_, i) => i));
    expect(reader.closeCode).toBeUndefined();
  }, 60_000);
  it('when the broker-wide budget is spent, closes the laggards holding the most, and a reader still gets everything', async () => {
    // Slow-consumer timeout far beyond the test: every close here comes from the total cap.
    broker = await startBroker({
      env: {
        RUNNEL_MAX_BUFFERED_BYTES_PER_CONNECTION: String(1024 * 1024),
        RUNNEL_MAX_BUFFERED_BYTES_TOTAL: String(2 * 1024 * 1024),
        RUNNEL_SLOW_CONSUMER_TIMEOUT_MS: '600000',
      },
    });
    await createTopicOn(broker, 'big', 1);
    const laggards = [];
    for (let i = 0; i < 4; i++) {
      const laggard = await nonReader(broker, 'big');
      cleanup.push(() => laggard.socket.terminate());
      laggards.push(laggard);
    }
    const reader = await WsClient.open(broker.baseUrl);
    cleanup.push(() => reader.close());
    reader.send({ type: 'subscribe', sub: 'r', topic: 'big', from: 'earliest', credit: 100_000, format: 'string' });
    await reader.next('subscribed', 1, 'r');
    for (let b = 0; b < BATCHES; b++)
      await produceStrings(
        broker,
        'big',
        0,
        Array.from({ length: PER_BATCH }, () => VALUE),
      );

    const deadline = Date.now() + 40_000;
    while ((await metrics(broker)).runnel_slow_consumer_closes_total < 1) {
      if (Date.now() > deadline) throw new Error('no laggard was closed');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    // The closed laggards read again: what was queued, then the close frame naming the budget.
    for (const laggard of laggards) (laggard.socket as unknown as { _socket: { resume(): void } })._socket.resume();
    const closes = await Promise.all(
      laggards.map(async (l) => Promise.race([l.closed, new Promise<null>((r) => setTimeout(() => r(null), 3000))])),
    );
    const slow = closes.filter((c) => c !== null && c.code === 1008);
    expect(slow.length).toBeGreaterThanOrEqual(1);
    for (const c of slow)
      expect(c!.reason).toMatch(/^slow consumer: \d+ unsent bytes while the broker's 2097152-byte outbound budget is spent/);

    await reader.untilRecords('r', BATCHES * PER_BATCH);
    expect(reader.records('r').map((r) => r.offset)).toEqual(Array.from({ length: BATCHES * PER_BATCH }, (_, i) => i));
    // The cap stops new frames; frames being built when it was reached still go out: at most one
    // (about 350 KiB here) per connection over it.
    expect((await metrics(broker)).runnel_outbound_buffered_bytes_peak).toBeLessThanOrEqual(2 * 1024 * 1024 + 5 * 512 * 1024);
  }, 90_000);
});
