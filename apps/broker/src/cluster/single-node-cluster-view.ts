import { randomUUID } from 'node:crypto';
import type { BrokerRegistration, PartitionState } from '@runnel/metadata';
import type { ReplicaManager } from '@runnel/replication';
import type { ClusterView } from './cluster-view';

/** The lease of a single node never runs out: it is the whole cluster for as long as it runs. */
const NEVER = new Date(8.64e15);

/**
 * One node as a ClusterView (no RUNNEL_METADATA_URL): this broker is the only broker, alive,
 * RUNNING, the controller, and leads every partition it holds as its only replica, always in
 * sync. Partition states are read from the ReplicaManager (the TopicsService leads every
 * partition of every topic at start and as topics are created), so a partition the broker does
 * not lead is unknown here, as it is to the partition resources.
 */
export class SingleNodeClusterView implements ClusterView {
  readonly mode = 'single' as const;
  private readonly self: BrokerRegistration;
  private readonly listeners = new Set<() => void>();

  constructor(
    readonly localBrokerId: number,
    private readonly replicas: Pick<ReplicaManager, 'get'>,
    options: { advertisedUrl?: string; rack?: string | null } = {},
  ) {
    this.self = {
      brokerId: localBrokerId,
      epoch: 1,
      incarnationId: randomUUID(),
      interBrokerAddress: '',
      advertisedUrl: options.advertisedUrl ?? '',
      rack: options.rack ?? null,
      state: 'RUNNING',
      alive: true,
      leaseExpiresAt: NEVER,
    };
  }

  brokers(): readonly BrokerRegistration[] {
    return [this.self];
  }

  broker(brokerId: number): BrokerRegistration | undefined {
    return brokerId === this.localBrokerId ? this.self : undefined;
  }

  controllerId(): number | null {
    return this.localBrokerId;
  }

  partitionState(topic: string, partition: number): PartitionState | undefined {
    const led = this.replicas.get(topic, partition);
    if (!led) return undefined;
    const id = this.localBrokerId;
    return {
      topicName: topic,
      partitionId: partition,
      leader: id,
      leaderEpoch: led.leaderEpoch,
      partitionEpoch: 0,
      replicas: [id],
      isr: [id],
      leaderRecoveryState: 0,
      addingReplicas: [],
      removingReplicas: [],
    };
  }

  /** Partitions 0, 1, … while this node leads them (a topic's partitions have no gaps). */
  partitionStates(topic: string): readonly PartitionState[] {
    const states: PartitionState[] = [];
    for (let p = 0; ; p++) {
      const state = this.partitionState(topic, p);
      if (!state) return states;
      states.push(state);
    }
  }

  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Tells the listeners that partitions came or went (a topic created, deleted or grown). */
  changed(): void {
    for (const listener of this.listeners) {
      try {
        listener();
      } catch {
        // A listener's failure is its own: the others still hear of the change.
      }
    }
  }
}
