import type { Metadata } from 'next';
import Link from 'next/link';
import { unstable_rethrow } from 'next/navigation';
import { ErrorBox } from '@/components/ui/error-box';
import { Field, Input } from '@/components/ui/field';
import { Button } from '@/components/ui/button';
import { PageHeader, Section } from '@/components/ui/page-header';
import { Time } from '@/components/ui/time';
import { EmptyRow, SortHeader, TBody, TD, TH, THead, TR, Table } from '@/components/ui/table';
import { timeZone } from '@/lib/settings';
import { clusterRights, listUsers, slice } from '../_shared/data';
import { SlicePager } from '../_shared/slice-pager';
import { principalHref, type UserView } from '../_shared/types';
import { CreateUserForm } from './create-user-form';

export const metadata: Metadata = { title: 'Users' };

type Params = { q?: string; sort?: string; order?: string; page?: string };

/** SCRAM users: filtered, sorted and paged on the console's server; create one; each links to its principal page. */
export default async function UsersPage({ searchParams }: { searchParams: Promise<Params> }) {
  const params = await searchParams;
  const zone = await timeZone();
  const rights = await clusterRights();
  let users: UserView[] = [];
  let failure: unknown = null;
  try {
    users = await listUsers();
  } catch (error) {
    unstable_rethrow(error);
    failure = error;
  }
  const q = (params.q ?? '').trim().toLowerCase();
  const sort = params.sort === 'created' ? 'created' : 'name';
  const desc = params.order === 'desc';
  const matching = users
    .filter((u) => !q || u.name.toLowerCase().includes(q))
    .sort((a, b) => (sort === 'created' ? a.created_at - b.created_at : a.name < b.name ? -1 : a.name > b.name ? 1 : 0) * (desc ? -1 : 1));
  const page = slice(matching, Number(params.page ?? 1));
  const keep = { q: params.q, sort: params.sort, order: params.order };
  return (
    <>
      <PageHeader
        title="Users"
        description="Users who sign in with a password (SCRAM). Open a user for its password, API keys, ACLs, quotas and recent denials."
      />
      <form method="get" role="search" className="mb-3 flex items-end gap-2">
        <Field id="users-q" label="Search users" className="w-72">
          <Input id="users-q" name="q" defaultValue={params.q ?? ''} placeholder="part of a name" />
        </Field>
        {params.sort ? <input type="hidden" name="sort" value={params.sort} /> : null}
        {params.order ? <input type="hidden" name="order" value={params.order} /> : null}
        <Button type="submit">Search</Button>
      </form>
      {failure ? <ErrorBox error={failure} /> : null}
      <Table caption="Users">
        <THead>
          <tr>
            <SortHeader label="Name" column="name" params={keep} path="/security/users" />
            <TH>Mechanisms</TH>
            <SortHeader label="Created" column="created" params={keep} path="/security/users" />
          </tr>
        </THead>
        <TBody>
          {page.rows.length === 0 ? (
            <EmptyRow columns={3}>
              {failure ? 'The users could not be read.' : q ? 'No user matches this search.' : 'No users yet.'}
            </EmptyRow>
          ) : null}
          {page.rows.map((user) => (
            <TR key={user.name}>
              <TD>
                <Link href={principalHref(`User:${user.name}`)} className="font-medium text-blue-700 hover:underline dark:text-blue-400">
                  {user.name}
                </Link>
              </TD>
              <TD>{user.mechanisms.map((m) => m.mechanism).join(', ')}</TD>
              <TD>
                <Time ms={user.created_at} zone={zone} />
              </TD>
            </TR>
          ))}
        </TBody>
      </Table>
      <SlicePager path="/security/users" params={keep} slice={page} />
      <Section title="Create a user">
        <CreateUserForm disabledReason={rights.alter} />
      </Section>
    </>
  );
}
