import type { BrokerRegistration, ControllerLeaseState, PartitionState } from '@runnel/metadata';
import type { ClusterView } from './cluster-view';

/**
 * The cluster-mode ClusterView: what this broker has read of the metadata store, replaced piece by
 * piece as the change log says brokers, the controller or a topic's partitions changed. Partition
 * states only move forward: an older (leaderEpoch, partitionEpoch) than the one held is ignored,
 * so a slow re-read can never undo a newer change.
 */
export class ClusterViewCache implements ClusterView {
  readonly mode = 'cluster' as const;
  private brokerList: BrokerRegistration[] = [];
  private readonly brokerById = new Map<number, BrokerRegistration>();
  private controllerState: ControllerLeaseState | null = null;
  private readonly topics = new Map<string, PartitionState[]>();
  private readonly listeners = new Set<() => void>();

  constructor(readonly localBrokerId: number) {}

  brokers(): readonly BrokerRegistration[] {
    return this.brokerList;
  }

  broker(brokerId: number): BrokerRegistration | undefined {
    return this.brokerById.get(brokerId);
  }

  controllerId(): number | null {
    return this.controllerState?.alive ? this.controllerState.brokerId : null;
  }

  partitionState(topic: string, partition: number): PartitionState | undefined {
    return this.topics.get(topic)?.[partition];
  }

  partitionStates(topic: string): readonly PartitionState[] {
    return this.topics.get(topic) ?? [];
  }

  topicNames(): IterableIterator<string> {
    return this.topics.keys();
  }

  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  setBrokers(brokers: BrokerRegistration[]): void {
    this.brokerList = [...brokers].sort((a, b) => a.brokerId - b.brokerId);
    this.brokerById.clear();
    for (const broker of this.brokerList) this.brokerById.set(broker.brokerId, broker);
    this.changed();
  }

  setController(state: ControllerLeaseState | null): void {
    this.controllerState = state;
    this.changed();
  }

  /**
   * Replaces a topic's partition states with what was read, keeping any newer state already held;
   * answers the states that changed. `states` empty: the topic is gone.
   */
  setTopic(topic: string, states: PartitionState[]): PartitionState[] {
    if (states.length === 0) {
      const had = this.topics.delete(topic);
      if (had) this.changed();
      return [];
    }
    const previous = this.topics.get(topic) ?? [];
    const next: PartitionState[] = [];
    const changed: PartitionState[] = [];
    for (const state of states) {
      const old = previous[state.partitionId];
      if (old && isOlder(state, old)) {
        next[state.partitionId] = old;
        continue;
      }
      next[state.partitionId] = state;
      if (!old || old.leaderEpoch !== state.leaderEpoch || old.partitionEpoch !== state.partitionEpoch) changed.push(state);
    }
    this.topics.set(topic, next);
    if (changed.length > 0) this.changed();
    return changed;
  }

  private changed(): void {
    for (const listener of [...this.listeners]) {
      try {
        listener();
      } catch {
        // a listener's failure is its own; the view stays consistent
      }
    }
  }
}

function isOlder(candidate: PartitionState, held: PartitionState): boolean {
  if (candidate.leaderEpoch !== held.leaderEpoch) return candidate.leaderEpoch < held.leaderEpoch;
  return candidate.partitionEpoch < held.partitionEpoch;
}
