import { jsonCall } from '../support/json-call';
import { TestCluster, eventually, startCluster } from '../support/cluster-process';

/**
 * Three real brokers on 127.0.0.1-3 and a real PostgreSQL: what a user of a Runnel cluster sees.
 * Any broker answers any request (forwarding to the partition's leader); a topic with
 * replication factor 3 keeps every acknowledged record when its leader is killed; the killed
 * broker comes back and catches up.
 */
describe('a three-broker cluster', () => {
  let cluster: TestCluster;

  beforeAll(async () => {
    cluster = await startCluster(3);
  }, 120_000);

  afterAll(async () => {
    await cluster?.stop();
  }, 60_000);

  const base = (nodeId: number) => `${cluster.broker(nodeId).baseUrl}/v3/clusters/-`;

  async function partitions(nodeId: number, topic: string): Promise<{ partition_id: number; leader: number; isr: number[] }[]> {
    const answer = await jsonCall('GET', `${base(nodeId)}/topics/${topic}/partitions`);
    if (answer.status !== 200) throw new Error(`partitions answered ${answer.status}: ${JSON.stringify(answer.body)}`);
    const out = [];
    for (const p of answer.body.data) {
      const replicas = await jsonCall('GET', `${base(nodeId)}/topics/${topic}/partitions/${p.partition_id}/replicas`);
      out.push({
        partition_id: p.partition_id,
        leader: replicas.body.data.find((r: { is_leader: boolean }) => r.is_leader)?.broker_id ?? -1,
        isr: replicas.body.data
          .filter((r: { is_in_sync: boolean }) => r.is_in_sync)
          .map((r: { broker_id: number }) => r.broker_id)
          .sort(),
      });
    }
    return out;
  }

  /** Produces `value` with acks=all through `nodeId`, retrying retriable answers (50003) until acknowledged. */
  async function produceAcknowledged(nodeId: number, topic: string, partition: number, value: string): Promise<number> {
    return eventually(`an acknowledgement of ${value}`, async () => {
      const answer = await jsonCall('POST', `${base(nodeId)}/topics/${topic}/records`, {
        partition_id: partition,
        value: { type: 'STRING', data: value },
      });
      if (answer.status === 200 && answer.body.error_code === 200) return answer.body.offset as number;
      if (answer.body?.error_code !== 50003) throw new Error(`produce answered ${answer.status}: ${JSON.stringify(answer.body)}`);
      return undefined;
    });
  }

  async function readAll(nodeId: number, topic: string, partition: number): Promise<string[]> {
    const values: string[] = [];
    let offset = 0;
    for (;;) {
      const answer = await jsonCall(
        'GET',
        `${base(nodeId)}/topics/${topic}/partitions/${partition}/records?offset=${offset}&format=json&max_records=1000`,
      );
      if (answer.status !== 200) throw new Error(`read answered ${answer.status}: ${JSON.stringify(answer.body)}`);
      for (const record of answer.body.data) values.push(record.value.data);
      if (answer.body.next_offset >= answer.body.high_watermark || answer.body.data.length === 0) return values;
      offset = answer.body.next_offset;
    }
  }

  it('lists its three brokers on every broker', async () => {
    for (const nodeId of [1, 2, 3]) {
      const ids = await eventually(`three brokers on broker ${nodeId}`, async () => {
        const answer = await jsonCall('GET', `${base(nodeId)}/brokers`);
        const found = answer.body.data.map((b: { broker_id: number }) => b.broker_id).sort();
        return found.length === 3 ? found : undefined;
      });
      expect(ids).toEqual([1, 2, 3]);
    }
  });

  it('refuses a replication factor above the live brokers with 40002', async () => {
    const answer = await jsonCall('POST', `${base(1)}/topics`, { topic_name: 'too-wide', partitions_count: 1, replication_factor: 4 });
    expect(answer.status).toBe(400);
    expect(answer.body.error_code).toBe(40002);
    expect(answer.body.message).toContain('larger than available brokers: 3');
  });

  it('replicates an RF=3 topic: produced through one broker, read through another, kept when the leader is killed', async () => {
    const created = await jsonCall('POST', `${base(1)}/topics`, {
      topic_name: 'orders',
      partitions_count: 3,
      replication_factor: 3,
      configs: [{ name: 'min.insync.replicas', value: '2' }],
    });
    expect(created.status).toBe(201);
    expect(created.body.replication_factor).toBe(3);

    // Every partition gets a leader and all three replicas in sync.
    const before = await eventually('three in-sync replicas everywhere', async () => {
      const list = await partitions(2, 'orders');
      return list.every((p) => p.leader > 0 && p.isr.length === 3) ? list : undefined;
    });

    const acknowledged: string[] = [];
    for (let i = 0; i < 30; i++) {
      await produceAcknowledged(1 + (i % 3), 'orders', 0, `before-${i}`);
      acknowledged.push(`before-${i}`);
    }
    expect(await readAll(3, 'orders', 0)).toEqual(acknowledged);

    // kill -9 the leader of partition 0; the others elect a new leader from the ISR.
    const leader = before.find((p) => p.partition_id === 0)!.leader;
    await cluster.broker(leader).stop('SIGKILL');
    const survivor = [1, 2, 3].find((id) => id !== leader)!;
    const after = await eventually('a new leader for partition 0', async () => {
      const list = await partitions(survivor, 'orders');
      const p0 = list.find((p) => p.partition_id === 0)!;
      return p0.leader > 0 && p0.leader !== leader ? p0 : undefined;
    });
    expect(after.leader).not.toBe(leader);

    for (let i = 0; i < 20; i++) {
      await produceAcknowledged(survivor, 'orders', 0, `after-${i}`);
      acknowledged.push(`after-${i}`);
    }
    expect(await readAll(survivor, 'orders', 0)).toEqual(acknowledged);

    // The killed broker restarts on its data, catches up and rejoins the ISR; it serves the same records.
    await cluster.restart(leader);
    await eventually(
      'the restarted broker back in the ISR',
      async () => {
        const p0 = (await partitions(leader, 'orders')).find((p) => p.partition_id === 0)!;
        return p0.isr.includes(leader) ? p0 : undefined;
      },
      60_000,
    );
    expect(await readAll(leader, 'orders', 0)).toEqual(acknowledged);
  }, 180_000);
});
