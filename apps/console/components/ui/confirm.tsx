'use client';
import { useId, useState, type ReactNode } from 'react';
import { Button } from './button';
import { Field, Input } from './field';

/**
 * A destructive action that needs the user to type a word (usually the resource's name) first,
 * as the console asks before deleting a topic or a group.
 */
export function TypedConfirm({
  word,
  action,
  onConfirm,
  disabledReason,
  children,
}: {
  word: string;
  action: string;
  onConfirm: () => Promise<void> | void;
  disabledReason?: string;
  children?: ReactNode;
}) {
  const id = useId();
  const [typed, setTyped] = useState('');
  const [busy, setBusy] = useState(false);
  return (
    <div className="space-y-3 rounded-lg border border-red-300 p-4 dark:border-red-900">
      {children}
      <Field id={id} label={`Type ${word} to confirm`}>
        <Input
          id={id}
          value={typed}
          onChange={(e) => setTyped(e.target.value)}
          autoComplete="off"
          disabled={disabledReason !== undefined}
        />
      </Field>
      <Button
        variant="danger"
        disabledReason={disabledReason}
        disabled={typed !== word || busy}
        onClick={async () => {
          setBusy(true);
          try {
            await onConfirm();
          } finally {
            setBusy(false);
          }
        }}
      >
        {action}
      </Button>
    </div>
  );
}
