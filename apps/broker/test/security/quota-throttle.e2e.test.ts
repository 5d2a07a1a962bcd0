import { encodeRecordBatch } from '@runnel/protocol';
import { BrokerProcess, startBroker } from '../support/broker-process';
import { jsonCall } from '../support/json-call';
import { createTopicOn, produceStrings } from '../support/topic-helpers';

/**
 * Quotas as a client observes them on a real broker, with authentication off: Kafka applies
 * client-id quotas without authentication, and so does Runnel (the user is ANONYMOUS).
 */
const RAW = 'application/vnd.kafka.record-batch';
const THROTTLE = 'x-runnel-throttle-time-ms';

function batchOf(values: number, valueBytes: number): Buffer {
  const value = Buffer.alloc(valueBytes, 'v');
  return encodeRecordBatch({ records: Array.from({ length: values }, () => ({ timestamp: Date.now(), key: null, value, headers: [] })) });
}

async function setQuota(broker: BrokerProcess, body: unknown): Promise<void> {
  const answer = await jsonCall('POST', `${broker.baseUrl}/v3/clusters/-/quotas`, body);
  expect(answer.status).toBe(200);
}

async function fill(broker: BrokerProcess, topic: string, batches: number, valuesPerBatch: number): Promise<void> {
  const values = Array.from({ length: valuesPerBatch }, () => 'x'.repeat(1000));
  for (let i = 0; i < batches; i++) await produceStrings(broker, topic, 0, values);
}

/** A greedy client: `step` runs back to back for `warmUpMs + measureMs`; answers the bytes acknowledged in the measured span, per second. */
async function measure(step: () => Promise<number>, warmUpMs: number, measureMs: number): Promise<number> {
  const start = Date.now();
  let bytes = 0;
  while (Date.now() < start + warmUpMs + measureMs) {
    const acknowledged = await step();
    const at = Date.now();
    if (at > start + warmUpMs && at <= start + warmUpMs + measureMs) bytes += acknowledged;
  }
  return bytes / (measureMs / 1000);
}

describe('quota conformance: a greedy client over 10 s stays within 10 % of its quota', () => {
  let broker: BrokerProcess | undefined;
  const QUOTA = 200_000;

  beforeAll(async () => {
    // 11 samples of 100 ms: the measured window is about a second, so 10 s see the steady state.
    broker = await startBroker({ env: { RUNNEL_QUOTA_WINDOW_SIZE_MS: '100', RUNNEL_QUOTA_WINDOW_NUM: '11' } });
  });

  afterAll(async () => {
    await broker?.stop();
  });

  it('a producer at 200 KB/s producing as fast as it can', async () => {
    await createTopicOn(broker!, 'conform-produce');
    await setQuota(broker!, { entity: { client_id: 'fast-producer' }, producer_byte_rate: QUOTA });
    const body = batchOf(8, 1000);
    let throttled = 0;
    const rate = await measure(
      async () => {
        const response = await fetch(
          `${broker!.baseUrl}/v3/clusters/-/topics/conform-produce/partitions/0/batches?client_id=fast-producer`,
          {
            method: 'POST',
            headers: { 'content-type': RAW },
            body,
          },
        );
        await response.arrayBuffer();
        expect(response.status).toBe(200);
        if (Number(response.headers.get(THROTTLE)) > 0) throttled++;
        return body.length;
      },
      2000,
      10_000,
    );
    expect(throttled).toBeGreaterThan(0);
    expect(rate).toBeGreaterThan(QUOTA * 0.9);
    expect(rate).toBeLessThan(QUOTA * 1.1);
    const effective = await jsonCall('GET', `${broker!.baseUrl}/v3/clusters/-/quotas/effective?client_id=fast-producer`);
    expect(effective.body.quotas.producer_byte_rate).toMatchObject({ entity: { client_id: 'fast-producer' }, limit: QUOTA });
    expect(effective.body.quotas.producer_byte_rate.rate).toBeGreaterThan(0);
  }, 60_000);

  it('a consumer at 200 KB/s reading raw batches as fast as it can', async () => {
    await createTopicOn(broker!, 'conform-consume');
    await fill(broker!, 'conform-consume', 450, 8); // ~3.6 MB: more than 12 s at the quota
    await setQuota(broker!, { entity: { client_id: 'fast-reader' }, consumer_byte_rate: QUOTA });
    let offset = 0;
    let throttled = 0;
    const rate = await measure(
      async () => {
        const response = await fetch(
          `${broker!.baseUrl}/v3/clusters/-/topics/conform-consume/partitions/0/records?offset=${offset}&max_bytes=8192`,
          { headers: { accept: RAW, 'x-client-id': 'fast-reader' } },
        );
        const bytes = Buffer.from(await response.arrayBuffer());
        expect(response.status).toBe(200);
        expect(bytes.length).toBeGreaterThan(0); // never reads past the end: the data outlasts the test
        offset = Number(response.headers.get('x-runnel-next-offset'));
        if (Number(response.headers.get(THROTTLE)) > 0) throttled++;
        return bytes.length;
      },
      2000,
      10_000,
    );
    expect(throttled).toBeGreaterThan(0);
    expect(rate).toBeGreaterThan(QUOTA * 0.9);
    expect(rate).toBeLessThan(QUOTA * 1.1);
  }, 90_000);
});

describe('quota enforcement at the HTTP edge', () => {
  let broker: BrokerProcess | undefined;
  let base = '';

  beforeAll(async () => {
    // Kafka's default windows (11 x 1 s); a delay over 2 s answers 429.
    broker = await startBroker({ env: { RUNNEL_QUOTA_MAX_DELAY_MS: '2000' } });
    base = `${broker.baseUrl}/v3/clusters/-`;
  });

  afterAll(async () => {
    await broker?.stop();
  });

  /** A v3 JSON produce body of exactly `bytes` bytes. */
  function recordOfBytes(bytes: number): string {
    const empty = JSON.stringify({ value: { type: 'STRING', data: '' } });
    return JSON.stringify({ value: { type: 'STRING', data: 'd'.repeat(bytes - empty.length) } });
  }

  it('serves a produce over the quota, then delays it, saying by how much; past the bound answers 429 with Retry-After before the work', async () => {
    await createTopicOn(broker!, 'bounded');
    await setQuota(broker!, { entity: { client_id: 'p1' }, producer_byte_rate: 1000 });
    // 11 500 bytes over the 10 s minimum window: 1150 B/s, 15 % over → 1.5 s (within the 2 s bound).
    const body = recordOfBytes(11_500);
    expect(Buffer.byteLength(body)).toBe(11_500);
    const served = await fetch(`${base}/topics/bounded/records?client_id=p1`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
    });
    expect(served.status).toBe(200);
    expect(((await served.json()) as { error_code: number }).error_code).toBe(200);
    const delayMs = Number(served.headers.get(THROTTLE));
    expect(delayMs).toBeGreaterThanOrEqual(1000);
    expect(delayMs).toBeLessThanOrEqual(2000);

    // 3000 bytes more would owe over 3 s: refused, and nothing is appended. The client id may come as a header.
    const refused = await fetch(`${base}/topics/bounded/records`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-client-id': 'p1' },
      body: recordOfBytes(3000),
    });
    expect(refused.status).toBe(429);
    expect(await refused.json()).toEqual({
      error_code: 42901,
      message: expect.stringMatching(/User:ANONYMOUS \(client id 'p1'\) is over its quota/),
    });
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(Number(refused.headers.get(THROTTLE))).toBeGreaterThan(0);
    const read = await jsonCall('GET', `${base}/topics/bounded/partitions/0/records?offset=0`);
    expect(read.body.data).toHaveLength(1);

    // The quota is per client id: another client (and one with none) is not throttled, and gets no header.
    const other = await fetch(`${base}/topics/bounded/records?client_id=p2`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: recordOfBytes(1000),
    });
    expect(other.status).toBe(200);
    expect(other.headers.get(THROTTLE)).toBeNull();
    // The admin API shows who is throttled right now.
    const effective = await jsonCall('GET', `${base}/quotas/effective?client_id=p1`);
    expect(effective.body.throttle_time_ms).toBeGreaterThan(0);
    expect(effective.body.quotas.producer_byte_rate).toMatchObject({ entity: { client_id: 'p1' }, limit: 1000 });
    expect(effective.body.quotas.producer_byte_rate.rate).toBeGreaterThan(1000);
    const metrics = await (await fetch(`${broker!.baseUrl}/metrics`)).text();
    expect(metrics).toMatch(/^runnel_quota_delayed_answers_total [1-9]\d*$/m);
    expect(metrics).toMatch(/^runnel_quota_refused_requests_total [1-9]\d*$/m);
    expect(metrics).toMatch(/^runnel_quota_sensors [1-9]\d*$/m);
  });

  it('serves a request larger than the quota allows when the client owes nothing, delaying it by the bound at most', async () => {
    await createTopicOn(broker!, 'large');
    await setQuota(broker!, { entity: { client_id: 'big' }, producer_byte_rate: 1000 });
    // 30 000 bytes: a 20 s throttle by Kafka's formula, bounded by the window (11 s), then by the 2 s bound.
    const served = await fetch(`${base}/topics/large/records?client_id=big`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: recordOfBytes(30_000),
    });
    expect(served.status).toBe(200);
    expect(served.headers.get(THROTTLE)).toBe('2000');
    const next = await fetch(`${base}/topics/large/records?client_id=big`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: recordOfBytes(100),
    });
    expect(next.status).toBe(429);
  });

  it('applies a /clients/<default> quota to every client id on its own, and never to /health', async () => {
    await createTopicOn(broker!, 'defaults');
    await setQuota(broker!, { entity: { client_id: null }, producer_byte_rate: 1_000_000 });
    for (const client of ['a', 'b']) {
      const answer = await fetch(`${base}/topics/defaults/records?client_id=${client}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: recordOfBytes(100),
      });
      expect(answer.status).toBe(200);
      expect(answer.headers.get(THROTTLE)).toBe('0');
    }
    const effective = await jsonCall('GET', `${base}/quotas/effective?client_id=b`);
    expect(effective.body.quotas.producer_byte_rate).toMatchObject({ entity: { client_id: null }, limit: 1_000_000 });
    const health = await fetch(`${broker!.baseUrl}/health/live?client_id=a`);
    expect(health.status).toBe(200);
    expect(health.headers.get(THROTTLE)).toBeNull();
    expect((await jsonCall('DELETE', `${base}/quotas?client_id=<default>`)).status).toBe(200);
  });

  it('bounds what one read may return by the quota over its window', async () => {
    await createTopicOn(broker!, 'capped');
    await fill(broker!, 'capped', 40, 4); // 40 batches of ~4 KB
    await setQuota(broker!, { entity: { client_id: 'small-reader' }, consumer_byte_rate: 1000 }); // 10 000 bytes per 10 s window
    const free = await fetch(`${base}/topics/capped/partitions/0/records?offset=0`, { headers: { accept: RAW } });
    const capped = await fetch(`${base}/topics/capped/partitions/0/records?offset=0&client_id=small-reader`, { headers: { accept: RAW } });
    const freeBytes = (await free.arrayBuffer()).byteLength;
    const cappedBytes = (await capped.arrayBuffer()).byteLength;
    expect(freeBytes).toBeGreaterThan(100_000);
    expect(cappedBytes).toBeGreaterThan(0);
    expect(cappedBytes).toBeLessThanOrEqual(10_000 + 4200); // the window's bytes, and at most the batch that crosses it
    expect(capped.headers.get(THROTTLE)).not.toBeNull();
  });

  it("answers a throttled consumer's long poll at once with what there is", async () => {
    await createTopicOn(broker!, 'long-poll');
    await fill(broker!, 'long-poll', 300, 4); // ~1.2 MB
    await setQuota(broker!, { entity: { client_id: 'poller' }, consumer_byte_rate: 100_000 }); // 1 MB per 10 s window
    let offset = 0;
    let highWatermark = 0;
    for (let reads = 0; ; reads++) {
      expect(reads).toBeLessThan(40);
      const response = await fetch(`${base}/topics/long-poll/partitions/0/records?offset=${offset}&max_bytes=65536&client_id=poller`, {
        headers: { accept: RAW },
      });
      await response.arrayBuffer();
      offset = Number(response.headers.get('x-runnel-next-offset'));
      highWatermark = Number(response.headers.get('x-runnel-high-watermark'));
      const effective = await jsonCall('GET', `${base}/quotas/effective?client_id=poller`);
      if (effective.body.quotas.consumer_byte_rate.throttle_time_ms > 0) break;
    }
    // At the end of the partition a 30 s long poll would wait; throttled, it answers at once (the abort is a generous bound).
    const poll = await fetch(`${base}/topics/long-poll/partitions/0/records?offset=${highWatermark}&timeout_ms=30000&client_id=poller`, {
      signal: AbortSignal.timeout(15_000),
    });
    expect(poll.status).toBe(200);
    expect(((await poll.json()) as { data: unknown[] }).data).toEqual([]);
  }, 60_000);
});
