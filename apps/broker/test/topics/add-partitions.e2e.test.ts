import * as fs from 'node:fs';
import * as path from 'node:path';
import { partitionForKey } from '@runnel/protocol';
import { BrokerProcess, makeDataDir, startBroker } from '../support/broker-process';
import { Member } from '../groups/group-support';
import { jsonCall } from '../support/json-call';

/**
 * PATCH /v3/clusters/{cid}/topics/{t} {"partitions_count": N} against a real broker process:
 * the new partitions exist on disk and in metadata (also after a restart), keyed records hash
 * over the new count as Kafka's default partitioner, a WebSocket group member is assigned the
 * new partitions, and the refusals are Confluent's (400/40002, 404/40403).
 */
describe('adding partitions to a topic (real broker process)', () => {
  let broker: BrokerProcess | undefined;
  let member: Member | undefined;
  afterEach(async () => {
    member?.close();
    member = undefined;
    await broker?.stop();
    broker = undefined;
  });

  const call = jsonCall;

  /** Produces one keyed record; answers the partition the broker chose. */
  const produceKeyed = async (topics: string, topic: string, key: string): Promise<number> => {
    const answer = await call('POST', `${topics}/${topic}/records`, {
      key: { type: 'STRING', data: key },
      value: { type: 'STRING', data: `value of ${key}` },
    });
    expect(answer.status).toBe(200);
    return answer.body.partition_id as number;
  };

  const keys = Array.from({ length: 40 }, (_, i) => `key-${i}`);
  const expectedPartition = (key: string, count: number) => partitionForKey(Buffer.from(key), count);

  it('adds partitions: directories, leadership, key hashing over the new count, and all of it after a restart', async () => {
    const dataDir = makeDataDir();
    broker = await startBroker({ dataDir });
    const topics = `${broker.baseUrl}/v3/clusters/-/topics`;
    expect((await call('POST', topics, { topic_name: 'grow', partitions_count: 2 })).status).toBe(201);
    for (const key of keys) expect(await produceKeyed(topics, 'grow', key)).toBe(expectedPartition(key, 2));

    const patched = await call('PATCH', `${topics}/grow`, { partitions_count: 5 });
    expect(patched.status).toBe(200);
    const cid = patched.body.cluster_id as string;
    const self = `${broker.baseUrl}/v3/clusters/${cid}/topics/grow`;
    expect(patched.body).toEqual({
      kind: 'KafkaTopic',
      metadata: { self, resource_name: `crn:///kafka=${cid}/topic=grow` },
      cluster_id: cid,
      topic_name: 'grow',
      topic_id: expect.any(String),
      is_internal: false,
      replication_factor: 1,
      partitions_count: 5,
      partitions: { related: `${self}/partitions` },
      configs: { related: `${self}/configs` },
      partition_reassignments: { related: `${self}/partitions/-/reassignment` },
      authorized_operations: [],
    });
    for (let p = 0; p < 5; p++) expect(fs.existsSync(path.join(dataDir, `grow-${p}`))).toBe(true);
    const partitions = await call('GET', `${topics}/grow/partitions`);
    expect(partitions.body.data.map((p: { partition_id: number }) => p.partition_id)).toEqual([0, 1, 2, 3, 4]);

    // Keys of new records hash over 5 partitions now, as Kafka's murmur2 partitioner would.
    const after: number[] = [];
    for (const key of keys) after.push(await produceKeyed(topics, 'grow', key));
    expect(after).toEqual(keys.map((key) => expectedPartition(key, 5)));
    expect(after.some((p) => p >= 2)).toBe(true);
    const offsets = await call('GET', `${topics}/grow/partitions/4/offset`);
    expect(offsets.body.latest_offset).toBe(after.filter((p) => p === 4).length);

    // Same or smaller count: Kafka's InvalidPartitionsException, 400/40002; unknown topic 404/40403.
    expect(await call('PATCH', `${topics}/grow`, { partitions_count: 5 })).toMatchObject({ status: 400, body: { error_code: 40002 } });
    expect(await call('PATCH', `${topics}/grow`, { partitions_count: 3 })).toMatchObject({ status: 400, body: { error_code: 40002 } });
    expect(await call('PATCH', `${topics}/nope`, { partitions_count: 3 })).toMatchObject({ status: 404, body: { error_code: 40403 } });
    expect(await call('PATCH', `${topics}/grow`, { partitions_count: 'six' })).toMatchObject({ status: 400, body: { error_code: 40001 } });
    expect(await call('PATCH', `${topics}/grow`, {})).toMatchObject({ status: 400, body: { error_code: 40001 } });
    expect(await call('PATCH', `${topics}/__consumer_offsets`, { partitions_count: 500 })).toMatchObject({
      status: 403,
      body: { error_code: 40301 },
    });
    expect((await call('GET', `${topics}/grow`)).body.partitions_count).toBe(5);

    expect(await broker.stop()).toBe(0);
    broker = await startBroker({ dataDir });
    const again = `${broker.baseUrl}/v3/clusters/-/topics`;
    expect((await call('GET', `${again}/grow`)).body.partitions_count).toBe(5);
    const restarted = await call('GET', `${again}/grow/partitions`);
    expect(restarted.body.data.map((p: { high_watermark: number }) => p.high_watermark)).toEqual(
      [0, 1, 2, 3, 4].map((p) => keys.filter((k) => expectedPartition(k, 2) === p).length + after.filter((q) => q === p).length),
    );
    for (const key of keys.slice(0, 10)) expect(await produceKeyed(again, 'grow', key)).toBe(expectedPartition(key, 5));
  });

  it('refuses partitions past the broker limit and leaves the topic as it was', async () => {
    broker = await startBroker({ env: { RUNNEL_MAX_PARTITIONS: '6' } });
    const topics = `${broker.baseUrl}/v3/clusters/-/topics`;
    expect((await call('POST', topics, { topic_name: 'capped', partitions_count: 2 })).status).toBe(201);
    expect(await call('PATCH', `${topics}/capped`, { partitions_count: 7 })).toMatchObject({ status: 400, body: { error_code: 40001 } });
    expect((await call('GET', `${topics}/capped`)).body.partitions_count).toBe(2);
    expect((await call('PATCH', `${topics}/capped`, { partitions_count: 6 })).status).toBe(200);
  });

  it('a WebSocket group member subscribed to the topic is assigned the new partitions and reads from them', async () => {
    broker = await startBroker();
    const topics = `${broker.baseUrl}/v3/clusters/-/topics`;
    expect((await call('POST', topics, { topic_name: 'grow-ws', partitions_count: 1 })).status).toBe(201);
    member = await Member.join(broker, { group: 'grow-group', topic: 'grow-ws', from: 'earliest' });
    expect(member.ownedKeys()).toEqual(['grow-ws/0']);
    expect((await call('PATCH', `${topics}/grow-ws`, { partitions_count: 3 })).status).toBe(200);
    await member.untilOwns(3);
    expect(member.ownedKeys()).toEqual(['grow-ws/0', 'grow-ws/1', 'grow-ws/2']);
    const key = keys.find((k) => expectedPartition(k, 3) === 2)!;
    expect(await produceKeyed(topics, 'grow-ws', key)).toBe(2);
    const reader = member;
    await reader.client.until(() => reader.records().some((r) => r.partition === 2));
    expect(reader.records().find((r) => r.partition === 2)).toMatchObject({ topic: 'grow-ws', offset: 0 });
  });
});
