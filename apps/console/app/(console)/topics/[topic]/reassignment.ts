/** A partition's reassignment in progress, as `GET .../partitions/-/reassignment` lists it. */
export interface ReassignmentRow {
  adding_replicas: number[];
  removing_replicas: number[];
}

/**
 * How far a reassignment has come, for the partition view: the replicas being added and how many
 * of them have caught up (joined the ISR), and those to be removed once they all have.
 */
export function reassignmentProgress(r: ReassignmentRow, isr: readonly number[]): { text: string; caughtUp: number; adding: number } {
  const caughtUp = r.adding_replicas.filter((id) => isr.includes(id)).length;
  const parts: string[] = [];
  if (r.adding_replicas.length > 0) {
    parts.push(`adding ${r.adding_replicas.join(', ')} (${caughtUp} of ${r.adding_replicas.length} in sync)`);
  }
  if (r.removing_replicas.length > 0) parts.push(`removing ${r.removing_replicas.join(', ')}`);
  return { text: `Reassigning: ${parts.join('; ')}`, caughtUp, adding: r.adding_replicas.length };
}
