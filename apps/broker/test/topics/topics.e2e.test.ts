import { BrokerProcess, makeDataDir, startBroker } from '../support/broker-process';
import { jsonCall } from '../support/json-call';

describe('topics API (real broker process)', () => {
  let broker: BrokerProcess | undefined;
  afterEach(async () => {
    await broker?.stop();
    broker = undefined;
  });

  const json = jsonCall;

  it('creates, lists, describes, alters and deletes topics; survives a restart', async () => {
    const dataDir = makeDataDir();
    broker = await startBroker({ dataDir });
    const base = `${broker.baseUrl}/v3/clusters`;
    const clusters = await json('GET', base);
    expect(clusters.status).toBe(200);
    const cid = clusters.body.data[0].cluster_id as string;

    const created = await json('POST', `${base}/${cid}/topics`, {
      topic_name: 'orders',
      partitions_count: 3,
      configs: [{ name: 'retention.ms', value: '3600000' }],
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      kind: 'KafkaTopic',
      topic_name: 'orders',
      partitions_count: 3,
      replication_factor: 1,
      is_internal: false,
    });

    const duplicate = await json('POST', `${base}/-/topics`, { topic_name: 'orders' });
    expect(duplicate).toMatchObject({ status: 400, body: { error_code: 40002 } });

    await json('POST', `${base}/-/topics`, { topic_name: 'a.b_c-1' });
    const list = await json('GET', `${base}/-/topics?include_internal=false`);
    expect(list.body.data.map((t: { topic_name: string }) => t.topic_name)).toEqual(['a.b_c-1', 'orders']);

    const page1 = await json('GET', `${base}/-/topics?limit=1&include_internal=false`);
    expect(page1.body.data).toHaveLength(1);
    expect(page1.body.metadata.next).toContain('page_token=');
    const page2 = await json('GET', page1.body.metadata.next);
    expect(page2.body.data.map((t: { topic_name: string }) => t.topic_name)).toEqual(['orders']);
    expect(page2.body.metadata.next).toBeNull();

    const partitions = await json('GET', `${base}/-/topics/orders/partitions`);
    expect(partitions.body.data).toHaveLength(3);
    expect(partitions.body.data[2]).toMatchObject({
      partition_id: 2,
      leader: { related: `${base}/${cid}/topics/orders/partitions/2/replicas/0` },
      replicas: { related: `${base}/${cid}/topics/orders/partitions/2/replicas` },
      earliest_offset: 0,
      high_watermark: 0,
    });

    const altered = await json('POST', `${base}/-/topics/orders/configs:alter`, {
      data: [
        { name: 'cleanup.policy', value: 'compact' },
        { name: 'retention.ms', operation: 'DELETE' },
      ],
    });
    expect(altered.status).toBe(204);
    const configs = await json('GET', `${base}/-/topics/orders/configs`);
    const byName = Object.fromEntries(configs.body.data.map((c: { name: string }) => [c.name, c]));
    expect(byName['cleanup.policy']).toMatchObject({ value: 'compact', is_default: false });
    expect(byName['retention.ms']).toMatchObject({ is_default: true });

    // Restart on the same data dir: topics, configs and the cluster id are still there.
    expect(await broker.stop()).toBe(0);
    broker = await startBroker({ dataDir });
    const again = `${broker.baseUrl}/v3/clusters`;
    expect((await json('GET', again)).body.data[0].cluster_id).toBe(cid);
    expect((await json('GET', `${again}/-/topics/orders`)).body.partitions_count).toBe(3);
    const configsAfter = await json('GET', `${again}/-/topics/orders/configs`);
    expect(configsAfter.body.data.find((c: { name: string }) => c.name === 'cleanup.policy').value).toBe('compact');

    expect((await json('DELETE', `${again}/-/topics/orders`)).status).toBe(204);
    expect(await json('GET', `${again}/-/topics/orders`)).toMatchObject({ status: 404, body: { error_code: 40403 } });
  });

  it('pages through many topics in name order, created in any order, before and after a deletion', async () => {
    broker = await startBroker();
    const topics = `${broker.baseUrl}/v3/clusters/-/topics`;
    const names = Array.from({ length: 25 }, (_, i) => `t${String((i * 7) % 25).padStart(2, '0')}`);
    for (const name of names) expect((await json('POST', topics, { topic_name: name })).status).toBe(201);
    expect((await json('POST', topics, { topic_name: '__internal' })).body.error_code).toBe(40301);
    const walk = async (): Promise<string[]> => {
      const seen: string[] = [];
      let url: string | null = `${topics}?limit=10&include_internal=false`;
      while (url) {
        const page: { body: { data: { topic_name: string }[]; metadata: { next: string | null } } } = await json('GET', url);
        seen.push(...page.body.data.map((t) => t.topic_name));
        url = page.body.metadata.next;
      }
      return seen;
    };
    expect(await walk()).toEqual([...names].sort());
    expect((await json('DELETE', `${topics}/t12`)).status).toBe(204);
    expect(await walk()).toEqual([...names].sort().filter((n) => n !== 't12'));
    // Without limit: every topic in one answer, the internal ones included, as Confluent lists them.
    const all = await json('GET', topics);
    expect(all.body.data[0]).toMatchObject({ topic_name: '__consumer_offsets', is_internal: true });
    expect(all.body.data.filter((t: { is_internal: boolean }) => !t.is_internal)).toHaveLength(names.length - 1);
    expect(all.body.metadata.next).toBeNull();
  });

  it('answers bad topic requests with API.md error codes and keeps serving', async () => {
    broker = await startBroker({ env: { RUNNEL_MAX_PARTITIONS: '8' } });
    const topics = `${broker.baseUrl}/v3/clusters/-/topics`;
    const cases: [unknown, number, number][] = [
      [{ topic_name: 'has space' }, 400, 40001],
      [{ topic_name: '..' }, 400, 40001],
      [{ topic_name: 'x'.repeat(250) }, 400, 40001],
      [{ topic_name: 'ok', partitions_count: 0 }, 400, 40002],
      [{ topic_name: 'ok', partitions_count: 'three' }, 400, 40001],
      [{ topic_name: 'ok', partitions_count: 9 }, 400, 40001],
      [{ topic_name: 'ok', replication_factor: 3 }, 400, 40002],
      [{ topic_name: 'ok', configs: [{ name: 'retention.ms', value: 'soon' }] }, 400, 40002],
      [{ topic_name: 'ok', configs: [{ name: 'no.such.config', value: '1' }] }, 400, 40002],
      [{ topic_name: 'ok', configs: [{ name: 'cleanup.policy', value: 'forever' }] }, 400, 40002],
      ['{not json', 400, 40001],
    ];
    for (const [body, status, code] of cases) {
      const response = await json('POST', topics, body);
      expect({ body, status: response.status, code: response.body.error_code }).toEqual({ body, status, code });
      expect(typeof response.body.message).toBe('string');
    }
    expect((await json('GET', `${topics}?include_internal=false`)).body.data).toEqual([]);
    expect(await json('GET', `${broker.baseUrl}/v3/clusters/nope/topics`)).toMatchObject({ status: 404 });
    expect(await json('GET', `${broker.baseUrl}/no/such/route`)).toMatchObject({ status: 404, body: { error_code: 404 } });
    expect((await json('POST', topics, { topic_name: 'ok', partitions_count: 8 })).status).toBe(201);
  });
});
