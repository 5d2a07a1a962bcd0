import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { LogManager } from '@runnel/log';
import * as fetchCodec from '@runnel/replication';
import { ReplicaManager } from '@runnel/replication';
import { asOffset } from '@runnel/protocol';
import { InterBrokerChannel } from '../../src/cluster/inter-broker';
import { DURABLE, StubCluster, batch, eventually, silentLog } from './inter-broker-fixture';

describe('replication over the inter-broker channel', () => {
  const stops: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const stop of stops.splice(0).reverse()) await stop();
  });

  it('a follower replicates the leader byte for byte; acks=all forwarded through the follower waits for both', async () => {
    const cluster = new StubCluster();
    const nodes: { replicas: ReplicaManager; channel: InterBrokerChannel }[] = [];
    for (const id of [1, 2]) {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), `runnel-wire-repl-${id}-`));
      const logs = await LogManager.open(dir, { maxOpenFiles: 64 });
      let channel: InterBrokerChannel | undefined;
      const replicas = new ReplicaManager(logs, {
        brokerId: id,
        replicaLagTimeMaxMs: 30_000,
        replicaFetch: { transport: (leaderId, request) => channel!.transport(leaderId, request), maxWaitMs: 200, backoffMs: 50 },
      });
      replicas.brokerEpoch = 1;
      channel = new InterBrokerChannel({
        config: { host: `127.0.0.${id}`, cluster: { interBrokerPort: 0 } },
        secret: () => 's',
        identity: () => ({ brokerId: id, brokerEpoch: 1 }),
        clusterView: cluster.view(id),
        localPartition: (t, p) => replicas.get(t, p),
        handleReplicaFetch: (request) => replicas.handleReplicaFetch(request),
        fetchCodec,
        log: silentLog,
      });
      await channel.start();
      cluster.addBroker(id, channel.server.address);
      nodes.push({ replicas, channel });
      stops.push(async () => {
        await channel!.close();
        await replicas.shutdown();
        await logs.close();
        fs.rmSync(dir, { recursive: true, force: true });
      });
    }
    const state = {
      topicName: 't',
      partitionId: 0,
      leader: 1,
      leaderEpoch: 1,
      partitionEpoch: 1,
      replicas: [1, 2],
      isr: [1, 2],
      leaderRecoveryState: 0 as const,
    };
    for (const node of nodes) await node.replicas.applyPartitionState(state, DURABLE);
    cluster.setPartition('t', 0, 1, 1);

    const viaFollower = nodes[1].channel.router.resolve('t', 0)!;
    const result = await viaFollower.append(batch(['a', 'b', 'c']), -1);
    expect(result).toMatchObject({ baseOffset: 0, lastOffset: 2 });
    const leader = nodes[0].replicas.get('t', 0)!;
    const follower = nodes[1].replicas.get('t', 0)!;
    expect(leader.highWatermark).toBe(3);
    await eventually(() => follower.logEndOffset === 3, 10_000, 'follower LEO 3');
    const a = await leader.log.read(asOffset(0), 1 << 20);
    const b = await follower.log.read(asOffset(0), 1 << 20);
    expect(b.bytes.equals(a.bytes)).toBe(true);
  });
});
