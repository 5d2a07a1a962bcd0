import type { Metadata } from 'next';
import { unstable_rethrow } from 'next/navigation';
import { ErrorBox } from '@/components/ui/error-box';
import { deniedReason, permissions, type PermissionCheck } from '@/lib/broker';
import { loadPartitions } from '../messages/data';
import { SearchView } from './search-view';

export const metadata: Metadata = { title: 'Search' };

/** Broker-side search of one topic: the filter runs in the broker, matches stream back with progress. */
export default async function SearchPage({ params }: { params: Promise<{ topic: string }> }) {
  const topic = decodeURIComponent((await params).topic);
  const read: PermissionCheck = { resource_type: 'TOPIC', resource_name: topic, operation: 'READ' };
  let partitions;
  let canRead = true;
  try {
    [partitions, [canRead]] = await Promise.all([loadPartitions(topic), permissions([read]).catch(() => [true])]);
  } catch (error) {
    unstable_rethrow(error);
    return <ErrorBox error={error} title="The broker refused to describe this topic" />;
  }
  return (
    <SearchView topic={topic} partitions={partitions.map((p) => p.partition_id)} readDenied={canRead ? undefined : deniedReason(read)} />
  );
}
