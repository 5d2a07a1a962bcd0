import type { Metadata } from 'next';
import { unstable_rethrow } from 'next/navigation';
import { Button, LinkButton } from '@/components/ui/button';
import { ErrorBox } from '@/components/ui/error-box';
import { Field, Input, Select } from '@/components/ui/field';
import { PageHeader, Section } from '@/components/ui/page-header';
import { AclLive } from '../_shared/acl-live';
import { AclTable } from '../_shared/acl-table';
import { ACL_FILTER_NAMES, clusterRights, listAcls, slice, type AclFilters } from '../_shared/data';
import { SlicePager } from '../_shared/slice-pager';
import { OPERATIONS, RESOURCE_TYPES } from '../_shared/types';
import { AclCreator } from './acl-creator';

export const metadata: Metadata = { title: 'ACLs' };

type Params = AclFilters & { page?: string };

/**
 * ACL bindings: filtered by the broker (Confluent v3 list parameters), paged on the console's
 * server, each deletable; create one binding or a template's bindings in one batch.
 */
export default async function AclsPage({ searchParams }: { searchParams: Promise<Params> }) {
  const params = await searchParams;
  const filters: AclFilters = {};
  for (const name of ACL_FILTER_NAMES) if (params[name]) filters[name] = params[name];
  const rights = await clusterRights();
  let list;
  try {
    const page = slice(await listAcls(filters), Number(params.page ?? 1));
    list = (
      <>
        <AclLive />
        <AclTable
          acls={page.rows}
          caption="ACLs"
          alterReason={rights.alter}
          empty={Object.keys(filters).length > 0 ? 'No ACL matches these filters.' : 'No ACLs yet: only super users may do anything.'}
        />
        <SlicePager path="/security/acls" params={filters as Record<string, string | undefined>} slice={page} />
      </>
    );
  } catch (error) {
    unstable_rethrow(error);
    list = <ErrorBox error={error} />;
  }
  return (
    <>
      <PageHeader
        title="ACLs"
        description="Who may do what on which topics, groups, transactional ids and the cluster. DENY wins over ALLOW; with no matching ACL the broker denies."
      />
      <form
        method="get"
        role="search"
        aria-label="Filter ACLs"
        className="mb-4 grid grid-cols-2 items-end gap-2 md:grid-cols-4 xl:grid-cols-8"
      >
        <Field id="f-principal" label="Principal">
          <Input id="f-principal" name="principal" defaultValue={params.principal ?? ''} placeholder="User:alice" />
        </Field>
        <Field id="f-type" label="Resource type">
          <Select id="f-type" name="resource_type" defaultValue={params.resource_type ?? ''}>
            <option value="">Any</option>
            {RESOURCE_TYPES.map((t) => (
              <option key={t} value={t}>
                {t}
              </option>
            ))}
          </Select>
        </Field>
        <Field id="f-name" label="Resource name">
          <Input id="f-name" name="resource_name" defaultValue={params.resource_name ?? ''} />
        </Field>
        <Field id="f-pattern" label="Pattern">
          <Select id="f-pattern" name="pattern_type" defaultValue={params.pattern_type ?? ''}>
            <option value="">Any</option>
            <option value="LITERAL">LITERAL</option>
            <option value="PREFIXED">PREFIXED</option>
            <option value="MATCH">MATCH (applies to the name)</option>
          </Select>
        </Field>
        <Field id="f-operation" label="Operation">
          <Select id="f-operation" name="operation" defaultValue={params.operation ?? ''}>
            <option value="">Any</option>
            {OPERATIONS.map((o) => (
              <option key={o} value={o}>
                {o}
              </option>
            ))}
          </Select>
        </Field>
        <Field id="f-permission" label="Permission">
          <Select id="f-permission" name="permission" defaultValue={params.permission ?? ''}>
            <option value="">Any</option>
            <option value="ALLOW">ALLOW</option>
            <option value="DENY">DENY</option>
          </Select>
        </Field>
        <Field id="f-host" label="Host">
          <Input id="f-host" name="host" defaultValue={params.host ?? ''} />
        </Field>
        <div className="flex gap-2">
          <Button type="submit">Filter</Button>
          <LinkButton href="/security/acls" variant="ghost">
            Clear
          </LinkButton>
        </div>
      </form>
      {list}
      <Section title="Create ACLs">
        <AclCreator disabledReason={rights.alter} defaultPrincipal={params.principal ?? ''} />
      </Section>
    </>
  );
}
