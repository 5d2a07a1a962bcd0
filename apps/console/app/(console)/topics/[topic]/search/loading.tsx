import { Skeleton } from '@/components/ui/skeleton';

/** The search form at its final size while the topic's partitions load. */
export default function Loading() {
  return (
    <div role="status" aria-live="polite" className="space-y-4">
      <span className="sr-only">Loading…</span>
      <Skeleton className="h-4 w-56" />
      <div className="flex flex-wrap items-end gap-2 rounded-md border border-zinc-200 p-2 dark:border-zinc-800">
        {['w-44', 'w-48', 'flex-1'].map((w, i) => (
          <div key={i} className={`space-y-1 ${w}`}>
            <Skeleton className="h-4 w-32" />
            <Skeleton className="h-9 w-full" />
          </div>
        ))}
      </div>
      <Skeleton className="h-9 w-32" />
      <div className="flex flex-wrap items-end gap-3">
        {Array.from({ length: 6 }, (_, i) => (
          <div key={i} className="w-32 space-y-1">
            <Skeleton className="h-4 w-24" />
            <Skeleton className="h-9 w-full" />
          </div>
        ))}
      </div>
      <Skeleton className="h-4 w-96" />
      <Skeleton className="h-9 w-24" />
    </div>
  );
}
