import { BrokerProcess, startBroker } from '../support/broker-process';
import { SpecValidator, linksIn } from '../conformance/confluent-spec';
import { GROUP_ENV, Member, createTopic, eventually, produce, range } from './group-support';

/**
 * Consumer groups, consumers, assignments, lags and lag summaries as Confluent REST v3 defines
 * them, against a real broker process and a real WebSocket member: every answer validates
 * against the operation's schema in Confluent's spec, every `self`/`related` link answers 200,
 * and the not-found cases answer 404 with an error body, as Confluent's integration tests
 * expect. (The coordinator link, /brokers/0, is served by the brokers resource; it is not
 * followed here.)
 */
/* eslint-disable @typescript-eslint/no-explicit-any -- answers are read field by field */
describe('broker process: consumer groups as Confluent REST v3', () => {
  let broker: BrokerProcess;
  let spec: SpecValidator;
  let clusterId: string;
  let clusterUrl: string;
  const members: Member[] = [];
  const GROUPS = '/clusters/{cluster_id}/consumer-groups';

  beforeAll(async () => {
    spec = new SpecValidator();
    broker = await startBroker({ env: GROUP_ENV });
    clusterId = ((await (await fetch(`${broker.baseUrl}/v3/clusters/-`)).json()) as any).cluster_id;
    clusterUrl = `${broker.baseUrl}/v3/clusters/${clusterId}`;
  });
  afterAll(async () => {
    for (const m of members.splice(0)) m.close();
    await broker?.stop();
  });

  /** GETs `path` (under the cluster) and checks the answer against `specPath`'s operation in the spec. */
  async function get(specPath: string, path: string): Promise<{ status: number; body: any }> {
    const response = await fetch(`${clusterUrl}${path}`);
    const body = (await response.json()) as any;
    expect({ path, problems: spec.checkBody('get', specPath, response.status, body) }).toEqual({ path, problems: [] });
    if (response.status >= 400) {
      expect(body).toEqual({ error_code: expect.any(Number), message: expect.any(String) });
      expect(Object.keys(body).sort()).toEqual(['error_code', 'message']);
    }
    return { status: response.status, body };
  }

  /** Every self/related URL of `body` answers 200 (the coordinator's broker link excepted, see above). */
  async function expectLinksAnswer(body: unknown): Promise<void> {
    const links = linksIn(body).filter((url) => !url.startsWith(`${clusterUrl}/brokers/`));
    expect(links.length).toBeGreaterThan(0);
    for (const url of new Set(links)) {
      expect(url.startsWith(`${clusterUrl}/`) || url === clusterUrl).toBe(true);
      const status = (await fetch(url)).status;
      expect({ url, status }).toEqual({ url, status: 200 });
    }
  }

  it('a group, its consumer, assignments and lags answer with the spec shapes; every link answers', async () => {
    await createTopic(broker, 'v3-orders', 2);
    await createTopic(broker, 'v3-audit', 1);
    await produce(broker, 'v3-orders', 0, range(5));
    await produce(broker, 'v3-orders', 1, range(3));
    await produce(broker, 'v3-audit', 0, range(4));
    const member = await Member.join(broker, {
      group: 'v3g',
      topics: ['v3-orders', 'v3-audit'],
      from: 'earliest',
      auto_commit: false,
      client_id: 'reporter',
    });
    members.push(member);
    await member.untilOwns(3);
    expect(await member.commit([{ topic: 'v3-orders', partition: 0, offset: 2 }])).toMatchObject({ type: 'committed' });
    const id = member.memberId;
    const consumerUrl = `${clusterUrl}/consumer-groups/v3g/consumers/${encodeURIComponent(id)}`;

    const group = await eventually(
      () => get(`${GROUPS}/{consumer_group_id}`, '/consumer-groups/v3g'),
      (r) => r.status === 200 && r.body.members_count === 1 && r.body.state === 'STABLE',
    );
    expect(group.body).toMatchObject({
      kind: 'KafkaConsumerGroup',
      metadata: { self: `${clusterUrl}/consumer-groups/v3g`, resource_name: `crn:///kafka=${clusterId}/consumer-group=v3g` },
      cluster_id: clusterId,
      consumer_group_id: 'v3g',
      is_simple: false,
      partition_assignor: expect.stringMatching(/./),
      state: 'STABLE',
      type: 'CLASSIC',
      is_mixed_consumer_group: false,
      coordinator: { related: `${clusterUrl}/brokers/0` },
      consumers: { related: `${clusterUrl}/consumer-groups/v3g/consumers` },
      lag_summary: { related: `${clusterUrl}/consumer-groups/v3g/lag-summary` },
    });
    await expectLinksAnswer(group.body);

    const consumers = await get(`${GROUPS}/{consumer_group_id}/consumers`, '/consumer-groups/v3g/consumers');
    expect(consumers.body.kind).toBe('KafkaConsumerList');
    expect(consumers.body.data.map((c: any) => c.consumer_id)).toEqual([id]);
    const consumer = await get(`${GROUPS}/{consumer_group_id}/consumers/{consumer_id}`, `/consumer-groups/v3g/consumers/${id}`);
    expect(consumer.body).toMatchObject({
      kind: 'KafkaConsumer',
      metadata: { self: consumerUrl, resource_name: `crn:///kafka=${clusterId}/consumer-group=v3g/consumer=${id}` },
      cluster_id: clusterId,
      consumer_group_id: 'v3g',
      consumer_id: id,
      instance_id: null,
      client_id: 'reporter',
      assignments: { related: `${consumerUrl}/assignments` },
    });
    await expectLinksAnswer(consumers.body);

    const assignments = await get(
      `${GROUPS}/{consumer_group_id}/consumers/{consumer_id}/assignments`,
      `/consumer-groups/v3g/consumers/${id}/assignments`,
    );
    expect(assignments.body.kind).toBe('KafkaConsumerAssignmentList');
    expect(assignments.body.data.map((a: any) => `${a.topic_name}/${a.partition_id}`)).toEqual([
      'v3-audit/0',
      'v3-orders/0',
      'v3-orders/1',
    ]);
    const assignment = await get(
      `${GROUPS}/{consumer_group_id}/consumers/{consumer_id}/assignments/{topic_name}/partitions/{partition_id}`,
      `/consumer-groups/v3g/consumers/${id}/assignments/v3-orders/partitions/1`,
    );
    expect(assignment.body).toEqual({
      kind: 'KafkaConsumerAssignment',
      metadata: {
        self: `${consumerUrl}/assignments/v3-orders/partitions/1`,
        resource_name: `crn:///kafka=${clusterId}/consumer-group=v3g/consumer=${id}/assignment=v3-orders/partition=1`,
      },
      cluster_id: clusterId,
      consumer_group_id: 'v3g',
      consumer_id: id,
      topic_name: 'v3-orders',
      partition_id: 1,
      partition: { related: `${clusterUrl}/topics/v3-orders/partitions/1` },
      lag: { related: `${clusterUrl}/consumer-groups/v3g/lags/v3-orders/partitions/1` },
    });
    // The lag links of assigned, never committed partitions answer too.
    await expectLinksAnswer(assignments.body);

    // orders/0 committed at 2; orders/1 and audit/0 assigned without a commit: counted from the log start (0).
    const lags = await get(`${GROUPS}/{consumer_group_id}/lags`, '/consumer-groups/v3g/lags');
    expect(lags.body.kind).toBe('KafkaConsumerLagList');
    expect(
      lags.body.data.map((l: any) => [l.topic_name, l.partition_id, l.current_offset, l.log_end_offset, l.lag, l.consumer_id]),
    ).toEqual([
      ['v3-audit', 0, 0, 4, 4, id],
      ['v3-orders', 0, 2, 5, 3, id],
      ['v3-orders', 1, 0, 3, 3, id],
    ]);
    await expectLinksAnswer(lags.body);
    const lag = await get(
      `${GROUPS}/{consumer_group_id}/lags/{topic_name}/partitions/{partition_id}`,
      '/consumer-groups/v3g/lags/v3-orders/partitions/0',
    );
    expect(lag.body).toEqual({
      kind: 'KafkaConsumerLag',
      metadata: {
        self: `${clusterUrl}/consumer-groups/v3g/lags/v3-orders/partitions/0`,
        resource_name: `crn:///kafka=${clusterId}/consumer-group=v3g/lag=v3-orders/partition=0`,
      },
      cluster_id: clusterId,
      consumer_group_id: 'v3g',
      topic_name: 'v3-orders',
      partition_id: 0,
      current_offset: 2,
      log_end_offset: 5,
      lag: 3,
      consumer_id: id,
      instance_id: null,
      client_id: 'reporter',
    });

    const summary = await get(`${GROUPS}/{consumer_group_id}/lag-summary`, '/consumer-groups/v3g/lag-summary');
    expect(summary.body).toEqual({
      kind: 'KafkaConsumerGroupLagSummary',
      metadata: {
        self: `${clusterUrl}/consumer-groups/v3g/lag-summary`,
        resource_name: `crn:///kafka=${clusterId}/consumer-group=v3g/lag-summary`,
      },
      cluster_id: clusterId,
      consumer_group_id: 'v3g',
      max_lag_consumer_id: id,
      max_lag_instance_id: null,
      max_lag_client_id: 'reporter',
      max_lag_topic_name: 'v3-audit',
      max_lag_partition_id: 0,
      max_lag: 4,
      total_lag: 10,
      max_lag_consumer: { related: consumerUrl },
      max_lag_partition: { related: `${clusterUrl}/topics/v3-audit/partitions/0` },
    });
    await expectLinksAnswer(summary.body);
  });

  it('lists every group in one answer without limit, pages with limit; a group without members validates too', async () => {
    // A group created by offsets:reset: committed offsets, no member.
    const reset = await fetch(`${clusterUrl}/consumer-groups/v3-idle/offsets:reset`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ topic: 'v3-audit', to: { offset: 1 } }),
    });
    expect(reset.status).toBe(200);
    const all = await get(GROUPS, '/consumer-groups');
    expect(all.body.kind).toBe('KafkaConsumerGroupList');
    expect(all.body.metadata).toEqual({ self: `${clusterUrl}/consumer-groups`, next: null });
    expect(all.body.data.map((g: any) => g.consumer_group_id)).toEqual(['v3-idle', 'v3g']);
    expect(all.body.data[0]).toMatchObject({ state: 'EMPTY', type: 'CLASSIC', partition_assignor: '' });
    await expectLinksAnswer(all.body);

    const first = await get(GROUPS, '/consumer-groups?limit=1');
    expect(first.body.data.map((g: any) => g.consumer_group_id)).toEqual(['v3-idle']);
    const next = await fetch(first.body.metadata.next);
    const second = (await next.json()) as any;
    expect(spec.checkBody('get', GROUPS, next.status, second)).toEqual([]);
    expect(second.data.map((g: any) => g.consumer_group_id)).toEqual(['v3g']);
    expect(second.metadata.next).toBeNull();

    // No member owns the partition: consumer id "" (as Confluent), and the max-lag consumer link names the consumer list.
    const lags = await get(`${GROUPS}/{consumer_group_id}/lags`, '/consumer-groups/v3-idle/lags');
    expect(lags.body.data).toEqual([
      expect.objectContaining({ topic_name: 'v3-audit', partition_id: 0, current_offset: 1, lag: 3, consumer_id: '', client_id: '' }),
    ]);
    const summary = await get(`${GROUPS}/{consumer_group_id}/lag-summary`, '/consumer-groups/v3-idle/lag-summary');
    expect(summary.body).toMatchObject({
      max_lag_consumer_id: '',
      max_lag: 3,
      total_lag: 3,
      max_lag_consumer: { related: `${clusterUrl}/consumer-groups/v3-idle/consumers` },
    });
    await expectLinksAnswer(summary.body);
    const consumers = await get(`${GROUPS}/{consumer_group_id}/consumers`, '/consumer-groups/v3-idle/consumers');
    expect(consumers.body.data).toEqual([]);
  });

  it('a group id that needs escaping in a URL: every link still names the group and answers', async () => {
    const groupId = 'ops team/eu?#1';
    const path = `/consumer-groups/${encodeURIComponent(groupId)}`;
    const reset = await fetch(`${clusterUrl}${path}/offsets:reset`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ topic: 'v3-orders', to: 'earliest' }),
    });
    expect(reset.status).toBe(200);
    const group = await get(`${GROUPS}/{consumer_group_id}`, path);
    expect(group.body).toMatchObject({ consumer_group_id: groupId, metadata: { self: `${clusterUrl}${path}` } });
    await expectLinksAnswer(group.body);
    const summary = await get(`${GROUPS}/{consumer_group_id}/lag-summary`, `${path}/lag-summary`);
    expect(summary.body).toMatchObject({ consumer_group_id: groupId, total_lag: 8 });
    await expectLinksAnswer(summary.body);
    await expectLinksAnswer((await get(`${GROUPS}/{consumer_group_id}/lags`, `${path}/lags`)).body);
  });

  it('answers 404 with an error body for what is not there, as Confluent', async () => {
    const member = await Member.join(broker, { group: 'v3-none', topic_prefix: 'v3-nothing-', client_id: 'idle' });
    members.push(member);
    const id = member.memberId;
    const notFound: [string, string, number][] = [
      [`${GROUPS}/{consumer_group_id}`, '/consumer-groups/v3-nope', 40404],
      [`${GROUPS}/{consumer_group_id}/consumers`, '/consumer-groups/v3-nope/consumers', 40404],
      [`${GROUPS}/{consumer_group_id}/consumers/{consumer_id}`, '/consumer-groups/v3-nope/consumers/x', 40404],
      [`${GROUPS}/{consumer_group_id}/lags`, '/consumer-groups/v3-nope/lags', 40404],
      [`${GROUPS}/{consumer_group_id}/lag-summary`, '/consumer-groups/v3-nope/lag-summary', 40404],
      [
        `${GROUPS}/{consumer_group_id}/lags/{topic_name}/partitions/{partition_id}`,
        '/consumer-groups/v3-nope/lags/v3-orders/partitions/0',
        40404,
      ],
      // A member, but nothing assigned and nothing committed: no lags, no summary (Confluent: 404).
      [`${GROUPS}/{consumer_group_id}/lags`, '/consumer-groups/v3-none/lags', 404],
      [`${GROUPS}/{consumer_group_id}/lag-summary`, '/consumer-groups/v3-none/lag-summary', 404],
      [`${GROUPS}/{consumer_group_id}/consumers/{consumer_id}`, '/consumer-groups/v3g/consumers/not-a-member', 404],
      [`${GROUPS}/{consumer_group_id}/consumers/{consumer_id}/assignments`, '/consumer-groups/v3g/consumers/not-a-member/assignments', 404],
      [
        `${GROUPS}/{consumer_group_id}/consumers/{consumer_id}/assignments/{topic_name}/partitions/{partition_id}`,
        `/consumer-groups/v3-none/consumers/${id}/assignments/v3-orders/partitions/0`,
        404,
      ],
      [
        `${GROUPS}/{consumer_group_id}/lags/{topic_name}/partitions/{partition_id}`,
        '/consumer-groups/v3g/lags/v3-orders/partitions/7',
        404,
      ],
      [
        `${GROUPS}/{consumer_group_id}/lags/{topic_name}/partitions/{partition_id}`,
        '/consumer-groups/v3g/lags/v3-orders/partitions/one',
        404,
      ],
      [
        `${GROUPS}/{consumer_group_id}/lags/{topic_name}/partitions/{partition_id}`,
        '/consumer-groups/v3g/lags/v3-missing/partitions/0',
        404,
      ],
    ];
    for (const [specPath, path, errorCode] of notFound) {
      const answer = await get(specPath, path);
      expect({ path, status: answer.status, error_code: answer.body.error_code }).toEqual({ path, status: 404, error_code: errorCode });
    }
    // The group with a member and nothing to read still describes, with its consumer and an empty assignment list.
    expect((await get(`${GROUPS}/{consumer_group_id}`, '/consumer-groups/v3-none')).body.members_count).toBe(1);
    const assignments = await get(
      `${GROUPS}/{consumer_group_id}/consumers/{consumer_id}/assignments`,
      `/consumer-groups/v3-none/consumers/${id}/assignments`,
    );
    expect(assignments.body.data).toEqual([]);
    const otherCluster = await fetch(`${broker.baseUrl}/v3/clusters/not-this-one/consumer-groups/v3g/lag-summary`);
    expect(otherCluster.status).toBe(404);
  });
});
