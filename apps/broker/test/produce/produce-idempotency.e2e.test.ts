import { BrokerProcess, makeDataDir, startBroker } from '../support/broker-process';
import { createTopic, highWatermarks, post } from './helpers';

/**
 * Issue #8 item 4, against real broker processes: an Idempotency-Key is bound to its first
 * request (another request with it is 422 / 42202), and its answer survives a restart by
 * SIGKILL or SIGTERM: a retry after the restart returns the first answer and appends nothing.
 */
describe('Idempotency-Key across requests and restarts (e2e)', () => {
  let broker: BrokerProcess | undefined;
  afterEach(async () => {
    await broker?.stop('SIGKILL');
    broker = undefined;
  });

  const records = (topic: string, query = '') => `/v3/clusters/-/topics/${topic}/records${query}`;
  const keyed = (key: string, contentType = 'application/json') => ({ 'content-type': contentType, 'idempotency-key': key });

  it('refuses a reused key with a different body, acks or route (42202) and appends nothing', async () => {
    broker = await startBroker();
    await createTopic(broker, 'reuse', 1);
    const first = await post(broker, records('reuse'), '{"value":{"type":"STRING","data":"a"}}', keyed('k1'));
    expect(first.status).toBe(200);
    const others = [
      await post(broker, records('reuse'), '{"value":{"type":"STRING","data":"b"}}', keyed('k1')),
      await post(broker, records('reuse', '?acks=1'), '{"value":{"type":"STRING","data":"a"}}', keyed('k1')),
      await post(broker, records('reuse', ':batch'), '{"entries":[{"id":"1","value":{"type":"STRING","data":"a"}}]}', keyed('k1')),
    ];
    for (const res of others) {
      expect(res.status).toBe(422);
      const body = JSON.parse(res.text);
      expect(body.error_code).toBe(42202);
      expect(body.message).toMatch(/Idempotency-Key 'k1' was already used/);
    }
    const same = await post(broker, records('reuse'), '{"value":{"type":"STRING","data":"a"}}', keyed('k1'));
    expect([same.status, same.text, same.headers.get('idempotent-replayed')]).toEqual([200, first.text, 'true']);
    expect(await highWatermarks(broker, 'reuse')).toEqual([1]);
    const metrics = await (await fetch(`${broker.baseUrl}/metrics`)).text();
    expect(metrics).toMatch(/^runnel_idempotency_key_reused_total 3$/m);
    expect(metrics).toMatch(/^runnel_idempotency_keys 1$/m);
  }, 60_000);

  it('lets concurrent requests with one key append once and share the answer', async () => {
    broker = await startBroker();
    await createTopic(broker, 'race', 1);
    const b = broker;
    const answers = await Promise.all(
      Array.from({ length: 8 }, () =>
        post(b, records('race'), '{"value":{"type":"STRING","data":"once"}}\n{"value":null}\n', keyed('r', 'application/x-ndjson')),
      ),
    );
    expect(new Set(answers.map((a) => a.status))).toEqual(new Set([200]));
    expect(new Set(answers.map((a) => a.text)).size).toBe(1);
    expect(await highWatermarks(broker, 'race')).toEqual([2]);
  }, 60_000);

  for (const signal of ['SIGKILL', 'SIGTERM'] as const) {
    it(`keeps the key window across a ${signal} restart: the retry gets the first answer and appends nothing`, async () => {
      const dataDir = makeDataDir();
      broker = await startBroker({ dataDir });
      await createTopic(broker, 'survive', 2);
      const single = await post(broker, records('survive'), '{"partition_id":0,"value":{"type":"STRING","data":"a"}}', keyed('single'));
      const stream = await post(
        broker,
        records('survive'),
        '{"partition_id":1,"value":null}\n{"partition_id":1,"value":null}\n',
        keyed('stream', 'application/x-ndjson'),
      );
      const batch = await post(broker, records('survive', ':batch'), '{"entries":[{"id":"x","partition_id":0}]}', keyed('batch'));
      expect([single.status, stream.status, batch.status]).toEqual([200, 200, 207]);
      expect(await highWatermarks(broker, 'survive')).toEqual([2, 2]);
      await broker.stop(signal); // SIGKILL right after the answers: they were written before being sent

      broker = await startBroker({ dataDir });
      const retries = [
        await post(broker, records('survive'), '{"partition_id":0,"value":{"type":"STRING","data":"a"}}', keyed('single')),
        await post(
          broker,
          records('survive'),
          '{"partition_id":1,"value":null}\n{"partition_id":1,"value":null}\n',
          keyed('stream', 'application/x-ndjson'),
        ),
        await post(broker, records('survive', ':batch'), '{"entries":[{"id":"x","partition_id":0}]}', keyed('batch')),
      ];
      expect(retries.map((r) => r.text)).toEqual([single.text, stream.text, batch.text]);
      expect(retries.map((r) => r.status)).toEqual([200, 200, 207]);
      expect(retries.map((r) => r.headers.get('idempotent-replayed'))).toEqual(['true', 'true', 'true']);
      expect(await highWatermarks(broker, 'survive')).toEqual([2, 2]);
      // The key is still bound to its first request after the restart.
      const other = await post(broker, records('survive'), '{"partition_id":0}', keyed('single'));
      expect([other.status, JSON.parse(other.text).error_code]).toEqual([422, 42202]);
      // The internal topic is the broker's alone.
      const direct = await post(broker, records('__idempotency'), '{}');
      expect(direct.status).toBe(403);
    }, 90_000);
  }

  it('forgets a key once its window has passed, also across a restart', async () => {
    const dataDir = makeDataDir();
    const env = { RUNNEL_IDEMPOTENCY_WINDOW_MS: '1500' };
    broker = await startBroker({ dataDir, env });
    await createTopic(broker, 'window', 1);
    const sentAt = Date.now();
    expect((await post(broker, records('window'), '{}', keyed('w'))).status).toBe(200);
    await broker.stop('SIGKILL');
    // Waiting longer than the window is always safe, whatever the machine's speed.
    while (Date.now() < sentAt + 3000) await new Promise((r) => setTimeout(r, 200));
    broker = await startBroker({ dataDir, env });
    const retry = await post(broker, records('window'), '{}', keyed('w'));
    expect([retry.status, retry.headers.get('idempotent-replayed')]).toEqual([200, null]);
    expect(await highWatermarks(broker, 'window')).toEqual([2]);
  }, 90_000);
});
