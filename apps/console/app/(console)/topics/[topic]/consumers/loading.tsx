import { Skeleton, TableSkeleton } from '@/components/ui/skeleton';

/** The search form, the table and the pager, at their final sizes. */
export default function Loading() {
  return (
    <div className="space-y-4">
      <div className="flex gap-3">
        <Skeleton className="h-[3.75rem] w-72" />
      </div>
      <TableSkeleton rows={5} columns={6} label="Loading consumers" />
      <div className="flex h-[3.75rem] items-center">
        <Skeleton className="h-3 w-40" />
      </div>
    </div>
  );
}
