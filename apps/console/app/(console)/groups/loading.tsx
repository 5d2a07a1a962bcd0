import { Skeleton, TableSkeleton } from '@/components/ui/skeleton';

export default function Loading() {
  return (
    <div>
      <div className="mb-6 space-y-2">
        <Skeleton className="h-8 w-56" />
        <Skeleton className="h-4 w-[36rem] max-w-full" />
      </div>
      <div className="mb-4 flex gap-3">
        <Skeleton className="h-[3.75rem] w-72" />
        <Skeleton className="h-[3.75rem] w-56" />
      </div>
      <div className="mb-2 flex h-9 items-center justify-end">
        <Skeleton className="h-3 w-40" />
      </div>
      <TableSkeleton rows={12} columns={6} label="Loading consumer groups" />
    </div>
  );
}
