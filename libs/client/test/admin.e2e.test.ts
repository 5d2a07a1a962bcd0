import { BrokerProcess, startBroker } from '../../../apps/broker/test/support/broker-process';
import { Admin, Producer, RunnelClientError } from '@runnel/client';

/** Admin against the real broker: every topic operation, and API.md's error codes as RunnelClientError. */
describe('Admin against the broker', () => {
  let broker: BrokerProcess;
  let admin: Admin;
  beforeAll(async () => {
    broker = await startBroker();
    admin = new Admin({ baseUrl: broker.baseUrl });
  });
  afterAll(async () => {
    await broker?.stop();
  });

  const errorOf = (promise: Promise<unknown>): Promise<RunnelClientError> =>
    promise.then(
      () => {
        throw new Error('expected a rejection');
      },
      (error: unknown) => error as RunnelClientError,
    );

  it('creates, describes, lists, alters and deletes a topic', async () => {
    const created = await admin.createTopic('admin-orders', { partitions: 3, configs: { 'cleanup.policy': 'compact' } });
    expect(created).toMatchObject({ topic_name: 'admin-orders', partitions_count: 3, replication_factor: 1, is_internal: false });
    expect(await admin.describeTopic('admin-orders')).toEqual(created);
    expect((await admin.listTopics()).map((t) => t.topic_name)).toContain('admin-orders');
    expect((await admin.listTopics()).some((t) => t.is_internal)).toBe(false);
    expect((await admin.listTopics({ includeInternal: true })).some((t) => t.is_internal)).toBe(true);

    const policy = (await admin.describeConfigs('admin-orders')).find((c) => c.name === 'cleanup.policy');
    expect(policy).toMatchObject({ value: 'compact', is_default: false });
    await admin.alterConfigs('admin-orders', { 'retention.ms': '60000', 'cleanup.policy': null });
    const after = new Map((await admin.describeConfigs('admin-orders')).map((c) => [c.name, c]));
    expect(after.get('retention.ms')).toMatchObject({ value: '60000', is_default: false });
    expect(after.get('cleanup.policy')).toMatchObject({ value: 'delete', is_default: true });

    expect(await admin.partitions('admin-orders')).toEqual(
      [0, 1, 2].map((partition_id) => ({ partition_id, leader: 0, replicas: [0], isr: [0], earliest_offset: 0, high_watermark: 0 })),
    );

    await admin.deleteTopic('admin-orders');
    expect((await errorOf(admin.describeTopic('admin-orders'))).errorCode).toBe(40403);
  });

  it('deletes records before an offset, moving the partition start', async () => {
    await admin.createTopic('admin-trim', { partitions: 1 });
    const producer = new Producer({ baseUrl: broker.baseUrl, topic: 'admin-trim', lingerMs: 1 });
    await Promise.all(Array.from({ length: 10 }, (_, i) => producer.send({ partition: 0, value: `v${i}` })));
    await producer.close();
    expect(await admin.deleteRecords('admin-trim', 0, 4)).toBe(4);
    expect(await admin.partitions('admin-trim')).toEqual([
      expect.objectContaining({ partition_id: 0, earliest_offset: 4, high_watermark: 10 }),
    ]);
  });

  it("rejects with the broker's error code: 40002 for an existing topic, 40002 (Confluent) for a bad config, 40403 for an unknown one", async () => {
    await admin.createTopic('admin-twice');
    const exists = await errorOf(admin.createTopic('admin-twice'));
    expect(exists).toBeInstanceOf(RunnelClientError);
    expect(exists.errorCode).toBe(40002);
    expect(exists.retriable).toBe(false);
    expect((await errorOf(admin.createTopic('admin-bad', { configs: { 'retention.ms': 'soon' } }))).errorCode).toBe(40002);
    expect((await errorOf(admin.deleteTopic('admin-missing'))).errorCode).toBe(40403);
  });
});
