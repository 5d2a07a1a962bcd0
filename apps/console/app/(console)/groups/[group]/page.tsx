import type { Metadata } from 'next';
import Link from 'next/link';
import { unstable_rethrow } from 'next/navigation';
import { LinkButton } from '@/components/ui/button';
import { ErrorBox } from '@/components/ui/error-box';
import { LineChart } from '@/components/ui/line-chart';
import { PageHeader, Section, Stat } from '@/components/ui/page-header';
import { EmptyRow, TBody, TD, TH, THead, TR, Table } from '@/components/ui/table';
import { Time } from '@/components/ui/time';
import { formatDuration, formatNumber } from '@/lib/format';
import { timeZone } from '@/lib/settings';
import { coordinatorId, getGroup, groupParam, getLagHistory, getLags, groupPermissions, type LagHistory } from '../data';
import { StateBadge } from '../group-rows';
import { DeleteGroup } from './delete-group';

export async function generateMetadata({ params }: { params: Promise<{ group: string }> }): Promise<Metadata> {
  return { title: `Group ${groupParam((await params).group)}` };
}

/** The broker answers every partition's lag at once; the page draws at most this many rows. */
const MAX_LAG_ROWS = 1000;

const RANGES: Record<string, { label: string; ms: number }> = {
  '1h': { label: '1 hour', ms: 3_600_000 },
  '6h': { label: '6 hours', ms: 6 * 3_600_000 },
  '24h': { label: '24 hours', ms: 24 * 3_600_000 },
};

/**
 * One consumer group: its state, assignor, coordinator and members with their partitions, the
 * lag of every partition (in records and, from the broker's latest sample, in time), the lag over
 * time, and the way to reset its offsets or delete it.
 */
export default async function GroupPage({
  params,
  searchParams,
}: {
  params: Promise<{ group: string }>;
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  const name = groupParam((await params).group);
  const rangeKey = String((await searchParams).range ?? '1h');
  const range = RANGES[rangeKey] ?? RANGES['1h'];
  const zone = await timeZone();
  const crumbs = [{ href: '/groups', label: 'Consumer groups' }];
  let loaded;
  try {
    const since = Date.now() - range.ms;
    // The charts are extra: a history the broker cannot serve leaves the rest of the page.
    const history = getLagHistory(name, since).catch((error: unknown) => {
      unstable_rethrow(error);
      return error;
    });
    loaded = await Promise.all([getGroup(name), getLags(name), history, groupPermissions(name)]);
  } catch (error) {
    unstable_rethrow(error);
    return (
      <>
        <PageHeader title={name} crumbs={crumbs} />
        <ErrorBox error={error} />
      </>
    );
  }
  const [group, lags, historyOrError, allowed] = loaded;
  const historyError = isHistory(historyOrError) ? null : historyOrError;
  const history: LagHistory = isHistory(historyOrError) ? historyOrError : { resolution_ms: NaN, retention_ms: NaN, data: [] };
  const latest = history.data.at(-1);
  const lagMs = new Map((latest?.partitions ?? []).map((p) => [`${p.topic_name}\u0000${p.partition_id}`, p.lag_ms]));
  const totalLag = lags.reduce((sum, l) => sum + l.lag, 0);
  const members = group.members ?? [];
  const clientOf = new Map(members.map((m) => [m.consumer_id, m.client_id]));
  const base = `/groups/${encodeURIComponent(name)}`;
  const emptyReason =
    members.length > 0
      ? `The group has ${members.length} member${members.length === 1 ? '' : 's'}: stop its consumers first (a group can be deleted only when empty)`
      : undefined;

  return (
    <>
      <PageHeader
        title={name}
        crumbs={crumbs}
        description="A consumer group: the members sharing its partitions and the offsets it has committed."
        actions={
          <LinkButton href={`${base}/reset`} disabledReason={allowed.resetDenied}>
            Reset offsets
          </LinkButton>
        }
      />
      <dl className="grid grid-cols-2 gap-3 md:grid-cols-4">
        <Stat label="State" value={<StateBadge state={group.state} />} hint={`Generation ${group.generation ?? '—'}`} />
        <Stat label="Members" value={formatNumber(members.length)} />
        <Stat label="Total lag" value={formatNumber(totalLag)} hint="records not consumed yet" />
        <Stat
          label="Lag in time"
          value={formatDuration(latest?.lag_ms)}
          hint={
            latest ? (
              <>
                behind the newest record, sampled <Time ms={latest.timestamp} zone={zone} />
              </>
            ) : (
              'not sampled yet'
            )
          }
        />
        <Stat label="Assignor" value={<span className="text-base">{group.partition_assignor || '—'}</span>} />
        <Stat label="Protocol" value={<span className="text-base">{group.type || 'CLASSIC'}</span>} hint="consumer protocol type" />
        <Stat label="Coordinator" value={<span className="text-base">Broker {coordinatorId(group)}</span>} />
      </dl>

      <Section title="Members">
        <Table caption="Members of the group and their partitions">
          <THead>
            <tr>
              <TH>Consumer</TH>
              <TH>Client</TH>
              <TH>Host</TH>
              <TH>Subscription</TH>
              <TH>Assigned partitions</TH>
            </tr>
          </THead>
          <TBody>
            {members.length === 0 ? (
              <EmptyRow columns={5}>No members: nobody consumes with this group now.</EmptyRow>
            ) : (
              members.map((m) => (
                <TR key={m.consumer_id}>
                  <TD className="font-mono text-xs break-all">{m.consumer_id}</TD>
                  <TD>{m.client_id || '—'}</TD>
                  <TD>{m.client_host || '—'}</TD>
                  <TD className="text-zinc-600 dark:text-zinc-400">
                    {[...(m.subscription?.topics ?? []), ...(m.subscription?.topic_prefixes ?? []).map((p) => `${p}*`)].join(', ') || '—'}
                  </TD>
                  <TD>{assignmentText(m.assigned_partitions ?? [])}</TD>
                </TR>
              ))
            )}
          </TBody>
        </Table>
      </Section>

      <Section title="Lag by partition">
        <Table caption="Lag of every partition the group committed or owns">
          <THead>
            <tr>
              <TH>Topic</TH>
              <TH className="text-right">Partition</TH>
              <TH className="text-right">Committed offset</TH>
              <TH className="text-right">Log end</TH>
              <TH className="text-right">Lag</TH>
              <TH className="text-right">Lag in time</TH>
              <TH>Consumer</TH>
            </tr>
          </THead>
          <TBody>
            {lags.length === 0 ? (
              <EmptyRow columns={7}>The group has committed no offsets and owns no partitions.</EmptyRow>
            ) : (
              lags.slice(0, MAX_LAG_ROWS).map((l) => (
                <TR key={`${l.topic_name}-${l.partition_id}`}>
                  <TD>
                    <Link href={`/topics/${encodeURIComponent(l.topic_name)}`} className="text-blue-700 hover:underline dark:text-blue-400">
                      {l.topic_name}
                    </Link>
                  </TD>
                  <TD className="text-right tabular-nums">{l.partition_id}</TD>
                  <TD className="text-right tabular-nums">{formatNumber(l.current_offset)}</TD>
                  <TD className="text-right tabular-nums">{formatNumber(l.log_end_offset)}</TD>
                  <TD className="text-right font-medium tabular-nums">{formatNumber(l.lag)}</TD>
                  <TD className="text-right tabular-nums">{formatDuration(lagMs.get(`${l.topic_name}\u0000${l.partition_id}`))}</TD>
                  <TD className="break-all">{l.consumer_id ? clientOf.get(l.consumer_id) || l.client_id || l.consumer_id : '—'}</TD>
                </TR>
              ))
            )}
          </TBody>
        </Table>
        {lags.length > MAX_LAG_ROWS ? (
          <p className="text-sm text-zinc-600 dark:text-zinc-400">
            The first {formatNumber(MAX_LAG_ROWS)} of {formatNumber(lags.length)} partitions (by topic, then partition) are shown.
          </p>
        ) : null}
      </Section>

      <Section
        title="Lag over time"
        actions={
          <nav aria-label="Time range" className="flex gap-1 text-sm">
            {Object.entries(RANGES).map(([key, r]) => (
              <Link
                key={key}
                href={`${base}?range=${key}`}
                aria-current={r === range ? 'true' : undefined}
                className={`rounded px-2 py-1 ${r === range ? 'bg-zinc-200 font-medium dark:bg-zinc-800' : 'text-zinc-600 hover:bg-zinc-100 dark:text-zinc-400 dark:hover:bg-zinc-800'}`}
              >
                {r.label}
              </Link>
            ))}
          </nav>
        }
      >
        {historyError ? <ErrorBox error={historyError} title="The broker could not give this group's lag history" /> : null}
        <div className="grid gap-4 lg:grid-cols-2">
          <LineChart
            title="Total lag (records)"
            zone={zone}
            series={[{ name: 'total lag', points: history.data.map((p) => [p.timestamp, p.total_lag]) }]}
          />
          <LineChart
            title="Lag in time"
            zone={zone}
            format={(v) => formatDuration(v)}
            series={[
              {
                name: 'behind the newest record',
                points: history.data.filter((p) => p.lag_ms !== null).map((p) => [p.timestamp, p.lag_ms as number]),
              },
            ]}
          />
        </div>
        {historyError ? null : (
          <p className="text-xs text-zinc-500 dark:text-zinc-400">
            Sampled by the broker every {formatDuration(history.resolution_ms)}, kept for {formatDuration(history.retention_ms)}.
          </p>
        )}
      </Section>

      <Section title="Delete the group">
        <DeleteGroup group={name} disabledReason={allowed.deleteDenied ?? emptyReason} />
      </Section>
    </>
  );
}

function isHistory(value: unknown): value is LagHistory {
  return typeof value === 'object' && value !== null && Array.isArray((value as LagHistory).data);
}

/** `orders: 0, 1, 2; payments: 4`. */
function assignmentText(partitions: { topic_name: string; partition_id: number }[]): string {
  if (partitions.length === 0) return '—';
  const byTopic = new Map<string, number[]>();
  for (const p of partitions) byTopic.set(p.topic_name, [...(byTopic.get(p.topic_name) ?? []), p.partition_id]);
  return [...byTopic].map(([topic, ids]) => `${topic}: ${ids.join(', ')}`).join('; ');
}
