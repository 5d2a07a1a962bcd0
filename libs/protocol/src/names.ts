/**
 * The one definition of a legal topic name and partition id, for the broker's routes, the
 * storage engine's directory names and the client.
 */

/** Kafka's limit: the partition directory `<topic>-<partition>` must fit a 255-byte file name. */
export const TOPIC_NAME_MAX_LENGTH = 249;
const TOPIC_NAME = /^[a-zA-Z0-9._-]{1,249}$/;

/** Kafka's topic name rules: 1-249 of [a-zA-Z0-9._-], and not "." or ".." (they are paths). */
export function isValidTopicName(name: unknown): name is string {
  return typeof name === 'string' && TOPIC_NAME.test(name) && name !== '.' && name !== '..';
}

/** Partition ids are Kafka's int32, non-negative. */
export const MAX_PARTITION_ID = 0x7fffffff;

export function isPartitionId(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= MAX_PARTITION_ID;
}

/** A partition id written in decimal (a path segment, a query list, a cursor key); undefined if not one. */
export function parsePartitionIdText(text: string): number | undefined {
  if (!/^(0|[1-9]\d{0,9})$/.test(text)) return undefined;
  const value = Number(text);
  return value <= MAX_PARTITION_ID ? value : undefined;
}
