import { unstable_rethrow } from 'next/navigation';
import { LinkButton, buttonClass } from '@/components/ui/button';
import { ErrorBox } from '@/components/ui/error-box';
import { Checkbox, Field, Input } from '@/components/ui/field';
import { PageHeader } from '@/components/ui/page-header';
import { Pager } from '@/components/ui/pager';
import { SortHeader, TH, THead } from '@/components/ui/table';
import { createDeniedReason, listParams, topicSummaries } from './data';
import { LiveTopics } from './live-topics';

/**
 * Topics: searched, sorted and paged by the broker (topic-summaries), kept current by the
 * change stream without reloading the list.
 */
export default async function TopicsPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const params = listParams(await searchParams);
  const effective = { ...params, sort: params.sort ?? 'name', order: params.order ?? 'asc' };
  let list;
  let createDenied: string | undefined;
  try {
    [list, createDenied] = await Promise.all([topicSummaries(params), createDeniedReason()]);
  } catch (error) {
    unstable_rethrow(error);
    return (
      <>
        <PageHeader title="Topics" />
        <ErrorBox error={error} />
      </>
    );
  }
  const sortProps = { params: effective, path: '/topics' };
  return (
    <>
      <PageHeader
        title="Topics"
        description="Every topic you may describe, with its size and recent produce rate."
        actions={
          <LinkButton href="/topics/new" variant="primary" disabledReason={createDenied}>
            Create topic
          </LinkButton>
        }
      />
      <form method="get" action="/topics" role="search" className="mb-4 flex flex-wrap items-end gap-3">
        <Field id="topic-search" label="Search topics" className="w-72">
          <Input id="topic-search" name="search" type="search" defaultValue={params.search ?? ''} placeholder="Part of a name" />
        </Field>
        <div className="flex h-9 items-center">
          <Checkbox
            id="topic-internal"
            name="internal"
            value="true"
            defaultChecked={params.internal === 'true'}
            label="Show internal topics"
          />
        </div>
        {params.sort ? <input type="hidden" name="sort" value={params.sort} /> : null}
        {params.order ? <input type="hidden" name="order" value={params.order} /> : null}
        <button type="submit" className={buttonClass('secondary')}>
          Apply
        </button>
      </form>
      <LiveTopics
        rows={list.data}
        search={params.search}
        caption={`Topics${params.search ? ` matching "${params.search}"` : ''}, sorted by ${effective.sort} ${effective.order === 'desc' ? 'descending' : 'ascending'}`}
        empty={params.search ? `No topic matches "${params.search}".` : 'No topics yet.'}
        head={
          <THead>
            <tr>
              <SortHeader label="Name" column="name" {...sortProps} />
              <SortHeader label="Partitions" column="partitions" {...sortProps} className="text-right" />
              <TH className="text-right">Replication</TH>
              <SortHeader label="Size" column="size" {...sortProps} className="text-right" />
              <TH className="text-right">Records</TH>
              <SortHeader label="Produce rate" column="throughput" {...sortProps} className="text-right" />
            </tr>
          </THead>
        }
      />
      <Pager path="/topics" params={params} next={list.next} total={list.total} shown={list.data.length} />
    </>
  );
}
