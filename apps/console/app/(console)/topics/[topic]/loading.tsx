import { Skeleton, TableSkeleton } from '@/components/ui/skeleton';

export default function Loading() {
  return (
    <div className="space-y-8">
      <div className="grid grid-cols-2 gap-4 md:grid-cols-5">
        {Array.from({ length: 5 }, (_, i) => (
          <Skeleton key={i} className="h-[88px]" />
        ))}
      </div>
      <TableSkeleton rows={4} columns={7} label="Loading partitions" />
      <div className="grid gap-4 lg:grid-cols-2">
        <Skeleton className="h-[232px]" />
        <Skeleton className="h-[232px]" />
      </div>
    </div>
  );
}
