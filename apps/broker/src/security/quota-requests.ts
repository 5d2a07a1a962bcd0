import { DEFAULT_ENTITY, KindUsage, QUOTA_KINDS, QuotaEntityName, QuotaKind, QuotaValues } from '@runnel/security';
import { RunnelError } from '../common/errors';
import { ANONYMOUS_USER } from './caller';

/**
 * API.md "Security admin" (Quotas) on the wire. An entity is `{"user"?, "client_id"?}`: a member
 * that is a string names a user or client id, `null` is Kafka's `<default>`, an absent member is
 * not part of the entity. In query strings (DELETE), where null cannot be spelled, `<default>`
 * names the default entity. Values: producer_byte_rate and consumer_byte_rate are whole bytes per
 * second ≥ 0 (Kafka's LONG quotas), request_percentage a number > 0 (Kafka's DOUBLE); a `null`
 * value removes that quota. Every problem answers 400/40002, Kafka's InvalidRequest as Confluent
 * maps it, naming the field.
 */
export interface EntityJson {
  user?: string | null;
  client_id?: string | null;
}

export interface QuotaAlteration {
  entity: QuotaEntityName;
  set: QuotaValues;
  remove: QuotaKind[];
}

const MAX_NAME_LENGTH = 255;
/** Client ids a request can carry (caller.ts clientIdOf): a quota for any other could never apply. */
const CLIENT_ID = /^[\x21-\x7e]{1,255}$/;
// eslint-disable-next-line no-control-regex -- finding control characters is the point
const CONTROL = /[\x00-\x1f\x7f]/;

const invalid = (message: string): RunnelError => new RunnelError('KAFKA_BAD_REQUEST', message);

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function checkUserName(name: string, field: string): string {
  if (name.length === 0 || name.length > MAX_NAME_LENGTH || CONTROL.test(name)) {
    throw invalid(`${field} must be a user name of 1 to ${MAX_NAME_LENGTH} characters without control characters`);
  }
  return name;
}

function checkClientId(name: string, field: string): string {
  if (!CLIENT_ID.test(name)) throw invalid(`${field} must be a client id of 1 to ${MAX_NAME_LENGTH} visible ASCII characters`);
  return name;
}

function entityPart(value: unknown, field: string, check: (name: string, field: string) => string): string {
  if (value === undefined) return '';
  if (value === null) return DEFAULT_ENTITY;
  if (typeof value !== 'string') throw invalid(`${field} must be a string (a name) or null (the default entity)`);
  if (value === DEFAULT_ENTITY) throw invalid(`${field}: use null, not "${DEFAULT_ENTITY}", for the default entity`);
  return check(value, field);
}

function parseEntity(value: unknown): QuotaEntityName {
  if (!isObject(value)) throw invalid('entity must be an object: {"user"?: name | null, "client_id"?: name | null}');
  for (const key of Object.keys(value)) {
    if (key !== 'user' && key !== 'client_id') throw invalid(`entity: unknown member '${key}' (expected user, client_id)`);
  }
  const entity = {
    user: entityPart(value.user, 'entity.user', checkUserName),
    clientId: entityPart(value.client_id, 'entity.client_id', checkClientId),
  };
  if (entity.user === '' && entity.clientId === '') throw invalid('entity must name a user, a client_id or both (null for the default)');
  return entity;
}

function parseValue(kind: QuotaKind, value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) throw invalid(`${kind} must be a finite number or null (remove)`);
  if (kind === 'request_percentage') {
    if (!(value > 0)) throw invalid('request_percentage must be greater than 0');
  } else if (!Number.isSafeInteger(value) || value < 0) {
    throw invalid(`${kind} must be a whole number of bytes per second, 0 or more`);
  }
  return value;
}

/** POST .../quotas. */
export function parseQuotaAlteration(body: unknown): QuotaAlteration {
  if (!isObject(body)) throw invalid('The request body must be a JSON object: {"entity": {...}, "producer_byte_rate"?, ...}');
  for (const key of Object.keys(body)) {
    if (key !== 'entity' && !(QUOTA_KINDS as readonly string[]).includes(key)) {
      throw invalid(`Unknown field '${key}': expected entity, ${QUOTA_KINDS.join(', ')}`);
    }
  }
  const entity = parseEntity(body.entity);
  const set: QuotaValues = {};
  const remove: QuotaKind[] = [];
  for (const kind of QUOTA_KINDS) {
    if (!(kind in body)) continue;
    if (body[kind] === null) remove.push(kind);
    else set[kind] = parseValue(kind, body[kind]);
  }
  if (Object.keys(set).length === 0 && remove.length === 0) {
    throw invalid(`Nothing to alter: give at least one of ${QUOTA_KINDS.join(', ')} (a number, or null to remove it)`);
  }
  return { entity, set, remove };
}

type Query = Record<string, unknown>;

function onlyKnown(query: Query, known: readonly string[]): void {
  for (const key of Object.keys(query)) {
    if (!known.includes(key)) throw invalid(`Unknown query parameter '${key}': expected ${known.join(', ')}`);
  }
}

function queryValue(query: Query, key: string): string | undefined {
  const value = query[key];
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw invalid(`${key} must be given once`);
  return value;
}

/** DELETE .../quotas?user=&client_id= (`<default>` for the default entity). */
export function parseEntityQuery(query: Query): QuotaEntityName {
  onlyKnown(query, ['user', 'client_id']);
  const part = (key: string, check: (name: string, field: string) => string): string => {
    const value = queryValue(query, key);
    if (value === undefined) return '';
    return value === DEFAULT_ENTITY ? DEFAULT_ENTITY : check(value, key);
  };
  const entity = { user: part('user', checkUserName), clientId: part('client_id', checkClientId) };
  if (entity.user === '' && entity.clientId === '')
    throw invalid(`Give user, client_id or both (${DEFAULT_ENTITY} for the default entity)`);
  return entity;
}

/** GET .../quotas/effective?user=&client_id=: a caller, as requests identify it (no user: ANONYMOUS, as with auth off). */
export function parseCallerQuery(query: Query): { user: string; clientId: string } {
  onlyKnown(query, ['user', 'client_id']);
  const user = queryValue(query, 'user');
  const clientId = queryValue(query, 'client_id');
  return {
    user: user === undefined ? ANONYMOUS_USER : checkUserName(user, 'user'),
    clientId: clientId === undefined ? '' : checkClientId(clientId, 'client_id'),
  };
}

export function entityJson(entity: QuotaEntityName): EntityJson {
  const json: EntityJson = {};
  if (entity.user !== '') json.user = entity.user === DEFAULT_ENTITY ? null : entity.user;
  if (entity.clientId !== '') json.client_id = entity.clientId === DEFAULT_ENTITY ? null : entity.clientId;
  return json;
}

/** `QUOTA:user=alice,client_id=<default>`: the audit log's resource. */
export function entityResource(entity: QuotaEntityName): string {
  const parts: string[] = [];
  if (entity.user !== '') parts.push(`user=${entity.user}`);
  if (entity.clientId !== '') parts.push(`client_id=${entity.clientId}`);
  return `QUOTA:${parts.join(',')}`;
}

/** One entity's quotas: the POST body's shape, so a GET item can be sent back as it is. */
export function quotaItem(entity: QuotaEntityName, values: QuotaValues) {
  return { kind: 'RunnelQuota', entity: entityJson(entity), ...values };
}

export function usageJson(user: string, clientId: string, usage: Record<QuotaKind, KindUsage>) {
  const quotas = {} as Record<QuotaKind, { entity: EntityJson | null; limit: number | null; rate: number; throttle_time_ms: number }>;
  let throttle = 0;
  for (const kind of QUOTA_KINDS) {
    const u = usage[kind];
    quotas[kind] = {
      entity: u.entity === undefined ? null : entityJson(u.entity),
      limit: u.limit ?? null,
      rate: Math.round(u.rate * 1000) / 1000,
      throttle_time_ms: u.throttleTimeMs,
    };
    throttle = Math.max(throttle, u.throttleTimeMs);
  }
  return { kind: 'RunnelEffectiveQuotas', user, client_id: clientId === '' ? null : clientId, throttle_time_ms: throttle, quotas };
}
