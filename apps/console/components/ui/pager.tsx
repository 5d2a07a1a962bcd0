import Link from 'next/link';
import { buttonClass } from './button';

/**
 * Server-side paging: "First page" and "Next page" links that keep the page's other parameters
 * and carry the broker's opaque page token.
 */
export function Pager({
  path,
  params,
  next,
  total,
  shown,
}: {
  path: string;
  params: Record<string, string | undefined>;
  next: string | null | undefined;
  total?: number;
  shown: number;
}) {
  const keep = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) if (value && name !== 'page_token') keep.set(name, value);
  const first = keep.toString();
  const nextParams = new URLSearchParams(keep);
  if (next) nextParams.set('page_token', next);
  return (
    <nav aria-label="Pages" className="flex items-center justify-between gap-2 py-3 text-sm text-zinc-600 dark:text-zinc-400">
      <span>
        {shown} shown{total !== undefined ? ` of ${total.toLocaleString('en-US')}` : ''}
      </span>
      <span className="flex gap-2">
        {params.page_token ? (
          <Link className={buttonClass('secondary')} href={first ? `${path}?${first}` : path}>
            First page
          </Link>
        ) : null}
        {next ? (
          <Link className={buttonClass('secondary')} href={`${path}?${nextParams.toString()}`}>
            Next page
          </Link>
        ) : null}
      </span>
    </nav>
  );
}
