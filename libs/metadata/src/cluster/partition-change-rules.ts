import type { AlterPartitionError, AlterPartitionRequest, PartitionState } from './cluster-store';

/**
 * The pure rules of the cluster store's partition changes: Kafka's AlterPartition validation and
 * PostgresClusterStore applies them inside its transactions (reassignments: reassignment.ts).
 */

export const MAX_REPLICAS = 256;

/**
 * Kafka's controller-side AlterPartition validation (ReplicationControlManager), in Kafka's order,
 * after the requester's broker epoch was found current and alive. `brokers` holds the
 * registrations of the proposed ISR members. Answers the error, or undefined when acceptable.
 */
export function validateAlterPartition(
  current: PartitionState,
  request: AlterPartitionRequest,
  brokers: Map<number, { epoch: number; state: string; alive: boolean }>,
): AlterPartitionError | undefined {
  // A leader epoch from the future: this controller's view is behind (Kafka answers NOT_CONTROLLER).
  if (request.leaderEpoch > current.leaderEpoch) return 'NOT_CONTROLLER';
  if (request.leaderEpoch < current.leaderEpoch) return 'FENCED_LEADER_EPOCH';
  if (request.brokerId !== current.leader) return 'INVALID_REQUEST';
  if (request.partitionEpoch !== current.partitionEpoch) return 'INVALID_UPDATE_VERSION';
  const newIsr = request.newIsr.map((member) => member.brokerId);
  if (newIsr.length === 0 || new Set(newIsr).size !== newIsr.length) return 'INVALID_REQUEST';
  if (!newIsr.every((id) => current.replicas.includes(id)) || !newIsr.includes(current.leader)) return 'INVALID_REQUEST';
  if (request.leaderRecoveryState !== 0 && request.leaderRecoveryState !== 1) return 'INVALID_REQUEST';
  if (request.leaderRecoveryState === 1 && newIsr.length > 1) return 'INVALID_REQUEST';
  if (current.leaderRecoveryState === 0 && request.leaderRecoveryState === 1) return 'INVALID_REQUEST';
  // KIP-903, for every member as Kafka checks it: a live, running incarnation, the one the leader saw fetching (-1: not checked).
  // A shrink that keeps a dead member is refused too; the controller removes dead brokers from the ISR itself.
  for (const member of request.newIsr) {
    const broker = brokers.get(member.brokerId);
    const eligible =
      broker !== undefined &&
      broker.alive &&
      broker.state === 'RUNNING' &&
      (member.brokerEpoch === -1 || member.brokerEpoch === broker.epoch);
    if (!eligible) return 'INELIGIBLE_REPLICA';
  }
  return undefined;
}

export function sameList(a: number[], b: number[]): boolean {
  return a.length === b.length && a.every((id, i) => id === b[i]);
}
