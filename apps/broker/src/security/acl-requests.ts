import {
  AclBinding,
  AclFilter,
  CLUSTER_RESOURCE_NAME,
  invalidBinding,
  Operation,
  OPERATIONS,
  parsePrincipal,
  PatternType,
  Permission,
  RESOURCE_TYPES,
  ResourceType,
  VALID_OPERATIONS,
  WILDCARD,
} from '@runnel/security';
import { badRequest, RunnelError } from '../common/errors';

/**
 * The requests of Confluent REST v3's ACL endpoints, checked as Confluent's AclsResource and
 * AclManagerImpl check them: the enums of the spec (AclResourceType, AclPatternType, AclOperation,
 * AclPermission) are read case-insensitively, ANY and UNKNOWN are refused where Confluent refuses
 * them (400 with error_code 400, Confluent's BadRequestException), and a binding Kafka would
 * refuse (libs/security `invalidBinding`) is Kafka's InvalidRequestException: 400/40002.
 * `acls:check` is Runnel's own endpoint and answers API.md's 400/40001.
 */

/** The spec's enums in their declaration order: Confluent sorts ACLs by it. */
export const ACL_RESOURCE_TYPES = ['UNKNOWN', 'ANY', 'TOPIC', 'GROUP', 'CLUSTER', 'TRANSACTIONAL_ID', 'DELEGATION_TOKEN'] as const;
export const ACL_PATTERN_TYPES = ['UNKNOWN', 'ANY', 'MATCH', 'LITERAL', 'PREFIXED'] as const;
export const ACL_OPERATIONS = ['UNKNOWN', 'ANY', ...OPERATIONS] as const;
export const ACL_PERMISSIONS = ['UNKNOWN', 'ANY', 'DENY', 'ALLOW'] as const;

/** Bindings one `acls:batch` may create. */
export const MAX_BATCH_ACLS = 1000;
/** A filter's free-text values (resource_name, principal, host) are at most this long. */
const MAX_FILTER_TEXT = 1000;

/** A filter as the client gave it, normalized (enum names upper case; absent texts empty): what `metadata.self` repeats. */
export interface AclFilterEcho {
  resource_type: string;
  resource_name: string;
  pattern_type: string;
  principal: string;
  host: string;
  operation: string;
  permission: string;
}

export interface ParsedAclFilter {
  echo: AclFilterEcho;
  /** The filter over stored bindings, or undefined when no binding can match (a resource type Runnel does not store). */
  filter: AclFilter | undefined;
}

type Query = Record<string, unknown>;

const malformed = (message: string): RunnelError => new RunnelError('MALFORMED_REQUEST', message);

function queryText(query: Query, name: string, fail: (message: string) => RunnelError): string {
  const value = query[name];
  if (value === undefined) return '';
  if (typeof value !== 'string') throw fail(`${name} must be given once`);
  if (value.length > MAX_FILTER_TEXT) throw fail(`${name} must have at most ${MAX_FILTER_TEXT} characters`);
  return value;
}

function enumValue<T extends string>(raw: string, name: string, values: readonly T[], fail: (message: string) => RunnelError): T {
  const upper = raw.toUpperCase() as T;
  if (!values.includes(upper)) throw fail(`${name} must be one of ${values.join(', ')}`);
  return upper;
}

/**
 * The filter of `GET .../acls` (every parameter optional, ANY by default) or `DELETE .../acls`
 * (resource_type, pattern_type, operation and permission required: a DELETE without them must
 * not remove every ACL, Confluent's KREST-4113). An empty text parameter means "any", as Confluent reads it.
 */
export function parseAclFilter(query: Query, forDelete: boolean): ParsedAclFilter {
  const fallback = forDelete ? 'UNKNOWN' : 'ANY';
  const unknown = forDelete ? 'cannot be unspecified or UNKNOWN' : 'cannot be UNKNOWN';
  const pick = <T extends string>(name: string, values: readonly T[]): T => {
    const raw = queryText(query, name, malformed) || fallback;
    const value = enumValue(raw, name, values, malformed);
    if (value === 'UNKNOWN') throw malformed(`${name} ${unknown}`);
    return value;
  };
  const resourceType = pick('resource_type', ACL_RESOURCE_TYPES);
  const patternType = pick('pattern_type', ACL_PATTERN_TYPES);
  const operation = pick('operation', ACL_OPERATIONS);
  const permission = pick('permission', ACL_PERMISSIONS);
  const resourceName = queryText(query, 'resource_name', malformed);
  const principal = queryText(query, 'principal', malformed);
  const host = queryText(query, 'host', malformed);
  const echo: AclFilterEcho = {
    resource_type: resourceType,
    resource_name: resourceName,
    pattern_type: patternType,
    principal,
    host,
    operation,
    permission,
  };
  if (resourceType === 'DELEGATION_TOKEN') return { echo, filter: undefined };
  const filter: AclFilter = {
    resourceType: resourceType === 'ANY' ? undefined : (resourceType as ResourceType),
    resourceName: resourceName || undefined,
    patternType: patternType as AclFilter['patternType'],
    principal: principal || undefined,
    host: host || undefined,
    operation: operation === 'ANY' ? undefined : (operation as Operation),
    permission: permission === 'ANY' ? undefined : (permission as Permission),
  };
  return { echo, filter };
}

/** One CreateAclRequestData (`at` names it inside a batch). */
export function parseCreateAcl(body: unknown, at = ''): AclBinding {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw malformed(`${at}Payload error. Null input provided. Data is required.`.trim());
  }
  const data = body as Record<string, unknown>;
  const text = (name: string): string => {
    const value = data[name];
    if (value === undefined || value === null) throw malformed(`${at}${name} is required`);
    if (typeof value !== 'string') throw malformed(`${at}${name} must be a string`);
    return value;
  };
  const resourceType = enumValue(text('resource_type'), `${at}resource_type`, ACL_RESOURCE_TYPES, malformed);
  const patternType = enumValue(text('pattern_type'), `${at}pattern_type`, ACL_PATTERN_TYPES, malformed);
  const operation = enumValue(text('operation'), `${at}operation`, ACL_OPERATIONS, malformed);
  const permission = enumValue(text('permission'), `${at}permission`, ACL_PERMISSIONS, malformed);
  if (resourceType === 'ANY' || resourceType === 'UNKNOWN') throw malformed(`${at}resource_type cannot be ANY`);
  if (patternType === 'ANY' || patternType === 'MATCH' || patternType === 'UNKNOWN')
    throw malformed(`${at}pattern_type cannot be ${patternType}`);
  if (operation === 'ANY' || operation === 'UNKNOWN') throw malformed(`${at}operation cannot be ANY`);
  if (permission === 'ANY' || permission === 'UNKNOWN') throw malformed(`${at}permission cannot be ANY`);
  const binding: AclBinding = {
    resourceType: resourceType as ResourceType,
    resourceName: text('resource_name'),
    patternType: patternType as PatternType,
    principal: text('principal'),
    host: text('host'),
    operation: operation as Operation,
    permission: permission as Permission,
  };
  const invalid = invalidBinding(binding);
  if (invalid !== undefined) throw new RunnelError('KAFKA_BAD_REQUEST', `${at}${invalid}`);
  return binding;
}

/** A CreateAclRequestDataList: `{"data": [CreateAclRequestData...]}`, every entry valid or none is created. */
export function parseCreateAclBatch(body: unknown): AclBinding[] {
  if (body === null || typeof body !== 'object' || Array.isArray(body))
    throw malformed('Payload error. Null input provided. Data is required.');
  const data = (body as { data?: unknown }).data;
  if (!Array.isArray(data)) throw malformed('data must be an array of ACLs');
  if (data.length > MAX_BATCH_ACLS) throw malformed(`data must have at most ${MAX_BATCH_ACLS} ACLs`);
  return data.map((entry, index) => parseCreateAcl(entry, `data[${index}].`));
}

/** The question `acls:check` answers: may `principal` from `host` perform `operation` on the resource? */
export interface AclCheckQuery {
  principal: string;
  host: string;
  resourceType: ResourceType;
  resourceName: string;
  operation: Operation;
}

/**
 * `acls:check`'s parameters: principal, resource_type and operation required; resource_name
 * required but for CLUSTER (always `kafka-cluster`); host optional, `*` by default (then only
 * bindings for every host apply). The operation must be one Kafka checks on that resource type.
 */
export function parseAclCheck(query: Query): AclCheckQuery {
  const required = (name: string): string => {
    const value = queryText(query, name, badRequest);
    if (value === '') throw badRequest(`${name} is required`);
    return value;
  };
  const principal = required('principal');
  if (parsePrincipal(principal) === undefined) throw badRequest("principal must be 'User:<name>'");
  const host = queryText(query, 'host', badRequest) || WILDCARD;
  if (host.length > 255) throw badRequest('host must have at most 255 characters');
  const resourceType = enumValue(required('resource_type'), 'resource_type', RESOURCE_TYPES, badRequest);
  const resourceName =
    resourceType === 'CLUSTER' ? queryText(query, 'resource_name', badRequest) || CLUSTER_RESOURCE_NAME : required('resource_name');
  if (resourceType === 'CLUSTER' && resourceName !== CLUSTER_RESOURCE_NAME)
    throw badRequest(`a CLUSTER resource is named '${CLUSTER_RESOURCE_NAME}'`);
  if (resourceName.length > 255) throw badRequest('resource_name must have at most 255 characters');
  const checkable = VALID_OPERATIONS[resourceType].filter((op) => op !== 'ALL');
  const operation = enumValue(required('operation'), 'operation', ACL_OPERATIONS, badRequest);
  if (!(checkable as readonly string[]).includes(operation)) {
    throw badRequest(`operation ${operation} is not checked on resource type ${resourceType} (one of ${checkable.join(', ')})`);
  }
  return { principal, host, resourceType, resourceName, operation: operation as Operation };
}
