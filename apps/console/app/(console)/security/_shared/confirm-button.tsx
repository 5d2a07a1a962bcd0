'use client';
import { useState, type ReactNode } from 'react';
import { Button } from '@/components/ui/button';
import { useBrokerAction } from './use-action';

/**
 * A small destructive action in two steps: the button, then "Confirm" / "Cancel" in place (no
 * browser dialog), then the call; the broker's refusal is shown under it.
 */
export function ConfirmButton({
  label,
  children,
  confirmText,
  disabledReason,
  onConfirm,
}: {
  /** The accessible name of the first button (says what is deleted). */
  label: string;
  children: ReactNode;
  confirmText: string;
  disabledReason?: string;
  onConfirm: () => Promise<unknown>;
}) {
  const [asking, setAsking] = useState(false);
  const { run, busy, errorBox } = useBrokerAction();
  return (
    <div className="flex flex-col items-end gap-1">
      {asking ? (
        <span className="inline-flex items-center gap-2 text-sm">
          <span>{confirmText}</span>
          <Button
            variant="danger"
            disabled={busy}
            onClick={async () => {
              await run(onConfirm);
              setAsking(false);
            }}
          >
            Confirm
          </Button>
          <Button variant="ghost" onClick={() => setAsking(false)}>
            Cancel
          </Button>
        </span>
      ) : (
        <Button
          variant="ghost"
          aria-label={disabledReason ? `${label} (${disabledReason})` : label}
          disabledReason={disabledReason}
          disabled={busy}
          onClick={() => setAsking(true)}
        >
          {children}
        </Button>
      )}
      {errorBox}
    </div>
  );
}
