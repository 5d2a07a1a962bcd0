import { asLeaderEpoch } from '@runnel/protocol';
import { ReplicationError, type Partition, type PartitionHandle } from '@runnel/replication';
import type { ClusterView } from './cluster-view';
import type { InterBrokerClient } from './inter-broker/inter-broker-client';
import type { PartitionStateWatcher } from './inter-broker/partition-state-watcher';
import { RemotePartition, type RemotePartitionOptions } from './remote-partition';

/**
 * Which handle serves a partition on this broker: the local `Partition` when this broker leads
 * it, else a `RemotePartition` forwarding to the leader the ClusterView names. Remote handles are
 * cached per partition for one (leader, leaderEpoch); when the view moves either, the old handle
 * is closed (its parked readers wake, as with a local partition that stops being led here) and
 * the next `resolve` builds a new one. At most one handle per partition of the cluster is cached.
 *
 * Errors (ReplicationError, retriable 500/50003): LEADER_NOT_AVAILABLE when the partition has no
 * leader; NOT_LEADER_OR_FOLLOWER when the view names this broker but its ReplicaManager has not
 * taken the leadership yet. A partition the view does not know answers the local one if any
 * (single-node topics, or the view lagging), else undefined: the caller answers 404.
 */
export interface PartitionRouterDeps {
  clusterView: Pick<ClusterView, 'localBrokerId' | 'partitionState' | 'onChange'>;
  localPartition: (topic: string, partition: number) => Partition | undefined;
  client: Pick<InterBrokerClient, 'call'>;
  watcher: Pick<PartitionStateWatcher, 'watch'>;
  remoteOptions?: Partial<RemotePartitionOptions>;
}

export class PartitionRouter {
  private readonly remotes = new Map<string, RemotePartition>();
  private readonly unsubscribe: () => void;

  constructor(private readonly deps: PartitionRouterDeps) {
    this.unsubscribe = deps.clusterView.onChange(() => this.dropMoved());
  }

  resolve(topic: string, partition: number): PartitionHandle | undefined {
    const view = this.deps.clusterView;
    const state = view.partitionState(topic, partition);
    const local = this.deps.localPartition(topic, partition);
    const leadsHere = local !== undefined && !local.isClosed && (local as { role?: string }).role !== 'follower';
    if (!state) return leadsHere ? local : undefined;
    if (state.leader === view.localBrokerId) {
      if (leadsHere) return local;
      throw new ReplicationError(
        'NOT_LEADER_OR_FOLLOWER',
        topic,
        partition,
        `this broker is taking the leadership of ${topic}-${partition}`,
      );
    }
    if (state.leader < 0)
      throw new ReplicationError('LEADER_NOT_AVAILABLE', topic, partition, `${topic}-${partition} has no leader (offline)`);
    const id = key(topic, partition);
    const cached = this.remotes.get(id);
    if (cached && !cached.isClosed && cached.leaderId === state.leader && cached.leaderEpoch === state.leaderEpoch) return cached;
    cached?.close();
    const remote = new RemotePartition(
      topic,
      partition,
      state.leader,
      asLeaderEpoch(state.leaderEpoch),
      this.deps.client,
      this.deps.watcher,
      this.deps.remoteOptions,
    );
    this.remotes.set(id, remote);
    return remote;
  }

  /**
   * `resolve`, and for a remote handle the leader's state fetched now (RemotePartition.sync): for
   * request paths that compare a client's offset with the synchronous getters.
   */
  async resolveFresh(topic: string, partition: number): Promise<PartitionHandle | undefined> {
    const handle = this.resolve(topic, partition);
    if (handle instanceof RemotePartition) await handle.sync();
    return handle;
  }

  /** Remote handles currently cached (metrics, tests). */
  get remoteCount(): number {
    return this.remotes.size;
  }

  close(): void {
    this.unsubscribe();
    for (const remote of this.remotes.values()) remote.close();
    this.remotes.clear();
  }

  private dropMoved(): void {
    const view = this.deps.clusterView;
    for (const [id, remote] of this.remotes) {
      const state = view.partitionState(remote.topic, remote.partition);
      if (state && state.leader === remote.leaderId && state.leaderEpoch === remote.leaderEpoch) continue;
      remote.close();
      this.remotes.delete(id);
    }
  }
}

function key(topic: string, partition: number): string {
  return `${topic}\u0000${partition}`;
}
