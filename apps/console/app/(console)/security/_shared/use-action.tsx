'use client';
import { useRouter } from 'next/navigation';
import { useState, useSyncExternalStore } from 'react';
import { ErrorBox } from '@/components/ui/error-box';

/**
 * A write through the console's proxy (`api()`), then a refresh of the server-rendered page; a
 * refusal is kept and shown with the broker's message.
 */
export function useBrokerAction() {
  const router = useRouter();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  /** `{value}` after a success (the value may be undefined: a 201/204 without a body), null after a refusal. */
  async function run<T>(work: () => Promise<T>): Promise<{ value: T } | null> {
    setBusy(true);
    setError(null);
    try {
      const value = await work();
      router.refresh();
      return { value };
    } catch (e) {
      setError(e);
      return null;
    } finally {
      setBusy(false);
    }
  }
  // `busy` also before hydration: a form submitted then would be the browser's own GET, with its fields in the URL.
  const hydrated = useHydrated();
  const errorBox = error ? <ErrorBox error={error} /> : null;
  return { run, busy: busy || !hydrated, error, errorBox, clearError: () => setError(null) };
}

const noSubscription = () => () => {};

/** False on the server and while hydrating, true once React handles events. */
export function useHydrated(): boolean {
  return useSyncExternalStore(
    noSubscription,
    () => true,
    () => false,
  );
}
