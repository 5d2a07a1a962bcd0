import { badRequest, offsetOutOfRange, unknownPartition } from '../common/errors';
import { decodeCursor } from './cursor';

/**
 * Where a read starts, for every transport (WebSocket subscribe, event streams): one set of rules,
 * so the same `from` gives the same offsets everywhere. Plain TypeScript (no Nest).
 *
 * - Partitions: the named ones; else, with a cursor, the cursor's; else every partition of the
 *   topic. An id the topic does not have is 40403; more than `maxPartitions` is 40001.
 * - earliest = log start; latest = high watermark (Kafka's auto.offset.reset);
 *   timestamp = the first offset below the HW whose record timestamp is >= it, else the HW;
 *   offset / cursor = exactly that offset, which must lie in [log start, HW] (else 416 with
 *   `earliest_offset` and `high_watermark`, nothing clamped: a reader must learn it lost data).
 *   A named partition the cursor holds no position for starts at its log start.
 */
export type StartFrom =
  | { kind: 'earliest' }
  | { kind: 'latest' }
  | { kind: 'offset'; offset: number }
  | { kind: 'timestamp'; timestamp: number }
  | { kind: 'cursor'; cursor: string };

export interface StartPartition {
  readonly partition: number;
  readonly logStartOffset: number;
  readonly highWatermark: number;
  offsetForTimestamp(timestampMs: number): Promise<{ offset: number } | null>;
  /** See PartitionHandle.sync: a remote leader's offsets, fresh. */
  sync?(): Promise<void>;
}

export interface StartTopic<P extends StartPartition> {
  /** Partition count; throws 40403 for an unknown topic. */
  partitionCount(topic: string): number;
  partition(topic: string, partition: number): P;
}

export async function resolveStart<P extends StartPartition>(
  topics: StartTopic<P>,
  topic: string,
  named: readonly number[] | undefined,
  from: StartFrom,
  maxPartitions: number,
): Promise<{ state: P; offset: number }[]> {
  const count = topics.partitionCount(topic);
  const cursor =
    from.kind === 'cursor' ? new Map(decodeCursor(topic, from.cursor, maxPartitions).map((e) => [e.partition, e.offset])) : undefined;
  const ids = named ?? (cursor ? [...cursor.keys()] : Array.from({ length: count }, (_, i) => i));
  if (ids.length > maxPartitions) throw badRequest(`a read names at most ${maxPartitions} partitions; name them in "partitions"`);
  const start: { state: P; offset: number }[] = [];
  for (const id of ids) {
    if (id >= count) throw unknownPartition(topic, id);
    const state = topics.partition(topic, id);
    await state.sync?.();
    start.push({ state, offset: await startOffset(state, from, cursor?.get(id), topic) });
  }
  return start;
}

/** One partition's start for `from` (a cursor's position for it given as `cursorOffset`); the rules above. */
export async function startOffset(
  state: StartPartition,
  from: StartFrom,
  cursorOffset: number | undefined,
  topic: string,
): Promise<number> {
  const hw = state.highWatermark;
  switch (from.kind) {
    case 'earliest':
      return state.logStartOffset;
    case 'latest':
      return hw;
    case 'timestamp': {
      const found = await state.offsetForTimestamp(from.timestamp);
      return found && found.offset < hw ? Math.max(found.offset, state.logStartOffset) : hw;
    }
    case 'offset':
    case 'cursor': {
      const offset = from.kind === 'offset' ? from.offset : (cursorOffset ?? state.logStartOffset);
      if (offset < state.logStartOffset || offset > hw)
        throw offsetOutOfRange(`${topic}-${state.partition}`, offset, state.logStartOffset, hw);
      return offset;
    }
  }
}
