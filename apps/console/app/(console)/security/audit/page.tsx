import type { Metadata } from 'next';
import Link from 'next/link';
import { unstable_rethrow } from 'next/navigation';
import { buttonClass } from '@/components/ui/button';
import { ErrorBox } from '@/components/ui/error-box';
import { Badge, PageHeader } from '@/components/ui/page-header';
import { Time } from '@/components/ui/time';
import { EmptyRow, TBody, TD, TH, THead, TR, Table } from '@/components/ui/table';
import { timeZone } from '@/lib/settings';
import { auditPage, type AuditSlice } from '../_shared/data';
import { principalHref, type AuditEvent } from '../_shared/types';
import { jsonDiff } from './diff';

export const metadata: Metadata = { title: 'Audit log' };

/** The audit log newest first, paged by id (`before`): who changed or was refused what, with the change's before/after. */
export default async function AuditPage({ searchParams }: { searchParams: Promise<{ before?: string }> }) {
  const params = await searchParams;
  const zone = await timeZone();
  const before = params.before && /^\d{1,16}$/.test(params.before) ? Number(params.before) : undefined;
  let page: AuditSlice;
  try {
    page = await auditPage(before);
  } catch (error) {
    unstable_rethrow(error);
    return (
      <>
        <PageHeader title="Audit log" />
        <ErrorBox error={error} />
      </>
    );
  }
  return (
    <>
      <PageHeader
        title="Audit log"
        description="Every security change (users, API keys, ACLs, quotas) and every refused request, newest first. Kept for RUNNEL_AUDIT_RETENTION_MS."
      />
      <Table caption="Audit events, newest first">
        <THead>
          <tr>
            <TH>Time</TH>
            <TH>Principal</TH>
            <TH>Source</TH>
            <TH>Resource</TH>
            <TH>Operation</TH>
            <TH>Outcome</TH>
            <TH>Change</TH>
          </tr>
        </THead>
        <TBody>
          {page.events.length === 0 ? <EmptyRow columns={7}>No audit events.</EmptyRow> : null}
          {page.events.map((event) => (
            <TR key={event.id}>
              <TD>
                <Time ms={event.time} zone={zone} />
              </TD>
              <TD>
                {event.principal.startsWith('User:') ? (
                  <Link href={principalHref(event.principal)} className="text-blue-700 hover:underline dark:text-blue-400">
                    {event.principal}
                  </Link>
                ) : (
                  event.principal
                )}
              </TD>
              <TD className="font-mono">{event.source}</TD>
              <TD className="font-mono break-all">{event.resource}</TD>
              <TD>{event.operation}</TD>
              <TD>
                <Badge tone={event.outcome === 'SUCCESS' ? 'green' : event.outcome === 'DENIED' ? 'amber' : 'red'}>{event.outcome}</Badge>
              </TD>
              <TD>
                <Change event={event} />
              </TD>
            </TR>
          ))}
        </TBody>
      </Table>
      <nav aria-label="Pages" className="flex items-center justify-between gap-2 py-3 text-sm text-zinc-600 dark:text-zinc-400">
        <span>
          {page.events.length > 0
            ? `Events ${page.events[page.events.length - 1].id}–${page.events[0].id} (the newest is ${page.newest})`
            : ''}
        </span>
        <span className="flex gap-2">
          {before !== undefined ? (
            <Link className={buttonClass('secondary')} href="/security/audit">
              Newest
            </Link>
          ) : null}
          {page.older !== null ? (
            <Link className={buttonClass('secondary')} href={`/security/audit?before=${page.older}`}>
              Older
            </Link>
          ) : null}
        </span>
      </nav>
    </>
  );
}

function Change({ event }: { event: AuditEvent }) {
  if (event.before === undefined && event.after === undefined) return <span className="text-zinc-400">—</span>;
  const diff = jsonDiff(event.before, event.after);
  const added = diff.filter((l) => l.kind === 'added').length;
  const removed = diff.filter((l) => l.kind === 'removed').length;
  return (
    <details className="max-w-xl">
      <summary className="cursor-pointer text-blue-700 dark:text-blue-400">
        Diff <span className="text-green-700 dark:text-green-400">+{added}</span>{' '}
        <span className="text-red-700 dark:text-red-400">−{removed}</span>
      </summary>
      <pre className="mt-1 max-h-80 overflow-auto rounded border border-zinc-200 bg-zinc-50 p-2 text-xs dark:border-zinc-800 dark:bg-zinc-900">
        {diff.map((line, i) => (
          <div
            key={i}
            className={
              line.kind === 'added'
                ? 'bg-green-100 text-green-900 dark:bg-green-950 dark:text-green-200'
                : line.kind === 'removed'
                  ? 'bg-red-100 text-red-900 dark:bg-red-950 dark:text-red-200'
                  : 'text-zinc-700 dark:text-zinc-300'
            }
          >
            <span aria-label={line.kind === 'added' ? 'added' : line.kind === 'removed' ? 'removed' : undefined}>
              {line.kind === 'added' ? '+ ' : line.kind === 'removed' ? '- ' : '  '}
            </span>
            {line.text}
          </div>
        ))}
      </pre>
    </details>
  );
}
