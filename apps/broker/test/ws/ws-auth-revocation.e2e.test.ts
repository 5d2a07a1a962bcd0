import { BrokerProcess, startBroker } from '../support/broker-process';
import { ADMIN_PASSWORD, basic, call } from './ws-auth-kit';
import { WsClient } from './ws-client';

/**
 * An ACL change reaches open WebSocket subscriptions (issue: "a revoked READ ends the
 * subscription with 40301"): ACLs granted and revoked through the Confluent v3 ACL endpoints
 * while alice's socket is open.
 */
describe('broker process: revoking READ ends open WebSocket subscriptions', () => {
  const ALICE = basic('alice', 'alice-password-1');
  let broker: BrokerProcess;
  let cluster: string;
  const clients: WsClient[] = [];
  const binding = (resource_type: string, resource_name: string) => ({
    resource_type,
    resource_name,
    pattern_type: 'LITERAL',
    principal: 'User:alice',
    host: '*',
    operation: 'READ',
    permission: 'ALLOW',
  });

  beforeAll(async () => {
    broker = await startBroker({ env: { RUNNEL_AUTH: 'on', RUNNEL_ADMIN_PASSWORD: ADMIN_PASSWORD } });
    cluster = (await call(broker.baseUrl, 'GET', '/v3/clusters')).body.data[0].cluster_id;
    expect(
      (await call(broker.baseUrl, 'POST', `/v3/clusters/${cluster}/users`, { name: 'alice', password: 'alice-password-1' })).status,
    ).toBe(201);
    expect((await call(broker.baseUrl, 'POST', `/v3/clusters/${cluster}/topics`, { topic_name: 'live', partitions_count: 1 })).status).toBe(
      201,
    );
    for (const acl of [binding('TOPIC', 'live'), binding('GROUP', 'g')]) {
      expect((await call(broker.baseUrl, 'POST', `/v3/clusters/${cluster}/acls`, acl)).status).toBe(201);
    }
  });
  afterAll(async () => {
    for (const client of clients) client.close();
    await broker?.stop();
  });

  it('ends a plain subscription and a group member with 40301 error frames; the socket stays open', async () => {
    const alice = await WsClient.open(broker.baseUrl, '/v3/ws', { headers: { authorization: ALICE } });
    clients.push(alice);
    alice.send({ type: 'subscribe', sub: 'plain', topic: 'live', from: 'earliest', format: 'string' });
    alice.send({ type: 'subscribe', sub: 'member', group: 'g', topic: 'live', from: 'earliest', format: 'string' });
    await alice.until(() => alice.of('subscribed').length === 2);

    const admin = await WsClient.open(broker.baseUrl, '/v3/ws', { headers: { authorization: basic('admin', ADMIN_PASSWORD) } });
    clients.push(admin);
    admin.send({ type: 'produce', ref: 1, topic: 'live', records: [{ value: { type: 'STRING', data: 'before' } }] });
    await alice.untilRecords('plain', 1);

    const query = new URLSearchParams({ ...binding('TOPIC', 'live') }).toString();
    const deleted = await call(broker.baseUrl, 'DELETE', `/v3/clusters/${cluster}/acls?${query}`);
    expect(deleted.status).toBe(200);
    expect(deleted.body.data).toHaveLength(1);

    // Waits on the frames (the broker re-checks at once; the test does not measure how fast).
    await alice.until(() => alice.of('error', 'plain').length === 1 && alice.of('error', 'member').length === 1);
    for (const sub of ['plain', 'member']) {
      expect(alice.of('error', sub)[0]).toEqual({
        type: 'error',
        sub,
        error_code: 40301,
        message: expect.stringContaining("User:alice is not authorized to READ TOPIC 'live'"),
      });
    }
    // Nothing more is delivered, and the socket is still usable.
    admin.send({ type: 'produce', ref: 2, topic: 'live', records: [{ value: { type: 'STRING', data: 'after' } }] });
    alice.send({ type: 'subscribe', sub: 'again', topic: 'live', from: 'earliest' });
    expect((await alice.next('error', 1, 'again')).error_code).toBe(40301);
    expect(alice.records('plain').map((r) => r.value.data)).toEqual(['before']);
    expect(alice.closeCode).toBeUndefined();
    // The member left its group: the group has no members.
    const group = await call(broker.baseUrl, 'GET', `/v3/clusters/${cluster}/consumer-groups/g/consumers`);
    expect(group.status).toBe(200);
    expect(group.body.data).toEqual([]);
  });

  it('ends the open subscriptions of a deleted API key, then of a deleted user; the name created again subscribes anew', async () => {
    const bob = await call(broker.baseUrl, 'POST', `/v3/clusters/${cluster}/users`, { name: 'bob', password: 'bob-password-1' });
    expect(bob.status).toBe(201);
    const grant = { ...binding('TOPIC', 'live'), principal: 'User:bob' };
    expect((await call(broker.baseUrl, 'POST', `/v3/clusters/${cluster}/acls`, grant)).status).toBe(201);
    const key = await call(broker.baseUrl, 'POST', `/v3/clusters/${cluster}/users/bob/api-keys`, {});
    expect(key.status).toBe(201);

    const byKey = await WsClient.open(broker.baseUrl, '/v3/ws', { headers: { authorization: `Bearer ${key.body.secret}` } });
    const byPassword = await WsClient.open(broker.baseUrl, '/v3/ws', { headers: { authorization: basic('bob', 'bob-password-1') } });
    clients.push(byKey, byPassword);
    for (const client of [byKey, byPassword]) {
      client.send({ type: 'subscribe', sub: 's', topic: 'live', from: 'latest' });
      await client.next('subscribed', 1, 's');
    }

    // Deleting the key ends what it opened, not what the password opened.
    expect((await call(broker.baseUrl, 'DELETE', `/v3/clusters/${cluster}/users/bob/api-keys/${key.body.key_id}`)).status).toBe(204);
    expect((await byKey.next('error', 1, 's')).error_code).toBe(40301);
    const admin = await WsClient.open(broker.baseUrl, '/v3/ws', { headers: { authorization: basic('admin', ADMIN_PASSWORD) } });
    clients.push(admin);
    admin.send({ type: 'produce', ref: 'k', topic: 'live', records: [{ value: { type: 'STRING', data: 'after-key' } }] });
    await byPassword.untilRecords('s', 1);
    expect(byPassword.of('error', 's')).toEqual([]);

    // Deleting the user ends the rest.
    expect((await call(broker.baseUrl, 'DELETE', `/v3/clusters/${cluster}/users/bob`)).status).toBe(204);
    expect((await byPassword.next('error', 1, 's')).error_code).toBe(40301);

    // A user created again under the name is a new principal's session, not a revoked one.
    expect((await call(broker.baseUrl, 'POST', `/v3/clusters/${cluster}/users`, { name: 'bob', password: 'bob-password-2' })).status).toBe(
      201,
    );
    const again = await WsClient.open(broker.baseUrl, '/v3/ws', { headers: { authorization: basic('bob', 'bob-password-2') } });
    clients.push(again);
    again.send({ type: 'subscribe', sub: 's', topic: 'live', from: 'latest' });
    await again.next('subscribed', 1, 's');
  });
});
