import Link from 'next/link';
import type { ButtonHTMLAttributes, ReactNode } from 'react';

export type Variant = 'primary' | 'secondary' | 'danger' | 'ghost';

const VARIANTS: Record<Variant, string> = {
  primary: 'bg-blue-600 text-white hover:bg-blue-700 dark:bg-blue-500 dark:hover:bg-blue-400',
  secondary:
    'border border-zinc-300 bg-white text-zinc-900 hover:bg-zinc-50 dark:border-zinc-700 dark:bg-zinc-900 dark:text-zinc-100 dark:hover:bg-zinc-800',
  danger: 'bg-red-600 text-white hover:bg-red-700 dark:bg-red-600 dark:hover:bg-red-500',
  ghost: 'text-zinc-700 hover:bg-zinc-100 dark:text-zinc-300 dark:hover:bg-zinc-800',
};

export function buttonClass(variant: Variant = 'secondary', extra = ''): string {
  return `inline-flex h-9 items-center justify-center gap-1.5 rounded-md px-3 text-sm font-medium focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-blue-600 disabled:cursor-not-allowed disabled:opacity-50 ${VARIANTS[variant]} ${extra}`;
}

export interface ButtonProps extends ButtonHTMLAttributes<HTMLButtonElement> {
  variant?: Variant;
  /** When set the button is disabled and says why (tooltip and screen readers). */
  disabledReason?: string;
}

/** A button; `disabledReason` disables it with the reason (e.g. the ACL the user lacks). */
export function Button({ variant = 'secondary', disabledReason, className = '', children, type = 'button', ...rest }: ButtonProps) {
  const disabled = rest.disabled || disabledReason !== undefined;
  return (
    <button
      type={type}
      {...rest}
      disabled={disabled}
      title={disabledReason ?? rest.title}
      aria-describedby={disabledReason ? undefined : rest['aria-describedby']}
      className={buttonClass(variant, className)}
    >
      {children}
      {disabledReason ? <span className="sr-only"> ({disabledReason})</span> : null}
    </button>
  );
}

/** A link styled as a button; with `disabledReason` it renders as a disabled button instead. */
export function LinkButton({
  href,
  variant = 'secondary',
  disabledReason,
  children,
}: {
  href: string;
  variant?: Variant;
  disabledReason?: string;
  children: ReactNode;
}) {
  if (disabledReason)
    return (
      <Button variant={variant} disabledReason={disabledReason}>
        {children}
      </Button>
    );
  return (
    <Link href={href} className={buttonClass(variant)}>
      {children}
    </Link>
  );
}
