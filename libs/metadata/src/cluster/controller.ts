import { NotControllerError, type BrokerRegistration, type ClusterStore, type PartitionState, type PartitionUpdate } from './cluster-store';
import { electLeader, NO_LEADER, type ElectionResult } from './election';
import { LeaseTimer } from './lease-timer';
import { completeReassignment } from './reassignment';

/**
 * The cluster controller (Kafka's ReplicationControlManager, reduced to what Runnel needs). One
 * broker at a time holds the controller lease in PostgreSQL; every broker runs a Controller and calls
 * `tick()` every tickMs; only the lease holder acts.
 *
 * Each tick: renew (or try to take) the lease; while the lease is locally valid (LeaseTimer: a renewal
 * sent at t0 is acted on until t0 + leaseMs − margin), read brokers and partitions and write, in
 * batches of compare-and-set updates fenced by the controller epoch:
 * - fencing: a broker whose lease expired, that is STOPPED or in CONTROLLED_SHUTDOWN, or that came back
 *   with a new broker epoch (a restart) leaves every ISR — never as its last member (KIP-841) — and
 *   loses leadership to the first in-sync eligible replica (unclean election only where the topic
 *   allows it). Lease expiry only counts once this controller has held the lease for a full lease
 *   period; before that only explicit states do.
 * - reassignment completion (every adding replica in sync: replicas = target, removing dropped);
 * - preferred-leader rebalancing every leaderRebalanceIntervalMs.
 * While neither the change log's head nor any broker (epoch, liveness, state) changed since a pass that
 * left nothing to do, the partitions are not read again (a full pass still runs every max(1 s, lease)).
 * A refused compare-and-set is not an error: the next tick re-reads. `tick()` never throws and never
 * overlaps itself. The store re-checks the controller epoch and lease in the same transaction as each
 * write, so a controller that acts a little late is refused, not obeyed.
 */

/** Leader changes logged one by one per tick; the rest are counted (a broker loss may move thousands). */
const LEADER_CHANGES_LOGGED_MAX = 20;

export interface ControllerLog {
  info(message: string): void;
  warn(message: string): void;
  error(message: string, error?: unknown): void;
}

export interface ControllerOptions {
  brokerId: number;
  /** This broker's current broker epoch (the store lets only a current, alive broker hold the lease). */
  brokerEpoch: () => number;
  leaseMs: number;
  tickMs: number;
  leaderRebalanceIntervalMs: number;
  /** The topic sets unclean.leader.election.enable. */
  uncleanAllowed: (topicName: string) => boolean;
  log: ControllerLog;
  /** Monotonic milliseconds (default performance.now). */
  now?: () => number;
  /** Partition updates per updatePartitions call (default 200). */
  updateBatchSize?: number;
}

/** How the controller sees brokers in one tick. */
export interface BrokerEligibility {
  /** Alive, RUNNING and not just restarted: may lead and stay in ISRs. */
  usable(brokerId: number): boolean;
  /** Alive but in CONTROLLED_SHUTDOWN: keeps the leadership it has only when no other replica can take it. */
  shuttingDown(brokerId: number): boolean;
  /**
   * Its lease expired, but this controller has not yet held the lease for a full lease period: it may
   * not be fenced yet, nor elected. Partitions it leads or is in sync for are left alone.
   */
  suspect(brokerId: number): boolean;
}

export interface ChangeOptions {
  unclean: boolean;
  preferred: boolean;
}

export type PartitionNext = PartitionUpdate['next'];

/**
 * The change the controller makes to one partition, or null when none is needed. Pure; see the
 * class comment for the rules.
 */
export function computePartitionChange(state: PartitionState, brokers: BrokerEligibility, options: ChangeOptions): PartitionNext | null {
  if (brokers.suspect(state.leader) || state.isr.some((id) => brokers.suspect(id))) return null;
  let next: PartitionState = state;
  let election = elect(state, state, brokers, options);
  const completed = completeReassignment(state);
  if (completed) {
    const afterCompletion = elect(completed, state, brokers, options);
    // Completing must not cost availability: not when it would leave no clean leader.
    if (afterCompletion.kind !== 'offline' && afterCompletion.kind !== 'unclean') {
      next = completed;
      election = afterCompletion;
    }
  }

  const replicasRemoved = state.replicas.some((id) => !next.replicas.includes(id));
  const leaderChanged = election.leader !== state.leader;
  const result: PartitionNext = {
    leader: election.leader,
    leaderEpoch: leaderChanged || replicasRemoved ? state.leaderEpoch + 1 : state.leaderEpoch,
    replicas: next.replicas,
    isr: election.isr,
    leaderRecoveryState: election.leaderRecoveryState,
    addingReplicas: next.addingReplicas,
    removingReplicas: next.removingReplicas,
  };
  const same =
    result.leaderEpoch === state.leaderEpoch &&
    result.leader === state.leader &&
    result.leaderRecoveryState === state.leaderRecoveryState &&
    sameList(result.isr, state.isr) &&
    sameList(result.replicas, state.replicas) &&
    sameList(result.addingReplicas, state.addingReplicas) &&
    sameList(result.removingReplicas, state.removingReplicas);
  return same ? null : result;
}

function elect(next: PartitionState, state: PartitionState, brokers: BrokerEligibility, options: ChangeOptions): ElectionResult {
  const usable = (id: number) => brokers.usable(id);
  let election = electLeader(next, usable, { unclean: false, preferred: options.preferred });
  if (election.kind === 'offline' && state.leader !== NO_LEADER && next.isr.includes(state.leader) && brokers.shuttingDown(state.leader)) {
    // Controlled shutdown with no one to hand over to: keep leading until the broker really stops.
    election = electLeader(next, (id) => usable(id) || id === state.leader, { unclean: false });
  }
  if (election.kind === 'offline' && options.unclean) election = electLeader(next, usable, { unclean: true });
  return election;
}

function sameList(a: number[], b: number[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

export class Controller {
  private readonly timer: LeaseTimer;
  private readonly now: () => number;
  private readonly batchSize: number;
  private controllerEpoch: number | null = null;
  private running: Promise<void> | null = null;
  private stopped = false;
  private lastRebalanceAt = Number.NEGATIVE_INFINITY;
  /** Broker epochs seen while active; a higher one is a restart (fenced once, like Kafka's re-registration). */
  private readonly seenBrokerEpochs = new Map<number, number>();
  /** Restarted brokers whose fencing has not yet been written completely. */
  private readonly restarted = new Set<number>();
  /** The last pass over the partitions that left nothing to do, to skip re-reading them while nothing changes. */
  private lastPass: { signature: string; at: number } | null = null;
  /** Reads every partition at least this often anyway (topic configs such as unclean election come from the caller). */
  private readonly fullPassIntervalMs: number;

  constructor(
    private readonly store: ClusterStore,
    private readonly options: ControllerOptions,
  ) {
    this.now = options.now ?? (() => performance.now());
    const marginMs = Math.max(options.leaseMs / 4, 2 * options.tickMs);
    this.timer = new LeaseTimer({ leaseMs: options.leaseMs, marginMs, now: this.now });
    this.batchSize = Math.max(1, options.updateBatchSize ?? 200);
    this.fullPassIntervalMs = Math.max(1000, options.leaseMs);
  }

  /** The controller epoch while this broker holds the lease, else null. */
  get epoch(): number | null {
    return this.isActive() ? this.controllerEpoch : null;
  }

  /** Holds the lease and it is not locally suspect. */
  isActive(): boolean {
    return this.controllerEpoch !== null && this.timer.isValid();
  }

  /** One round: renew or acquire the lease, then act if active. Never throws; a call during a running one returns at once. */
  async tick(): Promise<void> {
    if (this.running || this.stopped) return;
    this.running = this.round();
    try {
      await this.running;
    } finally {
      this.running = null;
    }
  }

  private async round(): Promise<void> {
    try {
      await this.renewLease();
      if (this.isActive()) await this.act();
    } catch (err) {
      this.options.log.error(`controller tick failed: ${describe(err)}`, err);
    }
  }

  /** Stops for good (clean broker stop): waits for a running tick, then gives the lease up. Never throws. */
  async resign(): Promise<void> {
    this.stopped = true;
    await this.running;
    const epoch = this.controllerEpoch;
    this.controllerEpoch = null;
    this.timer.lost();
    if (epoch === null) return;
    try {
      await this.store.resignController(this.options.brokerId, epoch);
      this.options.log.info(`controller: resigned (epoch ${epoch})`);
    } catch (err) {
      this.options.log.warn(`controller: resigning failed (the lease will expire): ${describe(err)}`);
    }
  }

  private async renewLease(): Promise<void> {
    const sentAt = this.timer.startRenewal();
    let lease;
    try {
      lease = await this.store.acquireOrRenewController(this.options.brokerId, this.options.brokerEpoch(), this.options.leaseMs);
    } catch (err) {
      // PostgreSQL unreachable: keep acting only while the local timer says the lease is certainly held.
      if (this.controllerEpoch !== null) this.options.log.warn(`controller: lease renewal failed: ${describe(err)}`);
      if (!this.timer.isValid()) this.dropLease('lease could not be renewed in time');
      return;
    }
    if (lease === null || lease.brokerId !== this.options.brokerId) {
      this.dropLease('another broker holds the controller lease');
      return;
    }
    if (lease.epoch !== this.controllerEpoch) {
      this.timer.lost();
      this.controllerEpoch = lease.epoch;
      this.seenBrokerEpochs.clear();
      this.restarted.clear();
      this.lastPass = null;
    }
    const wasActive = this.timer.isValid();
    this.timer.renewed(sentAt);
    if (!wasActive && this.timer.isValid()) {
      this.lastRebalanceAt = this.now();
      this.lastPass = null;
      this.options.log.info(`controller: active with epoch ${lease.epoch}; fencing by lease expiry after ${this.options.leaseMs} ms`);
    }
  }

  private dropLease(reason: string): void {
    if (this.controllerEpoch !== null) this.options.log.warn(`controller: stopped acting (epoch ${this.controllerEpoch}): ${reason}`);
    this.controllerEpoch = null;
    this.timer.lost();
  }

  private async act(): Promise<void> {
    // lastSeq before partitions: a change written after this read shows as a higher seq next tick.
    const [lastSeq, brokers] = await Promise.all([this.store.lastSeq(), this.store.brokers()]);
    if (!this.isActive()) return;
    const fenceByLease = this.timer.heldForMs() >= this.options.leaseMs;
    const eligibility = this.eligibility(brokers, fenceByLease);
    const now = this.now();
    const rebalanceDue = now - this.lastRebalanceAt >= this.options.leaderRebalanceIntervalMs;
    const signature = passSignature(brokers, lastSeq, fenceByLease);
    const last = this.lastPass;
    if (!rebalanceDue && this.restarted.size === 0 && last && last.signature === signature && now - last.at < this.fullPassIntervalMs) {
      return; // nothing written and no broker changed since a pass that left nothing to do
    }

    const partitions = await this.store.partitions();
    if (!this.isActive()) return;
    const updates: PartitionUpdate[] = [];
    for (const state of partitions) {
      const next = computePartitionChange(state, eligibility, {
        unclean: this.uncleanAllowed(state.topicName),
        preferred: rebalanceDue,
      });
      if (next) {
        updates.push({
          topicName: state.topicName,
          partitionId: state.partitionId,
          expected: { leaderEpoch: state.leaderEpoch, partitionEpoch: state.partitionEpoch },
          next,
        });
      }
    }
    if (rebalanceDue) this.lastRebalanceAt = now;

    const complete = await this.write(updates, partitions);
    // A pass that fenced restarted brokers is followed by one without that fence (they may lead again).
    this.lastPass = complete && this.restarted.size === 0 ? { signature, at: now } : null;
    if (complete) this.restarted.clear();
  }

  /** Writes in batches; true when every update was applied. */
  private async write(updates: PartitionUpdate[], before: PartitionState[]): Promise<boolean> {
    const epoch = this.controllerEpoch!;
    const previous = new Map(before.map((p) => [`${p.topicName}\u0000${p.partitionId}`, p]));
    let allApplied = true;
    let leaderChanges = 0;
    for (let i = 0; i < updates.length; i += this.batchSize) {
      if (!this.isActive()) return false;
      const batch = updates.slice(i, i + this.batchSize);
      let outcomes;
      try {
        outcomes = await this.store.updatePartitions(this.options.brokerId, epoch, batch);
      } catch (err) {
        if (err instanceof NotControllerError) this.dropLease('the store refused our controller epoch');
        else this.options.log.warn(`controller: partition update failed (retried next tick): ${describe(err)}`);
        return false;
      }
      outcomes.forEach((outcome, j) => {
        const update = batch[j];
        if (!outcome.applied) {
          allApplied = false;
          return;
        }
        const old = previous.get(`${update.topicName}\u0000${update.partitionId}`);
        if (old && old.leader !== outcome.state.leader && ++leaderChanges <= LEADER_CHANGES_LOGGED_MAX) {
          this.options.log.info(
            `controller: ${update.topicName}-${update.partitionId} leader ${old.leader} -> ${outcome.state.leader} ` +
              `(epoch ${outcome.state.leaderEpoch}, isr [${outcome.state.isr.join(',')}])`,
          );
        }
      });
    }
    if (leaderChanges > LEADER_CHANGES_LOGGED_MAX) {
      this.options.log.info(`controller: ... and ${leaderChanges - LEADER_CHANGES_LOGGED_MAX} more leader changes`);
    }
    return allApplied;
  }

  private eligibility(brokers: BrokerRegistration[], fenceByLease: boolean): BrokerEligibility {
    for (const b of brokers) {
      const seen = this.seenBrokerEpochs.get(b.brokerId);
      if (seen !== undefined && b.epoch > seen) this.restarted.add(b.brokerId);
      this.seenBrokerEpochs.set(b.brokerId, b.epoch);
    }
    const byId = new Map(brokers.map((b) => [b.brokerId, b]));
    return {
      usable: (id) => {
        const b = byId.get(id);
        return b !== undefined && b.alive && b.state === 'RUNNING' && !this.restarted.has(id);
      },
      shuttingDown: (id) => {
        const b = byId.get(id);
        return b !== undefined && b.alive && b.state === 'CONTROLLED_SHUTDOWN';
      },
      suspect: (id) => {
        const b = byId.get(id);
        return !fenceByLease && b !== undefined && !b.alive && b.state !== 'STOPPED';
      },
    };
  }

  private uncleanAllowed(topicName: string): boolean {
    try {
      return this.options.uncleanAllowed(topicName);
    } catch (err) {
      this.options.log.warn(`controller: unclean.leader.election.enable of ${topicName} unknown, assuming false: ${describe(err)}`);
      return false;
    }
  }
}

/** What a pass's outcome depends on besides the partitions: broker liveness, states and epochs, and the change log's head. */
function passSignature(brokers: BrokerRegistration[], lastSeq: number, fenceByLease: boolean): string {
  const parts = [...brokers].sort((a, b) => a.brokerId - b.brokerId).map((b) => `${b.brokerId}:${b.epoch}:${b.alive ? 1 : 0}:${b.state}`);
  return `${lastSeq}|${fenceByLease ? 1 : 0}|${parts.join(',')}`;
}

function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
