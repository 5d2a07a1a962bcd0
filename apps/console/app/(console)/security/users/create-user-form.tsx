'use client';
import Link from 'next/link';
import { useState } from 'react';
import { api } from '@/lib/client-api';
import { Button } from '@/components/ui/button';
import { Notice } from '@/components/ui/error-box';
import { Field, Input, Select } from '@/components/ui/field';
import { useBrokerAction } from '../_shared/use-action';
import { principalHref, type UserView } from '../_shared/types';

/** `POST /v3/clusters/-/users`: name, password (never shown again) and SCRAM mechanism. */
export function CreateUserForm({ disabledReason }: { disabledReason?: string }) {
  const { run, busy, errorBox } = useBrokerAction();
  const [created, setCreated] = useState<string | null>(null);
  return (
    <form
      method="post"
      className="max-w-xl space-y-3"
      onSubmit={async (event) => {
        event.preventDefault();
        const form = event.currentTarget;
        const data = new FormData(form);
        const body = {
          name: String(data.get('name') ?? '').trim(),
          password: String(data.get('password') ?? ''),
          mechanism: String(data.get('mechanism')),
        };
        setCreated(null);
        const user = await run(() => api<UserView>('POST', '/v3/clusters/-/users', body));
        if (user) {
          setCreated(user.value.name);
          form.reset();
        }
      }}
    >
      <div className="grid grid-cols-1 gap-3 sm:grid-cols-3">
        <Field id="new-user-name" label="User name" hint="A-Z a-z 0-9 . _ @ + = -">
          <Input id="new-user-name" name="name" required autoComplete="off" disabled={disabledReason !== undefined} />
        </Field>
        <Field id="new-user-password" label="Password" hint="8 characters or more">
          <Input
            id="new-user-password"
            name="password"
            type="password"
            required
            minLength={8}
            autoComplete="new-password"
            disabled={disabledReason !== undefined}
          />
        </Field>
        <Field id="new-user-mechanism" label="Mechanism">
          <Select id="new-user-mechanism" name="mechanism" defaultValue="SCRAM-SHA-256" disabled={disabledReason !== undefined}>
            <option value="SCRAM-SHA-256">SCRAM-SHA-256</option>
            <option value="SCRAM-SHA-512">SCRAM-SHA-512</option>
          </Select>
        </Field>
      </div>
      <Button type="submit" variant="primary" disabledReason={disabledReason} disabled={busy}>
        Create user
      </Button>
      {errorBox}
      {created ? (
        <Notice tone="success">
          User {created} created.{' '}
          <Link href={principalHref(`User:${created}`)} className="underline">
            Open {created}
          </Link>{' '}
          to add API keys and ACLs.
        </Notice>
      ) : null}
    </form>
  );
}
