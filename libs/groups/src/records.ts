/**
 * The record format of `__consumer_offsets` (Runnel's own, not Kafka's binary one): UTF-8 JSON
 * bytes. Keys are JSON arrays built in a fixed order, so the same group/partition always gives the
 * same key bytes and compaction by key keeps only the latest value. Decoding is defensive: bytes
 * that do not match the grammar give `null` (the caller skips and counts them), never a throw.
 *
 * Grammar:
 *   offset commit key   = JSON [1,"o",group,topic,partition]
 *   offset commit value = JSON {"offset":n,"metadata":s,"commit_timestamp":ms,"generation":g}
 *                         | null (tombstone: the offset is deleted)
 *   group metadata key  = JSON [1,"g",group]
 *   group metadata value = JSON {"assignor":s|null,"generation":g,"members":[member...]}
 *                         | null (tombstone: the group is deleted)
 *   member = {"member_id","client_id","client_host","session_timeout_ms",
 *             "subscription":{"topics":[s...],"topic_prefixes":[s...],"topic_pattern"?:s},
 *             "assignment":[[topic,[partition...]]...],"generation"}
 * The leading 1 is the key version: a later format gets a new number, and old readers skip it.
 */
import type { OffsetLogRecord, TopicPartition } from './types';
import { compileTopicPattern } from './validation';

export const RECORD_VERSION = 1;

export interface OffsetValue {
  readonly offset: number;
  readonly metadata: string;
  readonly commitTimestampMs: number;
  readonly generation: number;
}

export interface MemberMetadata {
  readonly memberId: string;
  readonly clientId: string;
  readonly clientHost: string;
  readonly sessionTimeoutMs: number;
  readonly subscription: { readonly topics: readonly string[]; readonly topicPrefixes: readonly string[]; readonly topicPattern?: string };
  /** Sorted by topic, then partition. */
  readonly assignment: readonly TopicPartition[];
  readonly generation: number;
}

export interface GroupMetadata {
  readonly assignor: string | null;
  readonly generation: number;
  readonly members: readonly MemberMetadata[];
}

export type DecodedOffsetsRecord =
  | {
      readonly kind: 'offset';
      readonly groupId: string;
      readonly topic: string;
      readonly partition: number;
      readonly value: OffsetValue | null;
    }
  | { readonly kind: 'group'; readonly groupId: string; readonly value: GroupMetadata | null };

export function offsetKey(groupId: string, topic: string, partition: number): Buffer {
  return Buffer.from(JSON.stringify([RECORD_VERSION, 'o', groupId, topic, partition]));
}

export function groupKey(groupId: string): Buffer {
  return Buffer.from(JSON.stringify([RECORD_VERSION, 'g', groupId]));
}

export function encodeOffsetValue(value: OffsetValue): Buffer {
  return Buffer.from(
    JSON.stringify({
      offset: value.offset,
      metadata: value.metadata,
      commit_timestamp: value.commitTimestampMs,
      generation: value.generation,
    }),
  );
}

export function encodeGroupValue(value: GroupMetadata): Buffer {
  return Buffer.from(
    JSON.stringify({
      assignor: value.assignor,
      generation: value.generation,
      members: value.members.map((member) => ({
        member_id: member.memberId,
        client_id: member.clientId,
        client_host: member.clientHost,
        session_timeout_ms: member.sessionTimeoutMs,
        subscription: {
          topics: member.subscription.topics,
          topic_prefixes: member.subscription.topicPrefixes,
          topic_pattern: member.subscription.topicPattern,
        },
        assignment: groupByTopic(member.assignment),
        generation: member.generation,
      })),
    }),
  );
}

export function offsetRecord(groupId: string, topic: string, partition: number, value: OffsetValue | null): OffsetLogRecord {
  return { key: offsetKey(groupId, topic, partition), value: value === null ? null : encodeOffsetValue(value) };
}

export function groupRecord(groupId: string, value: GroupMetadata | null): OffsetLogRecord {
  return { key: groupKey(groupId), value: value === null ? null : encodeGroupValue(value) };
}

/** Decodes one record; null when key or value does not follow the grammar above. */
export function decodeOffsetsRecord(record: OffsetLogRecord): DecodedOffsetsRecord | null {
  const key = parseJson(record.key);
  if (!Array.isArray(key) || key[0] !== RECORD_VERSION || !isId(key[2])) return null;
  const value = record.value === null ? null : parseJson(record.value);
  if (record.value !== null && value === undefined) return null;
  if (key[1] === 'o' && key.length === 5 && isName(key[3]) && isCount(key[4])) {
    if (value === null) return { kind: 'offset', groupId: key[2], topic: key[3], partition: key[4], value: null };
    const decoded = decodeOffsetValue(value);
    return decoded && { kind: 'offset', groupId: key[2], topic: key[3], partition: key[4], value: decoded };
  }
  if (key[1] === 'g' && key.length === 3) {
    if (value === null) return { kind: 'group', groupId: key[2], value: null };
    const decoded = decodeGroupValue(value);
    return decoded && { kind: 'group', groupId: key[2], value: decoded };
  }
  return null;
}

function decodeOffsetValue(value: unknown): OffsetValue | null {
  if (!isObject(value)) return null;
  const { offset, metadata, commit_timestamp, generation } = value;
  if (!isCount(offset) || typeof metadata !== 'string' || !isSafeInteger(commit_timestamp) || !isSafeInteger(generation)) return null;
  return { offset, metadata, commitTimestampMs: commit_timestamp, generation };
}

function decodeGroupValue(value: unknown): GroupMetadata | null {
  if (!isObject(value)) return null;
  const { assignor, generation, members } = value;
  if ((assignor !== null && !isName(assignor)) || !isCount(generation) || !Array.isArray(members)) return null;
  const decoded: MemberMetadata[] = [];
  for (const member of members) {
    const one = decodeMember(member);
    if (!one) return null;
    decoded.push(one);
  }
  return { assignor, generation, members: decoded };
}

function decodeMember(value: unknown): MemberMetadata | null {
  if (!isObject(value)) return null;
  const { member_id, client_id, client_host, session_timeout_ms, subscription, assignment, generation } = value;
  if (!isId(member_id) || typeof client_id !== 'string' || typeof client_host !== 'string') return null;
  if (!isCount(session_timeout_ms) || !isCount(generation) || !isObject(subscription) || !Array.isArray(assignment)) return null;
  const { topics, topic_prefixes, topic_pattern } = subscription;
  if (!isStringArray(topics) || !isStringArray(topic_prefixes)) return null;
  if (topic_pattern !== undefined && !isValidPattern(topic_pattern)) return null;
  const partitions: TopicPartition[] = [];
  for (const entry of assignment) {
    if (!Array.isArray(entry) || entry.length !== 2 || !isName(entry[0]) || !Array.isArray(entry[1])) return null;
    for (const partition of entry[1]) {
      if (!isCount(partition)) return null;
      partitions.push({ topic: entry[0], partition });
    }
  }
  return {
    memberId: member_id,
    clientId: client_id,
    clientHost: client_host,
    sessionTimeoutMs: session_timeout_ms,
    subscription:
      topic_pattern === undefined
        ? { topics, topicPrefixes: topic_prefixes }
        : { topics, topicPrefixes: topic_prefixes, topicPattern: topic_pattern },
    assignment: partitions,
    generation,
  };
}

/** [[topic,[partitions...]],...] from a list sorted by topic, then partition. */
function groupByTopic(assignment: readonly TopicPartition[]): [string, number[]][] {
  const grouped: [string, number[]][] = [];
  for (const { topic, partition } of assignment) {
    const last = grouped[grouped.length - 1];
    if (last && last[0] === topic) last[1].push(partition);
    else grouped.push([topic, [partition]]);
  }
  return grouped;
}

function parseJson(bytes: Buffer): unknown {
  try {
    return JSON.parse(bytes.toString('utf8'));
  } catch {
    return undefined;
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isSafeInteger(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value);
}

function isCount(value: unknown): value is number {
  return isSafeInteger(value) && value >= 0;
}

function isName(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0;
}

/** Group and member ids: 1..255 characters, as the coordinator accepts them. */
function isId(value: unknown): value is string {
  return isName(value) && value.length <= 255;
}

function isStringArray(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((item) => typeof item === 'string');
}

function isValidPattern(value: unknown): value is string {
  try {
    compileTopicPattern(value);
    return true;
  } catch {
    return false;
  }
}
