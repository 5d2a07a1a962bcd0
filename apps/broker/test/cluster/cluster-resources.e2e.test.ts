import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { readOpenApi } from '../docs/openapi-document';
import { admin, as, call, createUser, eventually, startSecureBroker, withAcls, type Who } from '../support/acl-helpers';
import type { BrokerProcess } from '../support/broker-process';

/**
 * One broker (no RUNNEL_METADATA_URL) through the ClusterView: the broker summaries the console
 * reads show it as the only broker, alive, the controller, leading and holding every partition,
 * with no under-replicated or offline partition; the reassignment extension needs ALTER on the
 * CLUSTER, validates its body, is refused as "needs cluster mode" (40002) on one node, and every
 * attempt past the ACL check is audited.
 */
describe('cluster resources on one node (real broker process, RUNNEL_AUTH=on)', () => {
  let broker: BrokerProcess;
  const root = '/v3/clusters/-';
  const reassignment = `${root}/topics/orders/partitions/1/reassignment`;
  const get = (path: string, who: Who = admin) => call(broker, who, 'GET', path);

  beforeAll(async () => {
    broker = await startSecureBroker();
    expect((await call(broker, admin, 'POST', `${root}/topics`, { topic_name: 'orders', partitions_count: 3 })).status).toBe(201);
    await createUser(broker, 'alice');
  });
  afterAll(async () => {
    await broker?.stop();
  });

  it('broker-summaries: the one broker, alive, RUNNING, controller, leading and holding every partition', async () => {
    const answer = await get(`${root}/broker-summaries`);
    expect(answer.status).toBe(200);
    const body = answer.body;
    const url = new URL(broker.baseUrl);
    expect(body).toMatchObject({
      kind: 'KafkaBrokerSummaryList',
      mode: 'single',
      controller_id: 0,
      under_replicated_partitions: 0,
      offline_partitions: 0,
    });
    // orders' 3 partitions and every partition of the internal topics.
    expect(body.partitions).toBeGreaterThan(3);
    expect(body.data).toEqual([
      {
        broker_id: 0,
        host: url.hostname,
        port: Number(url.port),
        rack: null,
        advertised_url: broker.baseUrl,
        state: 'RUNNING',
        alive: true,
        epoch: 1,
        is_controller: true,
        is_local: true,
        leader_count: body.partitions,
        replica_count: body.partitions,
      },
    ]);
    // Any authenticated caller sees them (as the brokers); nobody unauthenticated.
    expect((await get(`${root}/broker-summaries`, as('alice'))).status).toBe(200);
    expect((await call(broker, undefined, 'GET', `${root}/broker-summaries`)).status).toBe(401);
    expect((await get('/v3/clusters/foobar/broker-summaries')).status).toBe(404);
  });

  it("REST Proxy v2's broker list: the one broker", async () => {
    expect(await get('/brokers')).toMatchObject({ status: 200, body: { brokers: [0] } });
    expect((await call(broker, undefined, 'GET', '/brokers')).status).toBe(401);
  });

  it('partition views: leader, replicas and ISR of the one broker; no reassignment in progress', async () => {
    const partition = await get(`${root}/topics/orders/partitions/2`);
    expect(partition.body.leader.related).toMatch(/\/topics\/orders\/partitions\/2\/replicas\/0$/);
    const replicas = await get(`${root}/topics/orders/partitions/2/replicas`);
    expect(replicas.body.data.map((r: Record<string, unknown>) => [r.broker_id, r.is_leader, r.is_in_sync])).toEqual([[0, true, true]]);
    expect((await get(reassignment)).status).toBe(404);
    expect((await get(`${root}/topics/-/partitions/-/reassignment`)).body.data).toEqual([]);
  });

  it('start / cancel a reassignment: ALTER on the CLUSTER first (403, audited DENIED), whatever the partition', async () => {
    for (const path of [reassignment, `${root}/topics/nothing/partitions/0/reassignment`]) {
      const start = await call(broker, as('alice'), 'POST', path, { replicas: [0] });
      expect({ status: start.status, code: start.body.error_code }).toEqual({ status: 403, code: 40301 });
      const cancel = await call(broker, as('alice'), 'DELETE', path);
      expect({ status: cancel.status, code: cancel.body.error_code }).toEqual({ status: 403, code: 40301 });
    }
    // Denials are noted in the background: wait for them.
    await eventually(
      async () => {
        const events = (await get(`${root}/audit-log?limit=1000`)).body.data as Record<string, unknown>[];
        const denied = events.filter(
          (e) =>
            e.principal === 'User:alice' && e.operation === 'ALTER' && e.outcome === 'DENIED' && e.resource === 'CLUSTER:kafka-cluster',
        );
        return denied.length >= 4;
      },
      20_000,
      'four audited denials of ALTER on the cluster',
    );
    // With ALTER on the cluster, alice gets as far as one node's answer.
    await withAcls(
      broker,
      [
        {
          resource_type: 'CLUSTER',
          resource_name: 'kafka-cluster',
          pattern_type: 'LITERAL',
          principal: 'User:alice',
          operation: 'ALTER',
          permission: 'ALLOW',
        },
      ],
      async () => {
        const start = await call(broker, as('alice'), 'POST', reassignment, { replicas: [0] });
        expect({ status: start.status, code: start.body.error_code }).toEqual({ status: 400, code: 40002 });
      },
    );
  });

  it('one node: a valid reassignment is refused as needing cluster mode (40002, audited FAILED); cancelling finds none (404)', async () => {
    const start = await call(broker, admin, 'POST', reassignment, { replicas: [0] });
    expect(start.status).toBe(400);
    expect(start.body.error_code).toBe(40002);
    expect(start.body.message).toMatch(/cluster mode/);
    const cancel = await call(broker, admin, 'DELETE', reassignment);
    expect({ status: cancel.status, code: cancel.body.error_code }).toEqual({ status: 404, code: 404 });
    const events = (await get(`${root}/audit-log?limit=1000`)).body.data as Record<string, unknown>[];
    const failed = events.filter((e) => e.resource === 'TOPIC:orders' && e.outcome === 'FAILED');
    expect(failed.map((e) => e.operation).sort()).toEqual(
      expect.arrayContaining(['ALTER_PARTITION_REASSIGNMENTS', 'CANCEL_PARTITION_REASSIGNMENT']),
    );
    // The partition is untouched.
    expect((await get(reassignment)).status).toBe(404);
  });

  it('validates the target: body shape 40001 / 422, assignments Kafka refuses 40002, unknown topic or partition 404', async () => {
    const refused: [body: unknown, status: number, code: number][] = [
      [undefined, 422, 422],
      [[0], 400, 40001],
      [{}, 400, 40001],
      [{ replicas: '0' }, 400, 40001],
      [{ replicas: [0, -1] }, 400, 40001],
      [{ replicas: [0.5] }, 400, 40001],
      [{ replicas: Array.from({ length: 65 }, (_, i) => i) }, 400, 40001],
      [{ replicas: [] }, 400, 40002],
      [{ replicas: [0, 0] }, 400, 40002],
      [{ replicas: [0, 7] }, 400, 40002],
    ];
    for (const [body, status, code] of refused) {
      const answer = await call(broker, admin, 'POST', reassignment, body);
      expect({ body, status: answer.status, code: answer.body?.error_code }).toEqual({ body, status, code });
    }
    const unknownBroker = await call(broker, admin, 'POST', reassignment, { replicas: [0, 7] });
    expect(unknownBroker.body.message).toMatch(/unregistered brokers: 7/);
    expect((await call(broker, admin, 'POST', `${root}/topics/nothing/partitions/0/reassignment`, { replicas: [0] })).body.error_code).toBe(
      40403,
    );
    expect((await call(broker, admin, 'POST', `${root}/topics/orders/partitions/3/reassignment`, { replicas: [0] })).status).toBe(404);
    expect((await call(broker, admin, 'DELETE', `${root}/topics/orders/partitions/3/reassignment`)).status).toBe(404);
    expect(
      (await call(broker, admin, 'POST', `/v3/clusters/foobar/topics/orders/partitions/0/reassignment`, { replicas: [0] })).status,
    ).toBe(404);
  });

  it('every answer above matches its operation in docs/openapi.json', async () => {
    type Documented = { $ref?: string; content?: Record<string, { schema?: { $ref?: string } }> };
    type Doc = {
      paths: Record<string, Record<string, { responses: Record<string, Documented> }>>;
      components: { responses: Record<string, Documented> };
    };
    const doc = readOpenApi() as unknown as Doc;
    const ajv = new Ajv2020({ strict: false, allErrors: true });
    addFormats(ajv);
    ajv.addSchema(doc, 'openapi.json');
    const P = '/v3/clusters/{cluster_id}/topics/{topic_name}/partitions/{partition_id}/reassignment';
    const calls: [path: string, method: string, url: string, who: Who | undefined, body?: unknown][] = [
      ['/brokers', 'get', '/brokers', admin],
      ['/brokers', 'get', '/brokers', undefined],
      ['/v3/clusters/{cluster_id}/broker-summaries', 'get', `${root}/broker-summaries`, admin],
      ['/v3/clusters/{cluster_id}/broker-summaries', 'get', `${root}/broker-summaries`, undefined],
      ['/v3/clusters/{cluster_id}/broker-summaries', 'get', '/v3/clusters/foobar/broker-summaries', admin],
      [P, 'post', reassignment, admin, { replicas: [0] }],
      [P, 'post', reassignment, admin, { replicas: 'x' }],
      [P, 'post', reassignment, admin],
      [P, 'post', reassignment, as('alice'), { replicas: [0] }],
      [P, 'post', `${root}/topics/nothing/partitions/0/reassignment`, admin, { replicas: [0] }],
      [P, 'delete', reassignment, admin],
      [P, 'delete', reassignment, as('alice')],
    ];
    for (const [path, method, url, who, body] of calls) {
      const answer = await call(broker, who, method.toUpperCase(), url, body);
      let documented = doc.paths[path][method].responses[String(answer.status)];
      expect({ url, method, status: answer.status, documented: documented !== undefined }).toEqual({
        url,
        method,
        status: answer.status,
        documented: true,
      });
      if (documented.$ref) documented = doc.components.responses[documented.$ref.split('/').pop()!];
      const ref = documented.content?.['application/json']?.schema?.$ref;
      expect(ref).toBeDefined();
      const valid = ajv.validate({ $ref: `openapi.json${ref}` }, answer.body);
      expect({ url, method, errors: ajv.errors ?? null, valid }).toEqual({ url, method, errors: null, valid: true });
    }
  });
});
