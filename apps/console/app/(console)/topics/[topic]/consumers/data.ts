import 'server-only';
import { broker } from '@/lib/broker';

interface GroupSummaryList {
  data: { consumer_group_id: string; state: string; members: number; topics: string[]; total_lag: number | null; lag_ms: number | null }[];
  total: number;
  next: string | null;
}

interface LagList {
  data: { topic_name: string; partition_id: number; current_offset: number; log_end_offset: number; lag: number; consumer_id: string }[];
}

export interface TopicConsumer {
  group: string;
  state: string;
  members: number;
  /** The group's lag on this topic only (sum over its partitions), null when the broker refused the lags. */
  lag: number | null;
  lagMs: number | null;
  partitions: { partition_id: number; current_offset: number; log_end_offset: number; lag: number; consumer_id: string }[];
  error?: string;
}

/** Groups scanned (one page of consumer-group-summaries) and groups whose lags are read, at most. */
export const GROUPS_SCANNED = 1000;
export const GROUPS_SHOWN = 50;

/**
 * The consumer groups reading this topic and their lag on it. The broker has no "groups of a
 * topic" route, so this takes one page of consumer-group-summaries (each row names the group's
 * topics), keeps the groups that read this topic and asks each one's lags (at most GROUPS_SHOWN).
 */
export async function topicConsumers(
  topic: string,
): Promise<{ consumers: TopicConsumer[]; scanned: number; total: number; more: boolean }> {
  const list = await broker.get<GroupSummaryList>('/v3/clusters/-/consumer-group-summaries', {
    sort: 'name',
    order: 'asc',
    limit: GROUPS_SCANNED,
  });
  const readers = list.data.filter((g) => g.topics.includes(topic));
  const consumers = await Promise.all(
    readers.slice(0, GROUPS_SHOWN).map(async (g): Promise<TopicConsumer> => {
      const base = { group: g.consumer_group_id, state: g.state, members: g.members, lagMs: g.lag_ms };
      try {
        const lags = await broker.get<LagList>(`/v3/clusters/-/consumer-groups/${encodeURIComponent(g.consumer_group_id)}/lags`);
        const partitions = lags.data.filter((l) => l.topic_name === topic).sort((a, b) => a.partition_id - b.partition_id);
        return { ...base, lag: partitions.reduce((sum, p) => sum + p.lag, 0), partitions };
      } catch (error) {
        return { ...base, lag: null, partitions: [], error: (error as Error).message };
      }
    }),
  );
  return { consumers, scanned: list.data.length, total: list.total, more: readers.length > GROUPS_SHOWN || list.next !== null };
}
