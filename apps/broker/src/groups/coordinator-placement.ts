import type { GroupCoordinator } from '@runnel/groups';
import type { PartitionHandle } from '@runnel/replication';
import type { ClusterView } from '../cluster/cluster-view';
import { CONSUMER_OFFSETS_TOPIC } from '../topics/topic-names';
import { CoordinatorLocation, notCoordinator } from './coordinator-location';
import { readOffsetRecords } from './offsets-topic';

/** The local replica of an offsets partition, as far as placement needs it. */
export interface LocalOffsetsReplica extends PartitionHandle {
  readonly role: 'leader' | 'follower';
}

export interface CoordinatorPlacementDeps {
  view: ClusterView;
  coordinator: GroupCoordinator;
  partitionCount: () => number;
  partitionFor: (groupId: string) => number;
  /** The local replica of `__consumer_offsets`-`partition`, if this broker has one. */
  localReplica: (partition: number) => LocalOffsetsReplica | undefined;
  log: { info(message: string): void; warn(message: string): void; error(message: string): void };
  /** How long a new leader waits for its high watermark to reach its log end before loading (default 30000). */
  catchUpTimeoutMs?: number;
  /** How often leadership is checked besides on view changes (default 500). */
  checkIntervalMs?: number;
}

interface Ownership {
  epoch: number;
  loaded: boolean;
  /** Set when leadership went away while loading: the load's result is dropped. */
  cancelled: boolean;
}

/**
 * Consumer-group coordinators placed by `__consumer_offsets` leadership (Kafka's rule): this broker
 * coordinates exactly the groups whose offsets partition it leads, and only once it has loaded
 * that partition's records at the leader epoch it leads with.
 *
 * - Leadership arrives (view and local replica agree, at epoch E): the partition is read up to its
 *   log end (after the high watermark reached it: records the old leader had but the ISR had not
 *   confirmed are not acted on) and its groups loaded; until then its groups answer "loading"
 *   (50003). Members restored from the records are detached: they rejoin by id or expire.
 * - Leadership leaves (another leader, another epoch, the replica stopped): the partition's groups
 *   are unloaded at once — members removed with NOT_COORDINATOR naming the new coordinator — and
 *   writes for them are refused (`writable`) so a deposed coordinator never appends behind the new
 *   one.
 * Checked on every cluster view change and every `checkIntervalMs` (the local replica becomes
 * leader a moment after the view says so).
 */
export class CoordinatorPlacement {
  private readonly owned = new Map<number, Ownership>();
  private timer: NodeJS.Timeout | undefined;
  private unsubscribe: (() => void) | undefined;
  private checking = false;
  private checkAgain = false;
  private closed = false;

  constructor(private readonly deps: CoordinatorPlacementDeps) {}

  start(): void {
    this.unsubscribe = this.deps.view.onChange(() => this.check());
    this.timer = setInterval(() => this.check(), this.deps.checkIntervalMs ?? 500);
    this.timer.unref();
    this.check();
  }

  stop(): void {
    this.closed = true;
    clearInterval(this.timer);
    this.unsubscribe?.();
  }

  /** Where `groupId` is coordinated: here once loaded, else the offsets partition's leader; null without one. */
  locate(groupId: string): CoordinatorLocation | null {
    const partition = this.deps.partitionFor(groupId);
    const state = this.deps.view.partitionState(CONSUMER_OFFSETS_TOPIC, partition);
    if (!state || state.leader < 0) return null;
    const self = this.deps.view.localBrokerId;
    const url = this.deps.view.broker(state.leader)?.advertisedUrl || null;
    return { brokerId: state.leader, url, local: state.leader === self && this.owned.get(partition)?.loaded === true };
  }

  /** Throws NOT_COORDINATOR (50003, naming the coordinator) unless `groupId` is coordinated here now. */
  require(groupId: string): void {
    const location = this.locate(groupId);
    if (location?.local) return;
    const self = this.deps.view.localBrokerId;
    let message: string;
    if (!location)
      message = `its coordinator is not known yet (__consumer_offsets-${this.deps.partitionFor(groupId)} has no leader); retry`;
    else if (location.brokerId === self) message = `broker ${self} is loading its coordinator state; retry`;
    else message = `broker ${self} is not its coordinator; broker ${location.brokerId} is`;
    throw notCoordinator(groupId, message, location);
  }

  /**
   * The partition a coordinator write for `partition` goes to: the local leader replica at the
   * epoch its groups were loaded with, else a NOT_COORDINATOR refusal (the write would land behind
   * — or through a forwarder, in front of — the new coordinator's).
   */
  writable(partition: number, groupId: string): PartitionHandle {
    const owned = this.owned.get(partition);
    const replica = this.deps.localReplica(partition);
    if (owned?.loaded && replica && replica.role === 'leader' && replica.leaderEpoch === owned.epoch) return replica;
    setImmediate(() => this.check());
    throw notCoordinator(groupId, `broker ${this.deps.view.localBrokerId} no longer coordinates it`, this.locate(groupId));
  }

  /** Offsets partitions coordinated here (loaded), for logs and tests. */
  ownedPartitions(): number[] {
    return [...this.owned].filter(([, o]) => o.loaded).map(([p]) => p);
  }

  private check(): void {
    if (this.closed) return;
    if (this.checking) {
      this.checkAgain = true;
      return;
    }
    this.checking = true;
    try {
      do {
        this.checkAgain = false;
        this.reconcile();
      } while (this.checkAgain && !this.closed);
    } finally {
      this.checking = false;
    }
  }

  private reconcile(): void {
    const self = this.deps.view.localBrokerId;
    for (let p = 0; p < this.deps.partitionCount(); p++) {
      const state = this.deps.view.partitionState(CONSUMER_OFFSETS_TOPIC, p);
      const replica = this.deps.localReplica(p);
      const leads = state !== undefined && state.leader === self && replica?.role === 'leader' && replica.leaderEpoch === state.leaderEpoch;
      const owned = this.owned.get(p);
      if (owned && (!leads || owned.epoch !== state!.leaderEpoch)) this.release(p, owned);
      if (leads && this.owned.get(p) === undefined) this.takeOver(p, state!.leaderEpoch, replica!);
    }
  }

  private release(partition: number, owned: Ownership): void {
    this.owned.delete(partition);
    owned.cancelled = true;
    if (!owned.loaded) return;
    const inPartition = (groupId: string) => this.deps.partitionFor(groupId) === partition;
    let location: CoordinatorLocation | null = null;
    const state = this.deps.view.partitionState(CONSUMER_OFFSETS_TOPIC, partition);
    if (state && state.leader >= 0) {
      location = { brokerId: state.leader, url: this.deps.view.broker(state.leader)?.advertisedUrl || null, local: false };
    }
    const where = location ? `broker ${location.brokerId}` : 'no broker yet';
    const cause = notCoordinator('*', `the coordinator moved: ${where} leads __consumer_offsets-${partition} now; join again`, location);
    const groups = this.deps.coordinator.unload(inPartition, cause.message, cause);
    this.deps.log.info(
      `no longer coordinating __consumer_offsets-${partition} (epoch ${owned.epoch}): ${groups} group(s) handed over to ${where}`,
    );
  }

  private takeOver(partition: number, epoch: number, replica: LocalOffsetsReplica): void {
    const owned: Ownership = { epoch, loaded: false, cancelled: false };
    this.owned.set(partition, owned);
    this.load(partition, owned, replica).catch((error: unknown) => {
      if (owned.cancelled) return;
      this.deps.log.error(`loading the groups of __consumer_offsets-${partition} failed (retried): ${(error as Error).message}`);
      // Forget it: the next check starts over while this broker still leads.
      if (this.owned.get(partition) === owned) this.owned.delete(partition);
    });
  }

  private async load(partition: number, owned: Ownership, replica: LocalOffsetsReplica): Promise<void> {
    const target = replica.logEndOffset;
    const deadline = Date.now() + (this.deps.catchUpTimeoutMs ?? 30_000);
    while (replica.highWatermark < target) {
      if (owned.cancelled) return;
      if (Date.now() > deadline)
        throw new Error(`its high watermark ${replica.highWatermark} did not reach the log end ${target} (followers lag)`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const records = await readOffsetRecords(replica);
    if (owned.cancelled || this.closed || this.owned.get(partition) !== owned) return;
    const loaded = this.deps.coordinator.load(records);
    this.deps.coordinator.topicsChanged();
    owned.loaded = true;
    this.deps.log.info(
      `coordinating __consumer_offsets-${partition} (epoch ${owned.epoch}): ${loaded.groups} group(s) from ${loaded.records} record(s)${loaded.skipped ? ` (${loaded.skipped} unreadable, skipped)` : ''}`,
    );
  }
}
