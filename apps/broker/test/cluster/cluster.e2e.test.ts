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
      // A retriable answer (leadership moving between brokers) is asked again, as a client would.
      const answer = await eventually(`a read of ${topic}-${partition} at ${offset}`, async () => {
        const read = await jsonCall(
          'GET',
          `${base(nodeId)}/topics/${topic}/partitions/${partition}/records?offset=${offset}&format=json&max_records=1000`,
        );
        if (read.body?.error_code === 50003) return undefined;
        if (read.status !== 200) throw new Error(`read answered ${read.status}: ${JSON.stringify(read.body)}`);
        return read;
      });
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

  it('moves a partition to other brokers through the reassignment API, copying its records', async () => {
    const created = await jsonCall('POST', `${base(1)}/topics`, {
      topic_name: 'moves',
      replicas_assignments: { '0': [1, 2] },
    });
    expect(created.status).toBe(201);
    await eventually('both replicas in sync', async () => {
      const p0 = (await partitions(1, 'moves'))[0];
      return p0.leader > 0 && p0.isr.length === 2 ? p0 : undefined;
    });
    const values = ['m-0', 'm-1', 'm-2'];
    for (const value of values) await produceAcknowledged(1, 'moves', 0, value);

    const started = await jsonCall('POST', `${base(2)}/topics/moves/partitions/0/reassignment`, { replicas: [2, 3] });
    expect(started.status).toBe(202);
    expect(started.body.adding_replicas).toEqual([3]);
    expect(started.body.removing_replicas).toEqual([1]);

    // The controller adds broker 3, waits until it is in sync, then drops broker 1.
    const moved = await eventually(
      'the reassignment to complete',
      async () => {
        const replicas = await jsonCall('GET', `${base(3)}/topics/moves/partitions/0/replicas`);
        const ids = replicas.body.data.map((r: { broker_id: number }) => r.broker_id).sort();
        const inSync = replicas.body.data.filter((r: { is_in_sync: boolean }) => r.is_in_sync).length;
        return ids.join() === '2,3' && inSync === 2 ? ids : undefined;
      },
      60_000,
    );
    expect(moved).toEqual([2, 3]);
    const progress = await jsonCall('GET', `${base(1)}/topics/moves/partitions/0/reassignment`);
    expect(progress.status).toBe(404); // none in progress any more
    expect(await readAll(3, 'moves', 0)).toEqual(values);
  }, 120_000);

  it('moves leadership away on a clean stop (controlled shutdown) and reports the broker stopped', async () => {
    const created = await jsonCall('POST', `${base(1)}/topics`, {
      topic_name: 'handover',
      partitions_count: 1,
      replication_factor: 3,
      configs: [{ name: 'min.insync.replicas', value: '2' }],
    });
    expect(created.status).toBe(201);
    const before = await eventually('a leader with a full ISR', async () => {
      const p0 = (await partitions(1, 'handover'))[0];
      return p0.leader > 0 && p0.isr.length === 3 ? p0 : undefined;
    });
    await produceAcknowledged(1, 'handover', 0, 'before-stop');
    const leaving = cluster.broker(before.leader);
    expect(await leaving.stop('SIGTERM')).toBe(0);
    expect(leaving.output()).toContain('controlled shutdown: leadership moved away');

    const other = [1, 2, 3].find((id) => id !== before.leader)!;
    const summary = await eventually('the stopped broker in the summaries', async () => {
      const answer = await jsonCall('GET', `${base(other)}/broker-summaries`);
      const entry = answer.body.data.find((b: { broker_id: number }) => b.broker_id === before.leader);
      return entry?.state === 'STOPPED' ? entry : undefined;
    });
    expect(summary.leader_count).toBe(0);
    const after = (await partitions(other, 'handover'))[0];
    expect(after.leader).not.toBe(before.leader);
    await produceAcknowledged(other, 'handover', 0, 'after-stop');
    expect(await readAll(other, 'handover', 0)).toEqual(['before-stop', 'after-stop']);
    await cluster.restart(before.leader);
  }, 120_000);
});
