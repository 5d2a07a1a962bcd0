import type { LeaderRecoveryState, PartitionState } from './cluster-store';

/**
 * Leader election for one partition (Kafka's PartitionChangeBuilder election rules, KIP-841 and
 * KIP-966 ideas). Pure: the caller says which brokers are eligible (alive, RUNNING, current).
 *
 * - The ISR loses every ineligible member (KIP-841: a fenced broker leaves the ISR), but never its
 *   last one: a partition whose in-sync replicas are all gone keeps one of them (the leader when it was
 *   in the ISR) so that it, and only it, can lead again cleanly when it returns.
 * - Clean election: the current leader stays when it is still eligible and in sync; otherwise the
 *   first replica in `replicas` order that is in the ISR and eligible. `preferred` asks for the first
 *   replica (the preferred leader) when it is in sync and eligible.
 * - Unclean election (only when no clean one is possible and the topic allows it): the first eligible
 *   replica; the ISR becomes just it and the leader recovery state RECOVERING (1), so the ISR may not
 *   grow until the new leader says it has recovered.
 * - Neither: leader -1 (offline), recovery state unchanged.
 */

export interface ElectionOptions {
  /** The topic sets unclean.leader.election.enable. */
  unclean: boolean;
  /** Move leadership to the preferred replica (replicas[0]) when it is in sync and eligible. */
  preferred?: boolean;
}

export type ElectionKind = 'unchanged' | 'clean' | 'unclean' | 'offline';

export interface ElectionResult {
  leader: number;
  isr: number[];
  leaderRecoveryState: LeaderRecoveryState;
  /** unchanged: the same leader; clean: another leader from the ISR; unclean: from outside it; offline: none. */
  kind: ElectionKind;
}

export const NO_LEADER = -1;

export function electLeader(
  state: Pick<PartitionState, 'leader' | 'replicas' | 'isr' | 'leaderRecoveryState'>,
  isEligible: (brokerId: number) => boolean,
  options: ElectionOptions,
): ElectionResult {
  const eligibleIsr = state.isr.filter((id) => isEligible(id));
  const inSync = (id: number | undefined): id is number => id !== undefined && eligibleIsr.includes(id);
  const preferredReplica = state.replicas[0];

  let leader: number | undefined;
  if (options.preferred && inSync(preferredReplica)) leader = preferredReplica;
  else if (state.leader !== NO_LEADER && inSync(state.leader)) leader = state.leader;
  else leader = state.replicas.find((id) => inSync(id));

  if (leader !== undefined) {
    return {
      leader,
      isr: eligibleIsr,
      leaderRecoveryState: state.leaderRecoveryState,
      kind: leader === state.leader ? 'unchanged' : 'clean',
    };
  }
  if (options.unclean) {
    const any = state.replicas.find((id) => isEligible(id));
    if (any !== undefined) return { leader: any, isr: [any], leaderRecoveryState: 1, kind: 'unclean' };
  }
  return { leader: NO_LEADER, isr: lastIsrMember(state), leaderRecoveryState: state.leaderRecoveryState, kind: 'offline' };
}

/** The one in-sync replica an offline partition keeps: its last leader when that was in sync. */
function lastIsrMember(state: Pick<PartitionState, 'leader' | 'isr'>): number[] {
  if (state.isr.length <= 1) return [...state.isr];
  if (state.leader !== NO_LEADER && state.isr.includes(state.leader)) return [state.leader];
  return [state.isr[0]];
}
