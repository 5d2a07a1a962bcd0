import Link from 'next/link';
import { buttonClass } from '@/components/ui/button';
import type { Slice } from './slice';

/** Previous / next page links for a list paged on the console's server (`page=`), keeping the other parameters. */
export function SlicePager({ path, params, slice }: { path: string; params: Record<string, string | undefined>; slice: Slice<unknown> }) {
  const href = (page: number) => {
    const query = new URLSearchParams();
    for (const [name, value] of Object.entries(params)) if (value && name !== 'page') query.set(name, value);
    if (page > 1) query.set('page', String(page));
    const text = query.toString();
    return text ? `${path}?${text}` : path;
  };
  const first = slice.total === 0 ? 0 : (slice.page - 1) * slice.size + 1;
  return (
    <nav aria-label="Pages" className="flex items-center justify-between gap-2 py-3 text-sm text-zinc-600 dark:text-zinc-400">
      <span>
        {slice.total === 0
          ? 'None'
          : `${first.toLocaleString('en-US')}–${(first + slice.rows.length - 1).toLocaleString('en-US')} of ${slice.total.toLocaleString('en-US')}`}
        {slice.pages > 1 ? ` · page ${slice.page} of ${slice.pages}` : ''}
      </span>
      <span className="flex gap-2">
        {slice.page > 1 ? (
          <Link className={buttonClass('secondary')} href={href(slice.page - 1)}>
            Previous page
          </Link>
        ) : null}
        {slice.page < slice.pages ? (
          <Link className={buttonClass('secondary')} href={href(slice.page + 1)}>
            Next page
          </Link>
        ) : null}
      </span>
    </nav>
  );
}
