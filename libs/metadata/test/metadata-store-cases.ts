import { MetadataStore, TopicExistsError, TopicNotFoundError, UserExistsError, UserNotFoundError } from '@runnel/metadata';

/** How the shared cases reach the store under test; the caller's beforeEach/afterEach open and close it. */
export interface MetadataStoreHarness {
  /** The store opened for the current test. */
  store(): MetadataStore;
  /** Closes the current store and opens it again on the same data (the next `store()` answers it too). */
  reopen(): Promise<MetadataStore>;
}

/**
 * The behaviours every MetadataStore has, whatever its database: run inside a `describe` of each
 * store's test file (sqlite-metadata-store.test.ts, postgres-metadata-store.test.ts).
 */
export function metadataStoreCases(harness: MetadataStoreHarness): void {
  let store: MetadataStore;
  beforeEach(() => {
    store = harness.store();
  });

  const partitions = (topicName: string, count: number) =>
    Array.from({ length: count }, (_, partitionId) => ({
      topicName,
      partitionId,
      leader: 0,
      leaderEpoch: 0,
      partitionEpoch: 0,
      replicas: [0],
      isr: [0],
    }));

  it('keeps one cluster id across reopen', async () => {
    const id = await store.clusterId();
    expect(id).toMatch(/^[A-Za-z0-9_-]{22}$/);
    store = await harness.reopen();
    expect(await store.clusterId()).toBe(id);
  });

  it('creates, lists, alters and deletes topics with their partitions', async () => {
    await store.createTopic(
      { name: 'orders', topicId: 't1', partitionsCount: 3, replicationFactor: 1, isInternal: false, configs: { 'retention.ms': '1000' } },
      partitions('orders', 3),
    );
    await store.createTopic(
      { name: '__consumer_offsets', topicId: 't2', partitionsCount: 1, replicationFactor: 1, isInternal: true, configs: {} },
      partitions('__consumer_offsets', 1),
    );
    expect((await store.listTopics({ includeInternal: false, limit: 10 })).map((t) => t.name)).toEqual(['orders']);
    expect((await store.listTopics({ includeInternal: true, limit: 10 })).map((t) => t.name)).toEqual(['__consumer_offsets', 'orders']);
    expect((await store.listTopics({ includeInternal: true, afterName: '__consumer_offsets', limit: 10 })).map((t) => t.name)).toEqual([
      'orders',
    ]);
    expect((await store.listPartitions('orders')).map((p) => p.partitionId)).toEqual([0, 1, 2]);

    const altered = await store.alterTopicConfigs('orders', { 'cleanup.policy': 'compact' }, ['retention.ms']);
    expect(altered.configs).toEqual({ 'cleanup.policy': 'compact' });

    expect(await store.deleteTopic('orders')).toBe(true);
    expect(await store.getTopic('orders')).toBeNull();
    expect(await store.listPartitions('orders')).toEqual([]);
    expect(await store.deleteTopic('orders')).toBe(false);
  });

  it('refuses a duplicate topic name and leaves the first one intact', async () => {
    const topic = { name: 'a', topicId: 'x', partitionsCount: 1, replicationFactor: 1, isInternal: false, configs: {} };
    await store.createTopic(topic, partitions('a', 1));
    await expect(store.createTopic({ ...topic, topicId: 'y', partitionsCount: 2 }, partitions('a', 2))).rejects.toBeInstanceOf(
      TopicExistsError,
    );
    expect((await store.getTopic('a'))?.topicId).toBe('x');
    expect(await store.listPartitions('a')).toHaveLength(1);
  });

  it('adds partitions to a topic: the count and the new partition rows persist across reopen', async () => {
    await store.createTopic(
      { name: 'orders', topicId: 't1', partitionsCount: 2, replicationFactor: 1, isInternal: false, configs: { 'retention.ms': '1000' } },
      partitions('orders', 2),
    );
    const grown = await store.addPartitions('orders', partitions('orders', 5).slice(2));
    expect(grown.partitionsCount).toBe(5);
    expect(grown.configs).toEqual({ 'retention.ms': '1000' });
    store = await harness.reopen();
    expect((await store.getTopic('orders'))?.partitionsCount).toBe(5);
    expect((await store.listPartitions('orders')).map((p) => [p.partitionId, p.leader, p.replicas])).toEqual([
      [0, 0, [0]],
      [1, 0, [0]],
      [2, 0, [0]],
      [3, 0, [0]],
      [4, 0, [0]],
    ]);
  });

  it('adds no partition to a missing topic, nor twice the same partition', async () => {
    await expect(store.addPartitions('nope', partitions('nope', 2))).rejects.toBeInstanceOf(TopicNotFoundError);
    await store.createTopic(
      { name: 'a', topicId: 'x', partitionsCount: 1, replicationFactor: 1, isInternal: false, configs: {} },
      partitions('a', 1),
    );
    await expect(store.addPartitions('a', partitions('a', 2))).rejects.toThrow();
    expect((await store.getTopic('a'))?.partitionsCount).toBe(1);
    expect(await store.listPartitions('a')).toHaveLength(1);
  });

  it('answers TopicNotFoundError when altering a missing topic', async () => {
    await expect(store.alterTopicConfigs('nope', { a: 'b' }, [])).rejects.toBeInstanceOf(TopicNotFoundError);
  });

  it('keeps dynamic broker configs per broker and cluster-wide, across reopen', async () => {
    expect(await store.dynamicBrokerConfigs(0)).toEqual({});
    expect(await store.alterDynamicBrokerConfigs(0, { 'log.retention.ms': '1000', 'compression.type': 'gzip' }, [])).toEqual({
      'log.retention.ms': '1000',
      'compression.type': 'gzip',
    });
    await store.alterDynamicBrokerConfigs('default', { 'compression.type': 'lz4' }, []);
    await store.alterDynamicBrokerConfigs(1, { 'compression.type': 'zstd' }, []);
    expect(await store.alterDynamicBrokerConfigs(0, { 'log.retention.ms': '2000' }, ['compression.type', 'not.set'])).toEqual({
      'log.retention.ms': '2000',
    });
    store = await harness.reopen();
    expect(await store.dynamicBrokerConfigs(0)).toEqual({ 'log.retention.ms': '2000' });
    expect(await store.dynamicBrokerConfigs(1)).toEqual({ 'compression.type': 'zstd' });
    expect(await store.dynamicBrokerConfigs('default')).toEqual({ 'compression.type': 'lz4' });
  });

  const credential = (mechanism: string, salt: string) => ({ mechanism, salt, storedKey: 'sk', serverKey: 'vk', iterations: 4096 });

  it('keeps users, credentials per mechanism and API keys across reopen; deleting a user deletes its keys', async () => {
    await store.createUser('alice', [credential('SCRAM-SHA-256', 's1')]);
    await expect(store.createUser('alice', [])).rejects.toBeInstanceOf(UserExistsError);
    await store.setCredentials('alice', [credential('SCRAM-SHA-256', 's2'), credential('SCRAM-SHA-512', 's3')]);
    await expect(store.setCredentials('bob', [])).rejects.toBeInstanceOf(UserNotFoundError);
    await expect(store.createApiKey({ keyId: 'k0', userName: 'bob', secretHash: 'h', expiresAt: null })).rejects.toBeInstanceOf(
      UserNotFoundError,
    );
    await store.createApiKey({ keyId: 'k1', userName: 'alice', secretHash: 'h1', expiresAt: new Date(86_400_000) });
    store = await harness.reopen();
    const alice = await store.getUser('alice');
    expect(alice?.credentials.map((c) => [c.mechanism, c.salt]).sort()).toEqual([
      ['SCRAM-SHA-256', 's2'],
      ['SCRAM-SHA-512', 's3'],
    ]);
    expect(await store.getApiKey('k1')).toMatchObject({ userName: 'alice', secretHash: 'h1', expiresAt: new Date(86_400_000) });
    expect(await store.deleteUser('alice')).toBe(true);
    expect(await store.getApiKey('k1')).toBeNull();
    expect(await store.deleteUser('alice')).toBe(false);
  });

  it('stores each ACL binding once, deletes by id and keeps the rest', async () => {
    const binding = {
      resourceType: 'TOPIC',
      resourceName: 'orders',
      patternType: 'LITERAL',
      principal: 'User:alice',
      host: '*',
      operation: 'READ',
      permission: 'ALLOW',
    };
    const [first] = await store.createAcls([binding]);
    const again = await store.createAcls([binding, { ...binding, operation: 'WRITE' }]);
    expect(again[0].id).toBe(first.id);
    expect(await store.listAcls()).toHaveLength(2);
    expect(await store.deleteAcls([first.id, 9999])).toEqual([first]);
    store = await harness.reopen();
    expect((await store.listAcls()).map((acl) => acl.operation)).toEqual(['WRITE']);
  });

  it('keeps quotas per entity and pages the audit log by id', async () => {
    expect(await store.alterQuotas({ user: 'alice', clientId: '' }, { producer_byte_rate: 1024, consumer_byte_rate: 2048 }, [])).toEqual({
      producer_byte_rate: 1024,
      consumer_byte_rate: 2048,
    });
    await store.alterQuotas({ user: '<default>', clientId: '' }, { producer_byte_rate: 10 }, []);
    expect(await store.alterQuotas({ user: 'alice', clientId: '' }, {}, ['consumer_byte_rate'])).toEqual({ producer_byte_rate: 1024 });
    expect(await store.listQuotas()).toEqual([
      { entity: { user: '<default>', clientId: '' }, values: { producer_byte_rate: 10 } },
      { entity: { user: 'alice', clientId: '' }, values: { producer_byte_rate: 1024 } },
    ]);
    const event = { principal: 'User:admin', source: '127.0.0.1', resource: 'TOPIC:a', operation: 'CREATE_TOPIC', outcome: 'SUCCESS' };
    await store.appendAudit([
      { ...event, before: null, after: '{}', time: new Date(1000) },
      { ...event, before: null, after: null },
    ]);
    const oldestFirst = { order: 'asc', cursor: 0, limit: 10 } as const;
    const [old, recent] = await store.listAudit(oldestFirst);
    expect(old).toMatchObject({ ...event, after: '{}', time: new Date(1000) });
    expect(await store.listAudit({ ...oldestFirst, cursor: old.id })).toEqual([recent]);
    expect(await store.listAudit({ order: 'desc', cursor: 0, limit: 10 })).toEqual([recent, old]);
    expect(await store.listAudit({ order: 'desc', cursor: recent.id, limit: 10 })).toEqual([old]);
    expect(await store.listAudit({ order: 'desc', cursor: 0, limit: 1 })).toEqual([recent]);
    expect(await store.trimAudit(new Date(2000))).toBe(1);
    expect(await store.listAudit(oldestFirst)).toEqual([recent]);
  });

  it('filters the audit log by exact principal, outcome, operation and resource, in either order', async () => {
    const base = { source: '127.0.0.1', before: null, after: null };
    await store.appendAudit([
      { ...base, principal: 'User:a', resource: 'TOPIC:t', operation: 'CREATE_TOPIC', outcome: 'SUCCESS' },
      { ...base, principal: 'User:b', resource: 'TOPIC:t', operation: 'DELETE_TOPIC', outcome: 'DENIED' },
      { ...base, principal: 'User:a', resource: 'TOPIC:u', operation: 'DELETE_TOPIC', outcome: 'DENIED' },
      { ...base, principal: 'User:a2', resource: 'TOPIC:t', operation: 'CREATE_TOPIC', outcome: 'SUCCESS' },
    ]);
    const pick = async (query: Partial<Parameters<typeof store.listAudit>[0]>) =>
      (await store.listAudit({ order: 'asc', cursor: 0, limit: 10, ...query })).map((r) => `${r.principal} ${r.resource} ${r.operation}`);
    expect(await pick({ principal: 'User:a' })).toEqual(['User:a TOPIC:t CREATE_TOPIC', 'User:a TOPIC:u DELETE_TOPIC']);
    expect(await pick({ principal: 'User:a', order: 'desc' })).toEqual(['User:a TOPIC:u DELETE_TOPIC', 'User:a TOPIC:t CREATE_TOPIC']);
    expect(await pick({ outcome: 'DENIED', resource: 'TOPIC:t' })).toEqual(['User:b TOPIC:t DELETE_TOPIC']);
    expect(await pick({ operation: 'CREATE_TOPIC', limit: 1, order: 'desc' })).toEqual(['User:a2 TOPIC:t CREATE_TOPIC']);
    expect(await pick({ principal: 'User:%' })).toEqual([]);
  });
}
