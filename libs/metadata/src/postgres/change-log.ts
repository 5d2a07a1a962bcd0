import type { Prisma } from '../generated/postgres/client';

/** The channel NOTIFY wakes followers on; the payload is the new seq (a hint, never trusted for order). */
export const METADATA_CHANNEL = 'runnel_metadata';

export interface NewMetadataChange {
  /** topic | partition | broker | controller | configs | broker-configs | acls | quotas | users | api-keys */
  kind: string;
  /** The topic name, broker id, ... the change is about ('' for cluster-wide). */
  subject: string;
  /** A hint of the new state; serialized as JSON. */
  payload?: unknown;
}

/**
 * Appends changes to the metadata change log inside the caller's transaction: each takes the next
 * `seq` from the single `metadata_log_head` row, whose row lock serializes writers, so seqs are
 * dense and commit order is seq order (a follower that sees seq n+2 before n+1 knows it has a gap,
 * not a reordering). NOTIFY is delivered at commit, and not at all on rollback. Returns the seqs.
 */
export async function appendChanges(tx: Prisma.TransactionClient, changes: NewMetadataChange[]): Promise<number[]> {
  if (changes.length === 0) return [];
  const rows = await tx.$queryRaw<{ seq: number }[]>`
    UPDATE metadata_log_head SET seq = seq + ${changes.length} WHERE id = 1 RETURNING seq`;
  if (rows.length !== 1) throw new Error('metadata_log_head is missing its row (migration 20261208000000_init)');
  const last = Number(rows[0].seq);
  const first = last - changes.length + 1;
  const seqs = changes.map((_, i) => first + i);
  await tx.metadataChange.createMany({
    data: changes.map((change, i) => ({
      seq: seqs[i],
      kind: change.kind,
      subject: change.subject,
      payload: JSON.stringify(change.payload ?? null),
    })),
  });
  await tx.$executeRaw`SELECT pg_notify(${METADATA_CHANNEL}, ${String(last)})`;
  return seqs;
}
