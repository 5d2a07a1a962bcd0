import { Skeleton } from '@/components/ui/skeleton';

/** The seek form and record cards at their final size while the broker answers. */
export default function Loading() {
  return (
    <div role="status" aria-live="polite" className="space-y-6">
      <span className="sr-only">Loading records…</span>
      <div className="flex flex-wrap items-end gap-3">
        {['w-40', 'w-40', 'w-28'].map((w, i) => (
          <div key={i} className={`space-y-1 ${w}`}>
            <Skeleton className="h-4 w-20" />
            <Skeleton className="h-9 w-full" />
          </div>
        ))}
        <Skeleton className="h-9 w-16" />
      </div>
      <div className="mt-8 space-y-2">
        <Skeleton className="h-7 w-32" />
        {Array.from({ length: 6 }, (_, i) => (
          <div key={i} className="space-y-2 rounded-lg border border-zinc-200 p-3 dark:border-zinc-800">
            <Skeleton className="h-5 w-2/3" />
            <Skeleton className="h-12 w-full" />
          </div>
        ))}
      </div>
    </div>
  );
}
