import {
  canJoinIsr,
  isrHighWatermark,
  newRemoteReplica,
  outOfSyncReplicas,
  recordFetch,
  type RemoteReplicaState,
} from '@runnel/replication';

const remote = (brokerId: number, durableOffset: number, lastCaughtUpTimeMs = 0): RemoteReplicaState => ({
  ...newRemoteReplica(brokerId, lastCaughtUpTimeMs),
  logEndOffset: durableOffset,
  durableOffset,
  brokerEpoch: 1,
});

describe('ISR rules (pure)', () => {
  it('HW is the least durable end over the ISR, none while a member has not reported or the ISR is below min.insync', () => {
    const remotes = new Map([
      [2, remote(2, 7)],
      [3, remote(3, 4)],
    ]);
    expect(isrHighWatermark(1, [1, 2, 3], 9, remotes, 1)).toBe(4);
    expect(isrHighWatermark(1, [1, 2], 9, remotes, 1)).toBe(7);
    expect(isrHighWatermark(1, [1, 2], 5, remotes, 1)).toBe(5);
    expect(isrHighWatermark(1, [1, 2], 9, remotes, 3)).toBeNull();
    expect(isrHighWatermark(1, [1, 2, 4], 9, remotes, 1)).toBeNull();
  });

  it('a fetch counts the follower caught up when it reached the leader end now or at its previous fetch', () => {
    const r = newRemoteReplica(2, 0);
    recordFetch(r, { fetchOffset: 10, durableOffset: 8, brokerEpoch: 3 }, 10, 100);
    expect(r).toMatchObject({ logEndOffset: 10, durableOffset: 8, lastCaughtUpTimeMs: 100, brokerEpoch: 3 });
    recordFetch(r, { fetchOffset: 10, durableOffset: 12, brokerEpoch: 3 }, 15, 200);
    expect(r.lastCaughtUpTimeMs).toBe(100); // it had reached 10, the end at its previous fetch (t=100)
    expect(r.durableOffset).toBe(10); // never more than the fetch offset
    recordFetch(r, { fetchOffset: 12, durableOffset: 12, brokerEpoch: 3 }, 15, 300);
    expect(r.lastCaughtUpTimeMs).toBe(100); // 12 < 15 (the end at t=200)
    recordFetch(r, { fetchOffset: 15, durableOffset: 15, brokerEpoch: 3 }, 20, 400);
    expect(r.lastCaughtUpTimeMs).toBe(300);
  });

  it('out of sync: ISR followers not caught up within the lag time, never the leader', () => {
    const remotes = new Map([
      [2, remote(2, 5, 1000)],
      [3, remote(3, 5, 9000)],
    ]);
    expect(outOfSyncReplicas(1, [1, 2, 3], remotes, 10_000, 5000)).toEqual([2]);
    expect(outOfSyncReplicas(1, [1, 3], remotes, 10_000, 5000)).toEqual([]);
  });

  it('joins the ISR only past the HW and the leader epoch start, with a known broker epoch, and not while recovering', () => {
    const r = remote(2, 10);
    expect(canJoinIsr(r, 10, 8, 0)).toBe(true);
    expect(canJoinIsr(r, 11, 8, 0)).toBe(false);
    expect(canJoinIsr(r, 10, 12, 0)).toBe(false);
    expect(canJoinIsr(r, 10, 8, 1)).toBe(false);
    expect(canJoinIsr({ ...r, brokerEpoch: -1 }, 10, 8, 0)).toBe(false);
  });
});
