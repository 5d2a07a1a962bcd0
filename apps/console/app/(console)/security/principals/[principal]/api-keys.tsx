'use client';
import { useState } from 'react';
import { api } from '@/lib/client-api';
import { parseZonedTime } from '@/lib/format';
import { Button } from '@/components/ui/button';
import { Notice } from '@/components/ui/error-box';
import { Field, Input } from '@/components/ui/field';
import { EmptyRow, TBody, TD, TH, THead, TR, Table } from '@/components/ui/table';
import { useTimeZone, ZonedTime } from '@/components/ui/time-zone';
import { ConfirmButton } from '../../_shared/confirm-button';
import { useBrokerAction } from '../../_shared/use-action';
import type { ApiKeyView, NewApiKey } from '../../_shared/types';

/**
 * A user's API keys: the list (never a secret; null when it could not be read), create with an optional expiry entered in the
 * user's time zone, the new key's secret shown once with a copy button, and revoke.
 */
export function ApiKeys({ user, keys, disabledReason }: { user: string; keys: ApiKeyView[] | null; disabledReason?: string }) {
  const zone = useTimeZone();
  const { run, busy, errorBox } = useBrokerAction();
  const [expiry, setExpiry] = useState('');
  const [expiryError, setExpiryError] = useState<string | null>(null);
  const [created, setCreated] = useState<NewApiKey | null>(null);
  const [copied, setCopied] = useState(false);
  const base = `/v3/clusters/-/users/${encodeURIComponent(user)}/api-keys`;
  return (
    <div className="space-y-4">
      {keys === null ? null : (
        <Table caption={`API keys of ${user}`}>
          <THead>
            <tr>
              <TH>Key id</TH>
              <TH>Created</TH>
              <TH>Expires</TH>
              <TH>
                <span className="sr-only">Actions</span>
              </TH>
            </tr>
          </THead>
          <TBody>
            {keys.length === 0 ? <EmptyRow columns={4}>No API keys.</EmptyRow> : null}
            {keys.map((key) => (
              <TR key={key.key_id}>
                <TD className="font-mono">{key.key_id}</TD>
                <TD>
                  <ZonedTime ms={key.created_at} />
                </TD>
                <TD>{key.expires_at === null ? 'Never' : <ZonedTime ms={key.expires_at} />}</TD>
                <TD className="text-right">
                  <ConfirmButton
                    label={`Revoke API key ${key.key_id}`}
                    confirmText="Revoke this key? Clients using it are refused at once."
                    disabledReason={disabledReason}
                    onConfirm={() => api('DELETE', `${base}/${encodeURIComponent(key.key_id)}`)}
                  >
                    Revoke
                  </ConfirmButton>
                </TD>
              </TR>
            ))}
          </TBody>
        </Table>
      )}
      <form
        method="post"
        className="flex flex-wrap items-end gap-2"
        aria-label="Create an API key"
        onSubmit={async (event) => {
          event.preventDefault();
          setExpiryError(null);
          setCopied(false);
          let body: { expires_at?: number } = {};
          if (expiry.trim()) {
            const ms = parseZonedTime(expiry, zone);
            if (!Number.isFinite(ms)) {
              setExpiryError(`Write the expiry as YYYY-MM-DD HH:MM in ${zone}`);
              return;
            }
            body = { expires_at: ms };
          }
          const key = await run(() => api<NewApiKey>('POST', base, body));
          if (key) {
            setCreated(key.value);
            setExpiry('');
          }
        }}
      >
        <Field
          id="key-expiry"
          label={`Expires (${zone}, optional)`}
          hint="YYYY-MM-DD HH:MM; empty: never"
          error={expiryError}
          className="w-72"
        >
          <Input
            id="key-expiry"
            value={expiry}
            onChange={(e) => setExpiry(e.target.value)}
            placeholder="2030-01-01 00:00"
            aria-invalid={expiryError ? true : undefined}
            disabled={disabledReason !== undefined}
          />
        </Field>
        <Button type="submit" variant="primary" disabledReason={disabledReason} disabled={busy}>
          Create API key
        </Button>
      </form>
      {errorBox}
      {created ? (
        <Notice tone="warning">
          <p className="font-medium">
            API key {created.key_id} created{created.expires_at !== null ? ', expiring ' : ''}
            {created.expires_at !== null ? <ZonedTime ms={created.expires_at} /> : null}. Copy its secret now: it is shown only this once.
          </p>
          <div className="mt-2 flex flex-wrap items-center gap-2">
            <code
              data-testid="api-key-secret"
              className="rounded bg-white px-2 py-1 font-mono text-xs break-all text-zinc-900 dark:bg-zinc-900 dark:text-zinc-100"
            >
              {created.secret}
            </code>
            <Button
              onClick={async () => {
                try {
                  await navigator.clipboard.writeText(created.secret);
                  setCopied(true);
                } catch {
                  setCopied(false);
                }
              }}
            >
              {copied ? 'Copied' : 'Copy secret'}
            </Button>
            <Button variant="ghost" onClick={() => setCreated(null)}>
              I have saved it
            </Button>
          </div>
        </Notice>
      ) : null}
    </div>
  );
}
