import type { Metadata } from 'next';
import Link from 'next/link';
import { unstable_rethrow } from 'next/navigation';
import { Button, buttonClass, LinkButton } from '@/components/ui/button';
import { ErrorBox } from '@/components/ui/error-box';
import { Field, Input, Select } from '@/components/ui/field';
import { Badge, PageHeader } from '@/components/ui/page-header';
import { Time } from '@/components/ui/time';
import { EmptyRow, TBody, TD, TH, THead, TR, Table } from '@/components/ui/table';
import { timeZone } from '@/lib/settings';
import { AUDIT_OUTCOMES, auditPage, isFiltered, type AuditFilter, type AuditSlice } from '../_shared/data';
import { principalHref, type AuditEvent } from '../_shared/types';
import { jsonDiff } from './diff';

export const metadata: Metadata = { title: 'Audit log' };

/**
 * The audit log newest first, paged by id (`before`): who changed or was refused what, with the
 * change's before/after. The broker orders, pages and filters (exact principal, outcome, operation, resource).
 */
export default async function AuditPage({ searchParams }: { searchParams: Promise<AuditFilter & { before?: string }> }) {
  const params = await searchParams;
  const zone = await timeZone();
  // A cursor the broker would refuse (0, not a number) reads from the newest instead.
  const before = params.before && /^[1-9]\d{0,15}$/.test(params.before) ? Number(params.before) : undefined;
  const filter: AuditFilter = {
    principal: params.principal?.trim() || undefined,
    outcome: (AUDIT_OUTCOMES as readonly string[]).includes(params.outcome ?? '') ? params.outcome : undefined,
    // Operations are recorded upper-case (CREATE_ACLS, ALTER); the broker matches exactly.
    operation: params.operation?.trim().toUpperCase() || undefined,
    resource: params.resource?.trim() || undefined,
  };
  const keep = new URLSearchParams();
  for (const [name, value] of Object.entries(filter)) if (value) keep.set(name, value);
  const href = (cursor?: number) => {
    const query = new URLSearchParams(keep);
    if (cursor !== undefined) query.set('before', String(cursor));
    const text = query.toString();
    return text ? `/security/audit?${text}` : '/security/audit';
  };
  let page: AuditSlice;
  try {
    page = await auditPage(before, filter);
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
      <form method="get" role="search" aria-label="Filter the audit log" className="mb-3 flex flex-wrap items-end gap-2">
        <Field id="audit-principal" label="Principal" className="w-56">
          <Input id="audit-principal" name="principal" defaultValue={filter.principal ?? ''} placeholder="User:alice" />
        </Field>
        <Field id="audit-outcome" label="Outcome" className="w-40">
          <Select id="audit-outcome" name="outcome" defaultValue={filter.outcome ?? ''}>
            <option value="">Any</option>
            {AUDIT_OUTCOMES.map((outcome) => (
              <option key={outcome} value={outcome}>
                {outcome}
              </option>
            ))}
          </Select>
        </Field>
        <Field id="audit-operation" label="Operation" className="w-48">
          <Input id="audit-operation" name="operation" defaultValue={filter.operation ?? ''} placeholder="CREATE_ACLS" />
        </Field>
        <Field id="audit-resource" label="Resource" className="w-56">
          <Input id="audit-resource" name="resource" defaultValue={filter.resource ?? ''} placeholder="TOPIC:orders" />
        </Field>
        <Button type="submit">Filter</Button>
        {isFiltered(filter) ? (
          <LinkButton href="/security/audit" variant="ghost">
            Clear
          </LinkButton>
        ) : null}
      </form>
      {isFiltered(filter) ? (
        <p className="mb-2 text-xs text-zinc-500 dark:text-zinc-400">Filters match exact values (e.g. User:alice, TOPIC:orders).</p>
      ) : null}
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
          {page.events.length === 0 ? (
            <EmptyRow columns={7}>{isFiltered(filter) ? 'No audit event matches these filters.' : 'No audit events.'}</EmptyRow>
          ) : null}
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
        <span>{page.events.length > 0 ? `Events ${page.events[page.events.length - 1].id}–${page.events[0].id}` : ''}</span>
        <span className="flex gap-2">
          {before !== undefined ? (
            <Link className={buttonClass('secondary')} href={href()}>
              Newest
            </Link>
          ) : null}
          {page.older !== null ? (
            <Link className={buttonClass('secondary')} href={href(page.older)}>
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
