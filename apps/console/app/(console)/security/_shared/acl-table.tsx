import Link from 'next/link';
import { Badge } from '@/components/ui/page-header';
import { EmptyRow, TBody, TD, TH, THead, TR, Table } from '@/components/ui/table';
import { DeleteAclButton } from './delete-acl-button';
import { principalHref, type Acl } from './types';

/** ACL bindings as a table, each with a delete action (disabled with the reason when not allowed). */
export function AclTable({ acls, caption, alterReason, empty }: { acls: Acl[]; caption: string; alterReason?: string; empty: string }) {
  return (
    <Table caption={caption}>
      <THead>
        <tr>
          <TH>Resource type</TH>
          <TH>Resource name</TH>
          <TH>Pattern</TH>
          <TH>Principal</TH>
          <TH>Host</TH>
          <TH>Operation</TH>
          <TH>Permission</TH>
          <TH>
            <span className="sr-only">Actions</span>
          </TH>
        </tr>
      </THead>
      <TBody>
        {acls.length === 0 ? <EmptyRow columns={8}>{empty}</EmptyRow> : null}
        {acls.map((acl) => (
          <TR
            key={`${acl.resource_type}|${acl.resource_name}|${acl.pattern_type}|${acl.principal}|${acl.host}|${acl.operation}|${acl.permission}`}
          >
            <TD>{acl.resource_type}</TD>
            <TD className="font-mono break-all">{acl.resource_name}</TD>
            <TD>{acl.pattern_type}</TD>
            <TD>
              <Link href={principalHref(acl.principal)} className="text-blue-700 hover:underline dark:text-blue-400">
                {acl.principal}
              </Link>
            </TD>
            <TD className="font-mono">{acl.host}</TD>
            <TD>{acl.operation}</TD>
            <TD>
              <Badge tone={acl.permission === 'ALLOW' ? 'green' : 'red'}>{acl.permission}</Badge>
            </TD>
            <TD className="text-right">
              <DeleteAclButton acl={acl} disabledReason={alterReason} />
            </TD>
          </TR>
        ))}
      </TBody>
    </Table>
  );
}
