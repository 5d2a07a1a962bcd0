/**
 * Kafka's ACL model (the reference is Kafka's `AclBinding` / `ResourcePattern` /
 * `AccessControlEntry`): a binding says that `principal` connecting from `host` may (ALLOW) or
 * may not (DENY) perform `operation` on the resources its pattern names. The names and enums are
 * Kafka's and Confluent REST v3's, so bindings read the same in every tool.
 */

export const RESOURCE_TYPES = ['TOPIC', 'GROUP', 'CLUSTER', 'TRANSACTIONAL_ID'] as const;
export type ResourceType = (typeof RESOURCE_TYPES)[number];

export const PATTERN_TYPES = ['LITERAL', 'PREFIXED'] as const;
export type PatternType = (typeof PATTERN_TYPES)[number];

export const OPERATIONS = [
  'ALL',
  'READ',
  'WRITE',
  'CREATE',
  'DELETE',
  'ALTER',
  'DESCRIBE',
  'CLUSTER_ACTION',
  'DESCRIBE_CONFIGS',
  'ALTER_CONFIGS',
  'IDEMPOTENT_WRITE',
] as const;
export type Operation = (typeof OPERATIONS)[number];

export const PERMISSIONS = ['ALLOW', 'DENY'] as const;
export type Permission = (typeof PERMISSIONS)[number];

/** The one name a CLUSTER resource has (Kafka's `kafka-cluster`). */
export const CLUSTER_RESOURCE_NAME = 'kafka-cluster';
/** A LITERAL pattern with this name matches every resource of its type; as a principal or host, anyone / anywhere. */
export const WILDCARD = '*';
export const WILDCARD_PRINCIPAL = 'User:*';

/** Operations Kafka accepts in an ACL per resource type (ALL is valid everywhere). */
export const VALID_OPERATIONS: Readonly<Record<ResourceType, readonly Operation[]>> = {
  TOPIC: ['ALL', 'READ', 'WRITE', 'CREATE', 'DESCRIBE', 'DELETE', 'ALTER', 'DESCRIBE_CONFIGS', 'ALTER_CONFIGS'],
  GROUP: ['ALL', 'READ', 'DESCRIBE', 'DELETE'],
  CLUSTER: ['ALL', 'CREATE', 'CLUSTER_ACTION', 'DESCRIBE_CONFIGS', 'ALTER_CONFIGS', 'IDEMPOTENT_WRITE', 'ALTER', 'DESCRIBE'],
  TRANSACTIONAL_ID: ['ALL', 'DESCRIBE', 'WRITE'],
};

export interface Resource {
  type: ResourceType;
  name: string;
}

export interface AclBinding {
  resourceType: ResourceType;
  resourceName: string;
  patternType: PatternType;
  /** `User:<name>` or `User:*`. */
  principal: string;
  /** An address, or `*`. */
  host: string;
  operation: Operation;
  permission: Permission;
}

/**
 * A filter over bindings (Kafka's `AclBindingFilter`): an absent field matches anything;
 * `patternType` ANY matches both pattern types by exact name, MATCH matches the bindings that
 * would apply to the resource named `resourceName` (its LITERAL, the `*` LITERAL and every
 * PREFIXED pattern that is a prefix of it). `operation`/`permission` ANY are the same as absent.
 */
export interface AclFilter {
  resourceType?: ResourceType;
  resourceName?: string;
  patternType?: PatternType | 'ANY' | 'MATCH';
  principal?: string;
  host?: string;
  operation?: Operation;
  permission?: Permission;
}

/** Why a binding cannot be stored, or undefined when it can (the checks Kafka's CreateAcls makes). */
export function invalidBinding(binding: AclBinding): string | undefined {
  if (!RESOURCE_TYPES.includes(binding.resourceType)) return `resource_type must be one of ${RESOURCE_TYPES.join(', ')}`;
  if (!PATTERN_TYPES.includes(binding.patternType)) return `pattern_type must be LITERAL or PREFIXED`;
  if (!OPERATIONS.includes(binding.operation)) return `operation must be one of ${OPERATIONS.join(', ')}`;
  if (!PERMISSIONS.includes(binding.permission)) return 'permission must be ALLOW or DENY';
  if (typeof binding.resourceName !== 'string' || binding.resourceName.length === 0) return 'resource_name must not be empty';
  if (binding.resourceName.length > 255) return 'resource_name must have at most 255 characters';
  if (binding.patternType === 'PREFIXED' && binding.resourceName === WILDCARD) return "a PREFIXED pattern cannot be '*' (use LITERAL '*')";
  if (binding.resourceType === 'CLUSTER' && binding.resourceName !== CLUSTER_RESOURCE_NAME) {
    return `a CLUSTER resource is named '${CLUSTER_RESOURCE_NAME}'`;
  }
  if (!VALID_OPERATIONS[binding.resourceType].includes(binding.operation)) {
    return `operation ${binding.operation} is not valid for resource type ${binding.resourceType} (valid: ${VALID_OPERATIONS[binding.resourceType].join(', ')})`;
  }
  const principal = parsePrincipal(binding.principal);
  if (principal === undefined) return "principal must be 'User:<name>' or 'User:*'";
  if (typeof binding.host !== 'string' || binding.host.length === 0 || binding.host.length > 255) return "host must be an address or '*'";
  return undefined;
}

/** `User:alice` → `alice`; undefined for anything that is not a User principal. */
export function parsePrincipal(principal: string): string | undefined {
  if (typeof principal !== 'string' || !principal.startsWith('User:')) return undefined;
  const name = principal.slice('User:'.length);
  return name.length > 0 && name.length <= 255 ? name : undefined;
}

export function userPrincipal(name: string): string {
  return `User:${name}`;
}

/** True when `binding` is one the filter selects (see AclFilter). */
export function filterMatches(filter: AclFilter, binding: AclBinding): boolean {
  if (filter.resourceType !== undefined && filter.resourceType !== binding.resourceType) return false;
  if (filter.principal !== undefined && filter.principal !== binding.principal) return false;
  if (filter.host !== undefined && filter.host !== binding.host) return false;
  if (filter.operation !== undefined && filter.operation !== binding.operation) return false;
  if (filter.permission !== undefined && filter.permission !== binding.permission) return false;
  const patternType = filter.patternType ?? 'ANY';
  if (patternType === 'MATCH') {
    if (filter.resourceName === undefined) return true;
    return patternApplies(binding, filter.resourceName);
  }
  if (patternType !== 'ANY' && patternType !== binding.patternType) return false;
  return filter.resourceName === undefined || filter.resourceName === binding.resourceName;
}

/** True when the binding's pattern names `resourceName` (same resource type assumed). */
export function patternApplies(binding: Pick<AclBinding, 'patternType' | 'resourceName'>, resourceName: string): boolean {
  if (binding.patternType === 'LITERAL') return binding.resourceName === resourceName || binding.resourceName === WILDCARD;
  return resourceName.startsWith(binding.resourceName);
}

/** One stable text per binding: equal bindings have equal keys (for de-duplication and tests). */
export function bindingKey(binding: AclBinding): string {
  return JSON.stringify([
    binding.resourceType,
    binding.patternType,
    binding.resourceName,
    binding.principal,
    binding.host,
    binding.operation,
    binding.permission,
  ]);
}
