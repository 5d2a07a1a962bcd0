import 'server-only';
import { scanAudit, type AuditFilter, type AuditScan } from './audit-scan';
import { newestId } from './newest-id';
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

// --- the audit log: the broker pages it oldest first by id (`after`); the console shows it newest first ---

const AUDIT_MAX_PAGE = 1000;

async function auditAfter(after: number, limit: number): Promise<AuditEvent[]> {
  return (await broker.get<{ data: AuditEvent[] }>('/v3/clusters/-/audit-log', { after, limit })).data;
}

/**
 * The newest record's id: the broker pages only forward from an id, so past one page the console
 * finds the end by doubling `after` until nothing follows and then bisecting (about 2·log2(id)
 * one-record reads).
 */
export async function latestAuditId(): Promise<number> {
  // A short log (the usual case) is read whole in one call.
  const first = await auditAfter(0, AUDIT_MAX_PAGE);
  if (first.length === 0) return 0;
  if (first.length < AUDIT_MAX_PAGE) return first[first.length - 1].id;
  // The last id of a full page is known to exist: search upward from it.
  return newestId(first[first.length - 1].id, async (x) => (await auditAfter(x, 1)).length > 0);
}

export interface AuditSlice extends AuditScan {
  newest: number;
}

/** Records read at most for one filtered page (five broker pages). */
export const AUDIT_SCAN_BUDGET = 5000;

/** Up to `size` events with id < before (default: the newest), newest first, matching the filter. */
export async function auditPage(before: number | undefined, filter: AuditFilter = {}, size = PAGE_SIZE): Promise<AuditSlice> {
  const [newest, first] = await Promise.all([latestAuditId(), auditAfter(0, 1)]);
  const scan = await scanAudit(auditAfter, {
    newest,
    oldest: first.length > 0 ? first[0].id : 0,
    before,
    filter,
    size,
    chunk: AUDIT_MAX_PAGE,
    budget: AUDIT_SCAN_BUDGET,
  });
  return { ...scan, newest };
}

/**
 * A principal's recent denials: the audit route cannot filter by principal, so the console's server
 * reads back from the newest record (at most AUDIT_SCAN_BUDGET records) and keeps its DENIED ones.
 */
export async function recentDenials(principal: string, size = 100): Promise<{ events: AuditEvent[]; scanned: number }> {
  const page = await auditPage(undefined, { principal, outcome: 'DENIED' }, size);
  return { events: page.events, scanned: page.scanned };
}
