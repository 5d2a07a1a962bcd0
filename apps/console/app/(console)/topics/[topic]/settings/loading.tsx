import { Skeleton } from '@/components/ui/skeleton';

export default function Loading() {
  return (
    <div className="max-w-2xl space-y-8" role="status" aria-live="polite">
      <span className="sr-only">Loading…</span>
      <Skeleton className="h-40" />
      <Skeleton className="h-48" />
      <Skeleton className="h-40" />
    </div>
  );
}
