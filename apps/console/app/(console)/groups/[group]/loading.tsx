import { Skeleton, TableSkeleton } from '@/components/ui/skeleton';

export default function Loading() {
  return (
    <div role="status" aria-label="Loading the group">
      <div className="mb-6 space-y-2">
        <Skeleton className="h-4 w-32" />
        <Skeleton className="h-8 w-72" />
        <Skeleton className="h-4 w-96 max-w-full" />
      </div>
      <div className="grid grid-cols-2 gap-3 md:grid-cols-4">
        {Array.from({ length: 7 }, (_, i) => (
          <Skeleton key={i} className="h-[6.5rem]" />
        ))}
      </div>
      <div className="mt-8 space-y-3">
        <Skeleton className="h-6 w-32" />
        <TableSkeleton rows={2} columns={5} label="Loading members" />
      </div>
      <div className="mt-8 space-y-3">
        <Skeleton className="h-6 w-40" />
        <TableSkeleton rows={4} columns={7} label="Loading lags" />
      </div>
    </div>
  );
}
