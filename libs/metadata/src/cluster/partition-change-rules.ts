import type { AlterPartitionError, AlterPartitionRequest, PartitionState } from './cluster-store';

/**
 * The pure rules of the cluster store's partition changes: Kafka's AlterPartition validation and
 * the start/cancel of a reassignment. PostgresClusterStore applies them inside its transactions.
 */

export const MAX_REPLICAS = 256;

/** A reassignment the store refuses (Kafka's INVALID_REPLICA_ASSIGNMENT), with the reason in the message. */
export class InvalidReassignmentError extends Error {
  override readonly name = 'InvalidReassignmentError';
}

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

/**
 * Kafka's AlterPartitionReassignments as a state change, the same rule as the controller's
 * `startReassignment` (reassignment.ts; the controller completes it): the original replicas are the
 * current ones without a reassignment's additions; replicas become target ++ (current − target),
 * adding = target − original, removing = current − target. A target that adds and removes nothing
 * only reorders the replicas. `null` cancels: a reassignment back to the original replicas (the
 * replicas added so far become `removingReplicas`). Leader, ISR and epochs are untouched (the
 * replica set only grows here). Answers `current` itself when nothing changes.
 */
export function planReassignment(current: PartitionState, target: number[] | null): PartitionState {
  const original = current.replicas.filter((id) => !current.addingReplicas.includes(id));
  const wanted = target ?? original;
  const adding = wanted.filter((id) => !original.includes(id));
  const removing = current.replicas.filter((id) => !wanted.includes(id));
  const replicas = adding.length === 0 && removing.length === 0 ? [...wanted] : [...wanted, ...removing];
  const unchanged =
    sameList(replicas, current.replicas) && sameList(adding, current.addingReplicas) && sameList(removing, current.removingReplicas);
  return unchanged ? current : { ...current, replicas, addingReplicas: adding, removingReplicas: removing };
}

export function validateTarget(target: number[]): void {
  if (!Array.isArray(target) || target.length === 0) throw new InvalidReassignmentError('the target replica list is empty');
  if (target.length > MAX_REPLICAS) throw new InvalidReassignmentError(`at most ${MAX_REPLICAS} replicas`);
  if (!target.every((id) => Number.isSafeInteger(id) && id >= 0))
    throw new InvalidReassignmentError('broker ids are non-negative integers');
  if (new Set(target).size !== target.length) throw new InvalidReassignmentError('the target replica list has duplicates');
}

export function sameList(a: number[], b: number[]): boolean {
  return a.length === b.length && a.every((id, i) => id === b[i]);
}
