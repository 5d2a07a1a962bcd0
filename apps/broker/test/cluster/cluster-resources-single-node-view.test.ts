import type { Partition } from '@runnel/replication';
import { SingleNodeClusterView } from '../../src/cluster/single-node-cluster-view';

/** SingleNodeClusterView: one node is the only broker, the controller, and leads every partition it holds, alone in its ISR. */
describe('SingleNodeClusterView', () => {
  const led = new Map<string, { leaderEpoch: number }>([
    ['orders-0', { leaderEpoch: 0 }],
    ['orders-1', { leaderEpoch: 2 }],
  ]);
  const replicas = { get: (topic: string, p: number) => led.get(`${topic}-${p}`) as Partition | undefined };

  it('is the only broker: alive, RUNNING, the controller, with its rack and advertised URL', () => {
    const view = new SingleNodeClusterView(7, replicas, { advertisedUrl: 'http://runnel:8080', rack: 'r1' });
    expect(view.mode).toBe('single');
    expect(view.localBrokerId).toBe(7);
    expect(view.controllerId()).toBe(7);
    expect(view.brokers()).toEqual([
      expect.objectContaining({ brokerId: 7, alive: true, state: 'RUNNING', rack: 'r1', advertisedUrl: 'http://runnel:8080' }),
    ]);
    expect(view.broker(7)).toBe(view.brokers()[0]);
    expect(view.broker(0)).toBeUndefined();
  });

  it('leads every partition the ReplicaManager holds, with its leader epoch; nothing else is known', () => {
    const view = new SingleNodeClusterView(7, replicas);
    expect(view.partitionState('orders', 1)).toEqual({
      topicName: 'orders',
      partitionId: 1,
      leader: 7,
      leaderEpoch: 2,
      partitionEpoch: 0,
      replicas: [7],
      isr: [7],
      leaderRecoveryState: 0,
      addingReplicas: [],
      removingReplicas: [],
    });
    expect(view.partitionStates('orders').map((s) => s.partitionId)).toEqual([0, 1]);
    expect(view.partitionStates('nothing')).toEqual([]);
    expect(view.partitionState('orders', 2)).toBeUndefined();
  });

  it('tells its listeners of changes until they unsubscribe; a failing listener does not stop the others', () => {
    const view = new SingleNodeClusterView(0, replicas);
    const heard: string[] = [];
    view.onChange(() => {
      throw new Error('listener bug');
    });
    const off = view.onChange(() => heard.push('b'));
    view.changed();
    off();
    view.changed();
    expect(heard).toEqual(['b']);
  });
});
