import { BrokerProcess, makeDataDir, startBroker } from '../../../apps/broker/test/support/broker-process';
import { Consumer, GroupConsumer, Producer } from '@runnel/client';

/**
 * Resuming where the application stopped, against the real broker: `break` commits (GroupConsumer)
 * or positions `cursor` (Consumer) right after the last record taken even when one frame held the
 * whole backlog; a member rejoins with its member_id after a reconnect; members come back after a
 * clean (SIGTERM) restart as after a crash.
 */
const ENV = { RUNNEL_GROUP_MIN_SESSION_TIMEOUT_MS: '300', RUNNEL_WS_PING_INTERVAL_MS: '100', RUNNEL_OFFSETS_TOPIC_PARTITIONS: '4' };

describe('client: resuming after break, reconnect and restart', () => {
  let broker: BrokerProcess | undefined;
  const open: { close(): Promise<void> }[] = [];
  afterEach(async () => {
    for (const c of open.splice(0)) await c.close();
    await broker?.stop('SIGKILL');
    broker = undefined;
  });

  async function topicWith(name: string, records: number): Promise<void> {
    const created = await fetch(`${broker!.baseUrl}/v3/clusters/-/topics`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ topic_name: name, partitions_count: 1 }),
    });
    expect(created.status).toBe(201);
    // One batch: the broker delivers the whole backlog in one records frame.
    const producer = new Producer({ baseUrl: broker!.baseUrl, topic: name, lingerMs: 50 });
    await Promise.all(Array.from({ length: records }, (_, i) => producer.send({ partition: 0, value: `v${i}` })));
    await producer.close();
  }

  function group(options: Omit<ConstructorParameters<typeof GroupConsumer>[0], 'baseUrl'>): GroupConsumer {
    const consumer = new GroupConsumer({ baseUrl: broker!.baseUrl, format: 'string', ...options });
    open.push(consumer);
    return consumer;
  }

  async function members(name: string): Promise<string[]> {
    const response = await fetch(`${broker!.baseUrl}/v3/clusters/-/consumer-groups/${name}`);
    return ((await response.json()) as { members: { consumer_id: string }[] }).members.map((m) => m.consumer_id);
  }

  it('GroupConsumer: break after 7 records of a one-frame backlog commits 7; the next run starts there', async () => {
    broker = await startBroker({ env: ENV });
    await topicWith('resume-g', 30);
    const first = group({ group: 'g1', topic: 'resume-g', from: 'earliest' });
    let taken = 0;
    for await (const record of first) {
      expect(record.offset).toBe(taken);
      if (++taken === 7) break;
    }
    const second = group({ group: 'g1', topic: 'resume-g', from: 'earliest' });
    const next = await second.next();
    expect(next.value).toMatchObject({ partition: 0, offset: 7 });
  }, 60_000);

  it('Consumer: cursor after a break mid-frame resumes right after the last record taken', async () => {
    broker = await startBroker({ env: ENV });
    await topicWith('resume-c', 30);
    const first = new Consumer({ baseUrl: broker.baseUrl, topic: 'resume-c', from: 'earliest', format: 'string' });
    open.push(first);
    let taken = 0;
    for await (const record of first) if (++taken === 7 || record.offset < 0) break;
    expect(first.cursor).toEqual(expect.any(String));
    const second = new Consumer({ baseUrl: broker.baseUrl, topic: 'resume-c', from: { cursor: first.cursor! }, format: 'string' });
    open.push(second);
    expect((await second.next()).value).toMatchObject({ partition: 0, offset: 7 });
  }, 60_000);

  it('a member that reconnects rejoins with its member_id within its session timeout', async () => {
    broker = await startBroker({ env: ENV });
    await topicWith('resume-r', 3);
    const first = group({ group: 'g2', topic: 'resume-r', from: 'earliest', sessionTimeoutMs: 30_000 });
    await first.ready();
    const memberId = first.memberId!;
    await first.close(); // the connection is gone
    const again = group({ group: 'g2', topic: 'resume-r', from: 'earliest', memberId, sessionTimeoutMs: 30_000 });
    await again.ready();
    expect(again.memberId).toBe(memberId);
    expect(await members('g2')).toEqual([memberId]);
  }, 60_000);

  it('after a SIGTERM restart the members are restored (as after SIGKILL) and rejoin with their member_id', async () => {
    const dataDir = makeDataDir();
    broker = await startBroker({ dataDir, env: ENV });
    await topicWith('resume-t', 3);
    const first = group({ group: 'g3', topic: 'resume-t', from: 'earliest', sessionTimeoutMs: 30_000 });
    await first.ready();
    const memberId = first.memberId!;
    expect(await broker.stop('SIGTERM')).toBe(0);
    broker = await startBroker({ dataDir, env: ENV });
    expect(await members('g3')).toEqual([memberId]);
    const again = group({ group: 'g3', topic: 'resume-t', from: 'earliest', memberId, sessionTimeoutMs: 30_000 });
    expect(await again.ready()).toEqual([{ topic: 'resume-t', partition: 0, offset: expect.any(Number) }]);
    expect(again.memberId).toBe(memberId);
  }, 60_000);
});
