import type { LeaderRecoveryState } from '../../src/cluster/cluster-store';
import { electLeader } from '../../src/cluster/election';

const state = (leader: number, replicas: number[], isr: number[], leaderRecoveryState: LeaderRecoveryState = 0) => ({
  leader,
  replicas,
  isr,
  leaderRecoveryState,
});
const aliveSet =
  (...ids: number[]) =>
  (id: number) =>
    ids.includes(id);

describe('electLeader', () => {
  it('keeps an eligible in-sync leader and drops ineligible ISR members (KIP-841)', () => {
    expect(electLeader(state(2, [1, 2, 3], [1, 2, 3]), aliveSet(2, 3), { unclean: false })).toEqual({
      leader: 2,
      isr: [2, 3],
      leaderRecoveryState: 0,
      kind: 'unchanged',
    });
  });

  it('elects the first in-sync eligible replica in replicas order when the leader is gone', () => {
    expect(electLeader(state(1, [1, 2, 3], [3, 2, 1]), aliveSet(2, 3), { unclean: false })).toEqual({
      leader: 2,
      isr: [3, 2],
      leaderRecoveryState: 0,
      kind: 'clean',
    });
  });

  it('never elects a replica outside the ISR without unclean election, keeping the last ISR member (KIP-966)', () => {
    expect(electLeader(state(1, [1, 2, 3], [1]), aliveSet(2, 3), { unclean: false })).toEqual({
      leader: -1,
      isr: [1],
      leaderRecoveryState: 0,
      kind: 'offline',
    });
  });

  it('keeps the in-sync leader as the last member when the whole ISR is gone at once', () => {
    expect(electLeader(state(2, [1, 2, 3], [1, 2, 3]), aliveSet(), { unclean: false })).toMatchObject({ leader: -1, isr: [2] });
    expect(electLeader(state(-1, [1, 2, 3], [3, 1]), aliveSet(), { unclean: false })).toMatchObject({ leader: -1, isr: [3] });
  });

  it('brings an offline partition back when its last in-sync replica returns', () => {
    expect(electLeader(state(-1, [1, 2, 3], [1]), aliveSet(1, 2, 3), { unclean: false })).toEqual({
      leader: 1,
      isr: [1],
      leaderRecoveryState: 0,
      kind: 'clean',
    });
  });

  it('elects outside the ISR when unclean election is allowed: ISR of one, RECOVERING', () => {
    expect(electLeader(state(1, [1, 2, 3], [1]), aliveSet(3, 2), { unclean: true })).toEqual({
      leader: 2,
      isr: [2],
      leaderRecoveryState: 1,
      kind: 'unclean',
    });
  });

  it('prefers a clean election even when unclean is allowed', () => {
    expect(electLeader(state(1, [1, 2, 3], [1, 3]), aliveSet(2, 3), { unclean: true })).toMatchObject({
      leader: 3,
      isr: [3],
      leaderRecoveryState: 0,
      kind: 'clean',
    });
  });

  it('stays offline with unclean allowed when no replica is eligible', () => {
    expect(electLeader(state(1, [1, 2], [1, 2]), aliveSet(5), { unclean: true })).toMatchObject({ leader: -1, isr: [1], kind: 'offline' });
  });

  it('keeps the RECOVERING state through clean re-elections of the same leader', () => {
    expect(electLeader(state(2, [1, 2], [2], 1), aliveSet(1, 2), { unclean: false })).toEqual({
      leader: 2,
      isr: [2],
      leaderRecoveryState: 1,
      kind: 'unchanged',
    });
  });

  it('moves leadership to the preferred replica when asked and it is in sync and eligible', () => {
    expect(electLeader(state(2, [1, 2, 3], [1, 2, 3]), aliveSet(1, 2, 3), { unclean: false, preferred: true })).toMatchObject({
      leader: 1,
      kind: 'clean',
    });
    // not in sync: the leader stays
    expect(electLeader(state(2, [1, 2, 3], [2, 3]), aliveSet(1, 2, 3), { unclean: false, preferred: true })).toMatchObject({
      leader: 2,
      kind: 'unchanged',
    });
    // not eligible: the leader stays, and the preferred replica leaves the ISR
    expect(electLeader(state(2, [1, 2, 3], [1, 2, 3]), aliveSet(2, 3), { unclean: false, preferred: true })).toMatchObject({
      leader: 2,
      isr: [2, 3],
    });
  });

  it('does not modify its input', () => {
    const input = state(1, [1, 2, 3], [1, 2, 3]);
    const copy = structuredClone(input);
    electLeader(input, aliveSet(3), { unclean: true });
    expect(input).toEqual(copy);
  });

  it('holds its invariants for random states', () => {
    let seed = 11;
    const random = () => (seed = (seed * 1664525 + 1013904223) >>> 0) / 2 ** 32;
    for (let run = 0; run < 2000; run++) {
      const replicas = [1, 2, 3, 4, 5].filter(() => random() < 0.6);
      if (replicas.length === 0) continue;
      const isr = replicas.filter(() => random() < 0.6);
      if (isr.length === 0) isr.push(replicas[0]);
      const leader = random() < 0.2 ? -1 : isr[Math.floor(random() * isr.length)];
      const alive = new Set(replicas.filter(() => random() < 0.5));
      const unclean = random() < 0.5;
      const result = electLeader(state(leader, replicas, isr), (id) => alive.has(id), { unclean, preferred: random() < 0.3 });
      expect(result.isr.length).toBeGreaterThanOrEqual(1);
      for (const id of result.isr) expect(replicas).toContain(id);
      if (result.leader === -1) {
        expect(result.isr).toHaveLength(1);
        expect(isr).toContain(result.isr[0]);
        expect(isr.some((id) => alive.has(id))).toBe(false);
      } else {
        expect(alive.has(result.leader)).toBe(true);
        expect(result.isr).toContain(result.leader);
        for (const id of result.isr) expect(alive.has(id)).toBe(true);
        if (result.kind === 'unclean') {
          expect(unclean).toBe(true);
          expect(isr).not.toContain(result.leader);
          expect(result.leaderRecoveryState).toBe(1);
        } else {
          expect(isr).toContain(result.leader);
        }
      }
    }
  });
});
