import { BrokerProcess, makeDataDir, startBroker } from '../support/broker-process';
import { JsonAnswer, jsonCall } from '../support/json-call';

/**
 * Confluent REST v3 configs against a real broker process: topic configs (list, single
 * GET/PUT/DELETE, configs:alter with and without validate_only, /topics/-/configs), broker
 * configs (/brokers/{id}/configs, /brokers/-/configs) and cluster-wide dynamic broker configs
 * (/broker-configs), with Confluent's statuses and codes, and the dynamic ones after a restart.
 */
describe('configs API (real broker process)', () => {
  let broker: BrokerProcess | undefined;
  afterEach(async () => {
    await broker?.stop();
    broker = undefined;
  });

  type Answer = JsonAnswer;
  const call = jsonCall;
  const v3 = (b: BrokerProcess) => `${b.baseUrl}/v3/clusters/-`;
  const byName = (list: Answer): Record<string, any> => Object.fromEntries(list.body.data.map((c: any) => [c.name, c]));
  const expectError = (answer: Answer, status: number, errorCode: number, mentions?: string) => {
    expect(answer.status).toBe(status);
    expect(answer.body).toMatchObject({ error_code: errorCode, message: expect.any(String) });
    if (mentions) expect(answer.body.message).toContain(mentions);
  };

  it('topic configs: every Kafka name, single-config GET/PUT/DELETE, Kafka validation, dry runs that change nothing', async () => {
    broker = await startBroker();
    const base = v3(broker);
    const cid = (await call('GET', `${broker.baseUrl}/v3/clusters`)).body.data[0].cluster_id as string;
    expect((await call('POST', `${base}/topics`, { topic_name: 'orders' })).status).toBe(201);
    expect(
      (await call('POST', `${base}/topics`, { topic_name: 'audit', configs: [{ name: 'cleanup.policy', value: 'compact' }] })).status,
    ).toBe(201);

    const list = await call('GET', `${base}/topics/orders/configs`);
    expect(list.status).toBe(200);
    expect(list.body).toMatchObject({
      kind: 'KafkaTopicConfigList',
      metadata: { self: `${broker.baseUrl}/v3/clusters/${cid}/topics/orders/configs` },
    });
    const configs = byName(list);
    for (const name of [
      'min.compaction.lag.ms',
      'max.compaction.lag.ms',
      'message.timestamp.difference.max.ms',
      'message.timestamp.before.max.ms',
      'message.timestamp.after.max.ms',
      'segment.jitter.ms',
      'segment.index.bytes',
      'index.interval.bytes',
      'preallocate',
      'file.delete.delay.ms',
      'local.retention.ms',
      'local.retention.bytes',
      'remote.storage.enable',
      'message.downconversion.enable',
      'follower.replication.throttled.replicas',
      'leader.replication.throttled.replicas',
      'message.format.version',
    ]) {
      expect(configs[name]).toBeDefined();
    }
    // As Confluent's TopicConfigsResourceIntegrationTest expects a default config to read.
    expect(configs['cleanup.policy']).toEqual({
      kind: 'KafkaTopicConfig',
      metadata: {
        self: `${broker.baseUrl}/v3/clusters/${cid}/topics/orders/configs/cleanup.policy`,
        resource_name: `crn:///kafka=${cid}/topic=orders/config=cleanup.policy`,
      },
      cluster_id: cid,
      topic_name: 'orders',
      name: 'cleanup.policy',
      value: 'delete',
      is_default: true,
      is_read_only: false,
      is_sensitive: false,
      source: 'DEFAULT_CONFIG',
      synonyms: [{ name: 'log.cleanup.policy', value: 'delete', source: 'DEFAULT_CONFIG' }],
    });
    expect(configs['delete.retention.ms'].synonyms).toEqual([
      { name: 'log.cleaner.delete.retention.ms', value: '86400000', source: 'DEFAULT_CONFIG' },
    ]);
    // Every self link answers 200 with that config.
    const self = await call('GET', configs['segment.jitter.ms'].metadata.self);
    expect(self).toMatchObject({ status: 200, body: { name: 'segment.jitter.ms', value: '0', topic_name: 'orders' } });

    // PUT then GET: the topic override first in synonyms, then the broker default.
    expect((await call('PUT', `${base}/topics/orders/configs/cleanup.policy`, { value: 'compact' })).status).toBe(204);
    expect((await call('GET', `${base}/topics/orders/configs/cleanup.policy`)).body).toMatchObject({
      value: 'compact',
      is_default: false,
      source: 'DYNAMIC_TOPIC_CONFIG',
      synonyms: [
        { name: 'cleanup.policy', value: 'compact', source: 'DYNAMIC_TOPIC_CONFIG' },
        { name: 'log.cleanup.policy', value: 'delete', source: 'DEFAULT_CONFIG' },
      ],
    });
    // Stored-only configs are kept with their value.
    expect((await call('PUT', `${base}/topics/orders/configs/segment.jitter.ms`, { value: '250' })).status).toBe(204);
    expect((await call('PUT', `${base}/topics/orders/configs/preallocate`, { value: 'true' })).status).toBe(204);
    expect((await call('GET', `${base}/topics/orders/configs/segment.jitter.ms`)).body).toMatchObject({
      value: '250',
      source: 'DYNAMIC_TOPIC_CONFIG',
    });
    // DELETE resets to the default.
    expect((await call('DELETE', `${base}/topics/orders/configs/cleanup.policy`)).status).toBe(204);
    expect((await call('GET', `${base}/topics/orders/configs/cleanup.policy`)).body).toMatchObject({
      value: 'delete',
      is_default: true,
      source: 'DEFAULT_CONFIG',
    });

    // Confluent's not-found answers.
    expectError(await call('GET', `${base}/topics/orders/configs/no.such.config`), 404, 404, 'no.such.config');
    expectError(await call('PUT', `${base}/topics/orders/configs/no.such.config`, { value: 'compact' }), 404, 404);
    expectError(await call('DELETE', `${base}/topics/orders/configs/no.such.config`), 404, 404);
    expectError(await call('POST', `${base}/topics/orders/configs:alter`, { data: [{ name: 'no.such.config', value: '1' }] }), 404, 404);
    expectError(await call('GET', `${base}/topics/missing/configs`), 404, 40403);
    expectError(await call('GET', `${base}/topics/missing/configs/cleanup.policy`), 404, 40403);
    expectError(await call('PUT', `${base}/topics/missing/configs/cleanup.policy`, { value: 'compact' }), 404, 40403);
    expectError(await call('GET', `${broker.baseUrl}/v3/clusters/foobar/topics/orders/configs`), 404, 404);

    // Kafka's validation: 400 / 40002 naming the config; nothing of a refused batch is applied.
    const refused: [string, string][] = [
      ['compression.type', 'brotli'],
      ['preallocate', 'maybe'],
      ['segment.jitter.ms', '-1'],
      ['max.compaction.lag.ms', '0'],
      ['local.retention.ms', '-3'],
      ['compression.gzip.level', '10'],
      ['remote.storage.enable', 'true'],
      ['follower.replication.throttled.replicas', 'all of them'],
      ['message.format.version', 'latest'],
      ['min.insync.replicas', '0'],
      ['retention.ms', 'soon'],
    ];
    for (const [name, value] of refused) {
      expectError(await call('PUT', `${base}/topics/orders/configs/${name}`, { value }), 400, 40002, name);
    }
    expectError(
      await call('POST', `${base}/topics/orders/configs:alter`, {
        data: [
          { name: 'retention.ms', value: '1000' },
          { name: 'min.compaction.lag.ms', value: '5000' },
          { name: 'max.compaction.lag.ms', value: '4000' },
        ],
      }),
      400,
      40002,
      'min.compaction.lag.ms',
    );
    expectError(await call('PUT', `${base}/topics/orders/configs/retention.ms`, {}), 400, 40002);
    expectError(await call('POST', `${base}/topics/orders/configs:alter`, { data: 'retention.ms' }), 400, 40001);
    expect(byName(await call('GET', `${base}/topics/orders/configs`))['retention.ms']).toMatchObject({
      value: '604800000',
      is_default: true,
    });

    // validate_only: a valid dry run answers 204 and changes nothing; an invalid one answers as the real one would.
    const before = (await call('GET', `${base}/topics/orders/configs`)).body.data;
    const dryRun = await call('POST', `${base}/topics/orders/configs:alter`, {
      validate_only: true,
      data: [
        { name: 'retention.ms', value: '1000' },
        { name: 'segment.jitter.ms', operation: 'DELETE' },
      ],
    });
    expect(dryRun.status).toBe(204);
    expect((await call('GET', `${base}/topics/orders/configs`)).body.data).toEqual(before);
    expectError(
      await call('POST', `${base}/topics/orders/configs:alter`, { validate_only: true, data: [{ name: 'retention.ms', value: '-7' }] }),
      400,
      40002,
      'retention.ms',
    );

    // The spec's own example body.
    const alter = await call('POST', `${base}/topics/orders/configs:alter`, {
      data: [
        { name: 'cleanup.policy', operation: 'DELETE' },
        { name: 'compression.type', value: 'gzip' },
      ],
    });
    expect(alter.status).toBe(204);
    expect(byName(await call('GET', `${base}/topics/orders/configs`))['compression.type']).toMatchObject({
      value: 'gzip',
      source: 'DYNAMIC_TOPIC_CONFIG',
    });

    // /topics/-/configs: every topic's configs, each naming its topic.
    const all = await call('GET', `${base}/topics/-/configs`);
    expect(all.status).toBe(200);
    expect(all.body.kind).toBe('KafkaTopicConfigList');
    const audit = all.body.data.find((c: any) => c.topic_name === 'audit' && c.name === 'cleanup.policy');
    expect(audit).toMatchObject({ value: 'compact', source: 'DYNAMIC_TOPIC_CONFIG' });
    expect(all.body.data.filter((c: any) => c.topic_name === 'orders')).toHaveLength(list.body.data.length);
    expectError(await call('GET', `${broker.baseUrl}/v3/clusters/foobar/topics/-/configs`), 404, 404);
    // Runnel's paged form: `limit` topics a page, `metadata.next` to the rest; together the same list.
    const topicsOf = (answer: Answer): string[] => [...new Set<string>(answer.body.data.map((c: any) => c.topic_name))];
    expect(all.body.metadata.next).toBeNull();
    const paged: string[] = [];
    let page = await call('GET', `${base}/topics/-/configs?limit=1`);
    for (;;) {
      expect(page.status).toBe(200);
      expect(topicsOf(page)).toHaveLength(1);
      paged.push(...topicsOf(page));
      if (page.body.metadata.next === null) break;
      page = await call('GET', page.body.metadata.next);
    }
    expect(paged).toEqual(topicsOf(all));
    expectError(await call('GET', `${base}/topics/-/configs?limit=0`), 400, 40001);
    expectError(await call('GET', `${base}/topics/-/configs?limit=1001`), 400, 40001);
  });

  it('broker and cluster configs: Kafka sources, read-only refusals, applied to topics, kept over a restart', async () => {
    const dataDir = makeDataDir();
    broker = await startBroker({ dataDir, env: { RUNNEL_TOPIC_SEGMENT_BYTES: '1048576' } });
    let base = v3(broker);
    const cid = (await call('GET', `${broker.baseUrl}/v3/clusters`)).body.data[0].cluster_id as string;
    expect((await call('POST', `${base}/topics`, { topic_name: 'events' })).status).toBe(201);
    expect(
      (await call('POST', `${base}/topics`, { topic_name: 'pinned', configs: [{ name: 'retention.ms', value: '3600000' }] })).status,
    ).toBe(201);

    const brokerList = await call('GET', `${base}/brokers/0/configs`);
    expect(brokerList.status).toBe(200);
    expect(brokerList.body.kind).toBe('KafkaBrokerConfigList');
    const brokerConfigs = byName(brokerList);
    expect(brokerConfigs['log.retention.ms']).toMatchObject({
      kind: 'KafkaBrokerConfig',
      metadata: {
        self: `${broker.baseUrl}/v3/clusters/${cid}/brokers/0/configs/log.retention.ms`,
        resource_name: `crn:///kafka=${cid}/broker=0/config=log.retention.ms`,
      },
      cluster_id: cid,
      broker_id: 0,
      value: '604800000',
      is_default: true,
      is_read_only: false,
      source: 'DEFAULT_CONFIG',
    });
    // A RUNNEL_TOPIC_* variable is the broker's static config, and the topics' default.
    expect(brokerConfigs['log.segment.bytes']).toMatchObject({
      value: '1048576',
      source: 'STATIC_BROKER_CONFIG',
      synonyms: [
        { name: 'log.segment.bytes', value: '1048576', source: 'STATIC_BROKER_CONFIG' },
        { name: 'log.segment.bytes', value: '1073741824', source: 'DEFAULT_CONFIG' },
      ],
    });
    expect(brokerConfigs['num.partitions']).toMatchObject({ value: '1', is_read_only: true });
    expect((await call('GET', `${base}/brokers/-/configs`)).body.data).toEqual(brokerList.body.data);
    expect((await call('GET', brokerConfigs['compression.type'].metadata.self)).status).toBe(200);

    // Per-broker dynamic config: becomes the default of topics without their own value, at once.
    expect((await call('PUT', `${base}/brokers/0/configs/log.retention.ms`, { value: '7200000' })).status).toBe(204);
    expect((await call('GET', `${base}/brokers/0/configs/log.retention.ms`)).body).toMatchObject({
      value: '7200000',
      source: 'DYNAMIC_BROKER_CONFIG',
      synonyms: [
        { name: 'log.retention.ms', value: '7200000', source: 'DYNAMIC_BROKER_CONFIG' },
        { name: 'log.retention.ms', value: '604800000', source: 'DEFAULT_CONFIG' },
      ],
    });
    expect((await call('GET', `${base}/topics/events/configs/retention.ms`)).body).toMatchObject({
      value: '7200000',
      is_default: false,
      source: 'DYNAMIC_BROKER_CONFIG',
    });
    expect((await call('GET', `${base}/topics/pinned/configs/retention.ms`)).body).toMatchObject({
      value: '3600000',
      source: 'DYNAMIC_TOPIC_CONFIG',
      synonyms: [
        { name: 'retention.ms', value: '3600000', source: 'DYNAMIC_TOPIC_CONFIG' },
        { name: 'log.retention.ms', value: '7200000', source: 'DYNAMIC_BROKER_CONFIG' },
        { name: 'log.retention.ms', value: '604800000', source: 'DEFAULT_CONFIG' },
      ],
    });

    // Refusals as Kafka / Confluent answer them.
    expectError(await call('PUT', `${base}/brokers/0/configs/num.partitions`, { value: '3' }), 400, 40002, 'num.partitions');
    expectError(await call('PUT', `${base}/brokers/0/configs/log.retention.ms`, { value: 'forever' }), 400, 40002, 'log.retention.ms');
    expectError(await call('PUT', `${base}/brokers/0/configs/no.such.config`, { value: '1' }), 404, 404);
    expectError(await call('GET', `${base}/brokers/0/configs/no.such.config`), 404, 404);
    expectError(await call('DELETE', `${base}/brokers/0/configs/no.such.config`), 404, 404);
    expectError(await call('GET', `${base}/brokers/7/configs`), 404, 404);
    expectError(await call('GET', `${base}/brokers/7/configs/compression.type`), 404, 404);
    expectError(await call('PUT', `${base}/brokers/7/configs/compression.type`, { value: 'gzip' }), 404, 404);
    expectError(await call('GET', `${broker.baseUrl}/v3/clusters/foobar/brokers/0/configs`), 404, 404);
    // A dry run on a broker changes nothing.
    expect(
      (await call('POST', `${base}/brokers/0/configs:alter`, { validate_only: true, data: [{ name: 'log.retention.ms', value: '1000' }] }))
        .status,
    ).toBe(204);
    expect((await call('GET', `${base}/brokers/0/configs/log.retention.ms`)).body.value).toBe('7200000');

    // Cluster-wide dynamic defaults: 404 until set, then DYNAMIC_DEFAULT_BROKER_CONFIG on the cluster and the broker.
    expect((await call('GET', `${base}/broker-configs`)).body).toMatchObject({ kind: 'KafkaClusterConfigList', data: [] });
    expectError(await call('GET', `${base}/broker-configs/compression.type`), 404, 404);
    expect((await call('PUT', `${base}/broker-configs/compression.type`, { value: 'gzip' })).status).toBe(204);
    expect((await call('GET', `${base}/broker-configs/compression.type`)).body).toEqual({
      kind: 'KafkaClusterConfig',
      metadata: {
        self: `${broker.baseUrl}/v3/clusters/${cid}/broker-configs/compression.type`,
        resource_name: `crn:///kafka=${cid}/broker-config=compression.type`,
      },
      cluster_id: cid,
      config_type: 'BROKER',
      name: 'compression.type',
      value: 'gzip',
      is_default: false,
      is_read_only: false,
      is_sensitive: false,
      source: 'DYNAMIC_DEFAULT_BROKER_CONFIG',
      synonyms: [
        { name: 'compression.type', value: 'gzip', source: 'DYNAMIC_DEFAULT_BROKER_CONFIG' },
        { name: 'compression.type', value: 'producer', source: 'DEFAULT_CONFIG' },
      ],
    });
    expect((await call('GET', `${base}/brokers/0/configs/compression.type`)).body).toMatchObject({
      value: 'gzip',
      source: 'DYNAMIC_DEFAULT_BROKER_CONFIG',
    });
    // The spec's example batch (max.connections DELETE, compression.type SET) and a cluster-wide message.max.bytes.
    expect(
      (
        await call('POST', `${base}/broker-configs:alter`, {
          data: [
            { name: 'max.connections', operation: 'DELETE' },
            { name: 'compression.type', value: 'gzip' },
            { name: 'message.max.bytes', value: '2000' },
          ],
        })
      ).status,
    ).toBe(204);
    expect((await call('GET', `${base}/broker-configs`)).body.data.map((c: any) => c.name)).toEqual([
      'compression.type',
      'message.max.bytes',
    ]);
    // Applied: a record bigger than the cluster-wide message.max.bytes is refused now (as Confluent
    // answers a refused record: HTTP 200, the error in its delivery report with code 413).
    const big = await call('POST', `${base}/topics/events/records`, { value: { type: 'STRING', data: 'x'.repeat(5000) } });
    expect(big.status).toBe(200);
    expect(big.body).toMatchObject({ error_code: 413, message: expect.stringContaining('max.message.bytes of 2000') });
    expectError(await call('PUT', `${base}/broker-configs/broker.id`, { value: '3' }), 400, 40002, 'broker.id');
    expectError(await call('PUT', `${base}/broker-configs/no.such.config`, { value: '3' }), 404, 404);

    // Restart: the dynamic configs are still there and still applied.
    await broker.stop();
    broker = await startBroker({ dataDir, env: { RUNNEL_TOPIC_SEGMENT_BYTES: '1048576' } });
    base = v3(broker);
    expect((await call('GET', `${base}/brokers/0/configs/log.retention.ms`)).body).toMatchObject({
      value: '7200000',
      source: 'DYNAMIC_BROKER_CONFIG',
    });
    expect((await call('GET', `${base}/topics/events/configs/retention.ms`)).body).toMatchObject({
      value: '7200000',
      source: 'DYNAMIC_BROKER_CONFIG',
    });
    expect((await call('GET', `${base}/broker-configs`)).body.data.map((c: any) => [c.name, c.value])).toEqual([
      ['compression.type', 'gzip'],
      ['message.max.bytes', '2000'],
    ]);
    const bigAgain = await call('POST', `${base}/topics/events/records`, { value: { type: 'STRING', data: 'x'.repeat(5000) } });
    expect(bigAgain.status).toBe(200);
    expect(bigAgain.body).toMatchObject({ error_code: 413, message: expect.stringContaining('max.message.bytes of 2000') });
    const small = await call('POST', `${base}/topics/events/records`, { value: { type: 'STRING', data: 'ok' } });
    expect(small.status).toBe(200);

    // Reset: back to the defaults, the cluster config gone (404), the topic default back to Kafka's.
    expect((await call('DELETE', `${base}/brokers/0/configs/log.retention.ms`)).status).toBe(204);
    expect((await call('DELETE', `${base}/broker-configs/compression.type`)).status).toBe(204);
    expect((await call('DELETE', `${base}/broker-configs/message.max.bytes`)).status).toBe(204);
    expectError(await call('GET', `${base}/broker-configs/compression.type`), 404, 404);
    expect((await call('GET', `${base}/topics/events/configs/retention.ms`)).body).toMatchObject({
      value: '604800000',
      source: 'DEFAULT_CONFIG',
    });
    expect((await call('POST', `${base}/topics/events/records`, { value: { type: 'STRING', data: 'x'.repeat(5000) } })).status).toBe(200);
  });
});
