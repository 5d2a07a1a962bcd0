'use client';
import Link from 'next/link';
import { useRouter } from 'next/navigation';
import { useEffect, useState, type ReactNode } from 'react';
import { Badge } from '@/components/ui/page-header';
import { Button } from '@/components/ui/button';
import { EmptyRow, TBody, TD, THead, TR, Table } from '@/components/ui/table';
import { formatDuration, formatNumber } from '@/lib/format';
import { useGroupChanges, type GroupChange } from './use-group-changes';
import type { GroupSummary } from './data';

/** A group's state as a coloured badge. */
export function StateBadge({ state }: { state: string }) {
  const tone = state === 'STABLE' ? 'green' : state === 'EMPTY' ? 'neutral' : state === 'DEAD' ? 'red' : 'amber';
  return <Badge tone={tone}>{state}</Badge>;
}

interface Live {
  state?: string;
  members?: number;
  deleted?: boolean;
}

/**
 * The page's rows, kept current by the broker's change stream: a group on this page that
 * rebalances or empties shows its new state and member count in place, a deleted one says so,
 * and groups created meanwhile are counted ("N new groups — refresh") rather than inserted, so
 * the server's sort and paging stay true.
 */
export function GroupRows({ rows, filtered, head }: { rows: GroupSummary[]; filtered: boolean; head: ReactNode }) {
  const router = useRouter();
  const [live, setLive] = useState<Record<string, Live>>({});
  const [created, setCreated] = useState<string[]>([]);
  useEffect(() => {
    // New server rows: what was live is now in them.
    setLive({});
    setCreated([]);
  }, [rows]);
  const shown = new Set(rows.map((r) => r.consumer_group_id));
  const watching = useGroupChanges(
    (changes: GroupChange[]) => {
      const updates: Record<string, Live> = {};
      const added: string[] = [];
      for (const change of changes) {
        if (shown.has(change.name)) {
          if (change.op === 'deleted') updates[change.name] = { deleted: true };
          else updates[change.name] = { state: change.state, members: change.members, deleted: false };
        } else if (change.op === 'created') added.push(change.name);
      }
      if (Object.keys(updates).length > 0) setLive((previous) => ({ ...previous, ...updates }));
      if (added.length > 0) setCreated((previous) => [...new Set([...previous, ...added])].slice(0, 10_000));
    },
    () => router.refresh(),
  );

  return (
    <>
      <div className="mb-2 flex h-9 items-center justify-end gap-3 text-sm">
        {created.length > 0 ? (
          <span className="inline-flex items-center gap-2 rounded-md bg-blue-50 px-2 text-blue-900 dark:bg-blue-950 dark:text-blue-100">
            <span role="status">{created.length === 1 ? '1 new group' : `${formatNumber(created.length)} new groups`}</span>
            <Button variant="ghost" onClick={() => router.refresh()}>
              Refresh
            </Button>
          </span>
        ) : null}
        <span role="status" className="inline-flex items-center gap-1.5 text-xs text-zinc-600 dark:text-zinc-400">
          <span
            aria-hidden="true"
            className={`inline-block size-2 rounded-full ${watching ? 'bg-green-500' : 'bg-zinc-400 dark:bg-zinc-600'}`}
          />
          {watching ? 'Live updates on' : 'Connecting to live updates…'}
        </span>
      </div>
      <Table caption="Consumer groups">
        <THead>{head}</THead>
        <TBody>
          {rows.length === 0 ? (
            <EmptyRow columns={6}>{filtered ? 'No group matches these filters.' : 'No consumer groups yet.'}</EmptyRow>
          ) : (
            rows.map((row) => {
              const now = { ...row, ...dropUndefined(live[row.consumer_group_id]) };
              const deleted = live[row.consumer_group_id]?.deleted === true;
              return (
                <TR key={row.consumer_group_id} className={deleted ? 'opacity-60' : ''}>
                  <TD className="font-medium break-all">
                    <Link
                      href={`/groups/${encodeURIComponent(row.consumer_group_id)}`}
                      className="text-blue-700 hover:underline dark:text-blue-400"
                    >
                      {row.consumer_group_id}
                    </Link>
                  </TD>
                  <TD>{deleted ? <Badge tone="red">DELETED</Badge> : <StateBadge state={now.state} />}</TD>
                  <TD className="text-right tabular-nums">{formatNumber(now.members)}</TD>
                  <TD className="max-w-64 truncate text-zinc-600 dark:text-zinc-400" title={row.topics.join(', ')}>
                    {row.topics.length === 0 ? '—' : row.topics.join(', ')}
                  </TD>
                  <TD className="text-right tabular-nums" data-testid="lag">
                    {formatNumber(row.total_lag)}
                  </TD>
                  <TD className="text-right tabular-nums" data-testid="lag-time">
                    {row.lag_ms === null ? (
                      <span title="Not known yet: the broker has not sampled this group's timestamps">—</span>
                    ) : (
                      formatDuration(row.lag_ms)
                    )}
                  </TD>
                </TR>
              );
            })
          )}
        </TBody>
      </Table>
    </>
  );
}

function dropUndefined(value: Live | undefined): Partial<GroupSummary> {
  if (!value) return {};
  const out: Partial<GroupSummary> = {};
  if (value.state !== undefined) out.state = value.state;
  if (value.members !== undefined) out.members = value.members;
  return out;
}
