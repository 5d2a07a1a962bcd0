import Link from 'next/link';
import { formatBytes, formatDuration } from '@/lib/format';
import { EmptyRow, TBody, TD, TH, THead, TR, Table } from '@/components/ui/table';
import { DeleteQuotaButton } from './delete-quota-button';
import { entityLabel, QUOTA_KINDS, QUOTA_LABELS, type EffectiveQuotas, type QuotaEntity, type QuotaItem, type QuotaKind } from './types';

export function formatQuota(kind: QuotaKind, value: number | null | undefined): string {
  if (value === null || value === undefined) return '—';
  return kind === 'request_percentage' ? `${value.toLocaleString('en-US', { maximumFractionDigits: 2 })} %` : `${formatBytes(value)}/s`;
}

/** `?user=&client_id=` of the effective-quota view for an entity (a default member is left out: any caller would do). */
export function effectiveHref(entity: QuotaEntity): string {
  const query = new URLSearchParams();
  if (typeof entity.user === 'string') query.set('user', entity.user);
  if (typeof entity.client_id === 'string') query.set('client_id', entity.client_id);
  return `/security/quotas?${query.toString()}#effective`;
}

export function QuotaTable({ quotas, alterReason, empty }: { quotas: QuotaItem[]; alterReason?: string; empty: string }) {
  return (
    <Table caption="Quotas">
      <THead>
        <tr>
          <TH>Entity</TH>
          {QUOTA_KINDS.map((kind) => (
            <TH key={kind}>{QUOTA_LABELS[kind]}</TH>
          ))}
          <TH>
            <span className="sr-only">Actions</span>
          </TH>
        </tr>
      </THead>
      <TBody>
        {quotas.length === 0 ? <EmptyRow columns={5}>{empty}</EmptyRow> : null}
        {quotas.map((quota) => {
          const label = entityLabel(quota.entity);
          return (
            <TR key={label}>
              <TD>
                <Link href={effectiveHref(quota.entity)} className="text-blue-700 hover:underline dark:text-blue-400">
                  {label}
                </Link>
              </TD>
              {QUOTA_KINDS.map((kind) => (
                <TD key={kind} className="tabular-nums">
                  {formatQuota(kind, quota[kind])}
                </TD>
              ))}
              <TD className="text-right">
                <DeleteQuotaButton entity={quota.entity} disabledReason={alterReason} />
              </TD>
            </TR>
          );
        })}
      </TBody>
    </Table>
  );
}

/** What applies to one caller now: per kind the entity whose quota applies, its limit, the measured rate and the throttle. */
export function EffectiveQuotaTable({ effective }: { effective: EffectiveQuotas }) {
  return (
    <div className="space-y-2">
      <p className="text-sm" data-testid="throttle">
        Current throttle: <strong>{effective.throttle_time_ms > 0 ? formatDuration(effective.throttle_time_ms) : 'none'}</strong>
      </p>
      <Table caption={`Effective quotas of user ${effective.user}${effective.client_id ? `, client id ${effective.client_id}` : ''}`}>
        <THead>
          <tr>
            <TH>Quota</TH>
            <TH>Applying entity</TH>
            <TH>Limit</TH>
            <TH>Current rate</TH>
            <TH>Throttle</TH>
          </tr>
        </THead>
        <TBody>
          {QUOTA_KINDS.map((kind) => {
            const q = effective.quotas[kind];
            return (
              <TR key={kind}>
                <TD>{QUOTA_LABELS[kind]}</TD>
                <TD>{q.entity ? entityLabel(q.entity) : 'none (unlimited)'}</TD>
                <TD className="tabular-nums">{q.limit === null ? 'unlimited' : formatQuota(kind, q.limit)}</TD>
                <TD className="tabular-nums">{formatQuota(kind, q.rate)}</TD>
                <TD className="tabular-nums">{q.throttle_time_ms > 0 ? formatDuration(q.throttle_time_ms) : 'none'}</TD>
              </TR>
            );
          })}
        </TBody>
      </Table>
    </div>
  );
}
