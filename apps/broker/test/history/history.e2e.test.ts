/* eslint-disable @typescript-eslint/no-explicit-any -- answers are read field by field */
import * as fs from 'node:fs';
import * as path from 'node:path';
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { encodeRecordBatch } from '@runnel/protocol';
import { readOpenApi } from '../docs/openapi-document';
import { eventually } from '../support/acl-helpers';
import { BrokerProcess, makeDataDir, startBroker } from '../support/broker-process';
import { Member } from '../groups/group-support';
import { jsonCall } from '../support/json-call';
import { createTopicOn, produceStrings } from '../support/topic-helpers';

/**
 * The console's list views and history against a real broker process (contracts §3):
 * topic-summaries and consumer-group-summaries (search, sort, filter, paging, bad parameters),
 * lag in time of a group behind records with known timestamps, a topic's stats and a group's lag
 * history, which survive a restart; an unreadable history file starts empty.
 */
const ENV = { RUNNEL_HISTORY_INTERVAL_MS: '200' };
const T0 = Date.now() - 3_600_000;

/** Appends records with the timestamps given (one batch) to partition `partition`. */
async function produceAt(broker: BrokerProcess, topic: string, partition: number, timestamps: number[]): Promise<void> {
  const batch = encodeRecordBatch({
    records: timestamps.map((timestamp, i) => ({ timestamp, key: null, value: Buffer.from(`v${i}`), headers: [] })),
  });
  const response = await fetch(`${broker.baseUrl}/v3/clusters/-/topics/${topic}/partitions/${partition}/batches`, {
    method: 'POST',
    headers: { 'content-type': 'application/vnd.kafka.record-batch' },
    body: batch,
  });
  expect(response.status).toBe(200);
}

async function resetGroup(broker: BrokerProcess, group: string, topic: string, to: unknown): Promise<void> {
  const answer = await jsonCall('POST', `${broker.baseUrl}/v3/clusters/-/consumer-groups/${group}/offsets:reset`, { topic, to });
  expect(answer.status).toBe(200);
}

const ajv = new Ajv2020({ strict: false, allErrors: true });
addFormats(ajv);
ajv.addSchema(readOpenApi(), 'openapi.json');

/** The answer matches its schema in docs/openapi.json (closed objects: no field undocumented). */
function expectSchema(schema: string, body: unknown): void {
  const validate = ajv.getSchema(`openapi.json#/components/schemas/${schema}`)!;
  expect(validate(body) ? [] : validate.errors).toEqual([]);
}

const get = (broker: BrokerProcess, route: string) => jsonCall('GET', `${broker.baseUrl}/v3/clusters/-${route}`);

/** Follows `next` from `route` (which has a `?`) and returns every page's names. */
async function walk(broker: BrokerProcess, route: string, nameOf: (row: any) => string): Promise<{ names: string[]; totals: number[] }> {
  const names: string[] = [];
  const totals: number[] = [];
  let token: string | null = null;
  do {
    const answer = await get(broker, `${route}${token ? `&page_token=${token}` : ''}`);
    expect(answer.status).toBe(200);
    names.push(...answer.body.data.map(nameOf));
    totals.push(answer.body.total);
    token = answer.body.next;
  } while (token);
  return { names, totals };
}

describe('console list views and history (real broker process)', () => {
  let broker: BrokerProcess | undefined;
  const dataDir = makeDataDir();
  afterAll(async () => {
    await broker?.stop();
  });

  it('lists topic summaries searched, sorted and paged on the server', async () => {
    broker = await startBroker({ dataDir, env: ENV });
    await createTopicOn(broker, 'orders', 3);
    await createTopicOn(broker, 'Payments', 1);
    await createTopicOn(broker, 'order-audit', 2);
    await createTopicOn(broker, 'clicks', 1);
    await produceStrings(
      broker,
      'clicks',
      0,
      Array.from({ length: 50 }, (_, i) => `click-${i}-${'x'.repeat(100)}`),
    );
    await produceStrings(broker, 'orders', 1, ['a', 'b']);

    const first = await get(broker, '/topic-summaries');
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ kind: 'RunnelTopicSummaryList', total: 4, next: null });
    expectSchema('HistoryTopicSummaryList', first.body);
    expect(first.body.data.map((t: any) => t.topic_name)).toEqual(['Payments', 'clicks', 'order-audit', 'orders']);
    expect(first.body.data[3]).toMatchObject({
      topic_name: 'orders',
      is_internal: false,
      partitions_count: 3,
      replication_factor: 1,
      records: 2,
    });
    expect(first.body.data[3].size_bytes).toBeGreaterThan(0);
    expect(typeof first.body.data[3].produced_records_per_sec).toBe('number');

    const search = await get(broker, '/topic-summaries?search=ORDER');
    expect(search.body.data.map((t: any) => t.topic_name)).toEqual(['order-audit', 'orders']);
    expect(search.body.total).toBe(2);

    const byPartitions = await get(broker, '/topic-summaries?sort=partitions&order=desc');
    // Ties keep name order.
    expect(byPartitions.body.data.map((t: any) => t.topic_name)).toEqual(['orders', 'order-audit', 'Payments', 'clicks']);
    const bySize = await get(broker, '/topic-summaries?sort=size&order=desc&limit=1');
    expect(bySize.body.data.map((t: any) => t.topic_name)).toEqual(['clicks']);
    expect(bySize.body.total).toBe(4);

    const internal = await get(broker, '/topic-summaries?include_internal=true&search=consumer_offsets');
    expect(internal.body.data).toEqual([expect.objectContaining({ topic_name: '__consumer_offsets', is_internal: true })]);

    // Pages of 1 walk every topic once, in order, with the same total on each page.
    const paged = await walk(broker, '/topic-summaries?limit=1&order=desc', (t) => t.topic_name);
    expect(paged.names).toEqual(['orders', 'order-audit', 'clicks', 'Payments']);
    expect(paged.totals).toEqual([4, 4, 4, 4]);
    const pagedBySize = await walk(broker, '/topic-summaries?limit=3&sort=size', (t) => t.topic_name);
    expect([...pagedBySize.names].sort()).toEqual(['Payments', 'clicks', 'order-audit', 'orders']);
    expect(pagedBySize.names.at(-1)).toBe('clicks');

    // Throughput is the sampler's latest rate: the topic produced to most leads the list.
    await eventually(
      async () => {
        await produceStrings(
          broker!,
          'Payments',
          0,
          Array.from({ length: 20 }, (_, i) => `pay-${i}`),
        );
        const answer = await get(broker!, '/topic-summaries?sort=throughput&order=desc&limit=1');
        return answer.body.data[0]?.topic_name === 'Payments' && answer.body.data[0].produced_records_per_sec > 0;
      },
      20_000,
      'Payments to lead by throughput',
    );
  });

  it('answers 400/40001 for bad parameters and 404 for an unknown cluster', async () => {
    const bad = [
      '/topic-summaries?sort=bogus',
      '/topic-summaries?order=up',
      '/topic-summaries?limit=0',
      '/topic-summaries?limit=1001',
      '/topic-summaries?limit=1.5',
      '/topic-summaries?include_internal=yes',
      '/topic-summaries?page_token=%21%21',
      `/topic-summaries?page_token=${Buffer.from('{"q":"x","v":1,"n":"a"}').toString('base64url')}`,
      '/consumer-group-summaries?sort=size',
      '/consumer-group-summaries?state=SLEEPING',
      '/consumer-group-summaries?topic=no%20spaces',
      '/consumer-group-summaries?topic=..',
      `/consumer-group-summaries?topic=${'t'.repeat(250)}`,
      '/consumer-group-summaries?topic=a&topic=b',
      '/topics/orders/stats?since=yesterday',
      '/consumer-groups/g/lag-history?since=-5',
    ];
    for (const route of bad) {
      const answer = await get(broker!, route);
      expect({ route, status: answer.status, code: answer.body.error_code }).toEqual({ route, status: 400, code: 40001 });
      expect(typeof answer.body.message).toBe('string');
    }
    // A token of one sort is refused by another.
    const token = (await get(broker!, '/topic-summaries?limit=1')).body.next;
    expect((await get(broker!, `/topic-summaries?limit=1&sort=size&page_token=${token}`)).body.error_code).toBe(40001);
    const unknownCluster = await jsonCall('GET', `${broker!.baseUrl}/v3/clusters/nope/topic-summaries`);
    expect(unknownCluster.status).toBe(404);
    expect((await get(broker!, '/topics/missing/stats')).body).toMatchObject({ error_code: 40403 });
    expect((await get(broker!, '/consumer-groups/missing/lag-history')).body).toMatchObject({ error_code: 40404 });
  });

  it('measures a group behind records with known timestamps in offsets and in time', async () => {
    await createTopicOn(broker!, 'lagged', 2);
    // Partition 0: records 1 s apart; a group at offset 3 is 7 records and 6 s behind the newest.
    await produceAt(
      broker!,
      'lagged',
      0,
      Array.from({ length: 10 }, (_, i) => T0 + i * 1000),
    );
    // Partition 1: 4 records; the group at offset 1 is 3 records and 2.5 s behind.
    await produceAt(broker!, 'lagged', 1, [T0, T0 + 500, T0 + 1500, T0 + 3000]);
    const reset = await jsonCall('POST', `${broker!.baseUrl}/v3/clusters/-/consumer-groups/behind/offsets:reset`, {
      topic: 'lagged',
      partitions: [0],
      to: { offset: 3 },
    });
    expect(reset.status).toBe(200);
    const reset1 = await jsonCall('POST', `${broker!.baseUrl}/v3/clusters/-/consumer-groups/behind/offsets:reset`, {
      topic: 'lagged',
      partitions: [1],
      to: { offset: 1 },
    });
    expect(reset1.status).toBe(200);
    await resetGroup(broker!, 'caught-up', 'lagged', 'latest');
    await resetGroup(broker!, 'also-behind', 'lagged', 'earliest');

    const expected = [
      { consumer_group_id: 'also-behind', state: 'EMPTY', members: 0, topics: ['lagged'], total_lag: 14, lag_ms: 9000 },
      { consumer_group_id: 'behind', state: 'EMPTY', members: 0, topics: ['lagged'], total_lag: 10, lag_ms: 6000 },
      { consumer_group_id: 'caught-up', state: 'EMPTY', members: 0, topics: ['lagged'], total_lag: 0, lag_ms: 0 },
    ];
    // Lags are sampled: wait for a sample taken after every reset (one between the two resets of
    // `behind` sees only its partition 0).
    let summaries: any;
    await eventually(
      async () => {
        summaries = await get(broker!, '/consumer-group-summaries?sort=lag_time&order=desc');
        return JSON.stringify(summaries.body.data) === JSON.stringify(expected);
      },
      20_000,
      'lag in time to be sampled',
    );
    expect(summaries.body).toMatchObject({ kind: 'RunnelConsumerGroupSummaryList', total: 3, next: null });
    expectSchema('HistoryConsumerGroupSummaryList', summaries.body);
    expect(summaries.body.data).toEqual(expected);
    const byLag = await get(broker!, '/consumer-group-summaries?sort=lag&search=BEHIND');
    expect(byLag.body.data.map((g: any) => [g.consumer_group_id, g.total_lag])).toEqual([
      ['behind', 10],
      ['also-behind', 14],
    ]);
    expect((await get(broker!, '/consumer-group-summaries?state=stable')).body).toMatchObject({ data: [], total: 0 });
    const paged = await walk(broker!, '/consumer-group-summaries?limit=2&sort=lag&order=desc', (g) => g.consumer_group_id);
    expect(paged.names).toEqual(['also-behind', 'behind', 'caught-up']);

    const history = await get(broker!, '/consumer-groups/behind/lag-history');
    expect(history.status).toBe(200);
    expect(history.body).toMatchObject({ kind: 'RunnelGroupLagHistory', resolution_ms: 200, retention_ms: 86_400_000 });
    expectSchema('HistoryGroupLagHistory', history.body);
    expect(history.body.data.at(-1)).toMatchObject({
      total_lag: 10,
      lag_ms: 6000,
      partitions: [
        { topic_name: 'lagged', partition_id: 0, lag: 7, lag_ms: 6000 },
        { topic_name: 'lagged', partition_id: 1, lag: 3, lag_ms: 2500 },
      ],
    });
    const since = history.body.data.at(-1).timestamp;
    const recent = await get(broker!, `/consumer-groups/behind/lag-history?since=${since}`);
    expect(recent.body.data.every((p: any) => p.timestamp >= since)).toBe(true);
    expect(recent.body.data.length).toBeGreaterThanOrEqual(1);

    const stats = await get(broker!, '/topics/lagged/stats');
    expect(stats.body).toMatchObject({ kind: 'RunnelTopicStats', resolution_ms: 200, retention_ms: 86_400_000 });
    expectSchema('HistoryTopicStats', stats.body);
    expect(stats.body.data.at(-1)).toMatchObject({ records: 14 });
    expect(stats.body.data.at(-1).size_bytes).toBeGreaterThan(0);
    const timestamps = stats.body.data.map((p: any) => p.timestamp);
    expect(timestamps).toEqual([...timestamps].sort((a: number, b: number) => a - b));
  });

  it('lists the groups of one topic with their lag on it', async () => {
    // two-topics reads lagged from the start (14 behind, 9 s) and orders from the start (2 behind);
    // orders-only is caught up on orders. The groups of the test above read lagged only.
    await resetGroup(broker!, 'two-topics', 'lagged', 'earliest');
    await resetGroup(broker!, 'two-topics', 'orders', 'earliest');
    await resetGroup(broker!, 'orders-only', 'orders', 'latest');
    let lagged: any;
    await eventually(
      async () => {
        lagged = await get(broker!, '/consumer-group-summaries?topic=lagged&sort=lag_time&order=desc');
        const row = lagged.body.data.find((g: any) => g.consumer_group_id === 'two-topics');
        // A sample after all three resets: two-topics 9 s behind on lagged, 14 + 2 behind in all,
        // and orders-only sampled too.
        const ordersOnly = (await get(broker!, '/consumer-group-summaries?search=orders-only')).body.data[0];
        return row?.topic_lag_ms === 9000 && row.total_lag === 16 && ordersOnly?.total_lag === 0;
      },
      20_000,
      'the lag of two-topics to be sampled',
    );
    expect(lagged.status).toBe(200);
    expectSchema('HistoryConsumerGroupSummaryList', lagged.body);
    expect(lagged.body).toMatchObject({ total: 4, next: null });
    expect(lagged.body.data.map((g: any) => [g.consumer_group_id, g.topic_lag, g.topic_lag_ms])).toEqual([
      ['also-behind', 14, 9000],
      ['two-topics', 14, 9000],
      ['behind', 10, 6000],
      ['caught-up', 0, 0],
    ]);
    const twoTopics = lagged.body.data.find((g: any) => g.consumer_group_id === 'two-topics');
    expect(twoTopics).toMatchObject({ topics: ['lagged', 'orders'], total_lag: 16 });

    // On orders: only the groups that read it, sorted by their lag on orders.
    const orders = await get(broker!, '/consumer-group-summaries?topic=orders&sort=lag&order=desc');
    expectSchema('HistoryConsumerGroupSummaryList', orders.body);
    expect(orders.body).toMatchObject({ total: 2, next: null });
    expect(orders.body.data.map((g: any) => [g.consumer_group_id, g.topic_lag, g.total_lag])).toEqual([
      ['two-topics', 2, 16],
      ['orders-only', 0, 0],
    ]);

    // Combined with search, state and paging; the token belongs to its topic.
    const paged = await walk(
      broker!,
      '/consumer-group-summaries?topic=lagged&search=BEHIND&sort=lag&order=desc&limit=1',
      (g) => g.consumer_group_id,
    );
    expect(paged).toEqual({ names: ['also-behind', 'behind'], totals: [2, 2] });
    expect((await get(broker!, '/consumer-group-summaries?topic=lagged&state=empty&search=two')).body.data).toEqual([
      expect.objectContaining({ consumer_group_id: 'two-topics', topic_lag: 14 }),
    ]);
    const token = (await get(broker!, '/consumer-group-summaries?topic=lagged&limit=1')).body.next;
    expect(token).toEqual(expect.any(String));
    expect((await get(broker!, `/consumer-group-summaries?topic=orders&limit=1&page_token=${token}`)).body.error_code).toBe(40001);
    expect((await get(broker!, `/consumer-group-summaries?limit=1&page_token=${token}`)).body.error_code).toBe(40001);

    // The name is exact; a topic nobody reads (or that does not exist) lists nothing.
    for (const route of ['?topic=Lagged', '?topic=lag', '?topic=Payments', '?topic=missing']) {
      expect((await get(broker!, `/consumer-group-summaries${route}`)).body).toEqual({
        kind: 'RunnelConsumerGroupSummaryList',
        data: [],
        total: 0,
        next: null,
      });
    }
    // A member's assignment counts without a committed offset.
    const member = await Member.join(broker!, { group: 'live-reader', topics: ['clicks'], from: 'latest', auto_commit: false });
    try {
      await member.untilOwns(1);
      let clicks: any;
      await eventually(
        async () => {
          clicks = await get(broker!, '/consumer-group-summaries?topic=clicks');
          return clicks.body.data[0]?.state === 'STABLE';
        },
        20_000,
        'live-reader to be stable',
      );
      expect(clicks.body).toMatchObject({ total: 1, data: [{ consumer_group_id: 'live-reader', members: 1, topics: ['clicks'] }] });
      expect(clicks.body.data[0].topic_lag).toEqual(expect.any(Number));
    } finally {
      member.close();
    }

    // Without topic the rows carry no topic lag.
    expect((await get(broker!, '/consumer-group-summaries?search=two-topics')).body.data[0]).not.toHaveProperty('topic_lag');
  });

  it('keeps the history over a restart, and starts empty from an unreadable file', async () => {
    const before = await get(broker!, '/topics/lagged/stats');
    const oldest = before.body.data[0].timestamp;
    const lagBefore = await get(broker!, '/consumer-groups/behind/lag-history');
    await broker!.stop();
    broker = await startBroker({ dataDir, env: ENV });
    const after = await get(broker, '/topics/lagged/stats');
    expect(after.body.data[0].timestamp).toBe(oldest);
    expect(after.body.data.length).toBeGreaterThanOrEqual(before.body.data.length);
    const lagAfter = await get(broker, '/consumer-groups/behind/lag-history');
    expect(lagAfter.body.data.slice(0, lagBefore.body.data.length)).toEqual(lagBefore.body.data);
    // The list knows the lag from the restored history before the first new sample.
    const listed = (await get(broker, '/consumer-group-summaries?search=behind')).body.data;
    expect(listed.find((g: any) => g.consumer_group_id === 'behind')).toMatchObject({ total_lag: 10, lag_ms: 6000 });

    await broker.stop();
    fs.writeFileSync(path.join(dataDir, 'history.bin'), 'not a history file');
    broker = await startBroker({ dataDir, env: ENV });
    expect(broker.output()).toMatch(/history file .* is unreadable/);
    const fresh = await get(broker, '/topics/lagged/stats');
    expect(fresh.status).toBe(200);
    expect(fresh.body.data.every((p: any) => p.timestamp > oldest)).toBe(true);
  });
});
