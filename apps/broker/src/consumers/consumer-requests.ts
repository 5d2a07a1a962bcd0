import type { IncomingMessage } from 'node:http';
import {
  MAX_OFFSETS_PER_REQUEST,
  MAX_OFFSET_METADATA_LENGTH,
  compileTopicPattern,
  type OffsetCommit,
  type TopicPartition,
} from '@runnel/groups';
import { RunnelError, badRequest } from '../common/errors';
import type { HttpConsumerConfig } from './consumer-config';
import type { ConsumerSettings, PollRequest, TopicSubscription } from './http-consumer';

/**
 * The request bodies and query of the HTTP consumer API (Strimzi bridge OpenAPI schemas
 * `Consumer`, `Topics`, `Partitions`, `OffsetCommitSeekList`; Confluent REST v2's
 * CreateConsumerInstanceRequest), parsed strictly. A bad consumer config is 422 / 42204; any
 * other body that does not fit its schema is 422 / 422, as Confluent's validation answers.
 */
export interface CreateRequest {
  name: string | undefined;
  settings: ConsumerSettings;
}

/** Instance names go in URLs: URL-safe characters only. */
const NAME = /^[A-Za-z0-9._~-]{1,255}$/;
const MAX_GROUP_ID_LENGTH = 255;
/** Confluent REST's default consumer.request.timeout.ms. */
const DEFAULT_REQUEST_TIMEOUT_MS = 1000;
/** Largest body read by hand (a GET with a body: Fastify parses none). */
const MAX_GET_BODY_BYTES = 1024 * 1024;

const CREATE_FIELDS = new Set([
  'name',
  'id', // Confluent's deprecated spelling of name
  'format',
  'auto.offset.reset',
  'enable.auto.commit',
  'auto.commit.enable', // Confluent's spelling
  'fetch.min.bytes',
  'consumer.request.timeout.ms',
  'isolation.level',
]);

export function checkGroupId(groupId: string): void {
  if (groupId.length === 0 || groupId.length > MAX_GROUP_ID_LENGTH) {
    throw invalidConfig(`group name must be 1 to ${MAX_GROUP_ID_LENGTH} characters`);
  }
}

export function parseCreateRequest(body: unknown, config: HttpConsumerConfig): CreateRequest {
  const input = body ?? {};
  if (typeof input !== 'object' || Array.isArray(input)) throw invalidConfig('the body must be a JSON object of consumer configs');
  const fields = input as Record<string, unknown>;
  const unknown = Object.keys(fields).filter((name) => !CREATE_FIELDS.has(name));
  if (unknown.length > 0) throw invalidConfig(`unknown consumer config(s): ${unknown.join(', ')}`);
  const name = fields.name ?? fields.id;
  if (name !== undefined && (typeof name !== 'string' || !NAME.test(name))) {
    throw invalidConfig('name must be 1 to 255 characters among A-Z a-z 0-9 . _ ~ - (it is used in URLs)');
  }
  const format = fields.format ?? 'binary';
  if (format !== 'binary' && format !== 'json') {
    throw invalidConfig(
      `format must be "binary" or "json"${typeof format === 'string' ? ` (Runnel has no schema registry for ${format})` : ''}`,
    );
  }
  const reset = fields['auto.offset.reset'] ?? 'latest';
  if (reset !== 'earliest' && reset !== 'latest') throw invalidConfig('auto.offset.reset must be "earliest" or "latest"');
  const isolation = fields['isolation.level'];
  if (isolation !== undefined && isolation !== 'read_uncommitted' && isolation !== 'read_committed') {
    throw invalidConfig('isolation.level must be "read_uncommitted" or "read_committed"');
  }
  const autoCommit = booleanConfig(fields, 'enable.auto.commit') ?? booleanConfig(fields, 'auto.commit.enable') ?? true;
  return {
    name,
    settings: {
      format,
      autoOffsetReset: reset,
      autoCommit,
      fetchMinBytes: integerConfig(fields, 'fetch.min.bytes', 0, config.maxPollBytes) ?? 1,
      requestTimeoutMs:
        integerConfig(fields, 'consumer.request.timeout.ms', 0, config.maxPollWaitMs) ??
        Math.min(DEFAULT_REQUEST_TIMEOUT_MS, config.maxPollWaitMs),
    },
  };
}

/** `{"topics": [...]}` or `{"topic_pattern": "..."}`. */
export function parseSubscription(body: unknown): TopicSubscription {
  const fields = objectBody(body, ['topics', 'topic_pattern']);
  const { topics, topic_pattern: pattern } = fields;
  if (topics !== undefined && pattern !== undefined) {
    throw new RunnelError('CONSUMER_ILLEGAL_STATE', 'Subscription to topics, partitions and pattern are mutually exclusive.');
  }
  if (pattern !== undefined) {
    try {
      compileTopicPattern(pattern);
    } catch (error) {
      throw unprocessable(`topic_pattern: ${(error as Error).message}`);
    }
    return { topics: [], topicPattern: pattern as string };
  }
  if (!Array.isArray(topics) || topics.length === 0 || !topics.every((t) => typeof t === 'string' && t.length > 0)) {
    throw unprocessable('A list (of Topics type) or a topic_pattern must be specified.');
  }
  return { topics: topics as string[] };
}

/** `{"partitions": [{"topic","partition"}...]}`. */
export function parsePartitions(body: unknown): TopicPartition[] {
  const { partitions } = objectBody(body, ['partitions']);
  return entries(partitions, 'partitions').map((entry, i) => topicPartition(entry, `partitions[${i}]`));
}

/** `{"offsets": [{"topic","partition","offset","metadata"?}...]}`. */
export function parseOffsets(body: unknown, withMetadata: boolean): OffsetCommit[] {
  const { offsets } = objectBody(body, ['offsets']);
  return entries(offsets, 'offsets').map((entry, i) => {
    const field = `offsets[${i}]`;
    const { topic, partition } = topicPartition(entry, field, withMetadata ? ['offset', 'metadata'] : ['offset']);
    const { offset, metadata } = entry as { offset?: unknown; metadata?: unknown };
    if (typeof offset !== 'number' || !Number.isSafeInteger(offset) || offset < 0)
      throw unprocessable(`${field}.offset must be a non-negative integer`);
    if (metadata !== undefined && (typeof metadata !== 'string' || metadata.length > MAX_OFFSET_METADATA_LENGTH)) {
      throw unprocessable(`${field}.metadata must be a string of at most ${MAX_OFFSET_METADATA_LENGTH} characters`);
    }
    return metadata === undefined ? { topic, partition, offset } : { topic, partition, offset, metadata: metadata as string };
  });
}

/** `?timeout=&max_bytes=`: the wait defaults to the instance's consumer.request.timeout.ms; both are capped by the broker's bounds. */
export function parsePollQuery(query: Record<string, unknown>, settings: ConsumerSettings, config: HttpConsumerConfig): PollRequest {
  const timeout = queryInteger(query, 'timeout');
  const maxBytes = queryInteger(query, 'max_bytes');
  if (maxBytes === 0) throw badRequest('max_bytes must be at least 1');
  return {
    timeoutMs: Math.min(timeout ?? settings.requestTimeoutMs, config.maxPollWaitMs),
    maxBytes: Math.min(maxBytes ?? config.maxPollBytes, config.maxPollBytes),
  };
}

/**
 * The body of a GET (Confluent's GET .../offsets carries `{"partitions"}`): Fastify parses no GET
 * body, so it is read here, up to MAX_GET_BODY_BYTES. Undefined when there is none.
 */
export async function readGetBody(request: IncomingMessage): Promise<unknown> {
  const length = request.headers['content-length'];
  if (request.headers['transfer-encoding'] === undefined && (length === undefined || length === '0')) return undefined;
  if (Number(length) > MAX_GET_BODY_BYTES) throw new RunnelError('TOO_LARGE', `A GET body may hold at most ${MAX_GET_BODY_BYTES} bytes`);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > MAX_GET_BODY_BYTES) throw new RunnelError('TOO_LARGE', `A GET body may hold at most ${MAX_GET_BODY_BYTES} bytes`);
    chunks.push(chunk as Buffer);
  }
  const text = Buffer.concat(chunks).toString('utf8').trim();
  if (text === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    throw badRequest('The request body is not valid JSON');
  }
}

function objectBody(body: unknown, allowed: readonly string[]): Record<string, unknown> {
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    throw unprocessable(`The body must be a JSON object with ${allowed.join(' or ')}`);
  const extra = Object.keys(body).filter((name) => !allowed.includes(name));
  if (extra.length > 0) throw unprocessable(`Unknown field(s): ${extra.join(', ')}`);
  return body as Record<string, unknown>;
}

function entries(value: unknown, field: string): unknown[] {
  if (!Array.isArray(value)) throw unprocessable(`${field} must be an array`);
  if (value.length > MAX_OFFSETS_PER_REQUEST) throw unprocessable(`${field} may list at most ${MAX_OFFSETS_PER_REQUEST} partitions`);
  const seen = new Set<string>();
  for (const [i, entry] of value.entries()) {
    const { topic, partition } = (entry ?? {}) as { topic?: unknown; partition?: unknown };
    const key = `${String(partition)}:${String(topic)}`;
    if (seen.has(key)) throw unprocessable(`${field}[${i}] names ${String(topic)}-${String(partition)} twice`);
    seen.add(key);
  }
  return value;
}

function topicPartition(entry: unknown, field: string, more: readonly string[] = []): TopicPartition {
  if (typeof entry !== 'object' || entry === null || Array.isArray(entry))
    throw unprocessable(`${field} must be an object {"topic","partition"}`);
  const extra = Object.keys(entry).filter((name) => name !== 'topic' && name !== 'partition' && !more.includes(name));
  if (extra.length > 0) throw unprocessable(`${field} has unknown field(s): ${extra.join(', ')}`);
  const { topic, partition } = entry as { topic?: unknown; partition?: unknown };
  if (typeof topic !== 'string' || topic.length === 0) throw unprocessable(`${field}.topic must be a topic name`);
  if (typeof partition !== 'number' || !Number.isInteger(partition) || partition < 0 || partition > 0x7fffffff) {
    throw unprocessable(`${field}.partition must be a partition id`);
  }
  return { topic, partition };
}

function booleanConfig(fields: Record<string, unknown>, name: string): boolean | undefined {
  const value = fields[name];
  if (value === undefined) return undefined;
  if (value === true || value === 'true') return true;
  if (value === false || value === 'false') return false;
  throw invalidConfig(`${name} must be true or false`);
}

/** Confluent's clients send some integer configs as strings. */
function integerConfig(fields: Record<string, unknown>, name: string, min: number, max: number): number | undefined {
  const raw = fields[name];
  if (raw === undefined) return undefined;
  const value = typeof raw === 'string' && /^\d{1,16}$/.test(raw) ? Number(raw) : raw;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw invalidConfig(`${name} must be an integer from ${min} to ${max}`);
  }
  return value;
}

function queryInteger(query: Record<string, unknown>, name: string): number | undefined {
  const raw = query[name];
  if (raw === undefined) return undefined;
  if (typeof raw !== 'string' || !/^\d{1,15}$/.test(raw)) throw badRequest(`${name} must be a non-negative integer`);
  return Number(raw);
}

function invalidConfig(message: string): RunnelError {
  return new RunnelError('INVALID_CONSUMER_CONFIG', message);
}

function unprocessable(message: string): RunnelError {
  return new RunnelError('UNPROCESSABLE', message);
}
