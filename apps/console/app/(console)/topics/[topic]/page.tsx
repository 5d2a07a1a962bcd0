import Link from 'next/link';
import { unstable_rethrow } from 'next/navigation';
import { buttonClass } from '@/components/ui/button';
import { ErrorBox } from '@/components/ui/error-box';
import { LineChart } from '@/components/ui/line-chart';
import { Badge, Section, Stat } from '@/components/ui/page-header';
import { Table, TBody, TD, TH, THead, TR } from '@/components/ui/table';
import { formatBytes, formatDuration, formatNumber } from '@/lib/format';
import { timeZone } from '@/lib/settings';
import { PARTITIONS_PER_PAGE, partitionPage, topicInfo, topicStats, topicSummary } from './data';
import { reassignmentProgress } from './reassignment';

const HOUR = 3_600_000;

/** A topic's partitions (leader, replicas, ISR, earliest offset, high watermark), size and charts. */
export default async function TopicPage({
  params,
  searchParams,
}: {
  params: Promise<{ topic: string }>;
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  const topic = decodeURIComponent((await params).topic);
  const rawPage = Number((await searchParams).page ?? 0);
  const page = Number.isInteger(rawPage) && rawPage >= 0 ? rawPage : 0;
  const zone = await timeZone();
  let info, partitions, stats, summary;
  try {
    [info, partitions, stats, summary] = await Promise.all([
      topicInfo(topic),
      partitionPage(topic, page),
      topicStats(topic, Date.now() - HOUR),
      topicSummary(topic),
    ]);
  } catch (error) {
    unstable_rethrow(error);
    return <ErrorBox error={error} />;
  }
  const latest = stats.data[stats.data.length - 1];
  const pages = Math.ceil(partitions.total / PARTITIONS_PER_PAGE);
  const base = `/topics/${encodeURIComponent(topic)}`;
  return (
    <>
      <dl className="grid grid-cols-2 gap-4 md:grid-cols-5">
        <Stat label="Partitions" value={formatNumber(info.partitions_count)} />
        <Stat label="Replication factor" value={info.replication_factor} />
        <Stat label="Size" value={formatBytes(summary?.size_bytes ?? latest?.size_bytes)} />
        <Stat label="Records" value={formatNumber(partitions.records)} hint="high watermark − earliest offset" />
        <Stat
          label="Produce rate"
          value={`${formatNumber(summary?.produced_records_per_sec ?? latest?.produced_records_per_sec, 1)}/s`}
          hint={`${formatBytes(summary?.produced_bytes_per_sec ?? latest?.produced_bytes_per_sec)}/s`}
        />
      </dl>
      <Section title="Partitions">
        <Table caption={`Partitions of ${topic}`}>
          <THead>
            <tr>
              <TH>Partition</TH>
              <TH>Leader</TH>
              <TH>Replicas</TH>
              <TH>In-sync replicas</TH>
              <TH className="text-right">Earliest offset</TH>
              <TH className="text-right">High watermark</TH>
              <TH className="text-right">Records</TH>
            </tr>
          </THead>
          <TBody>
            {partitions.rows.map((p) => (
              <TR key={p.partition_id}>
                <TD className="tabular-nums">{p.partition_id}</TD>
                <TD className="tabular-nums">{p.leader ?? <Badge tone="red">Offline</Badge>}</TD>
                <TD className="tabular-nums">
                  {p.replicas.join(', ')}
                  {p.reassignment ? (
                    <span className="ml-2" data-testid={`reassignment-${p.partition_id}`}>
                      <Badge tone="amber">{reassignmentProgress(p.reassignment, p.isr).text}</Badge>
                    </span>
                  ) : null}
                </TD>
                <TD className="tabular-nums">
                  {p.isr.join(', ')}
                  {p.isr.length < p.replicas.length - (p.reassignment?.adding_replicas.length ?? 0) ? (
                    <span className="ml-2">
                      <Badge tone="amber">Under-replicated</Badge>
                    </span>
                  ) : null}
                </TD>
                <TD className="text-right tabular-nums" data-testid={`earliest-${p.partition_id}`}>
                  {formatNumber(p.earliest_offset)}
                </TD>
                <TD className="text-right tabular-nums" data-testid={`hw-${p.partition_id}`}>
                  {formatNumber(p.high_watermark)}
                </TD>
                <TD className="text-right tabular-nums">{formatNumber(p.high_watermark - p.earliest_offset)}</TD>
              </TR>
            ))}
          </TBody>
        </Table>
        {pages > 1 ? (
          <nav aria-label="Partition pages" className="flex items-center justify-between text-sm text-zinc-600 dark:text-zinc-400">
            <span>
              Partitions {page * PARTITIONS_PER_PAGE}–{Math.min(partitions.total, (page + 1) * PARTITIONS_PER_PAGE) - 1} of{' '}
              {partitions.total}
            </span>
            <span className="flex gap-2">
              {page > 0 ? (
                <Link className={buttonClass('secondary')} href={`${base}?page=${page - 1}`}>
                  Previous page
                </Link>
              ) : null}
              {page + 1 < pages ? (
                <Link className={buttonClass('secondary')} href={`${base}?page=${page + 1}`}>
                  Next page
                </Link>
              ) : null}
            </span>
          </nav>
        ) : null}
      </Section>
      <Section title="Last hour">
        <p className="text-xs text-zinc-500 dark:text-zinc-400">
          Sampled by the broker every {formatDuration(stats.resolution_ms)}, kept for {formatDuration(stats.retention_ms)}.
        </p>
        <div className="grid gap-4 lg:grid-cols-2">
          <LineChart
            title="Produce rate (records/s)"
            zone={zone}
            series={[{ name: 'records/s', points: stats.data.map((d) => [d.timestamp, d.produced_records_per_sec]) }]}
          />
          <LineChart
            title="Size"
            zone={zone}
            format={(v) => formatBytes(v)}
            series={[{ name: 'bytes', points: stats.data.map((d) => [d.timestamp, d.size_bytes]) }]}
          />
        </div>
      </Section>
    </>
  );
}
