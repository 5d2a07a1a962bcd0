import type { PartitionLog } from '@runnel/log';

/**
 * The in-sync replica rules of a partition's leader (Kafka's Partition ISR logic, KIP-841/903),
 * as pure functions over the leader's view of its followers, so they are tested without logs.
 *
 * A follower's progress is what it reported in its last valid fetch (no divergence, current
 * leader epoch): `logEndOffset` = its fetch offset, `durableOffset` = min(what it had fsynced,
 * its fetch offset). Both are -1 until it fetches from this leader in this leader epoch.
 */
export interface RemoteReplicaState {
  brokerId: number;
  logEndOffset: number;
  durableOffset: number;
  /** Local monotonic ms: the last time the follower had everything the leader had (Kafka's lastCaughtUpTimeMs). */
  lastCaughtUpTimeMs: number;
  /** The leader's LEO at this follower's previous fetch, and when that fetch came (for lastCaughtUpTimeMs). */
  lastFetchLeaderLogEndOffset: number;
  lastFetchTimeMs: number;
  /** The broker epoch the follower fetched with (KIP-903: sent with an ISR expansion); -1 unknown. */
  brokerEpoch: number;
}

export function newRemoteReplica(brokerId: number, nowMs: number): RemoteReplicaState {
  // Treated as caught up at the start of leadership so the ISR is not shrunk before followers had a chance to fetch.
  return {
    brokerId,
    logEndOffset: -1,
    durableOffset: -1,
    lastCaughtUpTimeMs: nowMs,
    lastFetchLeaderLogEndOffset: -1,
    lastFetchTimeMs: nowMs,
    brokerEpoch: -1,
  };
}

/** Records one valid follower fetch (Kafka's Replica.updateFetchState). */
export function recordFetch(
  replica: RemoteReplicaState,
  fetch: { fetchOffset: number; durableOffset: number; brokerEpoch: number },
  leaderLogEndOffset: number,
  nowMs: number,
): void {
  if (fetch.fetchOffset >= leaderLogEndOffset) replica.lastCaughtUpTimeMs = Math.max(replica.lastCaughtUpTimeMs, nowMs);
  else if (fetch.fetchOffset >= replica.lastFetchLeaderLogEndOffset && replica.lastFetchLeaderLogEndOffset >= 0) {
    replica.lastCaughtUpTimeMs = Math.max(replica.lastCaughtUpTimeMs, replica.lastFetchTimeMs);
  }
  replica.logEndOffset = fetch.fetchOffset;
  replica.durableOffset = Math.min(fetch.durableOffset, fetch.fetchOffset);
  replica.brokerEpoch = fetch.brokerEpoch;
  replica.lastFetchLeaderLogEndOffset = leaderLogEndOffset;
  replica.lastFetchTimeMs = nowMs;
}

/**
 * The high watermark the ISR allows: the minimum durable log end offset over `isr` (the leader's
 * own is `leaderDurableOffset`), or null while the ISR is smaller than min.insync.replicas or a
 * member has not reported yet (the HW then stays where it is).
 */
export function isrHighWatermark(
  leaderId: number,
  isr: readonly number[],
  leaderDurableOffset: number,
  remotes: ReadonlyMap<number, RemoteReplicaState>,
  minInsyncReplicas: number,
): number | null {
  if (isr.length < minInsyncReplicas) return null;
  let hw = leaderDurableOffset;
  for (const id of isr) {
    if (id === leaderId) continue;
    const remote = remotes.get(id);
    if (!remote || remote.durableOffset < 0) return null;
    hw = Math.min(hw, remote.durableOffset);
  }
  return hw;
}

/** ISR members (never the leader) that have not caught up within `lagTimeMaxMs` (Kafka's getOutOfSyncReplicas). */
export function outOfSyncReplicas(
  leaderId: number,
  isr: readonly number[],
  remotes: ReadonlyMap<number, RemoteReplicaState>,
  nowMs: number,
  lagTimeMaxMs: number,
): number[] {
  return isr.filter((id) => {
    if (id === leaderId) return false;
    const remote = remotes.get(id);
    return !remote || nowMs - remote.lastCaughtUpTimeMs > lagTimeMaxMs;
  });
}

/**
 * A follower may join the ISR once it has reached the HW and the start offset of the current
 * leader epoch (so it holds everything this leader may have committed), and only while the
 * leader is not recovering from an unclean election (Kafka's isFollowerInSync + KIP-966).
 */
export function canJoinIsr(
  remote: RemoteReplicaState,
  highWatermark: number,
  leaderEpochStartOffset: number,
  leaderRecoveryState: number,
): boolean {
  return (
    leaderRecoveryState === 0 &&
    remote.brokerEpoch >= 0 &&
    remote.logEndOffset >= highWatermark &&
    remote.logEndOffset >= leaderEpochStartOffset
  );
}

/** The leader-epoch API of PartitionLog (contracts §4), reached through one seam. */
export interface EpochEndOffset {
  epoch: number;
  endOffset: number;
}

export interface EpochEntry {
  epoch: number;
  startOffset: number;
}

interface LeaderEpochLog {
  latestEpoch(): number;
  endOffsetForEpoch(epoch: number): EpochEndOffset;
  epochEntries(): readonly EpochEntry[];
}

const NO_EPOCHS: LeaderEpochLog = {
  latestEpoch: () => -1,
  endOffsetForEpoch: () => ({ epoch: -1, endOffset: -1 }),
  epochEntries: () => [],
};

export function epochsOf(log: PartitionLog): LeaderEpochLog {
  const epochs = log as unknown as Partial<LeaderEpochLog>;
  return typeof epochs.latestEpoch === 'function' ? (log as unknown as LeaderEpochLog) : NO_EPOCHS;
}
