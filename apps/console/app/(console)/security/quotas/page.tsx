import type { Metadata } from 'next';
import { unstable_rethrow } from 'next/navigation';
import { Button } from '@/components/ui/button';
import { ErrorBox } from '@/components/ui/error-box';
import { Field, Input } from '@/components/ui/field';
import { PageHeader, Section } from '@/components/ui/page-header';
import { clusterRights, effectiveQuotas, listQuotas, slice } from '../_shared/data';
import { EffectiveQuotaTable, QuotaTable } from '../_shared/quota-tables';
import { SlicePager } from '../_shared/slice-pager';
import { SetQuotaForm } from './set-quota-form';

export const metadata: Metadata = { title: 'Quotas' };

type Params = { page?: string; user?: string; client_id?: string };

/** Client quotas: list (paged on the console's server), set, delete, and one caller's effective quota and throttle. */
export default async function QuotasPage({ searchParams }: { searchParams: Promise<Params> }) {
  const params = await searchParams;
  const rights = await clusterRights();
  let list;
  try {
    const quotas = await listQuotas();
    const page = slice(quotas, Number(params.page ?? 1));
    list = (
      <>
        <QuotaTable quotas={page.rows} alterReason={rights.alter} empty="No quotas: every client may use the broker without limits." />
        <SlicePager path="/security/quotas" params={{ user: params.user, client_id: params.client_id }} slice={page} />
      </>
    );
  } catch (error) {
    unstable_rethrow(error);
    list = <ErrorBox error={error} />;
  }
  const asked = params.user !== undefined || params.client_id !== undefined;
  let effective = null;
  if (asked) {
    try {
      effective = <EffectiveQuotaTable effective={await effectiveQuotas(params.user || undefined, params.client_id || undefined)} />;
    } catch (error) {
      unstable_rethrow(error);
      effective = <ErrorBox error={error} />;
    }
  }
  return (
    <>
      <PageHeader
        title="Quotas"
        description="Byte rates and request time per user and client id (Kafka's client quotas). A caller over its quota is slowed by a throttle, not refused."
      />
      {list}
      <Section title="Set a quota">
        <SetQuotaForm disabledReason={rights.alter} />
      </Section>
      <section id="effective" aria-label="Effective quota" className="mt-8 space-y-3">
        <h2 className="text-lg font-semibold">Effective quota</h2>
        <p className="text-sm text-zinc-600 dark:text-zinc-400">
          Which entity&apos;s quota applies to a caller (Kafka&apos;s precedence: the most specific entity first, from user and client id
          down to the default client id), its limit, the rate measured now and the throttle.
        </p>
        <form
          method="get"
          action="/security/quotas#effective"
          className="flex flex-wrap items-end gap-2"
          aria-label="Look up an effective quota"
        >
          <Field id="eff-user" label="User" className="w-56">
            <Input id="eff-user" name="user" defaultValue={params.user ?? ''} placeholder="empty: ANONYMOUS" />
          </Field>
          <Field id="eff-client" label="Client id" className="w-56">
            <Input id="eff-client" name="client_id" defaultValue={params.client_id ?? ''} placeholder="optional" />
          </Field>
          <Button type="submit">Show effective quota</Button>
        </form>
        {effective}
      </section>
    </>
  );
}
