import 'server-only';
import { firstParam, sortedListParams, type SearchParams } from '@/lib/list-params';
import { broker, deniedReason, permissions, type PermissionCheck } from '@/lib/broker';

/** One row of `GET /v3/clusters/-/topic-summaries` (contracts §3). */
export interface TopicSummary {
  topic_name: string;
  is_internal: boolean;
  partitions_count: number;
  replication_factor: number;
  size_bytes: number;
  records: number;
  produced_records_per_sec: number;
  produced_bytes_per_sec: number;
}

export interface TopicSummaryList {
  data: TopicSummary[];
  total: number;
  next: string | null;
}

export const TOPIC_SORTS = ['name', 'size', 'partitions', 'throughput'] as const;
export const PAGE_SIZE = 50;

/** The list's parameters as the URL carries them (all filtering, sorting and paging is the broker's). */
export interface TopicListParams {
  search?: string;
  sort?: string;
  order?: string;
  internal?: string;
  page_token?: string;
  [name: string]: string | undefined;
}

export function listParams(raw: SearchParams): TopicListParams {
  return { ...sortedListParams(raw, TOPIC_SORTS), internal: firstParam(raw, 'internal') === 'true' ? 'true' : undefined };
}

export function topicSummaries(params: TopicListParams): Promise<TopicSummaryList> {
  return broker.get<TopicSummaryList>('/v3/clusters/-/topic-summaries', {
    search: params.search,
    sort: params.sort ?? 'name',
    order: params.order ?? 'asc',
    include_internal: params.internal === 'true',
    limit: PAGE_SIZE,
    page_token: params.page_token,
  });
}

export const CREATE_TOPICS: PermissionCheck = { resource_type: 'CLUSTER', resource_name: 'kafka-cluster', operation: 'CREATE' };

/** The reason the user may not create topics, or undefined when they may. */
export async function createDeniedReason(): Promise<string | undefined> {
  const [allowed] = await permissions([CREATE_TOPICS]);
  return allowed ? undefined : deniedReason(CREATE_TOPICS);
}
