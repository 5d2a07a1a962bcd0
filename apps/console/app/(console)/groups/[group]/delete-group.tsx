'use client';
import { useRouter } from 'next/navigation';
import { useState } from 'react';
import { TypedConfirm } from '@/components/ui/confirm';
import { ErrorBox } from '@/components/ui/error-box';
import { api } from '@/lib/client-api';

/** Deletes the group (its committed offsets) after the user types its id. */
export function DeleteGroup({ group, disabledReason }: { group: string; disabledReason?: string }) {
  const router = useRouter();
  const [error, setError] = useState<unknown>(null);
  return (
    <div className="max-w-xl space-y-3">
      <TypedConfirm
        word={group}
        action="Delete group"
        disabledReason={disabledReason}
        onConfirm={async () => {
          setError(null);
          try {
            await api('DELETE', `/v3/clusters/-/consumer-groups/${encodeURIComponent(group)}`);
            router.push('/groups');
            router.refresh();
          } catch (e) {
            setError(e);
          }
        }}
      >
        <p className="text-sm text-zinc-700 dark:text-zinc-300">
          Deleting a group removes its committed offsets: a consumer joining it later starts where its <code>auto.offset.reset</code> says.
          Only an empty group (no members) can be deleted.
        </p>
        {disabledReason ? <p className="text-sm text-zinc-600 dark:text-zinc-400">{disabledReason}</p> : null}
      </TypedConfirm>
      {error ? <ErrorBox error={error} /> : null}
    </div>
  );
}
