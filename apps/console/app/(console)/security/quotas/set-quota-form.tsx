'use client';
import { useState } from 'react';
import { api } from '@/lib/client-api';
import { Button } from '@/components/ui/button';
import { Notice } from '@/components/ui/error-box';
import { Checkbox, Field, Input } from '@/components/ui/field';
import { useBrokerAction } from '../_shared/use-action';
import { entityLabel, QUOTA_KINDS, QUOTA_LABELS, type QuotaEntity, type QuotaItem, type QuotaKind } from '../_shared/types';

const HINTS: Record<QuotaKind, string> = {
  producer_byte_rate: 'bytes per second; empty: unchanged',
  consumer_byte_rate: 'bytes per second; empty: unchanged',
  request_percentage: 'percent of one request thread; empty: unchanged',
};

/**
 * `POST .../quotas`: an entity (a user, a client id, both, or the defaults) and the quotas to set;
 * an empty field leaves that quota as it is, "remove" sends null.
 */
export function SetQuotaForm({ disabledReason }: { disabledReason?: string }) {
  const { run, busy, errorBox } = useBrokerAction();
  const [formError, setFormError] = useState<string | null>(null);
  const [saved, setSaved] = useState<string | null>(null);
  const [userDefault, setUserDefault] = useState(false);
  const [clientDefault, setClientDefault] = useState(false);
  const off = disabledReason !== undefined;
  return (
    <form
      method="post"
      className="max-w-3xl space-y-3"
      aria-label="Set a quota"
      onSubmit={async (event) => {
        event.preventDefault();
        setFormError(null);
        setSaved(null);
        const data = new FormData(event.currentTarget);
        const entity: QuotaEntity = {};
        const user = String(data.get('user') ?? '').trim();
        const client = String(data.get('client_id') ?? '').trim();
        if (userDefault) entity.user = null;
        else if (user) entity.user = user;
        if (clientDefault) entity.client_id = null;
        else if (client) entity.client_id = client;
        if (entity.user === undefined && entity.client_id === undefined) {
          setFormError('Name a user, a client id or both, or tick a default.');
          return;
        }
        const body: Record<string, unknown> = { entity };
        for (const kind of QUOTA_KINDS) {
          if (data.get(`${kind}_remove`)) {
            body[kind] = null;
            continue;
          }
          const text = String(data.get(kind) ?? '').trim();
          if (!text) continue;
          const value = Number(text);
          if (!Number.isFinite(value)) {
            setFormError(`${QUOTA_LABELS[kind]} must be a number.`);
            return;
          }
          body[kind] = value;
        }
        if (Object.keys(body).length === 1) {
          setFormError('Give at least one quota, or tick "remove".');
          return;
        }
        const answer = await run(() => api<QuotaItem>('POST', '/v3/clusters/-/quotas', body));
        if (answer) setSaved(entityLabel(answer.value.entity));
      }}
    >
      <div className="grid grid-cols-1 gap-3 sm:grid-cols-2">
        <div className="space-y-1">
          <Field id="quota-user" label="User">
            <Input id="quota-user" name="user" autoComplete="off" disabled={off || userDefault} />
          </Field>
          <Checkbox
            id="quota-user-default"
            label="Default for every user"
            checked={userDefault}
            onChange={(e) => setUserDefault(e.target.checked)}
            disabled={off}
          />
        </div>
        <div className="space-y-1">
          <Field id="quota-client" label="Client id">
            <Input id="quota-client" name="client_id" autoComplete="off" disabled={off || clientDefault} />
          </Field>
          <Checkbox
            id="quota-client-default"
            label="Default for every client id"
            checked={clientDefault}
            onChange={(e) => setClientDefault(e.target.checked)}
            disabled={off}
          />
        </div>
      </div>
      <div className="grid grid-cols-1 gap-3 sm:grid-cols-3">
        {QUOTA_KINDS.map((kind) => (
          <div key={kind} className="space-y-1">
            <Field id={`quota-${kind}`} label={QUOTA_LABELS[kind]} hint={HINTS[kind]}>
              <Input id={`quota-${kind}`} name={kind} inputMode="decimal" autoComplete="off" disabled={off} />
            </Field>
            <Checkbox id={`quota-${kind}-remove`} name={`${kind}_remove`} label="Remove this quota" disabled={off} />
          </div>
        ))}
      </div>
      <Button type="submit" variant="primary" disabledReason={disabledReason} disabled={busy}>
        Set quota
      </Button>
      {formError ? (
        <p role="alert" className="text-sm text-red-700 dark:text-red-400">
          {formError}
        </p>
      ) : null}
      {errorBox}
      {saved ? <Notice tone="success">Quota of {saved} saved.</Notice> : null}
    </form>
  );
}
