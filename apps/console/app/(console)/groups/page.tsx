import type { Metadata } from 'next';
import { unstable_rethrow } from 'next/navigation';
import { ErrorBox } from '@/components/ui/error-box';
import { Button } from '@/components/ui/button';
import { Field, Input, Select } from '@/components/ui/field';
import { PageHeader } from '@/components/ui/page-header';
import { Pager } from '@/components/ui/pager';
import { SortHeader, TH } from '@/components/ui/table';
import { GROUP_STATES, listGroups, listParams, type GroupSummaryPage } from './data';
import { GroupRows } from './group-rows';

export const metadata: Metadata = { title: 'Consumer groups' };

/**
 * Consumer groups: state, members, lag in records and in time, searched, filtered by state,
 * sorted and paged by the broker (consumer-group-summaries). Rows follow the broker's change
 * stream (state and members in place; new groups counted until the user refreshes).
 */
export default async function GroupsPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const params = listParams(await searchParams);
  let page: GroupSummaryPage;
  try {
    page = await listGroups(params);
  } catch (error) {
    unstable_rethrow(error);
    return (
      <>
        <PageHeader title="Consumer groups" />
        <ErrorBox error={error} />
      </>
    );
  }
  const linkParams = { ...params } as Record<string, string | undefined>;
  return (
    <>
      <PageHeader
        title="Consumer groups"
        description="Lag is how many records a group has not consumed yet; lag in time is how far behind the newest record it is. Both are the broker's latest sample."
      />
      <form method="get" action="/groups" role="search" aria-label="Filter groups" className="mb-4 flex flex-wrap items-end gap-3">
        <Field id="group-search" label="Search" className="w-72">
          <Input id="group-search" name="search" type="search" defaultValue={params.search ?? ''} placeholder="Part of a group id" />
        </Field>
        <Field id="group-state" label="State" className="w-56">
          <Select id="group-state" name="state" defaultValue={params.state ?? ''}>
            <option value="">Any state</option>
            {GROUP_STATES.map((state) => (
              <option key={state} value={state}>
                {state}
              </option>
            ))}
          </Select>
        </Field>
        {params.sort ? <input type="hidden" name="sort" value={params.sort} /> : null}
        {params.order ? <input type="hidden" name="order" value={params.order} /> : null}
        <Button type="submit" variant="secondary">
          Apply
        </Button>
      </form>
      <GroupRows
        rows={page.data}
        filtered={Boolean(params.search || params.state)}
        head={
          <tr>
            <SortHeader label="Group" column="name" params={linkParams} path="/groups" />
            <SortHeader label="State" column="state" params={linkParams} path="/groups" />
            <SortHeader label="Members" column="members" params={linkParams} path="/groups" className="text-right" />
            <TH>Topics</TH>
            <SortHeader label="Lag" column="lag" params={linkParams} path="/groups" className="text-right" />
            <SortHeader label="Lag in time" column="lag_time" params={linkParams} path="/groups" className="text-right" />
          </tr>
        }
      />
      <Pager path="/groups" params={linkParams} next={page.next} total={page.total} shown={page.data.length} />
    </>
  );
}
