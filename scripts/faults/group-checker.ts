import type { CommitOp, Op } from './history';

/**
 * The consumer-group checker: an acknowledged commit is never lost. For every partition a
 * `committed` frame acknowledged, the group's committed offset read after healing must be at least
 * the highest acknowledged one (lost, or gone backwards, otherwise). Pure: reads the history and
 * the final committed offsets only.
 */
export interface GroupCheck {
  /** Commits acknowledged by a `committed` frame (one per partition in the frame). */
  commits: number;
  /** Partitions whose final committed offset is below the highest acknowledged commit. */
  lost: number;
  /** Whether any group member ever joined (a member that never could is shown, not failed). */
  joined: boolean;
  /** One line per lost partition, for the report. */
  anomalies: string[];
}

/** Final committed offsets by `keyOf(group, topic, partition)`. */
export type CommittedOffsets = ReadonlyMap<string, number>;

export const keyOf = (group: string, topic: string, partition: number): string => `${group}/${topic}/${partition}`;

export function checkCommits(ops: readonly Op[], final: CommittedOffsets, joined: boolean): GroupCheck {
  const highest = new Map<string, CommitOp>();
  let commits = 0;
  for (const op of ops) {
    if (op.kind !== 'commit') continue;
    commits++;
    const key = keyOf(op.group, op.topic, op.partition);
    const before = highest.get(key);
    if (before === undefined || op.offset > before.offset) highest.set(key, op);
  }
  const anomalies: string[] = [];
  for (const [key, op] of highest) {
    const committed = final.get(key);
    if (committed !== undefined && committed >= op.offset) continue;
    anomalies.push(
      `commit lost: group ${op.group} ${op.topic}-${op.partition} committed ${committed ?? 'nothing'} after healing, ` +
        `below offset ${op.offset} acknowledged by broker ${op.broker} to ${op.process}`,
    );
  }
  return { commits, lost: anomalies.length, joined, anomalies };
}
