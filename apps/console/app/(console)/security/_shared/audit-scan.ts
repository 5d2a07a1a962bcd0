import type { AuditEvent } from './types';

/** Filters the console applies to the audit log (the broker's route pages it by id only). */
export interface AuditFilter {
  principal?: string;
  outcome?: string;
  operation?: string;
}

export interface AuditScan {
  /** Newest first. */
  events: AuditEvent[];
  /** `before` for the next older page; null when nothing older remains. */
  older: number | null;
  /** Records read for this page. */
  scanned: number;
}

export function isFiltered(filter: AuditFilter): boolean {
  return Boolean(filter.principal || filter.outcome || filter.operation);
}

function matches(filter: AuditFilter, event: AuditEvent): boolean {
  return (
    (!filter.principal || event.principal === filter.principal) &&
    (!filter.outcome || event.outcome === filter.outcome) &&
    (!filter.operation || event.operation === filter.operation.toUpperCase())
  );
}

/**
 * One page of the audit log, newest first, from a log readable only forward (`read(after, limit)`
 * answers the records with id > after, oldest first). Without filters it reads exactly one page;
 * with filters it reads back in chunks until `size` events match or `budget` records were read,
 * so a rare match never makes the console read the whole log. `older` resumes below the last
 * record looked at, so paging never skips or repeats a record.
 */
export async function scanAudit(
  read: (after: number, limit: number) => Promise<AuditEvent[]>,
  options: { newest: number; oldest: number; before?: number; filter: AuditFilter; size: number; chunk: number; budget: number },
): Promise<AuditScan> {
  const { newest, oldest, filter, size } = options;
  const filtered = isFiltered(filter);
  const chunk = filtered ? options.chunk : size;
  const budget = filtered ? options.budget : size;
  // Every id at or above `top` has been looked at; the ones below remain.
  let top = options.before !== undefined && options.before > 0 ? Math.min(options.before, newest + 1) : newest + 1;
  const events: AuditEvent[] = [];
  let scanned = 0;
  while (oldest > 0 && top > oldest && events.length < size && scanned < budget) {
    const after = Math.max(0, top - 1 - chunk);
    const records = (await read(after, chunk)).filter((e) => e.id < top).reverse();
    let next = after + 1;
    for (const event of records) {
      scanned++;
      if (!matches(filter, event)) continue;
      events.push(event);
      if (events.length === size) {
        next = event.id;
        break;
      }
    }
    top = next;
  }
  return { events, older: oldest > 0 && top > oldest ? top : null, scanned };
}
