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
    for (const group of ['team-1', 'other']) {
      const reset = await call(broker, admin, 'POST', `/v3/clusters/-/consumer-groups/${group}/offsets:reset`, {
        topic: 'hidden',
        to: 'earliest',
      });
      expect(reset.status).toBe(200);
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

    const groups = await call(broker, alice, 'GET', '/v3/clusters/-/consumer-group-summaries');
    expect(groups.body).toMatchObject({ total: 1, data: [{ consumer_group_id: 'team-1' }] });
    // The group's topic is one alice may not DESCRIBE: it is not named to her.
    expect(groups.body.data[0].topics).toEqual([]);
    const adminGroups = await call(broker, admin, 'GET', '/v3/clusters/-/consumer-group-summaries');
    expect(adminGroups.body.data.map((g: any) => [g.consumer_group_id, g.topics])).toEqual([
      ['other', ['hidden']],
      ['team-1', ['hidden']],
    ]);

    // Histories: 40301 without DESCRIBE (existing or not), 40403 / 40404 for what she may see but does not exist.
    expect((await call(broker, alice, 'GET', '/v3/clusters/-/topics/hidden/stats')).body.error_code).toBe(40301);
    expect((await call(broker, alice, 'GET', '/v3/clusters/-/topics/nothing/stats')).body.error_code).toBe(40301);
    expect((await call(broker, alice, 'GET', '/v3/clusters/-/topics/vis-none/stats')).body.error_code).toBe(40403);
    expect((await call(broker, alice, 'GET', '/v3/clusters/-/consumer-groups/other/lag-history')).body.error_code).toBe(40301);
    expect((await call(broker, alice, 'GET', '/v3/clusters/-/consumer-groups/team-9/lag-history')).body.error_code).toBe(40404);
    await eventually(async () => {
      const answer = await call(broker!, alice, 'GET', '/v3/clusters/-/consumer-groups/team-1/lag-history');
      // Points are there, but the partition of the hidden topic is not.
      return answer.status === 200 && answer.body.data.length > 0 && answer.body.data.every((p: any) => p.partitions.length === 0);
    });
    await eventually(async () => {
      const answer = await call(broker!, alice, 'GET', '/v3/clusters/-/topics/vis-a/stats');
      return answer.status === 200 && answer.body.data.length > 0;
    });

    const anonymous = await call(broker, undefined, 'GET', '/v3/clusters/-/topic-summaries');
    expect(anonymous.status).toBe(401);
    expect(anonymous.body.error_code).toBe(40101);
  });
});
