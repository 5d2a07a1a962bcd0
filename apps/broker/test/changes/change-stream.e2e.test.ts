import { BrokerProcess, startBroker } from '../support/broker-process';
import { ADMIN, basic, call, createUser, startSecureBroker } from '../security/authentication-support';
import { ServerFrame, WsClient } from '../ws/ws-client';

/**
 * The metadata change stream (WebSocket `watch`) against real brokers: a watcher hears topics,
 * groups and ACLs change as deltas; a caller hears only what it may DESCRIBE; a watcher that
 * falls behind gets 42901 "resync" and its watch ends; watches leave nothing behind.
 */
interface Delta {
  resource: string;
  op: string;
  name?: string;
  partitions_count?: number;
  state?: string;
  members?: number;
  binding?: Record<string, string>;
  at: number;
}

const deltasOf = (client: WsClient, sub = 'w1'): Delta[] => client.of('changes', sub).flatMap((f: ServerFrame) => f.changes as Delta[]);
const named = (client: WsClient, resource: string, name: string): Delta[] =>
  deltasOf(client).filter((d) => d.resource === resource && d.name === name);

/** Waits (with a deadline) until the watcher has a delta matching `match`; answers it. */
async function seen(client: WsClient, match: (d: Delta) => boolean, what: string, deadlineMs = 10_000): Promise<Delta> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no delta: ${what}; got ${JSON.stringify(deltasOf(client))}`)), deadlineMs);
  });
  try {
    await Promise.race([client.until(() => deltasOf(client).some(match)), deadline]);
  } finally {
    clearTimeout(timer);
  }
  return deltasOf(client).find(match)!;
}

describe('the change stream with authentication on', () => {
  let broker: BrokerProcess;
  let admin: WsClient;
  let alice: WsClient;
  let member: WsClient;
  const url = (path: string) => `${broker.baseUrl}/v3/clusters/-${path}`;
  const asAdmin = async (method: string, path: string, body?: unknown, expected = [200, 201, 204]) => {
    const answer = await call(method, url(path), ADMIN, body);
    if (!expected.includes(answer.status)) throw new Error(`${method} ${path}: ${answer.status} ${JSON.stringify(answer.body)}`);
    return answer;
  };
  const ALICE = basic('alice', 'alice-password');
  const aliceAcl = (type: string, operation: string) => ({
    resource_type: type,
    resource_name: 'vis-',
    pattern_type: 'PREFIXED',
    principal: 'User:alice',
    host: '*',
    operation,
    permission: 'ALLOW',
  });

  beforeAll(async () => {
    broker = await startSecureBroker();
    await createUser(broker, 'alice', 'alice-password');
    await asAdmin('POST', '/acls', aliceAcl('TOPIC', 'DESCRIBE'));
    await asAdmin('POST', '/acls', aliceAcl('GROUP', 'DESCRIBE'));
    admin = await WsClient.open(broker.baseUrl, '/v3/ws', { headers: { authorization: ADMIN } });
    alice = await WsClient.open(broker.baseUrl, '/v3/ws', { headers: { authorization: ALICE } });
    for (const client of [admin, alice]) {
      client.send({ type: 'watch', sub: 'w1', resources: ['topics', 'groups', 'acls', 'topics'] });
      expect(await client.next('watching')).toEqual({ type: 'watching', sub: 'w1', resources: ['topics', 'groups', 'acls'] });
    }
  });
  afterAll(async () => {
    for (const client of [admin, alice, member]) client?.close();
    await broker?.stop();
  });

  it('tells a watcher of topics created, updated (partitions added, configs altered) and deleted', async () => {
    const before = Date.now();
    await asAdmin('POST', '/topics', { topic_name: 'vis-a', partitions_count: 3 });
    const created = await seen(admin, (d) => d.name === 'vis-a' && d.op === 'created', 'vis-a created');
    expect(created).toEqual({ resource: 'topic', op: 'created', name: 'vis-a', partitions_count: 3, at: expect.any(Number) });
    expect(created.at).toBeGreaterThanOrEqual(before);
    await asAdmin('PATCH', '/topics/vis-a', { partitions_count: 5 });
    expect(await seen(admin, (d) => d.name === 'vis-a' && d.partitions_count === 5, 'vis-a with 5 partitions')).toMatchObject({
      op: 'updated',
    });
    await asAdmin('PUT', '/topics/vis-a/configs/retention.ms', { value: '3600000' });
    await seen(admin, (d) => d.name === 'vis-a' && named(admin, 'topic', 'vis-a').length === 3, 'vis-a updated by its configs');
    await asAdmin('DELETE', '/topics/vis-a');
    await seen(admin, (d) => d.name === 'vis-a' && d.op === 'deleted', 'vis-a deleted');
    expect(named(admin, 'topic', 'vis-a').map((d) => [d.op, d.partitions_count])).toEqual([
      ['created', 3],
      ['updated', 5],
      ['updated', 5],
      ['deleted', undefined],
    ]);
    // Alice may DESCRIBE vis-*: she heard the same.
    await seen(alice, (d) => d.name === 'vis-a' && d.op === 'deleted', 'alice: vis-a deleted');
    expect(named(alice, 'topic', 'vis-a').map((d) => d.op)).toEqual(['created', 'updated', 'updated', 'deleted']);
  });

  it('tells a watcher of groups created, updated on membership changes (not on commits) and deleted', async () => {
    await asAdmin('POST', '/topics', { topic_name: 'vis-t', partitions_count: 1 });
    await asAdmin('POST', '/consumer-groups/vis-g/offsets:reset', { topic: 'vis-t', to: 'earliest' });
    expect(await seen(admin, (d) => d.name === 'vis-g', 'vis-g created')).toEqual({
      resource: 'group',
      op: 'created',
      name: 'vis-g',
      state: 'EMPTY',
      members: 0,
      at: expect.any(Number),
    });
    member = await WsClient.open(broker.baseUrl, '/v3/ws', { headers: { authorization: ADMIN } });
    member.send({ type: 'subscribe', sub: 'm', group: 'vis-g', topic: 'vis-t', auto_commit: false });
    await member.next('subscribed', 1, 'm');
    expect(await seen(admin, (d) => d.name === 'vis-g' && d.members === 1, 'vis-g with a member')).toMatchObject({
      op: 'updated',
      state: 'STABLE',
    });
    member.send({ type: 'commit', sub: 'm', offsets: [{ partition: 0, offset: 0 }] });
    await member.next('committed', 1, 'm');
    // A later change the watcher hears: the commit's delta, had there been one, came before it.
    await asAdmin('POST', '/topics', { topic_name: 'vis-after-commit', partitions_count: 1 });
    await seen(admin, (d) => d.name === 'vis-after-commit', 'vis-after-commit created');
    member.send({ type: 'unsubscribe', sub: 'm' });
    await seen(admin, (d) => d.name === 'vis-g' && d.members === 0 && d.op === 'updated', 'vis-g empty again');
    await asAdmin('DELETE', '/consumer-groups/vis-g');
    await seen(admin, (d) => d.name === 'vis-g' && d.op === 'deleted', 'vis-g deleted');
    const expected = [
      ['created', 'EMPTY', 0],
      ['updated', 'STABLE', 1],
      ['updated', 'EMPTY', 0],
      ['deleted', undefined, undefined],
    ];
    expect(named(admin, 'group', 'vis-g').map((d) => [d.op, d.state, d.members])).toEqual(expected);
    await seen(alice, (d) => d.name === 'vis-g' && d.op === 'deleted', 'alice: vis-g deleted');
    expect(named(alice, 'group', 'vis-g').map((d) => [d.op, d.state, d.members])).toEqual(expected);
  });

  it('tells a watcher with DESCRIBE on the cluster of ACL bindings created and deleted', async () => {
    const binding = {
      resource_type: 'TOPIC',
      resource_name: 'orders',
      pattern_type: 'LITERAL',
      principal: 'User:bob',
      host: '*',
      operation: 'WRITE',
      permission: 'ALLOW',
    };
    await asAdmin('POST', '/acls', binding);
    const isBob = (d: Delta) => d.resource === 'acl' && d.binding?.principal === 'User:bob';
    expect(await seen(admin, isBob, 'the ACL created')).toEqual({
      resource: 'acl',
      op: 'created',
      binding: { kind: 'KafkaAcl', cluster_id: expect.any(String), ...binding },
      at: expect.any(Number),
    });
    await asAdmin('DELETE', `/acls?${new URLSearchParams(binding).toString()}`);
    await seen(admin, (d) => isBob(d) && d.op === 'deleted', 'the ACL deleted');
    expect(
      deltasOf(admin)
        .filter(isBob)
        .map((d) => d.op),
    ).toEqual(['created', 'deleted']);
  });

  it('tells a caller nothing of what it may not DESCRIBE: topics, groups, ACLs', async () => {
    // Each step waits for the admin's delta: changes within one coalescing window would net out.
    const steps: [string, string, unknown, (d: Delta) => boolean][] = [
      ['POST', '/topics', { topic_name: 'hidden-t', partitions_count: 2 }, (d) => d.name === 'hidden-t' && d.op === 'created'],
      ['PATCH', '/topics/hidden-t', { partitions_count: 3 }, (d) => d.name === 'hidden-t' && d.partitions_count === 3],
      ['POST', '/consumer-groups/hidden-g/offsets:reset', { topic: 'hidden-t', to: 'earliest' }, (d) => d.name === 'hidden-g'],
      ['DELETE', '/consumer-groups/hidden-g', undefined, (d) => d.name === 'hidden-g' && d.op === 'deleted'],
      ['DELETE', '/topics/hidden-t', undefined, (d) => d.name === 'hidden-t' && d.op === 'deleted'],
    ];
    for (const [method, path, body, match] of steps) {
      await asAdmin(method, path, body);
      await seen(admin, match, `admin: ${method} ${path}`);
    }
    // Every delta before this one has reached alice once this one has.
    await asAdmin('POST', '/topics', { topic_name: 'vis-sentinel', partitions_count: 1 });
    await seen(alice, (d) => d.name === 'vis-sentinel', 'alice: the sentinel');
    const heard = deltasOf(alice);
    expect(heard.filter((d) => d.name?.startsWith('hidden-'))).toEqual([]);
    expect(heard.filter((d) => d.resource === 'acl')).toEqual([]);
    expect(heard.every((d) => d.name?.startsWith('vis-'))).toBe(true);
    expect(deltasOf(admin).some((d) => d.name === 'hidden-g')).toBe(true);
  });

  it('unwatch stops the deltas; an unknown or repeated name is an error frame for that sub', async () => {
    alice.send({ type: 'watch', sub: 'w2', resources: ['topics'] });
    await alice.next('watching', 1, 'w2');
    alice.send({ type: 'watch', sub: 'w2', resources: ['groups'] });
    expect(await alice.next('error', 1, 'w2')).toMatchObject({ error_code: 40001, message: expect.stringContaining('in use') });
    alice.send({ type: 'unwatch', sub: 'w2' });
    alice.send({ type: 'unwatch', sub: 'w2' });
    expect(await alice.next('error', 2, 'w2')).toMatchObject({ error_code: 40001, message: expect.stringContaining('unknown watch') });
    alice.send({ type: 'watch', sub: 'w3', resources: ['tables'] });
    expect(await alice.next('error', 1, 'w3')).toMatchObject({ error_code: 40001, message: expect.stringContaining('"topics"') });
    alice.send({ type: 'watch', sub: 'w3', resources: [] });
    expect(await alice.next('error', 2, 'w3')).toMatchObject({ error_code: 40001 });
    // Watches and subscriptions share the names of a socket.
    alice.send({ type: 'subscribe', sub: 'w1', topic: 'vis-t' });
    expect(await alice.next('error', 1, 'w1')).toMatchObject({ error_code: 40001, message: expect.stringContaining('already exists') });
    admin.send({ type: 'subscribe', sub: 's1', topic: 'vis-t' });
    await admin.next('subscribed', 1, 's1');
    admin.send({ type: 'watch', sub: 's1', resources: ['topics'] });
    expect(await admin.next('error', 1, 's1')).toMatchObject({ error_code: 40001, message: expect.stringContaining('in use') });
    admin.send({ type: 'unsubscribe', sub: 's1' });
    await asAdmin('POST', '/topics', { topic_name: 'vis-after-unwatch', partitions_count: 1 });
    await seen(alice, (d) => d.name === 'vis-after-unwatch', 'w1: vis-after-unwatch');
    expect(alice.of('changes', 'w2')).toEqual([]);
  });
});

describe('the change stream: bounds', () => {
  let broker: BrokerProcess;
  const clients: WsClient[] = [];
  beforeAll(async () => {
    broker = await startBroker({ env: { RUNNEL_WATCH_QUEUE_MAX: '5' } });
  });
  afterAll(async () => {
    for (const client of clients) client.close();
    await broker?.stop();
  });
  const open = async () => {
    const client = await WsClient.open(broker.baseUrl);
    clients.push(client);
    return client;
  };
  const acl = (i: number) => ({
    resource_type: 'TOPIC',
    resource_name: `t${i}`,
    pattern_type: 'LITERAL',
    principal: 'User:someone',
    host: '*',
    operation: 'READ',
    permission: 'ALLOW',
  });

  it('ends a watch whose queue overflows with 42901 "resync"; the socket and its other watches carry on', async () => {
    const client = await open();
    client.send({ type: 'watch', sub: 'acls', resources: ['acls'] });
    client.send({ type: 'watch', sub: 'topics', resources: ['topics'] });
    await client.next('watching', 2);
    // One change of 10 bindings: 10 distinct deltas at once, over the queue's 5.
    const batch = await call('POST', `${broker.baseUrl}/v3/clusters/-/acls:batch`, undefined, {
      data: Array.from({ length: 10 }, (_, i) => acl(i)),
    });
    expect(batch.status).toBe(201);
    expect(await client.next('error', 1, 'acls')).toEqual({
      type: 'error',
      sub: 'acls',
      error_code: 42901,
      message: expect.stringMatching(/resync$/),
    });
    // The ended watch hears nothing more; the other one still does, and the name is free again.
    await call(
      'DELETE',
      `${broker.baseUrl}/v3/clusters/-/acls?resource_type=TOPIC&pattern_type=LITERAL&principal=User:someone&operation=READ&permission=ALLOW&host=*&resource_name=t0`,
    );
    expect(
      (await call('POST', `${broker.baseUrl}/v3/clusters/-/topics`, undefined, { topic_name: 'after', partitions_count: 1 })).status,
    ).toBe(201);
    await client.until(() => client.of('changes', 'topics').length > 0);
    expect(client.of('changes', 'topics')[0].changes).toEqual([
      { resource: 'topic', op: 'created', name: 'after', partitions_count: 1, at: expect.any(Number) },
    ]);
    expect(client.of('changes', 'acls')).toEqual([]);
    client.send({ type: 'watch', sub: 'acls', resources: ['acls'] });
    await client.next('watching', 3);
  });

  it('leaves no watch behind after many watch/unwatch cycles and closed sockets (runnel_change_watchers)', async () => {
    const watchers = async (): Promise<number> => {
      const text = await (await fetch(`${broker.baseUrl}/metrics`)).text();
      return Number(/^runnel_change_watchers (\d+)$/m.exec(text)?.[1]);
    };
    const client = await open();
    for (let i = 0; i < 200; i++) {
      client.send({ type: 'watch', sub: `c${i}`, resources: ['topics', 'groups', 'acls'] });
      client.send({ type: 'unwatch', sub: `c${i}` });
    }
    client.send({ type: 'watch', sub: 'kept', resources: ['topics'] });
    await client.next('watching', 201);
    expect(client.of('error')).toEqual([]);
    const sockets = await Promise.all(Array.from({ length: 20 }, () => open()));
    for (const socket of sockets) socket.send({ type: 'watch', sub: 'w', resources: ['topics', 'groups'] });
    await Promise.all(sockets.map((socket) => socket.next('watching')));
    // The first test's client still watches "topics" and "acls"; this one "kept"; the 20 sockets one each.
    expect(await watchers()).toBe(2 + 1 + 20);
    for (const socket of [...sockets, client]) socket.close();
    const until = Date.now() + 10_000;
    while ((await watchers()) !== 2) {
      if (Date.now() > until) throw new Error(`runnel_change_watchers stays at ${await watchers()}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  });

  it('bounds the watches of one socket', async () => {
    const client = await open();
    for (let i = 0; i < 11; i++) client.send({ type: 'watch', sub: `x${i}`, resources: ['topics'] });
    expect(await client.next('error', 1, 'x10')).toMatchObject({ error_code: 40001, message: 'at most 10 watches per connection' });
    expect(client.of('watching')).toHaveLength(10);
  });
});
