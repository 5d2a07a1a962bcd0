/* eslint-disable @typescript-eslint/no-explicit-any -- answers are read field by field */
import { admin, as, call, createAcls, createUser, eventually, startSecureBroker } from '../support/acl-helpers';
import type { BrokerProcess } from '../support/broker-process';

/**
 * The console's list views and histories with authorization on (contracts §3): a caller sees and
 * counts only the topics and groups it may DESCRIBE, a history of a topic or group it may not
 * DESCRIBE answers 40301 whether it exists or not, and no credentials answer 401.
 */
describe('console list views with auth on (real broker process)', () => {
  let broker: BrokerProcess | undefined;
  afterAll(async () => {
    await broker?.stop();
  });

  it('lists and counts only what the caller may DESCRIBE', async () => {
    broker = await startSecureBroker({ RUNNEL_HISTORY_INTERVAL_MS: '200' });
    for (const topic of ['vis-a', 'vis-b', 'hidden']) {
      expect((await call(broker, admin, 'POST', '/v3/clusters/-/topics', { topic_name: topic, partitions_count: 1 })).status).toBe(201);
    }
    // 3 records on the hidden topic, 2 on a visible one; both groups are behind on all of them.
    for (const [topic, count] of [
      ['hidden', 3],
      ['vis-a', 2],
    ] as const) {
      for (let i = 0; i < count; i++) {
        const produced = await call(broker, admin, 'POST', `/v3/clusters/-/topics/${topic}/records`, { value: { type: 'JSON', data: i } });
        expect(produced.status).toBe(200);
      }
    }
    for (const group of ['team-1', 'other']) {
      for (const topic of ['hidden', 'vis-a']) {
        const reset = await call(broker, admin, 'POST', `/v3/clusters/-/consumer-groups/${group}/offsets:reset`, { topic, to: 'earliest' });
        expect(reset.status).toBe(200);
      }
    }
    await createUser(broker, 'alice');
    await createAcls(broker, [
      {
        resource_type: 'TOPIC',
        resource_name: 'vis-',
        pattern_type: 'PREFIXED',
        principal: 'User:alice',
        operation: 'DESCRIBE',
        permission: 'ALLOW',
      },
      {
        resource_type: 'GROUP',
        resource_name: 'team-',
        pattern_type: 'PREFIXED',
        principal: 'User:alice',
        operation: 'DESCRIBE',
        permission: 'ALLOW',
      },
    ]);
    const alice = as('alice');

    const topics = await call(broker, alice, 'GET', '/v3/clusters/-/topic-summaries?sort=size&order=desc');
    expect(topics.status).toBe(200);
    expect(topics.body.total).toBe(2);
    expect(topics.body.data.map((t: any) => t.topic_name)).toEqual(['vis-a', 'vis-b']);
    const all = await call(broker, admin, 'GET', '/v3/clusters/-/topic-summaries');
    expect(all.body.total).toBe(3);

    // Lags are sampled: wait until a sample taken after every reset has reached both groups (a
    // sample between one group's two resets counts only its first topic).
    await eventually(async () => {
      const answer = await call(broker!, admin, 'GET', '/v3/clusters/-/consumer-group-summaries?sort=lag&order=desc');
      return answer.body.data.length === 2 && answer.body.data.every((g: any) => g.total_lag === 5);
    }, 30_000);
    const adminGroups = await call(broker, admin, 'GET', '/v3/clusters/-/consumer-group-summaries');
    expect(adminGroups.body.data.map((g: any) => [g.consumer_group_id, g.topics, g.total_lag])).toEqual([
      ['other', ['hidden', 'vis-a'], 5],
      ['team-1', ['hidden', 'vis-a'], 5],
    ]);
    // Alice sees one group, and of it only the topic she may DESCRIBE and its lag.
    const groups = await call(broker, alice, 'GET', '/v3/clusters/-/consumer-group-summaries?sort=lag');
    expect(groups.body).toMatchObject({ total: 1, data: [{ consumer_group_id: 'team-1', topics: ['vis-a'], total_lag: 2 }] });
    // The groups of one topic: of a topic she may DESCRIBE, the groups she may DESCRIBE and their lag
    // on it; of a topic she may not, nothing (whether groups read it or not).
    const ofTopic = await call(broker, alice, 'GET', '/v3/clusters/-/consumer-group-summaries?topic=vis-a');
    expect(ofTopic.body).toMatchObject({ total: 1, data: [{ consumer_group_id: 'team-1', topics: ['vis-a'], topic_lag: 2 }] });
    expect((await call(broker, alice, 'GET', '/v3/clusters/-/consumer-group-summaries?topic=hidden')).body).toMatchObject({
      data: [],
      total: 0,
    });
    const adminOfHidden = await call(broker, admin, 'GET', '/v3/clusters/-/consumer-group-summaries?topic=hidden');
    expect(adminOfHidden.body.data.map((g: any) => [g.consumer_group_id, g.topic_lag])).toEqual([
      ['other', 3],
      ['team-1', 3],
    ]);

    // Histories: 40301 without DESCRIBE (existing or not), 40403 / 40404 for what she may see but does not exist.
    expect((await call(broker, alice, 'GET', '/v3/clusters/-/topics/hidden/stats')).body.error_code).toBe(40301);
    expect((await call(broker, alice, 'GET', '/v3/clusters/-/topics/nothing/stats')).body.error_code).toBe(40301);
    expect((await call(broker, alice, 'GET', '/v3/clusters/-/topics/vis-none/stats')).body.error_code).toBe(40403);
    expect((await call(broker, alice, 'GET', '/v3/clusters/-/consumer-groups/other/lag-history')).body.error_code).toBe(40301);
    expect((await call(broker, alice, 'GET', '/v3/clusters/-/consumer-groups/team-9/lag-history')).body.error_code).toBe(40404);
    const history = await call(broker, alice, 'GET', '/v3/clusters/-/consumer-groups/team-1/lag-history');
    expect(history.status).toBe(200);
    expect(history.body.data.at(-1)).toMatchObject({
      total_lag: 2,
      partitions: [{ topic_name: 'vis-a', partition_id: 0, lag: 2 }],
    });
    const adminHistory = await call(broker, admin, 'GET', '/v3/clusters/-/consumer-groups/team-1/lag-history');
    expect(adminHistory.body.data.at(-1)).toMatchObject({ total_lag: 5 });
    expect(adminHistory.body.data.at(-1).partitions).toHaveLength(2);
    await eventually(async () => {
      const answer = await call(broker!, alice, 'GET', '/v3/clusters/-/topics/vis-a/stats');
      return answer.status === 200 && answer.body.data.length > 0;
    });

    const anonymous = await call(broker, undefined, 'GET', '/v3/clusters/-/topic-summaries');
    expect(anonymous.status).toBe(401);
    expect(anonymous.body.error_code).toBe(40101);
  });
});
