/**
 * Input checks of the coordinator's requests. Every failure is a GroupError the broker maps to an
 * API.md error; nothing here touches state.
 */
import { GroupError, type GroupLimits, type GroupSubscription, type OffsetCommit } from './types';

export const MAX_ID_LENGTH = 255;
/** Kafka's offset.metadata.max.bytes default (counted in characters here). */
export const MAX_OFFSET_METADATA_LENGTH = 4096;
export const MAX_OFFSETS_PER_REQUEST = 10_000;
/** Longest client id / host kept for a member. */
export const MAX_CLIENT_FIELD_LENGTH = 255;
/** Longest `topicPattern` source accepted. */
export const MAX_TOPIC_PATTERN_LENGTH = 255;
/**
 * A quantified group that itself holds a quantifier (`(a+)+`, `(x*y)*`): the shape of
 * catastrophic backtracking. Such patterns are refused, since matching runs on the event loop.
 */
const NESTED_QUANTIFIER = /\((?:[^()\\]|\\.)*[+*}](?:[^()\\]|\\.)*\)[+*{]/;

/** Compiles a topic pattern to a whole-name matcher; throws INVALID_REQUEST for a bad or risky one. */
export function compileTopicPattern(pattern: unknown): RegExp {
  if (typeof pattern !== 'string' || pattern.length === 0 || pattern.length > MAX_TOPIC_PATTERN_LENGTH) {
    throw new GroupError('INVALID_REQUEST', `topic pattern must be a regular expression of 1 to ${MAX_TOPIC_PATTERN_LENGTH} characters`);
  }
  if (NESTED_QUANTIFIER.test(pattern)) {
    throw new GroupError('INVALID_REQUEST', 'topic pattern must not repeat a group that itself repeats (catastrophic backtracking)');
  }
  try {
    return new RegExp(`^(?:${pattern})$`, 'u');
  } catch (error) {
    throw new GroupError('INVALID_REQUEST', `topic pattern is not a valid regular expression: ${(error as Error).message}`);
  }
}

export function checkId(what: string, value: unknown): asserts value is string {
  if (typeof value !== 'string' || value.length === 0 || value.length > MAX_ID_LENGTH) {
    throw new GroupError('INVALID_REQUEST', `${what} must be a string of 1 to ${MAX_ID_LENGTH} characters`);
  }
}

export function checkClientField(what: string, value: unknown): asserts value is string {
  if (typeof value !== 'string' || value.length > MAX_CLIENT_FIELD_LENGTH) {
    throw new GroupError('INVALID_REQUEST', `${what} must be a string of at most ${MAX_CLIENT_FIELD_LENGTH} characters`);
  }
}

/** Returns a defensive copy (the caller's arrays may change later). */
export function checkSubscription(subscription: unknown, limits: GroupLimits): GroupSubscription {
  const sub = subscription as Partial<GroupSubscription> | null | undefined;
  const topics = sub?.topics ?? [];
  const topicPrefixes = sub?.topicPrefixes ?? [];
  if (typeof sub !== 'object' || sub === null || !Array.isArray(topics) || !Array.isArray(topicPrefixes)) {
    throw new GroupError('INVALID_REQUEST', 'subscription must list topics and/or topic prefixes');
  }
  const topicPattern = sub.topicPattern;
  if (topicPattern !== undefined) compileTopicPattern(topicPattern);
  const entries = topics.length + topicPrefixes.length + (topicPattern === undefined ? 0 : 1);
  if (entries === 0) throw new GroupError('INVALID_REQUEST', 'subscription must name at least one topic, prefix or pattern');
  if (entries > limits.maxSubscribedTopics) {
    throw new GroupError('INVALID_REQUEST', `subscription has ${entries} topics and prefixes, the limit is ${limits.maxSubscribedTopics}`);
  }
  for (const name of topics) {
    if (typeof name !== 'string' || name.length === 0 || name.length > MAX_ID_LENGTH) {
      throw new GroupError('INVALID_REQUEST', `subscribed topics must be names of 1 to ${MAX_ID_LENGTH} characters`);
    }
  }
  // The empty prefix is allowed: it subscribes to every (non-internal) topic.
  for (const prefix of topicPrefixes) {
    if (typeof prefix !== 'string' || prefix.length > MAX_ID_LENGTH) {
      throw new GroupError('INVALID_REQUEST', `topic prefixes must be strings of at most ${MAX_ID_LENGTH} characters`);
    }
  }
  const checked = { topics: [...new Set(topics)], topicPrefixes: [...new Set(topicPrefixes)] };
  return topicPattern === undefined ? checked : { ...checked, topicPattern };
}

export function checkSessionTimeout(value: unknown, limits: GroupLimits): number {
  if (value === undefined) return limits.defaultSessionTimeoutMs;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < limits.minSessionTimeoutMs || value > limits.maxSessionTimeoutMs) {
    throw new GroupError(
      'INVALID_REQUEST',
      `session timeout must be an integer between ${limits.minSessionTimeoutMs} and ${limits.maxSessionTimeoutMs} ms`,
    );
  }
  return value;
}

export function checkOffsets(offsets: unknown): asserts offsets is readonly OffsetCommit[] {
  if (!Array.isArray(offsets)) throw new GroupError('INVALID_REQUEST', 'offsets must be an array');
  if (offsets.length > MAX_OFFSETS_PER_REQUEST) {
    throw new GroupError('INVALID_REQUEST', `at most ${MAX_OFFSETS_PER_REQUEST} offsets per request, got ${offsets.length}`);
  }
  const seen = new Set<string>();
  for (const entry of offsets as Partial<OffsetCommit>[]) {
    const { topic, partition, offset, metadata } = entry ?? {};
    if (typeof topic !== 'string' || topic.length === 0 || topic.length > MAX_ID_LENGTH) {
      throw new GroupError('INVALID_REQUEST', 'offset topic must be a non-empty topic name');
    }
    if (typeof partition !== 'number' || !Number.isSafeInteger(partition) || partition < 0) {
      throw new GroupError('INVALID_REQUEST', `partition must be a non-negative integer, got ${String(partition)}`);
    }
    if (typeof offset !== 'number' || !Number.isSafeInteger(offset) || offset < 0) {
      throw new GroupError('INVALID_REQUEST', `offset must be a non-negative safe integer, got ${String(offset)}`);
    }
    if (metadata !== undefined && (typeof metadata !== 'string' || metadata.length > MAX_OFFSET_METADATA_LENGTH)) {
      throw new GroupError('INVALID_REQUEST', `offset metadata must be a string of at most ${MAX_OFFSET_METADATA_LENGTH} characters`);
    }
    const key = `${topic}\u0000${partition}`;
    if (seen.has(key)) throw new GroupError('INVALID_REQUEST', `${topic}/${partition} appears twice`);
    seen.add(key);
  }
}
