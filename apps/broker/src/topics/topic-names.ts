import { isValidTopicName, parsePartitionIdText } from '@runnel/protocol';
import { RunnelError, badRequest } from '../common/errors';

/** The name (Kafka's rules, @runnel/protocol's isValidTopicName), or 40001 naming the rules. */
export function checkTopicName(name: unknown): string {
  if (!isValidTopicName(name)) {
    throw badRequest(`Invalid topic name ${JSON.stringify(name)}: use 1-249 characters of [a-zA-Z0-9._-], not "." or ".."`);
  }
  return name;
}

/** A partition id from a path segment (`.../partitions/{p}`), or 40001. */
export function parsePartitionId(raw: string): number {
  const id = parsePartitionIdText(raw);
  if (id === undefined) throw badRequest(`partition id ${JSON.stringify(raw)} is not a non-negative 32-bit integer`);
  return id;
}

/** Longest file name most file systems allow (ext4, xfs, btrfs, APFS: 255 bytes). */
const MAX_FILE_NAME_BYTES = 255;

/**
 * A partition lives in the directory `<topic>-<partition>`: 40001 when the last one's name would
 * not fit a file name (a 249-character topic fits partitions 0-99999, as Kafka's own limit).
 */
export function checkPartitionDirNameFits(name: string, partitionsCount: number): void {
  const longest = `${name}-${partitionsCount - 1}`;
  if (Buffer.byteLength(longest) > MAX_FILE_NAME_BYTES) {
    throw badRequest(
      `Topic '${name}' with ${partitionsCount} partitions needs the directory name '${name.slice(0, 8)}…-${partitionsCount - 1}' of ${Buffer.byteLength(longest)} bytes; a file name holds at most ${MAX_FILE_NAME_BYTES}: use a shorter name or fewer partitions`,
    );
  }
}

/** Where the group coordinator keeps committed offsets and group metadata (apps/broker/src/groups). */
export const CONSUMER_OFFSETS_TOPIC = '__consumer_offsets';
/** Where the answers of Idempotency-Key requests are kept across restarts (apps/broker/src/produce). */
export const IDEMPOTENCY_TOPIC = '__idempotency';

/**
 * Internal topics (`__consumer_offsets`, ...) are those the broker creates under the `__` prefix:
 * hidden from listings unless asked for, and never mutated by a client (`checkClientMutation`).
 */
export function isInternalTopicName(name: string): boolean {
  return name.startsWith('__');
}

/** What a client tried to do to a topic, as the refusal's message says it. */
export type ClientMutation =
  'produce to it' | 'delete its records' | 'alter its configs' | 'delete it' | 'create it' | 'add partitions to it';

/**
 * The one rule for internal topics: every client mutation path (produce over HTTP, NDJSON,
 * records:batch, binary batches and WebSocket; records:delete; configs; topic delete, create and
 * partition additions)
 * calls this, and an internal topic answers 403/40301. Only the broker itself writes them.
 */
export function checkClientMutation(name: string, mutation: ClientMutation): void {
  if (!isInternalTopicName(name)) return;
  const why = mutation === 'create it' ? 'names starting with "__" are reserved for the broker' : 'only the broker writes it';
  throw new RunnelError('NOT_AUTHORIZED', `topic ${name} is internal: clients may not ${mutation} (${why})`);
}
