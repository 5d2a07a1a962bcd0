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

/** The newest audit events, newest first (the broker's `order=desc`), or why they are not shown. */
export async function recentAudit(): Promise<{ events: AuditEvent[] } | { denied: string }> {
  const [allowed] = await permissions([AUDIT]);
  if (!allowed) return { denied: deniedReason(AUDIT) };
  const page = await broker.get<{ data: AuditEvent[] }>('/v3/clusters/-/audit-log', { order: 'desc', limit: AUDIT_SHOWN });
  return { events: page.data };
}
