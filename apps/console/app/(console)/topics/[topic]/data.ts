import 'server-only';
import { broker } from '@/lib/broker';
import type { TopicSummary, TopicSummaryList } from '../data';
import type { ReassignmentRow } from './reassignment';

export const topicPath = (topic: string) => `/v3/clusters/-/topics/${encodeURIComponent(topic)}`;

export interface TopicInfo {
  topic_name: string;
  is_internal: boolean;
  partitions_count: number;
  replication_factor: number;
}

export interface PartitionRow {
  partition_id: number;
  leader: number | null;
  replicas: number[];
  isr: number[];
  earliest_offset: number;
  high_watermark: number;
  /** The reassignment in progress, if any (cluster mode only). */
  reassignment: ReassignmentRow | null;
}

interface PartitionList {
  data: { partition_id: number; leader?: { related: string } | null; earliest_offset: number; high_watermark: number }[];
}

interface ReassignmentList {
  data: (ReassignmentRow & { partition_id: number })[];
}

interface ReplicaList {
  data: { broker_id: number; is_leader: boolean; is_in_sync: boolean }[];
}

export const PARTITIONS_PER_PAGE = 50;

export function topicInfo(topic: string): Promise<TopicInfo> {
  return broker.get<TopicInfo>(topicPath(topic));
}

/**
 * One page of the topic's partitions with their replicas and ISR. The partitions route answers
 * offsets for all of them in one call; replicas are asked only for the partitions on this page.
 */
export async function partitionPage(topic: string, page: number): Promise<{ rows: PartitionRow[]; total: number; records: number }> {
  const [list, reassignments] = await Promise.all([
    broker.get<PartitionList>(`${topicPath(topic)}/partitions`),
    broker.get<ReassignmentList>(`${topicPath(topic)}/partitions/-/reassignment`),
  ]);
  const moving = new Map(reassignments.data.map((r) => [r.partition_id, r]));
  const sorted = [...list.data].sort((a, b) => a.partition_id - b.partition_id);
  const records = sorted.reduce((sum, p) => sum + Math.max(0, p.high_watermark - p.earliest_offset), 0);
  const slice = sorted.slice(page * PARTITIONS_PER_PAGE, (page + 1) * PARTITIONS_PER_PAGE);
  const rows = await Promise.all(
    slice.map(async (p) => {
      const replicas = await broker.get<ReplicaList>(`${topicPath(topic)}/partitions/${p.partition_id}/replicas`);
      // No replica is the leader while the partition is offline (its `leader` link is null then).
      const leader = replicas.data.find((r) => r.is_leader)?.broker_id ?? leaderFromLink(p.leader?.related);
      return {
        partition_id: p.partition_id,
        leader,
        replicas: replicas.data.map((r) => r.broker_id),
        isr: replicas.data.filter((r) => r.is_in_sync).map((r) => r.broker_id),
        earliest_offset: p.earliest_offset,
        high_watermark: p.high_watermark,
        reassignment: moving.get(p.partition_id) ?? null,
      };
    }),
  );
  return { rows, total: sorted.length, records };
}

function leaderFromLink(link: string | undefined): number | null {
  const match = link ? /\/replicas\/(\d+)$/.exec(link) : null;
  return match ? Number(match[1]) : null;
}

export interface TopicStats {
  resolution_ms: number;
  retention_ms: number;
  data: { timestamp: number; produced_records_per_sec: number; produced_bytes_per_sec: number; size_bytes: number; records: number }[];
}

export function topicStats(topic: string, sinceMs: number): Promise<TopicStats> {
  return broker.get<TopicStats>(`${topicPath(topic)}/stats`, { since: sinceMs });
}

/** The topic's row in topic-summaries (size and rate now), found by searching its name. */
export async function topicSummary(topic: string): Promise<TopicSummary | undefined> {
  const list = await broker.get<TopicSummaryList>('/v3/clusters/-/topic-summaries', {
    search: topic,
    include_internal: true,
    sort: 'name',
    order: 'asc',
    limit: 1000,
  });
  return list.data.find((t) => t.topic_name === topic);
}
