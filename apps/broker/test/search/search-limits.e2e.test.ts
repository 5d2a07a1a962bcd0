import { admin, as, basic, call, createUser, eventually, startSecureBroker, withAcls } from '../support/acl-helpers';
import type { BrokerProcess } from '../support/broker-process';
import { doneOf, fill, matchesOf, openSearch, search } from './search-helpers';

/**
 * Search limits and authorization against a real broker with auth on: one search at a time
 * (RUNNEL_SEARCH_CONCURRENCY=1) and a search rate of 64 KiB/s, so scanning the ~2 MB topic
 * `slow` would take about half a minute; READ on the topic is required.
 */
const ADMIN = { authorization: basic(admin) };
const NEVER = { value: { contains: 'no record holds this' } };

describe('search limits and authorization (e2e, auth on)', () => {
  let broker: BrokerProcess;

  beforeAll(async () => {
    broker = await startSecureBroker({ RUNNEL_SEARCH_CONCURRENCY: '1', RUNNEL_SEARCH_BYTES_PER_SEC: String(64 * 1024) });
    try {
      for (const topic of ['slow', 'small']) {
        const created = await call(broker, admin, 'POST', '/v3/clusters/-/topics', { topic_name: topic, partitions_count: 1 });
        expect(created.status).toBe(201);
      }
      await fill(
        broker,
        'slow',
        0,
        20_000,
        (i) => ({ key: null, value: Buffer.from(`record ${i} `.padEnd(100, '.')), headers: [], timestamp: Date.now() }),
        ADMIN,
        200, // batches of ~22 KB, as producers send them
      );
      await fill(
        broker,
        'small',
        0,
        10,
        (i) => ({ key: `k${i}`, value: Buffer.from(`small ${i}`), headers: [], timestamp: Date.now() }),
        ADMIN,
      );
      await createUser(broker, 'alice');
    } catch (error) {
      await broker.stop();
      throw error;
    }
  }, 60_000);

  afterAll(async () => {
    await broker?.stop();
  });

  it('needs READ on the topic: 40301 without it, whether the topic exists or not', async () => {
    const alice = { authorization: basic(as('alice')) };
    for (const topic of ['small', 'does-not-exist']) {
      const denied = await search(broker, topic, { filter: NEVER }, alice);
      expect(denied.status).toBe(403);
      expect(denied.error.error_code).toBe(40301);
      const estimate = await call(broker, as('alice'), 'GET', `/v3/clusters/-/topics/${topic}/records:estimate`);
      expect(estimate.status).toBe(403);
      expect(estimate.body.error_code).toBe(40301);
    }
    const anonymous = await search(broker, 'small', { filter: NEVER });
    expect(anonymous.status).toBe(401);

    const read = [
      {
        resource_type: 'TOPIC' as const,
        resource_name: 'small',
        pattern_type: 'LITERAL' as const,
        principal: 'User:alice',
        operation: 'READ',
        permission: 'ALLOW' as const,
      },
    ];
    await withAcls(broker, read, async () => {
      const allowed = await search(broker, 'small', { filter: { key: { equals: 'k7' } }, format: 'string' }, alice);
      expect(allowed.status).toBe(200);
      expect(matchesOf(allowed.lines).map((m) => m.record.value)).toEqual([{ type: 'STRING', data: 'small 7' }]);
      expect(doneOf(allowed.lines)).toMatchObject({ reason: 'end', matches: 1, records_scanned: 10 });
      const estimate = await call(broker, as('alice'), 'GET', '/v3/clusters/-/topics/small/records:estimate');
      expect(estimate.status).toBe(200);
      expect(estimate.body.records).toBe(10);
    });
  });

  it('refuses a search beyond RUNNEL_SEARCH_CONCURRENCY with 429, and a client that hangs up frees its slot at once', async () => {
    const running = await openSearch(broker, 'slow', { filter: NEVER }, ADMIN);
    try {
      expect(running.status).toBe(200);
      const estimate = await running.next();
      expect(estimate).toMatchObject({ type: 'estimate', records: 20_000 });
      // The bounded reader paces the scan: progress arrives while it is far from done.
      const progress = await running.next();
      expect(progress).toMatchObject({ type: 'progress', partitions_done: 0, partitions_total: 1 });
      expect(progress!.percent).toBeLessThan(100);

      const refused = await search(broker, 'small', { filter: NEVER }, ADMIN);
      expect(refused.status).toBe(429);
      expect(refused.error.error_code).toBe(42901);
      expect(refused.error.message).toContain('RUNNEL_SEARCH_CONCURRENCY');
      expect(refused.headers.get('retry-after')).toBe('1');
    } finally {
      running.abort();
    }
    // Scanning the rest of `slow` would take ~30 s at 64 KiB/s: being served well before that
    // means the hang-up stopped the scan and freed the slot.
    let served: Awaited<ReturnType<typeof search>> | undefined;
    await eventually(
      async () => {
        served = await search(broker, 'small', { filter: { key: { equals: 'k1' } } }, ADMIN);
        return served.status !== 429;
      },
      10_000,
      'a search after the hang-up to be accepted',
    );
    expect(served!.status).toBe(200);
    expect(matchesOf(served!.lines)).toHaveLength(1);
    const metrics = await call(broker, admin, 'GET', '/metrics');
    expect(metrics.text).toMatch(/^runnel_search_running 0$/m);
    expect(metrics.text).toMatch(/^runnel_search_refused_total [1-9]/m);
    expect(metrics.text).toMatch(/^runnel_search_scanned_bytes_total [1-9]/m);
  });

  it("counts scanned bytes against the caller's consumer_byte_rate quota", async () => {
    const quota = await call(broker, admin, 'POST', '/v3/clusters/-/quotas', { entity: { user: 'alice' }, consumer_byte_rate: 4096 });
    expect(quota.status).toBe(200);
    const read = [
      {
        resource_type: 'TOPIC' as const,
        resource_name: 'slow',
        pattern_type: 'LITERAL' as const,
        principal: 'User:alice',
        operation: 'READ',
        permission: 'ALLOW' as const,
      },
    ];
    await withAcls(broker, read, async () => {
      const answer = await search(broker, 'slow', { filter: NEVER, budget: { max_ms: 3000 } }, { authorization: basic(as('alice')) });
      const done = doneOf(answer.lines);
      expect(done.reason).toBe('budget_time');
      // 64 KiB/s of search rate would scan ~200 KB in 3 s; 4 KiB/s of quota holds it to the
      // first reads and what the quota window allows (an upper bound: a slow machine scans less).
      expect(done.bytes_scanned).toBeLessThan(100_000);
      expect(done.bytes_scanned).toBeGreaterThan(0);
    });
  });

  it('ends with an error line when the topic is deleted under the scan', async () => {
    const created = await call(broker, admin, 'POST', '/v3/clusters/-/topics', { topic_name: 'doomed', partitions_count: 1 });
    expect(created.status).toBe(201);
    await fill(
      broker,
      'doomed',
      0,
      5000,
      (i) => ({ key: null, value: Buffer.from(`r${i}`.padEnd(100, '.')), headers: [], timestamp: Date.now() }),
      ADMIN,
      200,
    );
    const running = await openSearch(broker, 'doomed', { filter: NEVER }, ADMIN);
    try {
      expect((await running.next())!.type).toBe('estimate');
      expect((await call(broker, admin, 'DELETE', '/v3/clusters/-/topics/doomed')).status).toBe(204);
      let last;
      for (let line = await running.next(); line !== undefined; line = await running.next()) last = line;
      expect(last).toEqual({ type: 'error', error_code: expect.any(Number), message: expect.any(String) });
      expect([40403, 50003]).toContain(last!.error_code);
    } finally {
      running.abort();
    }
  });
});
