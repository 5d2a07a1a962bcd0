import { unstable_rethrow } from 'next/navigation';
import { ErrorBox } from '@/components/ui/error-box';
import { broker, deniedReason, permissions, type PermissionCheck } from '@/lib/broker';
import { topicInfo, topicPath } from '../data';
import { ManageTopic } from './manage-topic';

interface PartitionList {
  data: { partition_id: number; earliest_offset: number; high_watermark: number }[];
}

/** Manage a topic: add partitions, delete records before an offset, delete the topic. */
export default async function TopicSettingsPage({ params }: { params: Promise<{ topic: string }> }) {
  const topic = decodeURIComponent((await params).topic);
  const checks: PermissionCheck[] = [
    { resource_type: 'TOPIC', resource_name: topic, operation: 'ALTER' },
    { resource_type: 'TOPIC', resource_name: topic, operation: 'DELETE' },
  ];
  let info, partitions, allowed;
  try {
    [info, partitions, allowed] = await Promise.all([
      topicInfo(topic),
      broker.get<PartitionList>(`${topicPath(topic)}/partitions`),
      permissions(checks),
    ]);
  } catch (error) {
    unstable_rethrow(error);
    return <ErrorBox error={error} />;
  }
  const internal = info.is_internal ? `${topic} is internal: the broker manages it` : undefined;
  return (
    <ManageTopic
      topic={topic}
      partitionsCount={info.partitions_count}
      partitions={[...partitions.data].sort((a, b) => a.partition_id - b.partition_id)}
      alterDenied={internal ?? (allowed[0] ? undefined : deniedReason(checks[0]))}
      deleteDenied={internal ?? (allowed[1] ? undefined : deniedReason(checks[1]))}
    />
  );
}
