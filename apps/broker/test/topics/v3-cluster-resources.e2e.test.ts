import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { BrokerProcess, startBroker } from '../support/broker-process';
import { readOpenApi } from '../docs/openapi-document';
import { jsonCall } from '../support/json-call';

/**
 * The Confluent REST v3 cluster, broker, topic, partition, offset, replica, reassignment and
 * ACL resources of a real broker process, answered as Confluent's integration tests expect
 * them (bodies, statuses, error codes), and every link they carry answering 200.
 */
describe('REST v3 cluster resources (real broker process)', () => {
  let broker: BrokerProcess;
  let cid: string;
  let root: string;
  let topics: string;
  beforeAll(async () => {
    broker = await startBroker();
    cid = (await call('GET', `${broker.baseUrl}/v3/clusters`)).body.data[0].cluster_id;
    root = `${broker.baseUrl}/v3/clusters/${cid}`;
    topics = `${root}/topics`;
    expect((await call('POST', topics, { topic_name: 'orders', partitions_count: 2 })).status).toBe(201);
  });
  afterAll(async () => {
    await broker?.stop();
  });

  const call = jsonCall;

  const link = (url: string) => ({ related: url });

  it('the cluster has every link of ClusterData, and each answers 200', async () => {
    const cluster = await call('GET', `${broker.baseUrl}/v3/clusters/-`);
    expect(cluster).toEqual({
      status: 200,
      body: {
        kind: 'KafkaCluster',
        metadata: { self: root, resource_name: `crn:///kafka=${cid}` },
        cluster_id: cid,
        controller: link(`${root}/brokers/0`),
        acls: link(`${root}/acls`),
        brokers: link(`${root}/brokers`),
        broker_configs: link(`${root}/broker-configs`),
        consumer_groups: link(`${root}/consumer-groups`),
        topics: link(`${root}/topics`),
        partition_reassignments: link(`${root}/topics/-/partitions/-/reassignment`),
      },
    });
    const list = await call('GET', `${broker.baseUrl}/v3/clusters`);
    expect(list.body).toEqual({
      kind: 'KafkaClusterList',
      metadata: { self: `${broker.baseUrl}/v3/clusters`, next: null },
      data: [cluster.body],
    });
    // broker_configs is the configs area's resource (its own tests); every other link is served here.
    for (const name of ['controller', 'acls', 'brokers', 'consumer_groups', 'topics', 'partition_reassignments']) {
      expect({ name, status: (await call('GET', cluster.body[name].related)).status }).toEqual({ name, status: 200 });
    }
    expect(await call('GET', `${broker.baseUrl}/v3/clusters/foobar`)).toMatchObject({ status: 404, body: { error_code: 404 } });
    // Confluent Server's path serves the same resource.
    expect((await call('GET', `${broker.baseUrl}/kafka/v3/clusters/${cid}`)).body.cluster_id).toBe(cid);
  });

  it('ACLs: the empty list while none is stored, its self repeating the filter (apps/broker/test/security/acls.e2e.test.ts has the rest)', async () => {
    const empty = (filter: string) => ({ kind: 'KafkaAclList', metadata: { self: `${root}/acls?${filter}`, next: null }, data: [] });
    const any = 'resource_name=&pattern_type=ANY&principal=&host=&operation=ANY&permission=ANY';
    expect(await call('GET', `${root}/acls`)).toEqual({ status: 200, body: empty(`resource_type=ANY&${any}`) });
    expect(await call('GET', `${root}/acls?resource_type=TOPIC&pattern_type=ANY`)).toEqual({
      status: 200,
      body: empty(`resource_type=TOPIC&${any}`),
    });
    expect((await call('GET', `${broker.baseUrl}/v3/clusters/foobar/acls`)).status).toBe(404);
  });

  it('brokers: this node is broker 0; its replicas are one per partition of every topic', async () => {
    const port = Number(new URL(broker.baseUrl).port);
    const expected = {
      kind: 'KafkaBroker',
      metadata: { self: `${root}/brokers/0`, resource_name: `crn:///kafka=${cid}/broker=0` },
      cluster_id: cid,
      broker_id: 0,
      host: '127.0.0.1',
      port,
      rack: null,
      configs: link(`${root}/brokers/0/configs`),
      partition_replicas: link(`${root}/brokers/0/partition-replicas`),
    };
    expect(await call('GET', `${root}/brokers/0`)).toEqual({ status: 200, body: expected });
    expect(await call('GET', `${root}/brokers`)).toEqual({
      status: 200,
      body: { kind: 'KafkaBrokerList', metadata: { self: `${root}/brokers`, next: null }, data: [expected] },
    });
    for (const bad of ['100', '1', 'x', '-1']) {
      expect(await call('GET', `${root}/brokers/${bad}`)).toMatchObject({ status: 404, body: { error_code: 404 } });
      expect(await call('GET', `${root}/brokers/${bad}/partition-replicas`)).toMatchObject({ status: 404, body: { error_code: 404 } });
    }
    expect((await call('GET', `${broker.baseUrl}/v3/clusters/foobar/brokers`)).status).toBe(404);

    const replicas = await call('GET', `${root}/brokers/0/partition-replicas`);
    expect(replicas.status).toBe(200);
    expect(replicas.body).toMatchObject({
      kind: 'KafkaReplicaList',
      metadata: { self: `${root}/brokers/0/partition-replicas`, next: null },
    });
    const byTopic = new Map<string, number[]>();
    for (const r of replicas.body.data) byTopic.set(r.topic_name, [...(byTopic.get(r.topic_name) ?? []), r.partition_id]);
    expect(byTopic.get('orders')).toEqual([0, 1]);
    expect(byTopic.get('__consumer_offsets')!.length).toBeGreaterThan(0);
    expect(replicas.body.data.every((r: { broker_id: number; is_leader: boolean }) => r.broker_id === 0 && r.is_leader)).toBe(true);
  });

  it('topics: TopicData with partition_reassignments and authorized_operations; internal topics listed as such', async () => {
    const self = `${topics}/orders`;
    const topic = await call('GET', self);
    expect(topic).toEqual({
      status: 200,
      body: {
        kind: 'KafkaTopic',
        metadata: { self, resource_name: `crn:///kafka=${cid}/topic=orders` },
        cluster_id: cid,
        topic_name: 'orders',
        topic_id: expect.any(String),
        is_internal: false,
        replication_factor: 1,
        partitions_count: 2,
        partitions: link(`${self}/partitions`),
        configs: link(`${self}/configs`),
        partition_reassignments: link(`${self}/partitions/-/reassignment`),
        authorized_operations: [],
      },
    });
    for (const name of ['partitions', 'partition_reassignments']) expect((await call('GET', topic.body[name].related)).status).toBe(200);
    const all = await call('GET', topics);
    expect(all.body.metadata).toEqual({ self: topics, next: null });
    expect(all.body.data.find((t: { topic_name: string }) => t.topic_name === '__consumer_offsets')).toMatchObject({ is_internal: true });
    expect(all.body.data.find((t: { topic_name: string }) => t.topic_name === 'orders')).toEqual(topic.body);
    expect(await call('GET', `${topics}/foobar`)).toMatchObject({ status: 404, body: { error_code: 40403 } });
    expect((await call('GET', `${broker.baseUrl}/v3/clusters/foobar/topics/orders`)).status).toBe(404);
  });

  it('partitions: leader, replicas and reassignment as links; the leader and replicas links answer 200', async () => {
    const self = `${topics}/orders/partitions/1`;
    const partition = await call('GET', self);
    expect(partition).toEqual({
      status: 200,
      body: {
        kind: 'KafkaPartition',
        metadata: { self, resource_name: `crn:///kafka=${cid}/topic=orders/partition=1` },
        cluster_id: cid,
        topic_name: 'orders',
        partition_id: 1,
        leader: link(`${self}/replicas/0`),
        replicas: link(`${self}/replicas`),
        isr: link(`${self}/replicas`),
        reassignment: link(`${self}/reassignment`),
        earliest_offset: 0,
        high_watermark: 0,
      },
    });
    for (const name of ['leader', 'replicas', 'isr']) expect((await call('GET', partition.body[name].related)).status).toBe(200);
    const list = await call('GET', `${topics}/orders/partitions`);
    expect(list.body).toMatchObject({ kind: 'KafkaPartitionList', metadata: { self: `${topics}/orders/partitions`, next: null } });
    expect(list.body.data[1]).toEqual(partition.body);
    expect(await call('GET', `${topics}/orders/partitions/100`)).toMatchObject({ status: 404, body: { error_code: 404 } });
    expect(await call('GET', `${topics}/foobar/partitions/0`)).toMatchObject({ status: 404, body: { error_code: 40403 } });
    expect(await call('GET', `${topics}/foobar/partitions`)).toMatchObject({ status: 404, body: { error_code: 40403 } });
  });

  it('partition offsets: earliest and latest (Confluent ListPartitionOffsets), after produce and records:delete', async () => {
    const self = `${topics}/orders/partitions/0/offset`;
    const body = (earliest: number, latest: number) => ({
      kind: 'KafkaPartitionWithOffsets',
      metadata: { self, resource_name: `crn:///kafka=${cid}/topic=orders/partition=0/offset_type=earliest_and_latest` },
      cluster_id: cid,
      topic_name: 'orders',
      partition_id: 0,
      earliest_offset: earliest,
      latest_offset: latest,
    });
    expect(await call('GET', self)).toEqual({ status: 200, body: body(0, 0) });
    for (let i = 0; i < 3; i++) {
      expect((await call('POST', `${topics}/orders/records`, { partition_id: 0, value: { type: 'STRING', data: `v${i}` } })).status).toBe(
        200,
      );
    }
    expect(await call('GET', `${self}?offset_type=earliest_and_latest`)).toEqual({ status: 200, body: body(0, 3) });
    expect((await call('POST', `${topics}/orders/partitions/0/records:delete`, { before_offset: 2 })).status).toBe(200);
    expect(await call('GET', self)).toEqual({ status: 200, body: body(2, 3) });
    expect(await call('GET', `${self}?offset_type=foobar`)).toMatchObject({ status: 400, body: { error_code: expect.any(Number) } });
    expect((await call('GET', `${topics}/orders/partitions/100/offset`)).status).toBe(404);
    expect(await call('GET', `${topics}/foobar/partitions/0/offset`)).toMatchObject({ status: 404, body: { error_code: 40403 } });
    expect((await call('GET', `${broker.baseUrl}/v3/clusters/foobar/topics/orders/partitions/0/offset`)).status).toBe(404);
  });

  it('replicas: ReplicaData of the partition, its broker link answering 200; unknown ones 404', async () => {
    const self = `${topics}/orders/partitions/0/replicas/0`;
    const replica = {
      kind: 'KafkaReplica',
      metadata: { self, resource_name: `crn:///kafka=${cid}/topic=orders/partition=0/replica=0` },
      cluster_id: cid,
      topic_name: 'orders',
      partition_id: 0,
      broker_id: 0,
      is_leader: true,
      is_in_sync: true,
      broker: link(`${root}/brokers/0`),
    };
    expect(await call('GET', self)).toEqual({ status: 200, body: replica });
    expect(await call('GET', `${topics}/orders/partitions/0/replicas`)).toEqual({
      status: 200,
      body: { kind: 'KafkaReplicaList', metadata: { self: `${topics}/orders/partitions/0/replicas`, next: null }, data: [replica] },
    });
    expect((await call('GET', replica.broker.related)).status).toBe(200);
    expect(await call('GET', `${topics}/orders/partitions/0/replicas/1`)).toMatchObject({ status: 404, body: { error_code: 404 } });
    expect(await call('GET', `${topics}/orders/partitions/100/replicas`)).toMatchObject({ status: 404, body: { error_code: 404 } });
    expect(await call('GET', `${topics}/orders/partitions/100/replicas/0`)).toMatchObject({ status: 404 });
    expect(await call('GET', `${topics}/foobar/partitions/0/replicas`)).toMatchObject({ status: 404, body: { error_code: 40403 } });
    expect(await call('GET', `${topics}/foobar/partitions/0/replicas/0`)).toMatchObject({ status: 404, body: { error_code: 40403 } });
    expect((await call('GET', `${broker.baseUrl}/v3/clusters/foobar/topics/orders/partitions/0/replicas/0`)).status).toBe(404);
  });

  it('reassignments: empty lists on one node; a partition has none in progress (404, as Confluent)', async () => {
    const all = `${topics}/-/partitions/-/reassignment`;
    expect(await call('GET', all)).toEqual({
      status: 200,
      body: { kind: 'KafkaReassignmentList', metadata: { self: all, next: null }, data: [] },
    });
    const ofTopic = `${topics}/orders/partitions/-/reassignment`;
    expect(await call('GET', ofTopic)).toEqual({
      status: 200,
      body: { kind: 'KafkaReassignmentList', metadata: { self: ofTopic, next: null }, data: [] },
    });
    expect(await call('GET', `${topics}/orders/partitions/0/reassignment`)).toMatchObject({ status: 404, body: { error_code: 404 } });
    expect(await call('GET', `${topics}/orders/partitions/100/reassignment`)).toMatchObject({ status: 404 });
    expect(await call('GET', `${topics}/foobar/partitions/-/reassignment`)).toMatchObject({ status: 404, body: { error_code: 40403 } });
    expect(await call('GET', `${topics}/foobar/partitions/0/reassignment`)).toMatchObject({ status: 404, body: { error_code: 40403 } });
    expect((await call('GET', `${broker.baseUrl}/v3/clusters/foobar/topics/-/partitions/-/reassignment`)).status).toBe(404);
  });

  it('create with validate_only: 200 with the topic it would create, nothing created; every check still applies', async () => {
    const dryRun = await call('POST', topics, { topic_name: 'dry', partitions_count: 3, replication_factor: 1, validate_only: true });
    expect(dryRun.status).toBe(200);
    expect(dryRun.body).toMatchObject({
      kind: 'KafkaTopic',
      topic_name: 'dry',
      partitions_count: 3,
      replication_factor: 1,
      is_internal: false,
    });
    expect(dryRun.body.partition_reassignments).toEqual(link(`${topics}/dry/partitions/-/reassignment`));
    expect(await call('GET', `${topics}/dry`)).toMatchObject({ status: 404, body: { error_code: 40403 } });
    const refused: [unknown, number][] = [
      [{ topic_name: 'orders', validate_only: true }, 40002],
      [{ topic_name: 'dry', configs: [{ name: 'retention.ms', value: 'soon' }], validate_only: true }, 40002],
      [{ topic_name: 'dry', replication_factor: 2, validate_only: true }, 40002],
      [{ topic_name: 'bad name', validate_only: true }, 40001],
      [{ topic_name: 'dry', validate_only: 'yes' }, 40001],
    ];
    for (const [body, code] of refused) {
      const answer = await call('POST', topics, body);
      expect({ body, status: answer.status, code: answer.body.error_code }).toEqual({ body, status: 400, code });
    }
    expect((await call('GET', `${topics}/dry`)).status).toBe(404);
    expect((await call('POST', topics, { topic_name: 'dry', validate_only: false })).status).toBe(201);
  });

  it('every answer above matches its operation in docs/openapi.json (status documented, body of its schema)', async () => {
    type Documented = { $ref?: string; content?: Record<string, { schema?: { $ref?: string } }> };
    type Doc = {
      paths: Record<string, Record<string, { responses: Record<string, Documented> }>>;
      components: { responses: Record<string, Documented> };
    };
    const doc = readOpenApi() as unknown as Doc;
    const ajv = new Ajv2020({ strict: false, allErrors: true });
    addFormats(ajv);
    ajv.addSchema(doc, 'openapi.json');
    const C = '/v3/clusters/{cluster_id}';
    const P = `${C}/topics/{topic_name}/partitions/{partition_id}`;
    const calls: [operation: string, url: string, body?: unknown][] = [
      ['get /v3/clusters', `${broker.baseUrl}/v3/clusters`],
      [`get ${C}`, root],
      [`get ${C}/acls`, `${root}/acls`],
      [`get ${C}/brokers`, `${root}/brokers`],
      [`get ${C}/brokers/{broker_id}`, `${root}/brokers/0`],
      [`get ${C}/brokers/{broker_id}`, `${root}/brokers/7`],
      [`get ${C}/brokers/{broker_id}/partition-replicas`, `${root}/brokers/0/partition-replicas`],
      [`get ${C}/topics`, topics],
      [`get ${C}/topics/{topic_name}`, `${topics}/orders`],
      [`post ${C}/topics`, topics, { topic_name: 'documented', validate_only: true }],
      [`post ${C}/topics`, topics, { topic_name: 'documented', replicas_assignments: { '0': [0], '1': [0] } }],
      [`post ${C}/topics`, topics, { topic_name: 'documented' }],
      [`post ${C}/topics`, topics],
      [`patch ${C}/topics/{topic_name}`, `${topics}/documented`, { partitions_count: 3 }],
      [`patch ${C}/topics/{topic_name}`, `${topics}/documented`, { partitions_count: 1 }],
      [`patch ${C}/topics/{topic_name}`, `${topics}/nothing`, { partitions_count: 4 }],
      [`get ${C}/topics/{topic_name}/partitions`, `${topics}/documented/partitions`],
      [`get ${P}`, `${topics}/documented/partitions/2`],
      [`get ${P}`, `${topics}/documented/partitions/9`],
      [`get ${P}/offset`, `${topics}/documented/partitions/2/offset`],
      [`get ${P}/offset`, `${topics}/documented/partitions/2/offset?offset_type=latest`],
      [`get ${P}/replicas`, `${topics}/documented/partitions/2/replicas`],
      [`get ${P}/replicas/{broker_id}`, `${topics}/documented/partitions/2/replicas/0`],
      [`get ${P}/replicas/{broker_id}`, `${topics}/documented/partitions/2/replicas/3`],
      [`get ${C}/topics/-/partitions/-/reassignment`, `${topics}/-/partitions/-/reassignment`],
      [`get ${C}/topics/{topic_name}/partitions/-/reassignment`, `${topics}/documented/partitions/-/reassignment`],
      [`get ${P}/reassignment`, `${topics}/documented/partitions/2/reassignment`],
    ];
    const problems: string[] = [];
    for (const [operation, url, body] of calls) {
      const [method, path] = operation.split(' ');
      const answer = await call(method.toUpperCase(), url, body);
      let response = doc.paths[path]?.[method]?.responses[String(answer.status)];
      if (response?.$ref) response = doc.components.responses[response.$ref.split('/').pop()!];
      const schema = response?.content?.['application/json']?.schema;
      if (!schema) problems.push(`${operation} ${url}: status ${answer.status} is not documented with a JSON body`);
      else if (!ajv.validate({ $ref: `openapi.json${schema.$ref}` }, answer.body)) {
        problems.push(`${operation} ${url}: ${ajv.errorsText(ajv.errors)}`);
      }
    }
    expect(problems).toEqual([]);
  });

  it('create without a body: 422, as Confluent; a body that is not an object: 400', async () => {
    expect(await call('POST', topics)).toMatchObject({ status: 422, body: { error_code: 422 } });
    expect(await call('PATCH', `${topics}/orders`)).toMatchObject({ status: 422, body: { error_code: 422 } });
    expect(await call('POST', topics, [1])).toMatchObject({ status: 400, body: { error_code: 40001 } });
  });

  it('create with replicas_assignments: the partition count is its keys; replicas other than [0] are refused', async () => {
    const created = await call('POST', topics, { topic_name: 'assigned', replicas_assignments: { '0': [0], '1': [0], '2': [0] } });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ partitions_count: 3, replication_factor: 1 });
    expect((await call('GET', `${topics}/assigned/partitions`)).body.data).toHaveLength(3);
    const refused: unknown[] = [
      { topic_name: 'ra1', replicas_assignments: { '0': [0, 1], '1': [1, 2], '2': [2, 0] } },
      { topic_name: 'ra2', replicas_assignments: { '0': [1] } },
      { topic_name: 'ra3', replicas_assignments: { '0': [0], '2': [0] } },
      { topic_name: 'ra4', replicas_assignments: { '0': [0, 0] } },
      { topic_name: 'ra5', replicas_assignments: { '0': [0] }, partitions_count: 2 },
    ];
    for (const body of refused) {
      const answer = await call('POST', topics, body);
      expect({ body, status: answer.status, code: answer.body.error_code }).toEqual({ body, status: 400, code: 40002 });
    }
    expect(await call('POST', topics, { topic_name: 'ra6', replicas_assignments: [[0]] })).toMatchObject({ status: 400 });
    expect(await call('POST', topics, { topic_name: 'ra7', replicas_assignments: { '0': [] } })).toMatchObject({ status: 400 });
    for (const name of ['ra1', 'ra2', 'ra3', 'ra4', 'ra5', 'ra6', 'ra7']) expect((await call('GET', `${topics}/${name}`)).status).toBe(404);
    // An empty assignment is no assignment: the counts (here the defaults) apply, as Confluent.
    expect((await call('POST', topics, { topic_name: 'ra8', replicas_assignments: {} })).body).toMatchObject({ replication_factor: 1 });
  });
});
