import Link from 'next/link';
import { unstable_rethrow } from 'next/navigation';
import type { ReactNode } from 'react';
import { whoami } from '@/lib/broker';
import { timeZone } from '@/lib/settings';
import { TimeZoneProvider } from '@/components/ui/time-zone';
import { ErrorBox } from '@/components/ui/error-box';
import { signOut } from '../signin/actions';
import { NavLinks } from './nav-links';

/**
 * Every console page: who is signed in (the broker's answer, never the console's guess), the
 * "authentication is off" banner, the navigation and the user's time zone.
 */
export default async function ConsoleLayout({ children }: { children: ReactNode }) {
  let me;
  try {
    me = await whoami();
  } catch (error) {
    // A 401 has already become a redirect to the sign-in page (lib/broker.ts).
    unstable_rethrow(error);
    return (
      <main className="mx-auto max-w-3xl p-8">
        <ErrorBox error={error} title="The console cannot reach the broker" />
      </main>
    );
  }
  const zone = await timeZone();
  return (
    <TimeZoneProvider zone={zone}>
      <a href="#main" className="sr-only focus:not-sr-only focus:absolute focus:p-2">
        Skip to content
      </a>
      {me.auth_enabled ? null : (
        <div role="status" className="bg-amber-100 px-4 py-1.5 text-center text-sm text-amber-900 dark:bg-amber-900 dark:text-amber-100">
          Authentication is off: anyone who can reach this broker may do anything. Start the broker with RUNNEL_AUTH=on to require sign-in.
        </div>
      )}
      <div className="flex min-h-screen">
        <aside className="w-56 shrink-0 border-r border-zinc-200 bg-zinc-50 dark:border-zinc-800 dark:bg-zinc-900">
          <div className="px-4 py-4 text-lg font-semibold tracking-tight">
            <Link href="/">Runnel</Link>
          </div>
          <NavLinks />
        </aside>
        <div className="flex min-w-0 flex-1 flex-col">
          <header className="flex h-12 items-center justify-end gap-3 border-b border-zinc-200 px-6 text-sm dark:border-zinc-800">
            <span className="text-zinc-600 dark:text-zinc-400">
              Times in{' '}
              <Link href="/settings" className="underline">
                {zone}
              </Link>
            </span>
            <span aria-label="Signed in as" data-testid="principal">
              {me.principal}
              {me.super_user ? ' (super user)' : ''}
            </span>
            {me.auth_enabled ? (
              <form action={signOut}>
                <button
                  type="submit"
                  className="rounded px-2 py-1 text-zinc-700 hover:bg-zinc-100 dark:text-zinc-300 dark:hover:bg-zinc-800"
                >
                  Sign out
                </button>
              </form>
            ) : null}
          </header>
          <main id="main" className="min-w-0 flex-1 px-6 py-6">
            {children}
          </main>
        </div>
      </div>
    </TimeZoneProvider>
  );
}
