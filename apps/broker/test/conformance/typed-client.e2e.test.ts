import createClient from 'openapi-fetch';
import { Member } from '../groups/group-support';
import { BrokerProcess, startBroker } from '../support/broker-process';
import type { paths } from './generated/kafka-rest-v3';

/**
 * Runnel driven by a client generated from Confluent's spec (openapi-typescript types +
 * openapi-fetch), as a tool written against Confluent REST v3 would drive it: every path, body
 * and answer below is typed by the spec alone, nothing Runnel-specific. The flow is an operator's
 * day: find the cluster, create a topic with configs, produce with an ISO timestamp, look at the
 * partitions, alter a config, watch a consumer group's lag, delete the topic. It runs under both
 * server URLs the spec lists (`/v3` and Confluent Server's `/kafka/v3`).
 */
describe.each(['/v3', '/kafka/v3'])('a client generated from Confluent spec, server URL %s', (prefix) => {
  let broker: BrokerProcess;
  let member: Member | undefined;

  beforeAll(async () => {
    broker = await startBroker();
  }, 120_000);
  afterAll(async () => {
    member?.close();
    await broker?.stop();
  });

  it('lists clusters, creates a topic with configs, produces, reads partitions, alters configs, reads group lags, deletes the topic', async () => {
    const client = createClient<paths>({ baseUrl: `${broker.baseUrl}${prefix}` });

    const clusters = await client.GET('/clusters');
    expect(clusters.response.status).toBe(200);
    expect(clusters.data!.data).toHaveLength(1);
    const cluster_id = clusters.data!.data[0].cluster_id;
    const cluster = { path: { cluster_id } };

    const created = await client.POST('/clusters/{cluster_id}/topics', {
      params: cluster,
      body: {
        topic_name: 'payments',
        partitions_count: 3,
        replication_factor: 1,
        configs: [
          { name: 'cleanup.policy', value: 'delete' },
          { name: 'retention.ms', value: '86400000' },
        ],
      },
    });
    expect(created.error).toBeUndefined();
    expect(created.data).toMatchObject({ kind: 'KafkaTopic', cluster_id, topic_name: 'payments', partitions_count: 3, is_internal: false });
    const topic = { path: { cluster_id, topic_name: 'payments' } };

    const produced = await client.POST('/clusters/{cluster_id}/topics/{topic_name}/records', {
      params: topic,
      body: {
        partition_id: 0,
        key: { type: 'STRING', data: 'alice' },
        value: { type: 'JSON', data: { total: 42 } },
        headers: [{ name: 'source', value: Buffer.from('checkout').toString('base64') }],
        timestamp: '2021-02-05T19:14:42Z',
      },
    });
    expect(produced.error).toBeUndefined();
    expect(produced.data).toMatchObject({ error_code: 200, cluster_id, topic_name: 'payments', partition_id: 0, offset: 0 });
    // The spec types timestamp as a date-time string: a Confluent client decodes it as one.
    expect(typeof produced.data!.timestamp).toBe('string');
    expect(Date.parse(produced.data!.timestamp!)).toBe(Date.parse('2021-02-05T19:14:42Z'));

    const partitions = await client.GET('/clusters/{cluster_id}/topics/{topic_name}/partitions', { params: topic });
    expect(partitions.data!.data.map((p) => p.partition_id)).toEqual([0, 1, 2]);
    for (const p of partitions.data!.data) {
      expect(typeof p.leader!.related).toBe('string');
      expect((await fetch(p.leader!.related)).status).toBe(200);
    }
    const offsets = await client.GET('/clusters/{cluster_id}/topics/{topic_name}/partitions/{partition_id}/offset', {
      params: { path: { cluster_id, topic_name: 'payments', partition_id: 0 } },
    });
    expect(offsets.data).toMatchObject({ earliest_offset: 0, latest_offset: 1 });

    const altered = await client.POST('/clusters/{cluster_id}/topics/{topic_name}/configs:alter', {
      params: topic,
      body: { data: [{ name: 'retention.ms', value: '3600000' }] },
    });
    expect(altered.response.status).toBe(204);
    const retention = await client.GET('/clusters/{cluster_id}/topics/{topic_name}/configs/{name}', {
      params: { path: { cluster_id, topic_name: 'payments', name: 'retention.ms' } },
    });
    expect(retention.data).toMatchObject({ name: 'retention.ms', value: '3600000', is_default: false, source: 'DYNAMIC_TOPIC_CONFIG' });

    member = await Member.join(broker, { group: 'billing', topic: 'payments', from: 'earliest', auto_commit: false });
    await member.untilOwns(3);
    await member.client.until(() => member!.records().length === 1);
    expect((await member.commit([{ partition: 0, offset: 1 }])).type).toBe('committed');
    const groups = await client.GET('/clusters/{cluster_id}/consumer-groups', { params: cluster });
    expect(groups.data!.data.map((g) => g.consumer_group_id)).toContain('billing');
    const group = { path: { cluster_id, consumer_group_id: 'billing' } };
    const lags = await client.GET('/clusters/{cluster_id}/consumer-groups/{consumer_group_id}/lags', { params: group });
    const lagOf0 = lags.data!.data.find((l) => l.partition_id === 0);
    expect(lagOf0).toMatchObject({ topic_name: 'payments', current_offset: 1, log_end_offset: 1, lag: 0 });
    const summary = await client.GET('/clusters/{cluster_id}/consumer-groups/{consumer_group_id}/lag-summary', { params: group });
    expect(summary.data).toMatchObject({ consumer_group_id: 'billing', total_lag: 0 });
    member.close();
    member = undefined;

    const deleted = await client.DELETE('/clusters/{cluster_id}/topics/{topic_name}', { params: topic });
    expect(deleted.response.status).toBe(204);
    const gone = await client.GET('/clusters/{cluster_id}/topics/{topic_name}', { params: topic });
    expect(gone.response.status).toBe(404);
    expect(gone.error).toMatchObject({ error_code: 40403 });
  }, 120_000);

  it("manages ACLs: creates one and a batch, searches with MATCH, deletes exactly one (the spec's ACL operations)", async () => {
    const client = createClient<paths>({ baseUrl: `${broker.baseUrl}${prefix}` });
    const cluster_id = (await client.GET('/clusters')).data!.data[0].cluster_id;
    const params = { path: { cluster_id } };
    const user = `User:typed${prefix.replace(/\W/g, '')}`;
    const read = {
      resource_type: 'TOPIC',
      resource_name: 'payments',
      pattern_type: 'LITERAL',
      principal: user,
      host: '*',
      operation: 'READ',
      permission: 'ALLOW',
    } as const;
    const created = await client.POST('/clusters/{cluster_id}/acls', { params, body: read });
    expect(created.response.status).toBe(201);
    const batch = await client.POST('/clusters/{cluster_id}/acls:batch', {
      params,
      body: {
        data: [
          { ...read, resource_name: 'pay', pattern_type: 'PREFIXED', operation: 'WRITE' },
          { ...read, resource_type: 'GROUP', resource_name: 'billing' },
        ],
      },
    });
    expect(batch.response.status).toBe(201);
    const search = { resource_type: 'TOPIC', resource_name: 'payments', pattern_type: 'MATCH', principal: user } as const;
    const found = await client.GET('/clusters/{cluster_id}/acls', { params: { ...params, query: search } });
    expect(found.data!.data.map((a) => `${a.pattern_type} ${a.resource_name} ${a.operation}`)).toEqual([
      'PREFIXED pay WRITE',
      'LITERAL payments READ',
    ]);
    const deleted = await client.DELETE('/clusters/{cluster_id}/acls', {
      params: {
        ...params,
        query: { resource_type: 'TOPIC', pattern_type: 'PREFIXED', principal: user, operation: 'ANY', permission: 'ANY' },
      },
    });
    expect(deleted.data!.data.map((a) => a.resource_name)).toEqual(['pay']);
    const left = await client.GET('/clusters/{cluster_id}/acls', { params: { ...params, query: { principal: user } } });
    expect(left.data!.data.map((a) => `${a.resource_type} ${a.resource_name}`)).toEqual(['TOPIC payments', 'GROUP billing']);
  });
});
