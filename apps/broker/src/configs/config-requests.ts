import { RunnelError, badRequest } from '../common/errors';

/**
 * The request bodies of the v3 config operations (Confluent's AlterConfigBatchRequestData and
 * UpdateConfigRequestData), parsed strictly: a malformed body is 400 / 40001; what Kafka itself
 * refuses (a SET without a value, one name twice in a batch) is 400 / 40002, as Confluent answers it.
 */
export interface ConfigAlteration {
  name: string;
  operation: 'SET' | 'DELETE';
  /** Present for SET. */
  value?: string;
}

export interface AlterBatch {
  alterations: ConfigAlteration[];
  validateOnly: boolean;
}

/** Configs one batch may alter: more than Kafka has configs of any resource, so no real batch is refused. */
export const MAX_ALTERATIONS_PER_BATCH = 1000;

export function parseAlterBatch(body: unknown): AlterBatch {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw badRequest('body must be {"data": [{"name", "value", "operation"}], "validate_only"?}');
  }
  const { data, validate_only: validateOnly } = body as { data?: unknown; validate_only?: unknown };
  if (!Array.isArray(data)) throw badRequest('data must be an array of {"name", "value", "operation"}');
  if (data.length > MAX_ALTERATIONS_PER_BATCH) throw badRequest(`data may hold at most ${MAX_ALTERATIONS_PER_BATCH} configs`);
  if (validateOnly !== undefined && validateOnly !== null && typeof validateOnly !== 'boolean') {
    throw badRequest('validate_only must be true or false');
  }
  const seen = new Set<string>();
  const alterations = data.map((entry: unknown, i): ConfigAlteration => {
    if (typeof entry !== 'object' || entry === null) throw badRequest(`data[${i}] must be an object`);
    const { name, value, operation } = entry as { name?: unknown; value?: unknown; operation?: unknown };
    if (typeof name !== 'string' || name === '') throw badRequest(`data[${i}].name must be a non-empty string`);
    if (seen.has(name)) throw new RunnelError('INVALID_CONFIG', `Error due to duplicate config keys: ${name}`);
    seen.add(name);
    const op = operation === undefined || operation === null ? 'SET' : typeof operation === 'string' ? operation.toUpperCase() : operation;
    if (op !== 'SET' && op !== 'DELETE') throw badRequest(`data[${i}].operation must be SET or DELETE`);
    if (op === 'DELETE') return { name, operation: 'DELETE' };
    return { name, operation: 'SET', value: configValue(value, `data[${i}].value`) };
  });
  return { alterations, validateOnly: validateOnly === true };
}

/** Topics per page of `/topics/-/configs?limit=` at most (each topic has ~36 configs). */
export const MAX_TOPICS_PER_CONFIG_PAGE = 1000;

/** `limit` and `page_token` of `/topics/-/configs` (the topics list's paging); neither: everything. */
export function parseTopicPage(query: Record<string, string | undefined>): { afterTopic?: string; limit?: number } {
  const afterTopic = query.page_token ? Buffer.from(query.page_token, 'base64url').toString('utf8') : undefined;
  if (query.limit === undefined) return afterTopic === undefined ? {} : { afterTopic, limit: 100 };
  const limit = Number(query.limit);
  if (!/^\d+$/.test(query.limit) || limit < 1 || limit > MAX_TOPICS_PER_CONFIG_PAGE) {
    throw badRequest(`limit must be an integer from 1 to ${MAX_TOPICS_PER_CONFIG_PAGE}`);
  }
  return { afterTopic, limit };
}

/** PUT .../configs/{name}: `{"value": "..."}`. */
export function parseUpdateValue(body: unknown): string {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw badRequest('body must be {"value": "..."}');
  return configValue((body as { value?: unknown }).value, 'value');
}

/** Kafka config values are strings; JSON numbers and booleans are taken as their text. A SET without one is Kafka's "Null value not supported". */
function configValue(value: unknown, field: string): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (value === undefined || value === null) throw new RunnelError('INVALID_CONFIG', `${field}: a null value is not supported for SET`);
  throw badRequest(`${field} must be a string`);
}
