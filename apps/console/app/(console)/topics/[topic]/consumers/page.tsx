import Link from 'next/link';
import { unstable_rethrow } from 'next/navigation';
import { Button } from '@/components/ui/button';
import { ErrorBox } from '@/components/ui/error-box';
import { Field, Input } from '@/components/ui/field';
import { Badge } from '@/components/ui/page-header';
import { Pager } from '@/components/ui/pager';
import { EmptyRow, SortHeader, Table, TBody, TD, TH, THead, TR } from '@/components/ui/table';
import { formatDuration, formatNumber } from '@/lib/format';
import { consumerParams, topicConsumers } from './data';

/**
 * The consumer groups reading this topic (a committed offset or an assignment on it), with their
 * lag on it in records and in time and per partition; searched, sorted and paged by the broker.
 */
export default async function TopicConsumersPage({
  params,
  searchParams,
}: {
  params: Promise<{ topic: string }>;
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  const topic = decodeURIComponent((await params).topic);
  const query = consumerParams(await searchParams);
  const path = `/topics/${encodeURIComponent(topic)}/consumers`;
  let result;
  try {
    result = await topicConsumers(topic, query);
  } catch (error) {
    unstable_rethrow(error);
    return <ErrorBox error={error} />;
  }
  const linkParams = { ...query } as Record<string, string | undefined>;
  return (
    <div className="space-y-4">
      <form method="get" action={path} role="search" aria-label="Filter consumer groups" className="flex flex-wrap items-end gap-3">
        <Field id="consumer-search" label="Search groups" className="w-72">
          <Input id="consumer-search" name="search" type="search" defaultValue={query.search ?? ''} placeholder="Part of a group id" />
        </Field>
        {query.sort ? <input type="hidden" name="sort" value={query.sort} /> : null}
        {query.order ? <input type="hidden" name="order" value={query.order} /> : null}
        <Button type="submit" variant="secondary">
          Apply
        </Button>
      </form>
      <Table caption={`Consumer groups reading ${topic}`}>
        <THead>
          <tr>
            <SortHeader label="Group" column="name" params={linkParams} path={path} />
            <SortHeader label="State" column="state" params={linkParams} path={path} />
            <SortHeader label="Members" column="members" params={linkParams} path={path} className="text-right" />
            <SortHeader label="Lag on this topic" column="lag" params={linkParams} path={path} className="text-right" />
            <SortHeader label="Lag in time" column="lag_time" params={linkParams} path={path} className="text-right" />
            <TH>Partitions (committed / end / lag)</TH>
          </tr>
        </THead>
        <TBody>
          {result.consumers.length === 0 ? (
            <EmptyRow columns={6}>
              {query.search ? `No group matching “${query.search}” reads ${topic}.` : `No consumer group reads ${topic}.`}
            </EmptyRow>
          ) : null}
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
                {formatNumber(c.lag)}
              </TD>
              <TD className="text-right tabular-nums" data-testid="topic-lag-time">
                {c.lagMs === null ? <span title="Not sampled yet">—</span> : formatDuration(c.lagMs)}
              </TD>
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
      <Pager path={path} params={linkParams} next={result.next} total={result.total} shown={result.consumers.length} />
    </div>
  );
}
