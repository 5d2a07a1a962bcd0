import type { PartitionState } from '@runnel/metadata';
import { SingleNodeClusterAdmin, StoreClusterAdmin } from '../../src/cluster/cluster-admin';
import type { Caller } from '../../src/security/caller';

/** The ClusterAdmin implementations: one node refuses (40002 / 404); cluster mode writes through the store. */
const caller = { principal: 'User:admin', host: '127.0.0.1' } as Caller;

function state(more: Partial<PartitionState> = {}): PartitionState {
  return {
    topicName: 't',
    partitionId: 0,
    leader: 1,
    leaderEpoch: 2,
    partitionEpoch: 3,
    replicas: [1, 2, 3],
    isr: [1, 2, 3],
    leaderRecoveryState: 0,
    addingReplicas: [],
    removingReplicas: [],
    ...more,
  };
}

describe('SingleNodeClusterAdmin', () => {
  it('refuses every reassignment as needing cluster mode (400/40002), and finds none to cancel (404)', async () => {
    const admin = new SingleNodeClusterAdmin();
    await expect(admin.reassign(caller, 't', 0, [0])).rejects.toMatchObject({
      kind: 'KAFKA_BAD_REQUEST',
      message: expect.stringMatching(/cluster mode/),
    });
    await expect(admin.reassign(caller, 't', 0, null)).rejects.toMatchObject({ kind: 'NOT_FOUND' });
  });
});

describe('StoreClusterAdmin', () => {
  it('writes a target through ClusterStore.reassignPartition and answers the state written', async () => {
    const written = state({ replicas: [1, 2, 3, 4], addingReplicas: [4], removingReplicas: [1] });
    const calls: unknown[][] = [];
    const admin = new StoreClusterAdmin(
      {
        reassignPartition: async (...args) => {
          calls.push(args);
          return written;
        },
      },
      { partitionState: () => state() },
    );
    expect(await admin.reassign(caller, 't', 0, [4, 2, 3])).toBe(written);
    expect(calls).toEqual([['t', 0, [4, 2, 3]]]);
  });

  it('cancels only a reassignment in progress (404 otherwise, nothing written)', async () => {
    const calls: unknown[][] = [];
    let current = state();
    const admin = new StoreClusterAdmin(
      {
        reassignPartition: async (...args) => {
          calls.push(args);
          return state();
        },
      },
      { partitionState: () => current },
    );
    await expect(admin.reassign(caller, 't', 0, null)).rejects.toMatchObject({ kind: 'NOT_FOUND' });
    expect(calls).toEqual([]);
    current = state({ addingReplicas: [4], replicas: [1, 2, 3, 4], removingReplicas: [1] });
    await admin.reassign(caller, 't', 0, null);
    expect(calls).toEqual([['t', 0, null]]);
  });
});
