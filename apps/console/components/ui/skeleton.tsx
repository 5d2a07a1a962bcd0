/** Placeholders with the final layout's size, so nothing shifts when the data arrives. */
export function Skeleton({ className = 'h-4 w-full' }: { className?: string }) {
  return <div aria-hidden="true" className={`animate-pulse rounded bg-zinc-200 dark:bg-zinc-800 ${className}`} />;
}

export function TableSkeleton({ rows = 10, columns = 5, label = 'Loading' }: { rows?: number; columns?: number; label?: string }) {
  return (
    <div role="status" aria-live="polite" className="overflow-hidden rounded-lg border border-zinc-200 dark:border-zinc-800">
      <span className="sr-only">{label}…</span>
      <div className="h-9 bg-zinc-50 dark:bg-zinc-900" />
      {Array.from({ length: rows }, (_, row) => (
        <div key={row} className="flex h-10 items-center gap-4 border-t border-zinc-200 px-3 dark:border-zinc-800">
          {Array.from({ length: columns }, (_, column) => (
            <Skeleton key={column} className="h-3 flex-1" />
          ))}
        </div>
      ))}
    </div>
  );
}

export function PageSkeleton({ label = 'Loading' }: { label?: string }) {
  return (
    <div className="space-y-4">
      <Skeleton className="h-8 w-64" />
      <TableSkeleton label={label} />
    </div>
  );
}
