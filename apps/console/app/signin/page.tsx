import type { Metadata } from 'next';
import { redirect } from 'next/navigation';
import { broker, type WhoAmI } from '@/lib/broker';
import { SignInForm } from './sign-in-form';

export const metadata: Metadata = { title: 'Sign in' };

export default async function SignInPage({ searchParams }: { searchParams: Promise<{ next?: string; expired?: string }> }) {
  const params = await searchParams;
  // With authentication off there is nothing to sign in to.
  const open = await broker
    .as<WhoAmI>(null, 'GET', '/v3/auth/whoami')
    .then((me) => !me.auth_enabled)
    .catch(() => false);
  if (open) redirect('/');
  return (
    <main className="flex min-h-screen items-center justify-center p-6">
      <div className="w-full max-w-sm space-y-6">
        <h1 className="text-2xl font-semibold tracking-tight">Sign in to Runnel</h1>
        {params.expired ? (
          <p role="status" className="text-sm text-amber-800 dark:text-amber-300">
            Your session ended or the broker no longer accepts its credentials. Sign in again.
          </p>
        ) : null}
        <SignInForm next={params.next ?? '/'} />
      </div>
    </main>
  );
}
