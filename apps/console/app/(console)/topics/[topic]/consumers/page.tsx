import Link from 'next/link';
import { unstable_rethrow } from 'next/navigation';
import { ErrorBox, Notice } from '@/components/ui/error-box';
import { Badge } from '@/components/ui/page-header';
import { EmptyRow, Table, TBody, TD, TH, THead, TR } from '@/components/ui/table';
import { formatDuration, formatNumber } from '@/lib/format';
import { GROUPS_SHOWN, topicConsumers } from './data';

/** The consumer groups reading this topic, with their lag on it per partition. */
export default async function TopicConsumersPage({ params }: { params: Promise<{ topic: string }> }) {
  const topic = decodeURIComponent((await params).topic);
  let result;
  try {
    result = await topicConsumers(topic);
  } catch (error) {
    unstable_rethrow(error);
    return <ErrorBox error={error} />;
  }
  return (
    <div className="space-y-4">
      {result.more ? (
        <Notice tone="info">
          Showing the groups reading {topic} among the first {formatNumber(result.scanned)} of {formatNumber(result.total)} groups (at most{' '}
          {GROUPS_SHOWN}). The Consumer groups page searches all of them.
        </Notice>
      ) : null}
      <Table caption={`Consumer groups reading ${topic}`}>
        <THead>
          <tr>
            <TH>Group</TH>
            <TH>State</TH>
            <TH className="text-right">Members</TH>
            <TH className="text-right">Lag on this topic</TH>
            <TH className="text-right">Lag in time (group)</TH>
            <TH>Partitions (committed / end / lag)</TH>
          </tr>
        </THead>
        <TBody>
          {result.consumers.length === 0 ? <EmptyRow columns={6}>No consumer group reads {topic}.</EmptyRow> : null}
          {result.consumers.map((c) => (
            <TR key={c.group}>
              <TD className="font-medium">
                <Link
                  href={`/groups/${encodeURIComponent(c.group)}`}
                  prefetch={false}
                  className="text-blue-700 hover:underline dark:text-blue-400"
                >
                  {c.group}
                </Link>
              </TD>
              <TD>
                <Badge tone={c.state === 'STABLE' ? 'green' : c.state === 'EMPTY' ? 'neutral' : 'amber'}>{c.state}</Badge>
              </TD>
              <TD className="text-right tabular-nums">{c.members}</TD>
              <TD className="text-right tabular-nums" data-testid="topic-lag">
                {c.error ? <span title={c.error}>—</span> : formatNumber(c.lag)}
              </TD>
              <TD className="text-right tabular-nums">{c.lagMs === null ? '—' : formatDuration(c.lagMs)}</TD>
              <TD className="text-xs tabular-nums">
                {c.error ? (
                  <span className="text-red-700 dark:text-red-400">{c.error}</span>
                ) : (
                  c.partitions.map((p) => (
                    <span key={p.partition_id} className="mr-3 inline-block">
                      p{p.partition_id}: {formatNumber(p.current_offset)} / {formatNumber(p.log_end_offset)} / {formatNumber(p.lag)}
                    </span>
                  ))
                )}
              </TD>
            </TR>
          ))}
        </TBody>
      </Table>
    </div>
  );
}
