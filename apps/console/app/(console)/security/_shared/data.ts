import 'server-only';
import { PAGE_SIZE } from './slice';
import { broker, deniedReason, permissions, type PermissionCheck, withQuery } from '@/lib/broker';
import {
  CLUSTER_NAME,
  type Acl,
  type AclCheckAnswer,
  type ApiKeyView,
  type AuditEvent,
  type EffectiveQuotas,
  type QuotaItem,
  type UserView,
} from './types';

/**
 * Reads of the security pages, with the signed-in user's credentials. Every security route needs
 * DESCRIBE on the CLUSTER to read and ALTER on the CLUSTER to change (Kafka's
 * Describe/AlterUserScramCredentials, Describe/CreateAcls, Describe/AlterClientQuotas).
 */
const CLUSTER_DESCRIBE: PermissionCheck = { resource_type: 'CLUSTER', resource_name: CLUSTER_NAME, operation: 'DESCRIBE' };
const CLUSTER_ALTER: PermissionCheck = { resource_type: 'CLUSTER', resource_name: CLUSTER_NAME, operation: 'ALTER' };

export interface ClusterRights {
  /** Undefined when allowed, else why not (shown on the disabled action). */
  describe?: string;
  alter?: string;
}

export async function clusterRights(): Promise<ClusterRights> {
  const [describe, alter] = await permissions([CLUSTER_DESCRIBE, CLUSTER_ALTER]);
  return {
    describe: describe ? undefined : deniedReason(CLUSTER_DESCRIBE),
    alter: alter ? undefined : deniedReason(CLUSTER_ALTER),
  };
}

export { PAGE_SIZE, slice, type Slice } from './slice';

export async function listUsers(): Promise<UserView[]> {
  return (await broker.get<{ data: UserView[] }>('/v3/clusters/-/users')).data;
}

/** A user, or null when no SCRAM user has that name. */
export async function getUser(name: string): Promise<UserView | null> {
  try {
    return await broker.get<UserView>(`/v3/clusters/-/users/${encodeURIComponent(name)}`);
  } catch (error) {
    if ((error as { status?: number }).status === 404) return null;
    throw error;
  }
}

export async function listApiKeys(name: string): Promise<ApiKeyView[]> {
  return (await broker.get<{ data: ApiKeyView[] }>(`/v3/clusters/-/users/${encodeURIComponent(name)}/api-keys`)).data;
}

export interface AclFilters {
  principal?: string;
  resource_type?: string;
  resource_name?: string;
  pattern_type?: string;
  operation?: string;
  permission?: string;
  host?: string;
}

export const ACL_FILTER_NAMES = ['principal', 'resource_type', 'resource_name', 'pattern_type', 'operation', 'permission', 'host'] as const;

/** The broker filters (Confluent v3 list parameters); the answer is sorted as Confluent sorts. */
export async function listAcls(filters: AclFilters): Promise<Acl[]> {
  const answer = await broker.get<{ data: (Acl & { kind: string })[] }>('/v3/clusters/-/acls', { ...filters });
  return answer.data.map((a) => ({
    resource_type: a.resource_type,
    resource_name: a.resource_name,
    pattern_type: a.pattern_type,
    principal: a.principal,
    host: a.host,
    operation: a.operation,
    permission: a.permission,
  }));
}

export function checkAcl(query: { principal: string; host?: string; resource_type: string; resource_name: string; operation: string }) {
  return broker.get<AclCheckAnswer>(withQuery('/v3/clusters/-/acls:check', query));
}

export async function listQuotas(): Promise<QuotaItem[]> {
  return (await broker.get<{ data: QuotaItem[] }>('/v3/clusters/-/quotas')).data;
}

export function effectiveQuotas(user?: string, clientId?: string): Promise<EffectiveQuotas> {
  return broker.get<EffectiveQuotas>('/v3/clusters/-/quotas/effective', { user, client_id: clientId });
}

// --- the audit log: newest first (`order=desc`, paged by `before`), filtered by the broker ---

/** The outcomes the broker records (and accepts as `outcome=`). */
export const AUDIT_OUTCOMES = ['SUCCESS', 'DENIED', 'FAILED'] as const;

/** Exact-match filters the broker applies to the audit log. */
export interface AuditFilter {
  principal?: string;
  outcome?: string;
  operation?: string;
  resource?: string;
}

export function isFiltered(filter: AuditFilter): boolean {
  return Boolean(filter.principal || filter.outcome || filter.operation || filter.resource);
}

export interface AuditSlice {
  /** Newest first. */
  events: AuditEvent[];
  /** `before` for the next older page; null when nothing older matches. */
  older: number | null;
}

/** Up to `size` events with id < before (default: the newest), newest first, matching the filter. */
export async function auditPage(before: number | undefined, filter: AuditFilter = {}, size = PAGE_SIZE): Promise<AuditSlice> {
  const page = await broker.get<{ data: AuditEvent[]; next: string | null }>('/v3/clusters/-/audit-log', {
    order: 'desc',
    before,
    limit: size,
    ...filter,
  });
  return { events: page.data, older: page.next !== null && page.data.length > 0 ? page.data[page.data.length - 1].id : null };
}

/** A principal's newest denials (the broker filters by principal and outcome). */
export async function recentDenials(principal: string, size = 100): Promise<AuditEvent[]> {
  return (await auditPage(undefined, { principal, outcome: 'DENIED' }, size)).events;
}
