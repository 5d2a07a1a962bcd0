import 'server-only';
import { sortedListParams, type SearchParams } from '@/lib/list-params';
import { broker } from '@/lib/broker';

/**
 * The consumer groups reading one topic: the broker lists them (consumer-group-summaries?topic=,
 * searched, sorted and paged on the server, each row with its lag on this topic), and the
 * per-partition detail is read for the groups of the page only (at most PAGE_SIZE lags calls).
 */
export const PAGE_SIZE = 50;
export const CONSUMER_SORTS = ['name', 'state', 'members', 'lag', 'lag_time'] as const;

interface GroupSummaryList {
  data: {
    consumer_group_id: string;
    state: string;
    members: number;
    topics: string[];
    total_lag: number;
    lag_ms: number | null;
    topic_lag?: number;
    topic_lag_ms?: number | null;
  }[];
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
  /** The group's lag on this topic only, in records and in time (null while unknown). */
  lag: number;
  lagMs: number | null;
  partitions: { partition_id: number; current_offset: number; log_end_offset: number; lag: number; consumer_id: string }[];
  /** Why the per-partition detail could not be read (the row's lag still shows). */
  error?: string;
}

export interface ConsumerParams {
  search?: string;
  sort?: string;
  order?: string;
  page_token?: string;
}

/** Keeps only the list parameters the broker knows, so a hand-edited URL cannot smuggle others. */
export function consumerParams(raw: SearchParams): ConsumerParams {
  return sortedListParams(raw, CONSUMER_SORTS);
}

export async function topicConsumers(
  topic: string,
  params: ConsumerParams,
): Promise<{ consumers: TopicConsumer[]; total: number; next: string | null }> {
  const list = await broker.get<GroupSummaryList>('/v3/clusters/-/consumer-group-summaries', {
    topic,
    search: params.search,
    sort: params.sort ?? 'name',
    order: params.order ?? 'asc',
    limit: PAGE_SIZE,
    page_token: params.page_token,
  });
  const consumers = await Promise.all(
    list.data.map(async (g): Promise<TopicConsumer> => {
      const base = { group: g.consumer_group_id, state: g.state, members: g.members, lag: g.topic_lag ?? 0, lagMs: g.topic_lag_ms ?? null };
      try {
        const lags = await broker.get<LagList>(`/v3/clusters/-/consumer-groups/${encodeURIComponent(g.consumer_group_id)}/lags`);
        const partitions = lags.data.filter((l) => l.topic_name === topic).sort((a, b) => a.partition_id - b.partition_id);
        return { ...base, partitions };
      } catch (error) {
        return { ...base, partitions: [], error: (error as Error).message };
      }
    }),
  );
  return { consumers, total: list.total, next: list.next };
}
