import type { PartitionState } from './cluster-store';

/**
 * Partition reassignment as Kafka's KRaft controller does it (AlterPartitionReassignments,
 * PartitionReassignmentReplicas), pure:
 *
 * - start: `replicas` becomes target ++ (current replicas not in target), `addingReplicas` the target
 *   replicas that were not original members, `removingReplicas` the current replicas not in target.
 *   The new replicas start following at once; the old ones keep serving until completion. A target
 *   that only reorders the replicas takes effect at once (nothing to add or remove).
 * - cancel (target null): a reassignment back to the original replicas (current minus adding): the
 *   replicas added so far become `removingReplicas`, so the controller removes them with the same
 *   completion rule (and elects a leader again if one of them leads).
 * - complete (the controller, each tick): when every adding replica is in the ISR and the ISR keeps at
 *   least one member without the removing ones: replicas and ISR lose the removing replicas, adding
 *   and removing become empty. Leader election after it is the controller's (the leader may be one of
 *   the removed replicas).
 *
 * Neither function touches epochs: the store bumps the partition epoch on write, the controller the
 * leader epoch when the leader changes or replicas are removed.
 */

/** Replicas of one partition at most (a bound on what a request can make the controller carry). */
export const REASSIGNMENT_REPLICAS_MAX = 256;

export class InvalidReassignmentError extends Error {
  override readonly name = 'InvalidReassignmentError';
}

type ReassignmentFields = Pick<PartitionState, 'replicas' | 'isr' | 'leader' | 'addingReplicas' | 'removingReplicas'>;

/** Answers `state` with the reassignment to `target` started (or, null, the one in progress cancelled). */
export function startReassignment<S extends ReassignmentFields>(state: S, target: number[] | null): S {
  const original = state.replicas.filter((id) => !state.addingReplicas.includes(id));
  const wanted = target ?? original;
  validateReassignmentTarget(wanted);
  const adding = wanted.filter((id) => !original.includes(id));
  const removing = state.replicas.filter((id) => !wanted.includes(id));
  if (adding.length === 0 && removing.length === 0) {
    return { ...state, replicas: [...wanted], addingReplicas: [], removingReplicas: [] };
  }
  return {
    ...state,
    replicas: [...wanted, ...removing],
    addingReplicas: adding,
    removingReplicas: removing,
  };
}

/** The state after completing the reassignment in progress, or null when there is none or it cannot complete yet. */
export function completeReassignment<S extends ReassignmentFields>(state: S): S | null {
  if (state.addingReplicas.length === 0 && state.removingReplicas.length === 0) return null;
  if (!state.addingReplicas.every((id) => state.isr.includes(id))) return null;
  const isr = state.isr.filter((id) => !state.removingReplicas.includes(id));
  if (isr.length === 0) return null;
  return {
    ...state,
    replicas: state.replicas.filter((id) => !state.removingReplicas.includes(id)),
    isr,
    addingReplicas: [],
    removingReplicas: [],
  };
}

/** True while a reassignment is in progress. */
export function isReassigning(state: Pick<PartitionState, 'addingReplicas' | 'removingReplicas'>): boolean {
  return state.addingReplicas.length > 0 || state.removingReplicas.length > 0;
}

/** Refuses an empty, oversized, non-integer or duplicated target list with InvalidReassignmentError. */
export function validateReassignmentTarget(target: number[]): void {
  if (target.length === 0) throw new InvalidReassignmentError('a reassignment needs at least one replica');
  if (target.length > REASSIGNMENT_REPLICAS_MAX) throw new InvalidReassignmentError(`at most ${REASSIGNMENT_REPLICAS_MAX} replicas`);
  if (target.some((id) => !Number.isSafeInteger(id) || id < 0)) {
    throw new InvalidReassignmentError(`replica ids must be non-negative integers (got ${JSON.stringify(target)})`);
  }
  if (new Set(target).size !== target.length) throw new InvalidReassignmentError(`duplicate replica ids in ${JSON.stringify(target)}`);
}
