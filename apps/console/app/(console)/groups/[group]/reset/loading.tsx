import { Skeleton } from '@/components/ui/skeleton';

export default function Loading() {
  return (
    <div role="status" aria-label="Loading">
      <div className="mb-6 space-y-2">
        <Skeleton className="h-4 w-48" />
        <Skeleton className="h-8 w-56" />
        <Skeleton className="h-4 w-[36rem] max-w-full" />
      </div>
      <div className="max-w-3xl space-y-4">
        <Skeleton className="h-[3.75rem] w-80" />
        <Skeleton className="h-24 w-full" />
        <Skeleton className="h-32 w-full" />
        <Skeleton className="h-9 w-28" />
      </div>
    </div>
  );
}
