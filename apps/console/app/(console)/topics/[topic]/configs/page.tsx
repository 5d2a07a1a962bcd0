import { unstable_rethrow } from 'next/navigation';
import { ErrorBox } from '@/components/ui/error-box';
import { broker, deniedReason, permissions, type PermissionCheck } from '@/lib/broker';
import { topicPath } from '../data';
import { ConfigEditor, type TopicConfig } from './config-editor';

/** A topic's configs with their source and default; edits are shown as a diff before `configs:alter`. */
export default async function TopicConfigsPage({ params }: { params: Promise<{ topic: string }> }) {
  const topic = decodeURIComponent((await params).topic);
  const alter: PermissionCheck = { resource_type: 'TOPIC', resource_name: topic, operation: 'ALTER_CONFIGS' };
  let configs, allowed;
  try {
    [configs, [allowed]] = await Promise.all([broker.get<{ data: TopicConfig[] }>(`${topicPath(topic)}/configs`), permissions([alter])]);
  } catch (error) {
    unstable_rethrow(error);
    return <ErrorBox error={error} />;
  }
  const rows = [...configs.data].sort((a, b) => a.name.localeCompare(b.name));
  return <ConfigEditor topic={topic} configs={rows} disabledReason={allowed ? undefined : deniedReason(alter)} />;
}
