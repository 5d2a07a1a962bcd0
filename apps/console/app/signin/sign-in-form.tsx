'use client';
import { useActionState, useState } from 'react';
import { Button } from '@/components/ui/button';
import { Field, Input } from '@/components/ui/field';
import { signIn, type SignInState } from './actions';

export function SignInForm({ next }: { next: string }) {
  const [state, action, pending] = useActionState<SignInState, FormData>(signIn, {});
  const [method, setMethod] = useState<'password' | 'api-key'>('password');
  // Controlled, so a failed attempt keeps the name typed (React resets uncontrolled fields after an action).
  const [user, setUser] = useState('');
  return (
    <form action={action} className="space-y-4">
      <input type="hidden" name="next" value={next} />
      <input type="hidden" name="method" value={method} />
      <fieldset className="flex gap-4 text-sm">
        <legend className="sr-only">Sign in with</legend>
        <label className="inline-flex items-center gap-1.5">
          <input type="radio" name="method-choice" checked={method === 'password'} onChange={() => setMethod('password')} />
          User and password
        </label>
        <label className="inline-flex items-center gap-1.5">
          <input type="radio" name="method-choice" checked={method === 'api-key'} onChange={() => setMethod('api-key')} />
          API key
        </label>
      </fieldset>
      {method === 'password' ? (
        <>
          <Field id="user" label="User">
            <Input id="user" name="user" autoComplete="username" value={user} onChange={(e) => setUser(e.target.value)} required />
          </Field>
          <Field id="password" label="Password">
            <Input id="password" name="password" type="password" autoComplete="current-password" required />
          </Field>
        </>
      ) : (
        <Field id="api_key" label="API key" hint="rnl_… as shown once when the key was created">
          <Input id="api_key" name="api_key" type="password" autoComplete="off" required />
        </Field>
      )}
      {state.error ? (
        <p role="alert" className="text-sm text-red-700 dark:text-red-400">
          {state.error}
        </p>
      ) : null}
      <Button type="submit" variant="primary" disabled={pending} className="w-full">
        {pending ? 'Signing in…' : 'Sign in'}
      </Button>
    </form>
  );
}
