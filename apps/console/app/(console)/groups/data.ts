import 'server-only';
import { firstParam, sortedListParams, type SearchParams } from '@/lib/list-params';
import { BrokerError, broker, deniedReason, permissions, type PermissionCheck } from '@/lib/broker';

/**
 * The consumer-group reads of the group pages, each one broker call with the signed-in user's
 * credentials. Lists are searched, filtered, sorted and paged by the broker
 * (consumer-group-summaries), never here.
 */
const CLUSTER = '/v3/clusters/-';

export const GROUP_SORTS = ['name', 'state', 'members', 'lag', 'lag_time'] as const;
export const GROUP_STATES = ['STABLE', 'EMPTY', 'PREPARING_REBALANCE', 'COMPLETING_REBALANCE', 'DEAD'] as const;
export const PAGE_SIZE = 50;

export function groupPath(group: string): string {
  return `${CLUSTER}/consumer-groups/${encodeURIComponent(group)}`;
}

export interface GroupSummary {
  consumer_group_id: string;
  state: string;
  members: number;
  topics: string[];
  total_lag: number;
  lag_ms: number | null;
}

export interface GroupSummaryPage {
  data: GroupSummary[];
  total: number;
  next: string | null;
}

export interface ListParams {
  search?: string;
  state?: string;
  sort?: string;
  order?: string;
  page_token?: string;
}

/** Keeps only the list parameters the broker knows (lib/list-params.ts), and a known state. */
export function listParams(raw: SearchParams): ListParams {
  const state = firstParam(raw, 'state')?.toUpperCase();
  return {
    ...sortedListParams(raw, GROUP_SORTS),
    state: state && (GROUP_STATES as readonly string[]).includes(state) ? state : undefined,
  };
}

export function listGroups(params: ListParams): Promise<GroupSummaryPage> {
  return broker.get<GroupSummaryPage>(`${CLUSTER}/consumer-group-summaries`, { ...params, limit: PAGE_SIZE });
}

export interface Member {
  consumer_id: string;
  client_id: string;
  client_host?: string;
  generation?: number;
  session_timeout_ms?: number;
  connected?: boolean;
  subscription?: { topics: string[]; topic_prefixes: string[] };
  assigned_partitions?: { topic_name: string; partition_id: number }[];
}

export interface GroupDetail {
  consumer_group_id: string;
  state: string;
  partition_assignor: string;
  type: string;
  is_simple: boolean;
  coordinator: { related: string };
  generation?: number;
  members_count?: number;
  members: Member[];
}

/** The group with its members and their assignments (Runnel embeds them in the one answer). */
export function getGroup(group: string): Promise<GroupDetail> {
  return broker.get<GroupDetail>(groupPath(group));
}

export interface PartitionLag {
  topic_name: string;
  partition_id: number;
  current_offset: number;
  log_end_offset: number;
  lag: number;
  consumer_id: string;
  client_id: string;
}

/** Per-partition lag; a group that has committed nothing and owns nothing has none (the broker answers 404). */
export async function getLags(group: string): Promise<PartitionLag[]> {
  try {
    return (await broker.get<{ data: PartitionLag[] }>(`${groupPath(group)}/lags`)).data;
  } catch (error) {
    if (error instanceof BrokerError && error.status === 404 && error.errorCode !== 40404) return [];
    throw error;
  }
}

export interface LagPoint {
  timestamp: number;
  total_lag: number;
  lag_ms: number | null;
  partitions: { topic_name: string; partition_id: number; lag: number; lag_ms: number | null }[];
}

export interface LagHistory {
  resolution_ms: number;
  retention_ms: number;
  data: LagPoint[];
}

export function getLagHistory(group: string, since: number): Promise<LagHistory> {
  return broker.get<LagHistory>(`${groupPath(group)}/lag-history`, { since });
}

/** The reasons the user may not delete / reset the group (undefined: allowed), from the broker's authorizer. */
export async function groupPermissions(group: string): Promise<{ deleteDenied?: string; resetDenied?: string }> {
  const checks: PermissionCheck[] = [
    { resource_type: 'GROUP', resource_name: group, operation: 'DELETE' },
    { resource_type: 'GROUP', resource_name: group, operation: 'READ' },
  ];
  const [mayDelete, mayRead] = await permissions(checks);
  return {
    deleteDenied: mayDelete ? undefined : deniedReason(checks[0]),
    resetDenied: mayRead ? undefined : deniedReason(checks[1]),
  };
}

/** The broker id named by the group's coordinator link (`.../brokers/0`). */
export function coordinatorId(group: GroupDetail): string {
  const match = /\/brokers\/([^/]+)$/.exec(group.coordinator?.related ?? '');
  return match ? decodeURIComponent(match[1]) : '—';
}

/**
 * The group id of a `[group]` route segment. Next.js hands the page the segment still
 * percent-encoded (`team%20a%2Fb`); a segment that is not valid encoding is taken as written, so
 * a malformed address shows "group ... does not exist" rather than failing.
 */
export function groupParam(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}
