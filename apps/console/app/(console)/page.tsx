import Link from 'next/link';
import { unstable_rethrow } from 'next/navigation';
import { Suspense } from 'react';
import { Skeleton, TableSkeleton } from '@/components/ui/skeleton';
import { ErrorBox, Notice } from '@/components/ui/error-box';
import { LineChart } from '@/components/ui/line-chart';
import { Badge, PageHeader, Section, Stat } from '@/components/ui/page-header';
import { EmptyRow, Table, TBody, TD, TH, THead, TR } from '@/components/ui/table';
import { Time } from '@/components/ui/time';
import { formatBytes, formatDuration, formatNumber } from '@/lib/format';
import { timeZone } from '@/lib/settings';
import { brokerSummaries } from './brokers/data';
import { brokers, clusterStats, health, recentAudit } from './data';

/** The cluster at a glance: brokers, health, partitions, throughput and storage, recent audit events. */
export default function OverviewPage() {
  return (
    <Suspense fallback={<OverviewSkeleton />}>
      <Overview />
    </Suspense>
  );
}

/** The overview's final layout, empty, so nothing shifts when the broker answers. */
function OverviewSkeleton() {
  return (
    <div role="status" aria-live="polite">
      <span className="sr-only">Loading the overview…</span>
      <Skeleton className="mb-6 h-8 w-48" />
      <div className="grid grid-cols-2 gap-4 md:grid-cols-5">
        {Array.from({ length: 5 }, (_, i) => (
          <Skeleton key={i} className="h-[104px]" />
        ))}
      </div>
      <Skeleton className="mt-8 mb-3 h-6 w-32" />
      <TableSkeleton rows={1} columns={5} label="Loading brokers" />
      <Skeleton className="mt-8 mb-3 h-6 w-56" />
      <div className="grid gap-4 lg:grid-cols-2">
        <Skeleton className="h-[232px]" />
        <Skeleton className="h-[232px]" />
      </div>
    </div>
  );
}

async function Overview() {
  const zone = await timeZone();
  let cluster, stats, ready, audit, summary;
  try {
    [cluster, stats, ready, audit, summary] = await Promise.all([brokers(), clusterStats(), health(), recentAudit(), brokerSummaries()]);
  } catch (error) {
    unstable_rethrow(error);
    return (
      <>
        <PageHeader title="Overview" />
        <ErrorBox error={error} />
      </>
    );
  }
  const latest = stats.data[stats.data.length - 1];
  const single = summary.mode === 'single';
  return (
    <>
      <PageHeader title="Overview" description={cluster.cluster_id ? `Cluster ${cluster.cluster_id}` : undefined} />
      <dl className="grid grid-cols-2 gap-4 md:grid-cols-5">
        <Stat
          label="Health"
          value={
            <span className={ready.ok ? 'text-green-700 dark:text-green-400' : 'text-red-700 dark:text-red-400'}>
              {ready.ok ? 'Ready' : 'Unavailable'}
            </span>
          }
          hint={ready.ok ? (ready.warnings.length > 0 ? ready.warnings.join('; ') : 'Accepting reads and writes') : ready.message}
        />
        <Stat label="Brokers" value={cluster.data.length} />
        <Stat label="Partitions" value={formatNumber(latest?.partitions)} hint={latest ? undefined : 'Counted at the first sample'} />
        <Stat
          label="Under-replicated"
          value={formatNumber(summary.under_replicated_partitions)}
          hint={single ? 'One broker: every replica is in sync' : 'Fewer replicas in sync than assigned'}
        />
        <Stat
          label="Offline partitions"
          value={formatNumber(summary.offline_partitions)}
          hint={single ? 'One broker leads every partition' : 'No live leader'}
        />
      </dl>
      {!ready.ok ? (
        <div className="mt-4">
          <Notice tone="warning">{ready.message}</Notice>
        </div>
      ) : null}
      <Section
        title="Brokers"
        actions={
          <Link href="/brokers" className="text-sm text-blue-700 hover:underline dark:text-blue-400">
            All brokers
          </Link>
        }
      >
        <Table caption="Brokers">
          <THead>
            <tr>
              <TH>ID</TH>
              <TH>Host</TH>
              <TH>Port</TH>
              <TH>Rack</TH>
              <TH>Storage</TH>
            </tr>
          </THead>
          <TBody>
            {cluster.data.map((b) => (
              <TR key={b.broker_id}>
                <TD className="tabular-nums">{b.broker_id}</TD>
                <TD>{b.host}</TD>
                <TD className="tabular-nums">{b.port}</TD>
                <TD>{b.rack ?? '—'}</TD>
                <TD className="tabular-nums">{formatBytes(latest?.log_size_bytes)}</TD>
              </TR>
            ))}
          </TBody>
        </Table>
      </Section>
      <Section title="Throughput and storage">
        <p className="text-xs text-zinc-500 dark:text-zinc-400">
          From the broker&apos;s own history: one sample every {formatDuration(stats.resolution_ms)}, the last{' '}
          {formatDuration(stats.window_ms)}.
        </p>
        <div className="grid gap-4 lg:grid-cols-2">
          <LineChart
            title="Records per second"
            zone={zone}
            series={[
              { name: 'produced', points: stats.data.map((d) => [d.timestamp, d.produced_records_per_sec]) },
              { name: 'fetched', points: stats.data.map((d) => [d.timestamp, d.fetched_records_per_sec]) },
            ]}
          />
          <LineChart
            title="Bytes per second"
            zone={zone}
            format={(v) => formatBytes(v)}
            series={[
              { name: 'produced', points: stats.data.map((d) => [d.timestamp, d.produced_bytes_per_sec]) },
              { name: 'fetched', points: stats.data.map((d) => [d.timestamp, d.fetched_bytes_per_sec]) },
            ]}
          />
          <LineChart
            title="Storage"
            zone={zone}
            format={(v) => formatBytes(v)}
            series={[{ name: 'log size', points: stats.data.map((d) => [d.timestamp, d.log_size_bytes]) }]}
          />
        </div>
      </Section>
      <Section
        title="Recent audit events"
        actions={
          'events' in audit ? (
            <Link href="/security/audit" className="text-sm text-blue-700 hover:underline dark:text-blue-400">
              Audit log
            </Link>
          ) : null
        }
      >
        {'denied' in audit ? (
          <Notice tone="info">Audit events are hidden: {audit.denied}.</Notice>
        ) : (
          <Table caption="The newest audit events">
            <THead>
              <tr>
                <TH>Time</TH>
                <TH>Principal</TH>
                <TH>Operation</TH>
                <TH>Resource</TH>
                <TH>Outcome</TH>
              </tr>
            </THead>
            <TBody>
              {audit.events.length === 0 ? <EmptyRow columns={5}>No audit events yet.</EmptyRow> : null}
              {audit.events.map((e) => (
                <TR key={e.id}>
                  <TD>
                    <Time ms={e.time} zone={zone} />
                  </TD>
                  <TD>{e.principal}</TD>
                  <TD className="font-mono text-xs">{e.operation}</TD>
                  <TD className="break-all">{e.resource}</TD>
                  <TD>
                    <Badge tone={e.outcome === 'SUCCESS' ? 'green' : 'red'}>{e.outcome}</Badge>
                  </TD>
                </TR>
              ))}
            </TBody>
          </Table>
        )}
      </Section>
    </>
  );
}
