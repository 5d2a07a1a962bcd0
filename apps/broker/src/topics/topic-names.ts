import { badRequest } from '../common/errors';

const LEGAL = /^[a-zA-Z0-9._-]{1,249}$/;

/** Kafka's topic name rules: 1-249 of [a-zA-Z0-9._-], and not "." or "..". */
export function checkTopicName(name: unknown): string {
  if (typeof name !== 'string' || !LEGAL.test(name) || name === '.' || name === '..') {
    throw badRequest(`Invalid topic name ${JSON.stringify(name)}: use 1-249 characters of [a-zA-Z0-9._-], not "." or ".."`);
  }
  return name;
}

/** Where the group coordinator keeps committed offsets and group metadata (apps/broker/src/groups). */
export const CONSUMER_OFFSETS_TOPIC = '__consumer_offsets';
/** Where the answers of Idempotency-Key requests are kept across restarts (apps/broker/src/produce). */
export const IDEMPOTENCY_TOPIC = '__idempotency';

/** Internal topics (`__consumer_offsets`, ...) are hidden from listings unless asked for. */
export function isInternalTopicName(name: string): boolean {
  return name.startsWith('__');
}
