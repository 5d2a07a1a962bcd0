import { checkCommits, keyOf } from '../../faults/group-checker';
import type { CommitOp, Op } from '../../faults/history';

/** Acknowledged commits against the committed offsets read after healing. */
let clock = 0;
function commit(partition: number, offset: number, broker = 1): CommitOp {
  clock += 1;
  return {
    kind: 'commit',
    process: 'member-0',
    broker,
    group: 'g',
    topic: 't',
    partition,
    offset,
    outcome: 'ok',
    startMs: clock,
    endMs: clock,
  };
}
const finalOf = (entries: Record<number, number>): Map<string, number> =>
  new Map(Object.entries(entries).map(([p, offset]) => [keyOf('g', 't', Number(p)), offset]));

describe('checkCommits', () => {
  it('accepts final committed offsets equal to or beyond the highest acknowledged commit', () => {
    const ops: Op[] = [commit(0, 5), commit(0, 9), commit(1, 3), commit(0, 7)];
    expect(checkCommits(ops, finalOf({ 0: 9, 1: 4 }), true)).toEqual({ commits: 4, lost: 0, joined: true, anomalies: [] });
  });

  it('reports a partition whose committed offset went back below an acknowledged commit', () => {
    const result = checkCommits([commit(0, 5), commit(0, 9, 2), commit(1, 3)], finalOf({ 0: 8, 1: 3 }), true);
    expect(result.lost).toBe(1);
    expect(result.anomalies).toEqual([
      'commit lost: group g t-0 committed 8 after healing, below offset 9 acknowledged by broker 2 to member-0',
    ]);
  });

  it('reports an acknowledged commit of a partition with no committed offset at all', () => {
    const result = checkCommits([commit(2, 1)], finalOf({}), true);
    expect(result.lost).toBe(1);
    expect(result.anomalies[0]).toContain('t-2 committed nothing after healing, below offset 1');
  });

  it('ignores everything but commits, and passes a member that never joined (shown, not failed)', () => {
    const ops: Op[] = [
      { kind: 'produce', process: 'producer-0', broker: 1, partition: 0, value: 'a', outcome: 'ok', offset: 0, startMs: 1, endMs: 1 },
    ];
    expect(checkCommits(ops, finalOf({}), false)).toEqual({ commits: 0, lost: 0, joined: false, anomalies: [] });
  });
});
