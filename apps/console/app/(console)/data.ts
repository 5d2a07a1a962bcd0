import 'server-only';
import { unstable_rethrow } from 'next/navigation';
import { BrokerError, broker, deniedReason, permissions, type PermissionCheck } from '@/lib/broker';

export interface BrokerInfo {
  broker_id: number;
  host: string;
  port: number;
  rack: string | null;
}

export interface ClusterStats {
  resolution_ms: number;
  window_ms: number;
  data: {
    timestamp: number;
    produced_records_per_sec: number;
    produced_bytes_per_sec: number;
    fetched_records_per_sec: number;
    fetched_bytes_per_sec: number;
    log_size_bytes: number;
    partitions: number;
  }[];
}

export interface Health {
  ok: boolean;
  message: string;
  warnings: string[];
}

export interface AuditEvent {
  id: number;
  time: number;
  principal: string;
  source: string;
  resource: string;
  operation: string;
  outcome: string;
}

export const brokers = () => broker.get<{ cluster_id?: string; data: BrokerInfo[] }>('/v3/clusters/-/brokers');
export const clusterStats = () => broker.get<ClusterStats>('/v3/clusters/-/stats');

/** The broker's readiness (`/health/ready`): a 503 names the storage fault. */
export async function health(): Promise<Health> {
  try {
    const ready = await broker.get<{ status: string; warnings?: string[] }>('/health/ready');
    return { ok: ready.status === 'ok', message: ready.status, warnings: ready.warnings ?? [] };
  } catch (error) {
    unstable_rethrow(error);
    if (error instanceof BrokerError) return { ok: false, message: error.message, warnings: [] };
    throw error;
  }
}

const AUDIT: PermissionCheck = { resource_type: 'CLUSTER', resource_name: 'kafka-cluster', operation: 'DESCRIBE' };
const AUDIT_SHOWN = 10;
/** Probes at most: enough for 2^32 audit ids. */
const MAX_PROBES = 70;

type AuditPage = { data: AuditEvent[]; next: string | null };
const auditAfter = (after: number, limit: number) => broker.get<AuditPage>('/v3/clusters/-/audit-log', { after, limit });

/**
 * The newest audit events, newest first, or why they are not shown. The audit log pages oldest
 * first from an id (`after`), so the newest id is found by a bounded exponential + binary search
 * with one-event pages (ids only grow), then the last page is read.
 */
export async function recentAudit(): Promise<{ events: AuditEvent[] } | { denied: string }> {
  const [allowed] = await permissions([AUDIT]);
  if (!allowed) return { denied: deniedReason(AUDIT) };
  const first = await auditAfter(0, AUDIT_SHOWN);
  if (first.next === null) return { events: first.data.reverse() };
  let probes = 0;
  let low = first.data[first.data.length - 1].id; // an id that exists
  let high = low * 2;
  while (probes++ < MAX_PROBES) {
    const page = await auditAfter(high, 1);
    if (page.data.length === 0) break;
    low = page.data[0].id;
    high = low * 2;
  }
  // Now some event has id >= low and none is after high: narrow to the newest id.
  while (high - low > AUDIT_SHOWN && probes++ < MAX_PROBES) {
    const mid = Math.floor((low + high) / 2);
    const page = await auditAfter(mid, 1);
    if (page.data.length === 0) high = mid;
    else low = page.data[0].id;
  }
  const tail = await auditAfter(Math.max(0, low - AUDIT_SHOWN), AUDIT_SHOWN * 3);
  return { events: tail.data.slice(-AUDIT_SHOWN).reverse() };
}
