import {
  BrokerIdInUseError,
  NotControllerError,
  type AlterPartitionOutcome,
  type AlterPartitionRequest,
  type BrokerRegistration,
  type BrokerState,
  type ClusterStore,
  type ControllerLeaseState,
  type MetadataChangeRecord,
  type NewBrokerRegistration,
  type PartitionState,
  type PartitionUpdate,
  type PartitionUpdateOutcome,
} from '../../src/cluster/cluster-store';
import { startReassignment } from '../../src/cluster/reassignment';

/**
 * An in-memory ClusterStore for the Controller's unit tests, honouring the interface's contract
 * where the Controller depends on it: leases by the store's own clock (`dbNow`, advanced by the
 * test, never the Controller's monotonic clock), controller epoch + 1 per holder change,
 * updatePartitions refused as a whole without a live lease held with the epoch, per-partition
 * compare-and-set on (leaderEpoch, partitionEpoch) with partitionEpoch + 1, one change per write.
 * Every answer is a deep copy, as a database's would be.
 */
export class FakeClusterStore implements ClusterStore {
  dbNow = 1_000_000;
  /** While true every call fails as if PostgreSQL were down. */
  down = false;
  /** Runs inside updatePartitions before its checks (to race a concurrent writer). */
  beforeUpdatePartitions: (() => void) | null = null;
  readonly calls = { acquire: 0, updatePartitions: 0, brokers: 0, partitions: 0 };
  /** Test setup: a topic config change (what makes the real store append a `topic` change). */
  appendTopicChange(topicName: string): void {
    this.append('topic', topicName, { op: 'configs' });
  }

  private readonly brokerRows = new Map<number, BrokerRegistration & { leaseMs: number }>();
  private lease: { brokerId: number; epoch: number; expiresAt: number } | null = null;
  private lastControllerEpoch = 0;
  private readonly partitionRows = new Map<string, PartitionState>();
  private readonly changes: MetadataChangeRecord[] = [];

  advance(ms: number): void {
    this.dbNow += ms;
  }

  /** Test setup: a partition as a topic creation would write it. */
  addPartition(
    state: Omit<PartitionState, 'leaderRecoveryState' | 'addingReplicas' | 'removingReplicas' | 'partitionEpoch' | 'leaderEpoch'> &
      Partial<PartitionState>,
  ): void {
    const row: PartitionState = {
      leaderEpoch: 0,
      partitionEpoch: 0,
      leaderRecoveryState: 0,
      addingReplicas: [],
      removingReplicas: [],
      ...state,
    };
    this.partitionRows.set(key(row.topicName, row.partitionId), row);
    this.append('partition', row.topicName, { partition: row.partitionId });
  }

  /** Test inspection: one partition as stored. */
  partition(topicName: string, partitionId: number): PartitionState {
    const row = this.partitionRows.get(key(topicName, partitionId));
    if (!row) throw new Error(`no partition ${topicName}-${partitionId}`);
    return structuredClone(row);
  }

  /** Test setup: a write by someone else (bumps the partition epoch). */
  touchPartition(topicName: string, partitionId: number, change: Partial<PartitionState> = {}): void {
    const row = this.partitionRows.get(key(topicName, partitionId))!;
    this.partitionRows.set(key(topicName, partitionId), { ...row, ...change, partitionEpoch: row.partitionEpoch + 1 });
    this.append('partition', topicName, { partition: partitionId });
  }

  /** Test setup: the broker's lease runs out now. */
  expireBrokerLease(brokerId: number): void {
    this.brokerRows.get(brokerId)!.leaseExpiresAt = new Date(this.dbNow);
  }

  /** Test setup: another broker takes the controller lease regardless of the current one. */
  forceController(brokerId: number, leaseMs: number): void {
    this.lease = { brokerId, epoch: ++this.lastControllerEpoch, expiresAt: this.dbNow + leaseMs };
  }

  async now(): Promise<Date> {
    this.check();
    return new Date(this.dbNow);
  }

  async interBrokerSecret(): Promise<string> {
    this.check();
    return 'secret';
  }

  async registerBroker(broker: NewBrokerRegistration, leaseMs: number): Promise<BrokerRegistration> {
    this.check();
    const old = this.brokerRows.get(broker.brokerId);
    if (old && old.incarnationId !== broker.incarnationId && old.leaseExpiresAt.getTime() > this.dbNow)
      throw new BrokerIdInUseError(broker.brokerId);
    const row = {
      ...broker,
      epoch: (old?.epoch ?? 0) + 1,
      state: 'RUNNING' as BrokerState,
      alive: true,
      leaseExpiresAt: new Date(this.dbNow + leaseMs),
      leaseMs,
    };
    this.brokerRows.set(broker.brokerId, row);
    this.append('broker', String(broker.brokerId), { epoch: row.epoch });
    return this.brokerView(row);
  }

  async heartbeat(brokerId: number, epoch: number, leaseMs: number): Promise<boolean> {
    this.check();
    const row = this.brokerRows.get(brokerId);
    if (!row || row.epoch !== epoch) return false;
    row.leaseExpiresAt = new Date(this.dbNow + leaseMs);
    return true;
  }

  async setBrokerState(brokerId: number, epoch: number, state: BrokerState): Promise<boolean> {
    this.check();
    const row = this.brokerRows.get(brokerId);
    if (!row || row.epoch !== epoch) return false;
    row.state = state;
    this.append('broker', String(brokerId), { state });
    return true;
  }

  async brokers(): Promise<BrokerRegistration[]> {
    this.check();
    this.calls.brokers++;
    return [...this.brokerRows.values()].sort((a, b) => a.brokerId - b.brokerId).map((row) => this.brokerView(row));
  }

  async acquireOrRenewController(brokerId: number, brokerEpoch: number, leaseMs: number): Promise<ControllerLeaseState | null> {
    this.check();
    this.calls.acquire++;
    const lease = this.lease;
    const holds = lease !== null && lease.brokerId === brokerId && lease.expiresAt > this.dbNow;
    if (lease && lease.expiresAt > this.dbNow && !holds) return null;
    const broker = this.brokerRows.get(brokerId);
    const eligible =
      broker !== undefined && broker.epoch === brokerEpoch && broker.leaseExpiresAt.getTime() > this.dbNow && broker.state !== 'STOPPED';
    if (!eligible || (!holds && broker.state !== 'RUNNING')) return null;
    if (holds) {
      lease.expiresAt = this.dbNow + leaseMs;
    } else {
      // vacant or expired, also when this broker held it before: a new tenure, a new epoch
      this.lease = { brokerId, epoch: ++this.lastControllerEpoch, expiresAt: this.dbNow + leaseMs };
      this.append('controller', '', { brokerId, epoch: this.lease.epoch });
    }
    return this.controllerView();
  }

  async resignController(brokerId: number, epoch: number): Promise<void> {
    this.check();
    if (this.lease && this.lease.brokerId === brokerId && this.lease.epoch === epoch && this.lease.expiresAt > this.dbNow) {
      this.lease.expiresAt = this.dbNow - 1;
      this.append('controller', '', { brokerId, epoch, resigned: true });
    }
  }

  async controller(): Promise<ControllerLeaseState | null> {
    this.check();
    return this.controllerView();
  }

  async partitions(topicName?: string): Promise<PartitionState[]> {
    this.check();
    this.calls.partitions++;
    return [...this.partitionRows.values()]
      .filter((p) => topicName === undefined || p.topicName === topicName)
      .sort((a, b) => (a.topicName === b.topicName ? a.partitionId - b.partitionId : a.topicName < b.topicName ? -1 : 1))
      .map((p) => structuredClone(p));
  }

  async updatePartitions(controllerId: number, controllerEpoch: number, updates: PartitionUpdate[]): Promise<PartitionUpdateOutcome[]> {
    this.check();
    this.calls.updatePartitions++;
    this.beforeUpdatePartitions?.();
    const lease = this.lease;
    if (!lease || lease.brokerId !== controllerId || lease.epoch !== controllerEpoch || lease.expiresAt <= this.dbNow) {
      throw new NotControllerError(controllerId, controllerEpoch);
    }
    return updates.map((update): PartitionUpdateOutcome => {
      const k = key(update.topicName, update.partitionId);
      const row = this.partitionRows.get(k);
      if (!row) return { applied: false, reason: 'UNKNOWN_PARTITION' };
      if (row.leaderEpoch !== update.expected.leaderEpoch || row.partitionEpoch !== update.expected.partitionEpoch) {
        return { applied: false, reason: 'STALE_EPOCH' };
      }
      const next: PartitionState = {
        ...structuredClone(update.next),
        topicName: row.topicName,
        partitionId: row.partitionId,
        partitionEpoch: row.partitionEpoch + 1,
      };
      this.partitionRows.set(k, next);
      this.append('partition', row.topicName, { partition: row.partitionId });
      return { applied: true, state: structuredClone(next) };
    });
  }

  /** The checks the Controller's tests need (leader, epochs, ISR ⊆ replicas, RECOVERING); the real rules are the store helper's. */
  async alterPartition(request: AlterPartitionRequest): Promise<AlterPartitionOutcome> {
    this.check();
    const row = this.partitionRows.get(key(request.topicName, request.partitionId));
    if (!row) return { ok: false, error: 'UNKNOWN_TOPIC_OR_PARTITION' };
    if (row.leader !== request.brokerId) return { ok: false, error: 'INVALID_REQUEST' };
    if (request.leaderEpoch < row.leaderEpoch) return { ok: false, error: 'FENCED_LEADER_EPOCH' };
    if (request.partitionEpoch !== row.partitionEpoch) return { ok: false, error: 'INVALID_UPDATE_VERSION' };
    const isr = request.newIsr.map((m) => m.brokerId);
    if (!isr.includes(row.leader) || isr.some((id) => !row.replicas.includes(id))) return { ok: false, error: 'INVALID_REQUEST' };
    const next = { ...row, isr, leaderRecoveryState: request.leaderRecoveryState, partitionEpoch: row.partitionEpoch + 1 };
    this.partitionRows.set(key(row.topicName, row.partitionId), next);
    this.append('partition', row.topicName, { partition: row.partitionId });
    return { ok: true, state: structuredClone(next) };
  }

  async reassignPartition(topicName: string, partitionId: number, target: number[] | null): Promise<PartitionState> {
    this.check();
    const row = this.partitionRows.get(key(topicName, partitionId));
    if (!row) throw new Error(`no partition ${topicName}-${partitionId}`);
    const next = { ...startReassignment(row, target), partitionEpoch: row.partitionEpoch + 1 };
    this.partitionRows.set(key(topicName, partitionId), next);
    this.append('partition', topicName, { partition: partitionId });
    return structuredClone(next);
  }

  async changesAfter(afterSeq: number, limit: number): Promise<MetadataChangeRecord[]> {
    this.check();
    return this.changes.filter((c) => c.seq > afterSeq).slice(0, limit);
  }

  async lastSeq(): Promise<number> {
    this.check();
    return this.changes.length;
  }

  async listen(_wake: () => void): Promise<() => Promise<void>> {
    this.check();
    return async () => {};
  }

  async close(): Promise<void> {}

  private check(): void {
    if (this.down) throw new Error('connect ECONNREFUSED 127.0.0.1:5432');
  }

  private brokerView(row: BrokerRegistration & { leaseMs: number }): BrokerRegistration {
    const { leaseMs: _leaseMs, ...view } = row;
    return { ...structuredClone(view), alive: row.leaseExpiresAt.getTime() > this.dbNow };
  }

  private controllerView(): ControllerLeaseState | null {
    if (!this.lease) return null;
    return {
      brokerId: this.lease.brokerId,
      epoch: this.lease.epoch,
      alive: this.lease.expiresAt > this.dbNow,
      leaseExpiresAt: new Date(this.lease.expiresAt),
    };
  }

  private append(kind: string, subject: string, payload: unknown): void {
    this.changes.push({ seq: this.changes.length + 1, time: new Date(this.dbNow), kind, subject, payload });
  }
}

function key(topicName: string, partitionId: number): string {
  return `${topicName}\u0000${partitionId}`;
}
