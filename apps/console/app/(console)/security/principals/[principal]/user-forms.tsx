'use client';
import { useRouter } from 'next/navigation';
import { useState } from 'react';
import { api } from '@/lib/client-api';
import { Button } from '@/components/ui/button';
import { TypedConfirm } from '@/components/ui/confirm';
import { ErrorBox, Notice } from '@/components/ui/error-box';
import { Field, Input, Select } from '@/components/ui/field';
import { useBrokerAction } from '../../_shared/use-action';

/** `PUT /v3/clusters/-/users/{name}`: a new password replaces every mechanism's credential (a mechanism may be added). */
export function SetPasswordForm({ user, disabledReason }: { user: string; disabledReason?: string }) {
  const { run, busy, errorBox } = useBrokerAction();
  const [saved, setSaved] = useState(false);
  const off = disabledReason !== undefined;
  return (
    <form
      method="post"
      className="flex max-w-2xl flex-wrap items-start gap-2"
      aria-label="Set password"
      onSubmit={async (event) => {
        event.preventDefault();
        const form = event.currentTarget;
        const data = new FormData(form);
        const mechanism = String(data.get('mechanism') ?? '');
        const body: Record<string, string> = { password: String(data.get('password') ?? '') };
        if (mechanism) body.mechanism = mechanism;
        setSaved(false);
        const done = await run(() => api('PUT', `/v3/clusters/-/users/${encodeURIComponent(user)}`, body));
        if (done) {
          setSaved(true);
          form.reset();
        }
      }}
    >
      <Field id="set-password" label="New password" hint="8 characters or more; signed-in sessions of this user must sign in again">
        <Input id="set-password" name="password" type="password" required minLength={8} autoComplete="new-password" disabled={off} />
      </Field>
      <Field id="set-mechanism" label="Add mechanism">
        <Select id="set-mechanism" name="mechanism" defaultValue="" disabled={off}>
          <option value="">Keep the current ones</option>
          <option value="SCRAM-SHA-256">SCRAM-SHA-256</option>
          <option value="SCRAM-SHA-512">SCRAM-SHA-512</option>
        </Select>
      </Field>
      <div className="pt-6">
        <Button type="submit" variant="primary" disabledReason={disabledReason} disabled={busy}>
          Set password
        </Button>
      </div>
      <div className="w-full">
        {errorBox}
        {saved ? <Notice tone="success">Password changed.</Notice> : null}
      </div>
    </form>
  );
}

/** `DELETE /v3/clusters/-/users/{name}` after typing the name; its keys and sessions end with it. */
export function DeleteUser({ user, disabledReason }: { user: string; disabledReason?: string }) {
  const router = useRouter();
  const [error, setError] = useState<unknown>(null);
  return (
    <div className="max-w-md space-y-2">
      <TypedConfirm
        word={user}
        action={`Delete user ${user}`}
        disabledReason={disabledReason}
        onConfirm={async () => {
          setError(null);
          try {
            await api('DELETE', `/v3/clusters/-/users/${encodeURIComponent(user)}`);
            router.push('/security/users');
            router.refresh();
          } catch (e) {
            setError(e);
          }
        }}
      >
        <p className="text-sm text-zinc-700 dark:text-zinc-300">
          Deletes the user, its credentials and API keys; its open connections end now. Its ACLs and quotas stay until deleted.
        </p>
      </TypedConfirm>
      {error ? <ErrorBox error={error} /> : null}
    </div>
  );
}
