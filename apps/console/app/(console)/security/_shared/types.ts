/**
 * The broker's security admin shapes (API.md "Security admin", docs/openapi.json) and Kafka's ACL
 * enums, shared by the security pages' server and client code.
 */
export interface UserView {
  name: string;
  mechanisms: { mechanism: string; iterations: number }[];
  created_at: number;
}

export interface ApiKeyView {
  key_id: string;
  user: string;
  created_at: number;
  /** Epoch ms; null: never expires. */
  expires_at: number | null;
}

export interface NewApiKey extends ApiKeyView {
  secret: string;
}

// Kafka's ACL enums: the broker's own definitions (libs/security, plain TypeScript), not a copy.
import { CLUSTER_RESOURCE_NAME, type Operation, type PatternType, type Permission, type ResourceType } from '@runnel/security/acl';
export { OPERATIONS, PATTERN_TYPES, PERMISSIONS, RESOURCE_TYPES, VALID_OPERATIONS } from '@runnel/security/acl';
export type { Operation, PatternType, Permission, ResourceType };
/** The one name a CLUSTER resource has. */
export const CLUSTER_NAME = CLUSTER_RESOURCE_NAME;

/** One ACL binding in the API's field names. */
export interface Acl {
  resource_type: ResourceType;
  resource_name: string;
  pattern_type: PatternType;
  principal: string;
  host: string;
  operation: Operation;
  permission: Permission;
}

export function aclKey(acl: Acl): string {
  return [acl.resource_type, acl.resource_name, acl.pattern_type, acl.principal, acl.host, acl.operation, acl.permission].join('\u0000');
}

export interface AclCheckAnswer {
  allowed: boolean;
  decided_by: { kind: 'SUPER_USER' | 'ACL' | 'DEFAULT'; reason?: string; acl?: Acl };
  authorization_enabled: boolean;
  if_enabled?: { allowed: boolean; decided_by: AclCheckAnswer['decided_by'] };
  principal: string;
  host: string;
  resource_type: string;
  resource_name: string;
  operation: string;
}

export const QUOTA_KINDS = ['producer_byte_rate', 'consumer_byte_rate', 'request_percentage'] as const;
export type QuotaKind = (typeof QUOTA_KINDS)[number];
export const QUOTA_LABELS: Record<QuotaKind, string> = {
  producer_byte_rate: 'Producer byte rate',
  consumer_byte_rate: 'Consumer byte rate',
  request_percentage: 'Request percentage',
};

/** A member that is a string names a user / client id; null is Kafka's `<default>`; absent is not part of the entity. */
export interface QuotaEntity {
  user?: string | null;
  client_id?: string | null;
}

export interface QuotaItem {
  entity: QuotaEntity;
  producer_byte_rate?: number;
  consumer_byte_rate?: number;
  request_percentage?: number;
}

export interface EffectiveQuotas {
  user: string;
  client_id: string | null;
  throttle_time_ms: number;
  quotas: Record<QuotaKind, { entity: QuotaEntity | null; limit: number | null; rate: number; throttle_time_ms: number }>;
}

export interface AuditEvent {
  id: number;
  time: number;
  principal: string;
  source: string;
  resource: string;
  operation: string;
  outcome: string;
  before?: unknown;
  after?: unknown;
}

/** `user=alice, client id=<default>` as people read an entity. */
export function entityLabel(entity: QuotaEntity | null | undefined): string {
  if (!entity) return 'none';
  const parts: string[] = [];
  if (entity.user !== undefined) parts.push(`user ${entity.user === null ? '<default>' : entity.user}`);
  if (entity.client_id !== undefined) parts.push(`client id ${entity.client_id === null ? '<default>' : entity.client_id}`);
  return parts.join(', ') || 'none';
}

/** The console path of a principal's page. */
export function principalHref(principal: string): string {
  return `/security/principals/${encodeURIComponent(principal)}`;
}

/** `User:alice` → `alice`; undefined for anything else. */
export function userOf(principal: string): string | undefined {
  if (!principal.startsWith('User:')) return undefined;
  const name = principal.slice('User:'.length);
  return name.length > 0 && name !== '*' ? name : undefined;
}

/** The DELETE .../acls query that matches exactly one binding. */
export function aclDeleteQuery(acl: Acl): string {
  const params = new URLSearchParams({
    resource_type: acl.resource_type,
    resource_name: acl.resource_name,
    pattern_type: acl.pattern_type,
    principal: acl.principal,
    host: acl.host,
    operation: acl.operation,
    permission: acl.permission,
  });
  return `/v3/clusters/-/acls?${params.toString()}`;
}
