import Link from 'next/link';
import type { ReactNode, TdHTMLAttributes, ThHTMLAttributes } from 'react';

export function Table({ caption, children }: { caption: string; children: ReactNode }) {
  return (
    <div className="overflow-x-auto rounded-lg border border-zinc-200 dark:border-zinc-800">
      <table className="w-full border-collapse text-sm">
        <caption className="sr-only">{caption}</caption>
        {children}
      </table>
    </div>
  );
}

export function THead({ children }: { children: ReactNode }) {
  return (
    <thead className="bg-zinc-50 text-left text-xs uppercase tracking-wide text-zinc-600 dark:bg-zinc-900 dark:text-zinc-400">
      {children}
    </thead>
  );
}

export function TBody({ children }: { children: ReactNode }) {
  return <tbody className="divide-y divide-zinc-200 dark:divide-zinc-800">{children}</tbody>;
}

export function TR({ children, className = '' }: { children: ReactNode; className?: string }) {
  return <tr className={`h-10 hover:bg-zinc-50 dark:hover:bg-zinc-900/60 ${className}`}>{children}</tr>;
}

export function TH({ children, className = '', ...rest }: ThHTMLAttributes<HTMLTableCellElement>) {
  return (
    <th scope="col" {...rest} className={`px-3 py-2 font-medium ${className}`}>
      {children}
    </th>
  );
}

export function TD({ children, className = '', ...rest }: TdHTMLAttributes<HTMLTableCellElement>) {
  return (
    <td {...rest} className={`px-3 py-2 align-middle ${className}`}>
      {children}
    </td>
  );
}

/**
 * A column header that sorts on the server: a link to the same page with `sort` and `order` set
 * (and the page token dropped), marked with aria-sort.
 */
export function SortHeader({
  label,
  column,
  params,
  path,
  className = '',
}: {
  label: string;
  column: string;
  params: Record<string, string | undefined>;
  path: string;
  className?: string;
}) {
  const active = params.sort === column;
  const order = active && params.order !== 'desc' ? 'desc' : 'asc';
  const next = new URLSearchParams();
  for (const [name, value] of Object.entries(params))
    if (value && name !== 'page_token' && name !== 'sort' && name !== 'order') next.set(name, value);
  next.set('sort', column);
  next.set('order', order);
  return (
    <TH aria-sort={active ? (params.order === 'desc' ? 'descending' : 'ascending') : 'none'} className={className}>
      <Link href={`${path}?${next.toString()}`} className="inline-flex items-center gap-1 hover:text-zinc-900 dark:hover:text-zinc-100">
        {label}
        <span aria-hidden="true">{active ? (params.order === 'desc' ? '▼' : '▲') : '↕'}</span>
      </Link>
    </TH>
  );
}

export function EmptyRow({ columns, children }: { columns: number; children: ReactNode }) {
  return (
    <tr>
      <td colSpan={columns} className="px-3 py-8 text-center text-zinc-500 dark:text-zinc-400">
        {children}
      </td>
    </tr>
  );
}
