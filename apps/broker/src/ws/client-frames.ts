import { isPartitionId } from '@runnel/protocol';
import type { Acks } from '@runnel/replication';
import { ReadFormat, parseReadFormat } from '../common/encodings';
import { badRequest } from '../common/errors';
import { parseRecordListText } from '../common/raw-json';
import type { StartFrom } from '../consume/start-position';
import { WATCH_RESOURCES, WatchResource } from '../changes/change-types';
import { WsLimits } from './ws-limits';

/**
 * The client → server frames of API.md "WebSocket", validated into typed values. Every problem
 * is a RunnelError (40001) naming the field; the session turns it into an error frame carrying
 * the frame's `sub` (or `ref`) so the client can tell which request failed.
 *
 *   {"type":"subscribe","sub","topic","partitions"?,"from"?,"credit"?,"format"?}
 *   {"type":"subscribe","sub","group","topic"?|"topics"?|"topic_prefix"?,"from"?,"credit"?,"format"?,
 *    "auto_commit"?,"auto_commit_interval_ms"?,"session_timeout_ms"?,"assignor"?,"member_id"?,"client_id"?}
 *   {"type":"credit","sub","records":N}
 *   {"type":"commit","sub","offsets"?:[{"topic"?,"partition","offset","metadata"?}],"ref"?}
 *   {"type":"unsubscribe","sub"}
 *   {"type":"produce","ref","topic","records":[...],"acks"?}
 *   {"type":"watch","sub","resources":["topics"|"groups"|"acls",...]}
 *   {"type":"unwatch","sub"}
 */
/** Where a subscription starts: the one start-position shape every read transport resolves. */
export type FromSpec = StartFrom;

export interface SubscribeFrame {
  type: 'subscribe';
  sub: string;
  /** The topic (for a group member: the first named topic, or '' with only a prefix). */
  topic: string;
  partitions: number[] | undefined;
  from: FromSpec;
  credit: number;
  format: ReadFormat;
  /** Set when the subscription joins a consumer group. */
  group: GroupSubscribe | undefined;
}

export interface GroupSubscribe {
  groupId: string;
  topics: string[];
  topicPrefixes: string[];
  autoCommit: boolean;
  autoCommitIntervalMs: number;
  sessionTimeoutMs: number | undefined;
  assignor: string | undefined;
  memberId: string | undefined;
  clientId: string;
}

export interface CommitFrame {
  type: 'commit';
  sub: string;
  /** Echoed in the `committed` (or error) answer, so a client can match answers to commits. */
  ref: ProduceRef | undefined;
  /** Undefined: commit every partition's delivered position. */
  offsets: { topic: string | undefined; partition: number; offset: number; metadata: string | undefined }[] | undefined;
}
export interface CreditFrame {
  type: 'credit';
  sub: string;
  records: number;
}
export interface UnsubscribeFrame {
  type: 'unsubscribe';
  sub: string;
}
export type ProduceRef = string | number | null;
export interface ProduceFrame {
  type: 'produce';
  ref: ProduceRef;
  topic: string;
  records: unknown[];
  acks: Acks;
}
/** Opens a metadata change watch (the change feed) under `sub`. */
export interface WatchFrame {
  type: 'watch';
  sub: string;
  /** Distinct, in the order given. */
  resources: WatchResource[];
}
export interface UnwatchFrame {
  type: 'unwatch';
  sub: string;
}
export type ClientFrame = SubscribeFrame | CreditFrame | CommitFrame | UnsubscribeFrame | ProduceFrame | WatchFrame | UnwatchFrame;

/** Kafka's auto.commit.interval.ms default, and the bounds a subscription may pick within. */
export const DEFAULT_AUTO_COMMIT_INTERVAL_MS = 5000;
const MIN_AUTO_COMMIT_INTERVAL_MS = 100;
const MAX_AUTO_COMMIT_INTERVAL_MS = 3_600_000;
/** Offsets in one commit frame (also bounded by the frame size). */
export const MAX_COMMIT_OFFSETS = 10_000;

/** The raw JSON object of a frame (so errors can echo its `sub` / `ref`). */
export type RawFrame = Record<string, unknown>;

export function parseJsonFrame(data: Buffer | string, isBinary: boolean): RawFrame {
  if (isBinary) throw badRequest('binary frames are not supported: send JSON text frames');
  let value: unknown;
  try {
    value = parseRecordListText(typeof data === 'string' ? data : data.toString('utf8'), 'records'); // produce: JSON data as sent (raw-json.ts)
  } catch {
    throw badRequest('frame is not valid JSON');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw badRequest('frame must be a JSON object');
  return value as RawFrame;
}

export function validateFrame(raw: RawFrame, limits: WsLimits): ClientFrame {
  switch (raw.type) {
    case 'subscribe':
      return validateSubscribe(raw, limits);
    case 'credit':
      return { type: 'credit', sub: subName(raw, limits), records: positiveInteger('records', raw.records, limits.maxCredit) };
    case 'unsubscribe':
      return { type: 'unsubscribe', sub: subName(raw, limits) };
    case 'produce':
      return validateProduce(raw);
    case 'commit':
      return validateCommit(raw, limits);
    case 'watch':
      return { type: 'watch', sub: subName(raw, limits), resources: watchResources(raw.resources) };
    case 'unwatch':
      return { type: 'unwatch', sub: subName(raw, limits) };
    default:
      throw badRequest(
        typeof raw.type === 'string'
          ? `unknown frame type '${raw.type.slice(0, 64)}' (expected subscribe, credit, commit, unsubscribe, produce, watch or unwatch)`
          : 'frame needs a string "type"',
      );
  }
}

function watchResources(input: unknown): WatchResource[] {
  const expected = `watch.resources must be a non-empty array of ${WATCH_RESOURCES.map((r) => `"${r}"`).join(', ')}`;
  if (!Array.isArray(input) || input.length === 0 || input.length > WATCH_RESOURCES.length * 4) throw badRequest(expected);
  const resources: WatchResource[] = [];
  for (const resource of input) {
    if (!WATCH_RESOURCES.includes(resource as WatchResource)) {
      throw badRequest(`${expected}; got ${typeof resource === 'string' ? `"${resource.slice(0, 64)}"` : typeof resource}`);
    }
    if (!resources.includes(resource as WatchResource)) resources.push(resource as WatchResource);
  }
  return resources;
}

function validateSubscribe(raw: RawFrame, limits: WsLimits): SubscribeFrame {
  const sub = subName(raw, limits);
  const common = {
    type: 'subscribe' as const,
    sub,
    from: fromSpec(raw.from),
    credit: raw.credit === undefined ? limits.defaultCredit : nonNegativeInteger('credit', raw.credit, limits.maxCredit),
    format: parseReadFormat(raw.format),
  };
  if (raw.group !== undefined && raw.group !== null) {
    const group = validateGroup(raw);
    if (common.from.kind !== 'earliest' && common.from.kind !== 'latest') {
      throw badRequest(
        'subscribe.from must be "earliest" or "latest" with "group": it applies where the group has no committed offset (auto.offset.reset)',
      );
    }
    return { ...common, topic: group.topics[0] ?? '', partitions: undefined, group };
  }
  for (const field of ['auto_commit', 'auto_commit_interval_ms', 'session_timeout_ms', 'assignor', 'member_id', 'topics', 'topic_prefix']) {
    if (raw[field] !== undefined) throw badRequest(`subscribe.${field} needs "group"`);
  }
  if (typeof raw.topic !== 'string' || raw.topic.length === 0) throw badRequest('subscribe.topic must be a topic name');
  return { ...common, topic: raw.topic, partitions: partitionList(raw.partitions, limits.maxPartitionsPerSubscription), group: undefined };
}

function validateGroup(raw: RawFrame): GroupSubscribe {
  if (typeof raw.group !== 'string' || raw.group.length === 0 || raw.group.length > 255)
    throw badRequest('subscribe.group must be a string of 1 to 255 characters');
  if (raw.partitions !== undefined)
    throw badRequest('subscribe.partitions cannot be used with "group": the group coordinator assigns partitions');
  const topics: string[] = [];
  if (raw.topic !== undefined) {
    if (typeof raw.topic !== 'string' || raw.topic.length === 0) throw badRequest('subscribe.topic must be a topic name');
    topics.push(raw.topic);
  }
  if (raw.topics !== undefined) {
    if (!Array.isArray(raw.topics) || raw.topics.some((t) => typeof t !== 'string' || t.length === 0)) {
      throw badRequest('subscribe.topics must be an array of topic names');
    }
    for (const t of raw.topics as string[]) if (!topics.includes(t)) topics.push(t);
  }
  const topicPrefixes: string[] = [];
  if (raw.topic_prefix !== undefined) {
    if (typeof raw.topic_prefix !== 'string' || raw.topic_prefix.length === 0)
      throw badRequest('subscribe.topic_prefix must be a non-empty string');
    topicPrefixes.push(raw.topic_prefix);
  }
  if (topics.length === 0 && topicPrefixes.length === 0)
    throw badRequest('subscribe with "group" needs "topic", "topics" or "topic_prefix"');
  if (raw.auto_commit !== undefined && typeof raw.auto_commit !== 'boolean')
    throw badRequest('subscribe.auto_commit must be true or false');
  return {
    groupId: raw.group,
    topics,
    topicPrefixes,
    autoCommit: raw.auto_commit !== false,
    autoCommitIntervalMs:
      raw.auto_commit_interval_ms === undefined
        ? DEFAULT_AUTO_COMMIT_INTERVAL_MS
        : integerBetween('auto_commit_interval_ms', raw.auto_commit_interval_ms, MIN_AUTO_COMMIT_INTERVAL_MS, MAX_AUTO_COMMIT_INTERVAL_MS),
    sessionTimeoutMs:
      raw.session_timeout_ms === undefined ? undefined : integerBetween('session_timeout_ms', raw.session_timeout_ms, 1, 2 ** 31 - 1),
    assignor: optionalString('subscribe.assignor', raw.assignor, 64),
    memberId: optionalString('subscribe.member_id', raw.member_id, 255),
    clientId: optionalString('subscribe.client_id', raw.client_id, 255) ?? '',
  };
}

function validateCommit(raw: RawFrame, limits: WsLimits): CommitFrame {
  const sub = subName(raw, limits);
  const ref = raw.ref ?? undefined;
  if (ref !== undefined && typeof ref !== 'string' && typeof ref !== 'number') throw badRequest('commit.ref must be a string or a number');
  if (raw.offsets === undefined || raw.offsets === null) return { type: 'commit', sub, ref, offsets: undefined };
  if (!Array.isArray(raw.offsets) || raw.offsets.length === 0 || raw.offsets.length > MAX_COMMIT_OFFSETS) {
    throw badRequest(
      `commit.offsets must be a non-empty array of at most ${MAX_COMMIT_OFFSETS} {"partition","offset"} (or absent: commit what was delivered)`,
    );
  }
  const offsets = raw.offsets.map((entry: unknown, i) => {
    if (typeof entry !== 'object' || entry === null) throw badRequest(`commit.offsets[${i}] must be {"partition","offset"}`);
    const e = entry as Record<string, unknown>;
    if (e.topic !== undefined && (typeof e.topic !== 'string' || e.topic.length === 0))
      throw badRequest(`commit.offsets[${i}].topic must be a topic name`);
    if (!isPartitionId(e.partition)) {
      throw badRequest(`commit.offsets[${i}].partition must be a partition id`);
    }
    return {
      topic: e.topic as string | undefined,
      partition: e.partition,
      offset: offsetValue(`commit.offsets[${i}].offset`, e.offset),
      metadata: optionalString(`commit.offsets[${i}].metadata`, e.metadata, 4096),
    };
  });
  return { type: 'commit', sub, ref, offsets };
}

function optionalString(field: string, value: unknown, maxLength: number): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string' || value.length === 0 || value.length > maxLength)
    throw badRequest(`${field} must be a string of 1 to ${maxLength} characters`);
  return value;
}

function integerBetween(field: string, value: unknown, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw badRequest(`subscribe.${field} must be an integer from ${min} to ${max}`);
  }
  return value;
}

function validateProduce(raw: RawFrame): ProduceFrame {
  const ref = raw.ref ?? null;
  if (ref !== null && typeof ref !== 'string' && typeof ref !== 'number') throw badRequest('produce.ref must be a string or a number');
  if (typeof raw.topic !== 'string' || raw.topic.length === 0) throw badRequest('produce.topic must be a topic name');
  if (!Array.isArray(raw.records) || raw.records.length === 0) throw badRequest('produce.records must be a non-empty array of records');
  return { type: 'produce', ref, topic: raw.topic, records: raw.records, acks: parseAcks(raw.acks) };
}

function parseAcks(input: unknown): Acks {
  if (input === undefined || input === null || input === 'all' || input === -1) return -1;
  if (input === 0 || input === 1) return input;
  throw badRequest('produce.acks must be 0, 1, -1 or "all"');
}

function subName(raw: RawFrame, limits: WsLimits): string {
  const sub = raw.sub;
  if (typeof sub !== 'string' || sub.length === 0 || sub.length > limits.maxSubNameLength) {
    throw badRequest(`"sub" must be a string of 1 to ${limits.maxSubNameLength} characters`);
  }
  return sub;
}

function partitionList(input: unknown, max: number): number[] | undefined {
  if (input === undefined || input === null) return undefined;
  if (!Array.isArray(input) || input.length === 0 || input.length > max) {
    throw badRequest(`subscribe.partitions must be a non-empty array of at most ${max} partition ids`);
  }
  const seen = new Set<number>();
  for (const p of input) {
    if (!isPartitionId(p)) {
      throw badRequest('subscribe.partitions must hold non-negative integer partition ids');
    }
    if (seen.has(p)) throw badRequest(`subscribe.partitions names partition ${p} twice`);
    seen.add(p);
  }
  return [...seen].sort((a, b) => a - b);
}

function fromSpec(input: unknown): FromSpec {
  if (input === undefined || input === null || input === 'latest') return { kind: 'latest' };
  if (input === 'earliest') return { kind: 'earliest' };
  if (typeof input === 'object' && !Array.isArray(input)) {
    const keys = Object.keys(input);
    const value = (input as Record<string, unknown>)[keys[0]];
    if (keys.length === 1 && keys[0] === 'offset') return { kind: 'offset', offset: offsetValue('from.offset', value) };
    if (keys.length === 1 && keys[0] === 'timestamp') return { kind: 'timestamp', timestamp: offsetValue('from.timestamp', value) };
    if (keys.length === 1 && keys[0] === 'cursor' && typeof value === 'string') return { kind: 'cursor', cursor: value };
  }
  throw badRequest('subscribe.from must be "earliest", "latest", {"offset": n}, {"timestamp": ms} or {"cursor": "..."}');
}

function offsetValue(field: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw badRequest(`${field} must be a non-negative integer below 2^53`);
  }
  return value;
}

function nonNegativeInteger(field: string, value: unknown, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > max) {
    throw badRequest(`${field} must be an integer from 0 to ${max}`);
  }
  return value;
}

function positiveInteger(field: string, value: unknown, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > max) {
    throw badRequest(`${field} must be an integer from 1 to ${max}`);
  }
  return value;
}
