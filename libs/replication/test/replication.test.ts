import { ReplicationError, type Partition } from '@runnel/replication';
import { InProcessCluster, batch, waitFor } from './support/in-process-cluster';

const T = 'orders';

async function allBytes(p: Partition): Promise<Buffer> {
  const { bytes } = await p.log.read(p.log.logStartOffset, 64 * 1024 * 1024, p.log.logEndOffset);
  return bytes;
}

describe('Replication between ReplicaManagers in one process', () => {
  let cluster: InProcessCluster;

  afterEach(async () => {
    await cluster?.close();
  });

  const leaderState = (leader: number, leaderEpoch: number, isr: number[], partitionEpoch = 0, replicas = [1, 2, 3]) => ({
    topicName: T,
    partitionId: 0,
    leader,
    leaderEpoch,
    partitionEpoch,
    replicas,
    isr,
    leaderRecoveryState: 0 as const,
  });

  it('copies the leader log byte for byte to every follower; acks=all answers once the ISR has it durably', async () => {
    cluster = await InProcessCluster.start({ brokers: 3 });
    await cluster.setState(leaderState(1, 0, [1, 2, 3]));
    const leader = cluster.manager(1).get(T, 0)!;
    expect(leader.role).toBe('leader');
    expect(cluster.manager(2).get(T, 0)!.role).toBe('follower');
    for (let i = 0; i < 5; i++) await leader.append(batch(3, `b${i}-`), -1);
    expect(leader.highWatermark).toBe(15);
    // Every ISR member had reported offset 15 as fsynced before the HW could pass it.
    for (const id of [2, 3]) expect(leader.remoteReplica(id)!.durableOffset).toBe(15);
    const expected = await allBytes(leader);
    for (const id of [2, 3]) {
      const follower = cluster.manager(id).get(T, 0)!;
      await waitFor(() => follower.highWatermark === 15, `follower ${id} HW`);
      expect(follower.logEndOffset).toBe(15);
      expect((await allBytes(follower)).equals(expected)).toBe(true);
    }
  });

  it('keeps the HW at the slowest ISR member: a follower that cannot fetch holds it back, reads stop there', async () => {
    cluster = await InProcessCluster.start({ brokers: 3 });
    await cluster.setState(leaderState(1, 0, [1, 2, 3]));
    const leader = cluster.manager(1).get(T, 0)!;
    await leader.append(batch(2), -1);
    cluster.cut.add('3->1');
    await leader.append(batch(4), 1);
    await waitFor(() => leader.remoteReplica(2)!.durableOffset === 6, 'follower 2 caught up');
    expect(leader.logEndOffset).toBe(6);
    expect(leader.highWatermark).toBe(2);
    const read = await leader.read(0 as never, 1 << 20);
    expect(read.nextOffset).toBe(2);
    cluster.cut.delete('3->1');
    await waitFor(() => leader.highWatermark === 6, 'HW after follower 3 is back');
  });

  it('acks=all waits for a stopped follower until the ISR shrinks without it; then the HW moves', async () => {
    cluster = await InProcessCluster.start({ brokers: 3, replicaLagTimeMaxMs: 400 });
    await cluster.setState(leaderState(1, 0, [1, 2, 3]));
    const leader = cluster.manager(1).get(T, 0)!;
    await leader.append(batch(1), -1);
    await cluster.stopBroker(3);
    let acked = false;
    const pending = leader.append(batch(2), -1).then(() => (acked = true));
    await waitFor(() => leader.remoteReplica(2)!.durableOffset === 3, 'follower 2 has the batch');
    expect(acked).toBe(false);
    expect(leader.highWatermark).toBe(1);
    await pending;
    const shrink = cluster.alterRequests.find((r) => r.newIsr.length === 2)!;
    expect(shrink).toMatchObject({ brokerId: 1, brokerEpoch: 1, leaderEpoch: 0, partitionEpoch: 0 });
    expect(shrink.newIsr.map((m) => m.brokerId)).toEqual([1, 2]);
    expect(leader.isr).toEqual([1, 2]);
    expect(leader.partitionEpoch).toBe(1);
    expect(leader.highWatermark).toBe(3);
  });

  it('refuses acks=all with NOT_ENOUGH_REPLICAS while |ISR| < min.insync.replicas; a caught-up follower rejoins the ISR', async () => {
    cluster = await InProcessCluster.start({ brokers: 2 });
    cluster.minInsyncReplicas = 2;
    cluster.cut.add('2->1');
    await cluster.setState(leaderState(1, 0, [1], 0, [1, 2]));
    const leader = cluster.manager(1).get(T, 0)!;
    const refused = await leader.append(batch(1), -1).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(ReplicationError);
    expect((refused as ReplicationError).code).toBe('NOT_ENOUGH_REPLICAS');
    expect(leader.logEndOffset).toBe(0);
    // acks=1 is accepted, but the HW does not advance below min.insync.replicas.
    await leader.append(batch(2), 1);
    await leader.flush();
    expect(leader.highWatermark).toBe(0);
    cluster.cut.delete('2->1');
    await waitFor(() => leader.isr.length === 2, 'ISR expansion');
    const expand = cluster.alterRequests.find((r) => r.newIsr.length === 2)!;
    expect(expand.newIsr).toEqual([
      { brokerId: 1, brokerEpoch: 1 },
      { brokerId: 2, brokerEpoch: 1 },
    ]);
    await leader.append(batch(1), -1);
    expect(leader.highWatermark).toBe(3);
  });

  it('fences stale leader epochs: reads, follower fetches, appends on a follower, old states', async () => {
    cluster = await InProcessCluster.start({ brokers: 2 });
    await cluster.setState(leaderState(1, 3, [1, 2], 0, [1, 2]));
    const leader = cluster.manager(1).get(T, 0)!;
    await leader.append(batch(1), -1);
    const codeOf = (error: unknown) => (error as ReplicationError).code;
    expect(codeOf(await leader.read(0 as never, 100, 2).catch((e: unknown) => e))).toBe('FENCED_LEADER_EPOCH');
    expect(codeOf(await leader.read(0 as never, 100, 4).catch((e: unknown) => e))).toBe('UNKNOWN_LEADER_EPOCH');
    expect((await leader.read(0 as never, 100, 3)).nextOffset).toBe(1);
    const fetch = (currentLeaderEpoch: number) =>
      cluster.manager(1).handleReplicaFetch({
        replicaId: 2,
        brokerEpoch: 1,
        maxWaitMs: 0,
        maxBytes: 1 << 20,
        partitions: [
          {
            topic: T,
            partition: 0,
            currentLeaderEpoch,
            fetchOffset: 0,
            lastFetchedEpoch: -1,
            durableOffset: 0,
            logStartOffset: 0,
            maxBytes: 1 << 20,
          },
        ],
      });
    expect((await fetch(2)).partitions[0].error).toBe('FENCED_LEADER_EPOCH');
    expect((await fetch(4)).partitions[0].error).toBe('UNKNOWN_LEADER_EPOCH');
    expect((await fetch(3)).partitions[0].error).toBe('NONE');
    const follower = cluster.manager(2).get(T, 0)!;
    expect(codeOf(await follower.append(batch(1), 1).catch((e: unknown) => e))).toBe('NOT_LEADER_OR_FOLLOWER');
    expect(codeOf(await follower.read(0 as never, 100).catch((e: unknown) => e))).toBe('NOT_LEADER_OR_FOLLOWER');
    // A state from an older leader epoch (a late change-log replay) changes nothing.
    await cluster
      .manager(1)
      .applyPartitionState(leaderState(2, 2, [1, 2], 5, [1, 2]), { ...(await import('./support/in-process-cluster')).durableConfig });
    expect(leader.role).toBe('leader');
    expect(leader.leaderEpoch).toBe(3);
  });

  it('a new leader epoch moves leadership: the old leader fails waiting acks=all and follows; its divergent tail is truncated', async () => {
    cluster = await InProcessCluster.start({ brokers: 3 });
    await cluster.setState(leaderState(1, 0, [1, 2, 3]));
    const old = cluster.manager(1).get(T, 0)!;
    await old.append(batch(5, 'common'), -1);
    await waitFor(() => cluster.manager(2).get(T, 0)!.logEndOffset === 5 && cluster.manager(3).get(T, 0)!.logEndOffset === 5, 'replicated');
    // The old leader is cut off and takes writes nobody else gets.
    cluster.cut.add('2->1');
    cluster.cut.add('3->1');
    const orphan = old.append(batch(3, 'orphan'), -1).catch((error: unknown) => error);
    expect(old.logEndOffset).toBe(8);
    // The controller elects broker 2 in epoch 1 (ISR without 1).
    await cluster.setState({ ...leaderState(2, 1, [2, 3]), partitionEpoch: 1 });
    expect(((await orphan) as ReplicationError).code).toBe('NOT_LEADER_OR_FOLLOWER');
    expect(old.role).toBe('follower');
    const leader = cluster.manager(2).get(T, 0)!;
    await leader.append(batch(2, 'new'), -1);
    cluster.cut.delete('2->1');
    cluster.cut.delete('3->1');
    await waitFor(() => leader.isr.includes(1), 'old leader rejoins the ISR');
    await waitFor(() => old.logEndOffset === 7 && old.highWatermark === 7, 'old leader caught up');
    expect((await allBytes(old)).equals(await allBytes(leader))).toBe(true);
  });

  it('stops and deletes a replica the state no longer names', async () => {
    cluster = await InProcessCluster.start({ brokers: 3 });
    await cluster.setState(leaderState(1, 0, [1, 2, 3]));
    await cluster.manager(1).get(T, 0)!.append(batch(1), -1);
    await cluster.setState({ ...leaderState(1, 0, [1, 2], 1, [1, 2]) });
    expect(cluster.manager(3).get(T, 0)).toBeUndefined();
    expect(cluster.logs.get(3)!.get(T, 0)).toBeUndefined();
    expect(cluster.manager(2).get(T, 0)!.role).toBe('follower');
  });

  it('a follower behind the leader log start starts over at it (OFFSET_OUT_OF_RANGE)', async () => {
    cluster = await InProcessCluster.start({ brokers: 2 });
    cluster.cut.add('2->1');
    await cluster.setState(leaderState(1, 0, [1], 0, [1, 2]));
    const leader = cluster.manager(1).get(T, 0)!;
    await leader.append(batch(4), -1);
    await leader.deleteRecordsBefore(3 as never);
    cluster.cut.delete('2->1');
    const follower = cluster.manager(2).get(T, 0)!;
    await waitFor(() => follower.highWatermark === 4, 'follower caught up');
    expect(follower.logStartOffset).toBe(3);
    expect((await allBytes(follower)).equals(await allBytes(leader))).toBe(true);
  });
});
