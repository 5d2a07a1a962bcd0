import type { Metadata } from 'next';
import Link from 'next/link';
import { unstable_rethrow } from 'next/navigation';
import type { ReactNode } from 'react';
import { Button } from '@/components/ui/button';
import { ErrorBox, Notice } from '@/components/ui/error-box';
import { Field, Input, Select } from '@/components/ui/field';
import { Badge, PageHeader, Section } from '@/components/ui/page-header';
import { Time } from '@/components/ui/time';
import { EmptyRow, TBody, TD, TH, THead, TR, Table } from '@/components/ui/table';
import { timeZone } from '@/lib/settings';
import { AclTable } from '../../_shared/acl-table';
import { checkAcl, clusterRights, effectiveQuotas, getUser, listAcls, listApiKeys, listQuotas, recentDenials } from '../../_shared/data';
import { EffectiveQuotaTable, QuotaTable } from '../../_shared/quota-tables';
import { CLUSTER_NAME, OPERATIONS, RESOURCE_TYPES, userOf, type AclCheckAnswer, type UserView } from '../../_shared/types';
import { ApiKeys } from './api-keys';
import { DeleteUser, SetPasswordForm } from './user-forms';

export async function generateMetadata({ params }: { params: Promise<{ principal: string }> }): Promise<Metadata> {
  return { title: decodeURIComponent((await params).principal) };
}

type Search = { check_type?: string; check_name?: string; check_op?: string; check_host?: string };

/** One part of the page; a refusal or failure of its broker call is shown in place of it, not instead of the page. */
async function part(render: () => Promise<ReactNode>): Promise<ReactNode> {
  try {
    return await render();
  } catch (error) {
    unstable_rethrow(error);
    return <ErrorBox error={error} />;
  }
}

/** Denials shown on the page (the broker answers the newest, filtered by principal and outcome). */
const DENIALS_SHOWN = 100;

/**
 * Everything about one principal: its SCRAM credentials and API keys (when it is a user), its
 * ACLs (filtered by the broker), its quotas and effective quota, its newest denials from the audit
 * log, and "can it do X on Y?" answered by the broker's acls:check.
 */
export default async function PrincipalPage({
  params,
  searchParams,
}: {
  params: Promise<{ principal: string }>;
  searchParams: Promise<Search>;
}) {
  const principal = decodeURIComponent((await params).principal);
  const search = await searchParams;
  const zone = await timeZone();
  const user = userOf(principal);
  if (!principal.startsWith('User:')) {
    return (
      <>
        <PageHeader title={principal} crumbs={[{ href: '/security/users', label: 'Users' }]} />
        <ErrorBox error={{ message: `'${principal}' is not a principal: principals read User:<name>.` }} title="Unknown principal" />
      </>
    );
  }
  const rightsAsked = clusterRights();

  // Read failures (a caller without DESCRIBE on the cluster) show in place; the forms stay, disabled with the reason.
  let found: UserView | null | undefined;
  let userFailure: unknown = null;
  if (user) {
    try {
      found = await getUser(user);
    } catch (error) {
      unstable_rethrow(error);
      userFailure = error;
    }
  }
  const rights = await rightsAsked;
  const credentials = user ? (
    <div className="space-y-4">
      {userFailure ? <ErrorBox error={userFailure} /> : null}
      {found === null ? (
        <Notice>No password user named {user}: this principal signs in with a certificate or is named only in ACLs.</Notice>
      ) : null}
      {found ? (
        <dl className="grid grid-cols-1 gap-2 text-sm sm:grid-cols-3">
          <div>
            <dt className="text-zinc-500 dark:text-zinc-400">Mechanisms</dt>
            <dd data-testid="mechanisms">
              {found.mechanisms.map((m) => `${m.mechanism} (${m.iterations.toLocaleString('en-US')} iterations)`).join(', ')}
            </dd>
          </div>
          <div>
            <dt className="text-zinc-500 dark:text-zinc-400">Created</dt>
            <dd>
              <Time ms={found.created_at} zone={zone} />
            </dd>
          </div>
        </dl>
      ) : null}
      {found !== null ? <SetPasswordForm user={user} disabledReason={rights.alter} /> : null}
    </div>
  ) : null;
  // The remaining reads are independent: asked at once.
  const keysAsked =
    user && found !== null ? (
      part(async () => <ApiKeys user={user} keys={found ? await listApiKeys(user) : null} disabledReason={rights.alter} />)
    ) : user ? (
      <p className="text-sm text-zinc-500 dark:text-zinc-400">API keys belong to password users only.</p>
    ) : null;
  const aclsAsked = part(async () => (
    <AclTable
      acls={await listAcls({ principal })}
      caption={`ACLs of ${principal}`}
      alterReason={rights.alter}
      empty="No ACL names this principal (ACLs for User:* still apply)."
    />
  ));
  const quotasAsked = part(async () => {
    // Quotas are set per user name: a wildcard principal has none of its own.
    const own = user ? (await listQuotas()).filter((q) => q.entity.user === user) : [];
    const effective = user ? await effectiveQuotas(user) : null;
    return (
      <div className="space-y-3">
        <QuotaTable quotas={own} alterReason={rights.alter} empty="No quota names this user (default quotas may still apply)." />
        {effective ? (
          <>
            <h3 className="text-sm font-medium">Effective quota without a client id</h3>
            <EffectiveQuotaTable effective={effective} />
          </>
        ) : null}
      </div>
    );
  });
  const denialsAsked = part(async () => {
    const events = await recentDenials(principal, DENIALS_SHOWN);
    const all = `/security/audit?${new URLSearchParams({ principal, outcome: 'DENIED' })}`;
    return (
      <div className="space-y-2">
        <p className="text-xs text-zinc-500 dark:text-zinc-400">
          At most the {DENIALS_SHOWN} newest denials;{' '}
          <Link href={all} className="text-blue-700 hover:underline dark:text-blue-400">
            all of them in the audit log
          </Link>
          .
        </p>
        <Table caption={`Recent denials of ${principal}`}>
          <THead>
            <tr>
              <TH>Time</TH>
              <TH>Source</TH>
              <TH>Resource</TH>
              <TH>Operation</TH>
            </tr>
          </THead>
          <TBody>
            {events.length === 0 ? <EmptyRow columns={4}>No recent denials.</EmptyRow> : null}
            {events.map((e) => (
              <TR key={e.id}>
                <TD>
                  <Time ms={e.time} zone={zone} />
                </TD>
                <TD className="font-mono">{e.source}</TD>
                <TD className="font-mono break-all">{e.resource}</TD>
                <TD>{e.operation}</TD>
              </TR>
            ))}
          </TBody>
        </Table>
      </div>
    );
  });

  const asking = search.check_type && search.check_op;
  const answerAsked = asking
    ? part(async () => {
        const result = await checkAcl({
          principal,
          host: search.check_host || undefined,
          resource_type: search.check_type!,
          resource_name: search.check_type === 'CLUSTER' ? search.check_name || CLUSTER_NAME : (search.check_name ?? ''),
          operation: search.check_op!,
        });
        return <CheckAnswer answer={result} />;
      })
    : null;

  const [keys, acls, quotas, denials, answer] = await Promise.all([keysAsked, aclsAsked, quotasAsked, denialsAsked, answerAsked]);
  return (
    <>
      <PageHeader
        title={principal}
        crumbs={[
          { href: '/security/users', label: 'Users' },
          { href: '/security/acls', label: 'ACLs' },
        ]}
        description={rights.describe ? rights.describe : undefined}
      />
      <Section title="Can this principal…?">
        <form method="get" className="flex flex-wrap items-end gap-2" aria-label="Check a permission">
          <Field id="check-op" label="Operation">
            <Select id="check-op" name="check_op" defaultValue={search.check_op ?? 'WRITE'}>
              {OPERATIONS.filter((o) => o !== 'ALL').map((o) => (
                <option key={o} value={o}>
                  {o}
                </option>
              ))}
            </Select>
          </Field>
          <Field id="check-type" label="Resource type">
            <Select id="check-type" name="check_type" defaultValue={search.check_type ?? 'TOPIC'}>
              {RESOURCE_TYPES.map((t) => (
                <option key={t} value={t}>
                  {t}
                </option>
              ))}
            </Select>
          </Field>
          <Field id="check-name" label="Resource name" className="w-64">
            <Input
              id="check-name"
              name="check_name"
              defaultValue={search.check_name ?? ''}
              placeholder="orders (kafka-cluster for CLUSTER)"
            />
          </Field>
          <Field id="check-host" label="From host" className="w-40">
            <Input id="check-host" name="check_host" defaultValue={search.check_host ?? ''} placeholder="* (any)" />
          </Field>
          <Button type="submit" variant="primary">
            Check
          </Button>
        </form>
        {answer}
      </Section>
      {user ? (
        <Section title="Credentials">{credentials}</Section>
      ) : (
        <Notice>{principal} names every user: it has no credentials of its own.</Notice>
      )}
      {user ? <Section title="API keys">{keys}</Section> : null}
      <Section title="ACLs">{acls}</Section>
      <Section title="Quotas">{quotas}</Section>
      <Section title="Recent denials">{denials}</Section>
      {user && found !== null ? (
        <Section title="Delete user">
          <DeleteUser user={user} disabledReason={rights.alter} />
        </Section>
      ) : null}
    </>
  );
}

function CheckAnswer({ answer }: { answer: AclCheckAnswer }) {
  const decision = answer.authorization_enabled ? answer : { ...answer, ...(answer.if_enabled ?? {}) };
  const by = decision.decided_by;
  const acl = by.acl;
  return (
    <div
      data-testid="check-answer"
      role="status"
      className={`rounded-md border p-3 text-sm ${
        decision.allowed
          ? 'border-green-300 bg-green-50 text-green-900 dark:border-green-800 dark:bg-green-950 dark:text-green-200'
          : 'border-red-300 bg-red-50 text-red-900 dark:border-red-800 dark:bg-red-950 dark:text-red-200'
      }`}
    >
      <p className="font-medium">
        <Badge tone={decision.allowed ? 'green' : 'red'}>{decision.allowed ? 'Allowed' : 'Denied'}</Badge> {answer.principal}{' '}
        {answer.operation} on {answer.resource_type} {answer.resource_name} from {answer.host}
      </p>
      <p className="mt-1">
        Decided by:{' '}
        {by.kind === 'SUPER_USER'
          ? 'super user (RUNNEL_SUPER_USERS)'
          : by.kind === 'ACL' && acl
            ? `ACL ${acl.permission} ${acl.operation} on ${acl.resource_type} ${acl.pattern_type} '${acl.resource_name}' for ${acl.principal} from ${acl.host}`
            : `default (${by.reason ?? 'no ACL matches'})`}
      </p>
      {!answer.authorization_enabled ? (
        <p className="mt-1">
          Authentication is off, so the broker allows everything now; this is what it would decide with RUNNEL_AUTH=on.
        </p>
      ) : null}
    </div>
  );
}
