import { AclBinding, Decision } from '@runnel/security';
import { listResource } from '../common/rest-v3';
import { ACL_OPERATIONS, ACL_PATTERN_TYPES, ACL_PERMISSIONS, ACL_RESOURCE_TYPES, AclCheckQuery, AclFilterEcho } from './acl-requests';

/**
 * The Confluent REST v3 bodies of ACLs (the spec's AclData, AclDataList, DeleteAclsResponse) as
 * Confluent's AclsResource renders them: each ACL's `metadata.self` is the `acls` URL whose
 * filter selects exactly that binding, a list's `self` repeats the filter it was asked with, and
 * lists are sorted as Confluent sorts them (enums by declaration order, then names).
 */

/** `<base>/v3/clusters/<cid>` and the cluster id: what every ACL body needs. */
export interface AclClusterRef {
  url: string;
  clusterId: string;
}

const FIELDS = ['resource_type', 'resource_name', 'pattern_type', 'principal', 'host', 'operation', 'permission'] as const;

/** `<cluster>/acls?resource_type=...&permission=...`, every parameter present in the spec's order, values URL-encoded. */
export function aclsUrl(c: AclClusterRef, params: AclFilterEcho): string {
  return `${c.url}/acls?${FIELDS.map((name) => `${name}=${encodeURIComponent(params[name])}`).join('&')}`;
}

export function bindingFields(b: AclBinding): AclFilterEcho {
  return {
    resource_type: b.resourceType,
    resource_name: b.resourceName,
    pattern_type: b.patternType,
    principal: b.principal,
    host: b.host,
    operation: b.operation,
    permission: b.permission,
  };
}

export function aclData(c: AclClusterRef, b: AclBinding) {
  const fields = bindingFields(b);
  return { kind: 'KafkaAcl', metadata: { self: aclsUrl(c, fields) }, cluster_id: c.clusterId, ...fields };
}

const order = (values: readonly string[], value: string): number => values.indexOf(value);
const compareText = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** Confluent's order: resource type, name, pattern type, principal, host, operation, permission. */
export function compareBindings(a: AclBinding, b: AclBinding): number {
  return (
    order(ACL_RESOURCE_TYPES, a.resourceType) - order(ACL_RESOURCE_TYPES, b.resourceType) ||
    compareText(a.resourceName, b.resourceName) ||
    order(ACL_PATTERN_TYPES, a.patternType) - order(ACL_PATTERN_TYPES, b.patternType) ||
    compareText(a.principal, b.principal) ||
    compareText(a.host, b.host) ||
    order(ACL_OPERATIONS, a.operation) - order(ACL_OPERATIONS, b.operation) ||
    order(ACL_PERMISSIONS, a.permission) - order(ACL_PERMISSIONS, b.permission)
  );
}

/** AclDataList: `self` is the search URL with every filter parameter (absent ones empty, enums by name). */
export function aclList(c: AclClusterRef, echo: AclFilterEcho, bindings: readonly AclBinding[]) {
  return listResource(
    'KafkaAclList',
    aclsUrl(c, echo),
    [...bindings].sort(compareBindings).map((b) => aclData(c, b)),
  );
}

/** DeleteAclsResponse: the bindings the filter removed. */
export function deletedAcls(c: AclClusterRef, bindings: readonly AclBinding[]) {
  return { data: [...bindings].sort(compareBindings).map((b) => aclData(c, b)) };
}

/**
 * The answer of `acls:check`: `allowed` is what the broker does now; `decided_by` says why (a
 * super user, the DENY or ALLOW binding that decided, or the default). With authorization off
 * everything is allowed (`decided_by.reason` AUTHORIZATION_DISABLED) and `if_enabled` tells what
 * the same authorizer would decide once RUNNEL_AUTH is on.
 */
export function aclCheckBody(c: AclClusterRef, query: AclCheckQuery, decision: Decision, enabled: boolean) {
  const decided = decidedBy(c, decision);
  const question = {
    principal: query.principal,
    host: query.host,
    resource_type: query.resourceType,
    resource_name: query.resourceName,
    operation: query.operation,
  };
  if (enabled) return { allowed: decision.allowed, decided_by: decided, authorization_enabled: true, ...question };
  return {
    allowed: true,
    decided_by: { kind: 'DEFAULT', reason: 'AUTHORIZATION_DISABLED' },
    authorization_enabled: false,
    if_enabled: { allowed: decision.allowed, decided_by: decided },
    ...question,
  };
}

function decidedBy(c: AclClusterRef, decision: Decision) {
  const by = decision.decidedBy;
  if (by.kind === 'ACL') return { kind: 'ACL', acl: aclData(c, by.acl) };
  if (by.kind === 'DEFAULT') return { kind: 'DEFAULT', reason: by.reason };
  return { kind: 'SUPER_USER' };
}
