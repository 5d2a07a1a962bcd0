import { badRequest, offsetOutOfRange, unknownPartition } from '../common/errors';
import { FromSpec, SubscribeFrame } from './client-frames';
import { decodeCursor } from './cursor';
import type { SubscriptionPartition } from './subscription';
import type { WsLimits } from './ws-limits';
import type { WsTopics } from './ws-session';

/**
 * Where a plain (group-less) subscription starts: its partitions (named, from the cursor, or
 * all) and the first offset of each from `from`. Throws 40403 for an unknown topic or partition,
 * 416 for an offset outside the readable range, 40001 for a bad cursor or too many partitions.
 */
export async function resolvePlainStart(
  frame: SubscribeFrame,
  topics: WsTopics,
  limits: WsLimits,
): Promise<{ state: SubscriptionPartition; offset: number }[]> {
  const count = topics.partitionCount(frame.topic);
  const fromCursor = frame.from.kind === 'cursor' ? cursorOffsets(frame, limits.maxPartitionsPerSubscription) : undefined;
  const ids = frame.partitions ?? (fromCursor ? [...fromCursor.keys()] : Array.from({ length: count }, (_, i) => i));
  if (ids.length > limits.maxPartitionsPerSubscription) {
    throw badRequest(`a subscription reads at most ${limits.maxPartitionsPerSubscription} partitions; name them in "partitions"`);
  }
  const start: { state: SubscriptionPartition; offset: number }[] = [];
  for (const id of ids) {
    if (id >= count) throw unknownPartition(frame.topic, id);
    const state = topics.partition(frame.topic, id);
    start.push({ state, offset: await startOffset(state, frame.from, fromCursor?.get(id), frame.topic) });
  }
  return start;
}

function cursorOffsets(frame: SubscribeFrame, maxEntries: number): Map<number, number> {
  const entries = decodeCursor(frame.topic, (frame.from as { cursor: string }).cursor, maxEntries);
  const offsets = new Map(entries.map((e) => [e.partition, e.offset]));
  for (const p of frame.partitions ?? []) {
    if (!offsets.has(p)) throw badRequest(`from.cursor holds no position for partition ${p}`);
  }
  return offsets;
}

async function startOffset(
  state: Awaited<ReturnType<WsTopics['partition']>>,
  from: FromSpec,
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
      const offset = from.kind === 'offset' ? from.offset : cursorOffset!;
      if (offset < state.logStartOffset || offset > hw) {
        throw offsetOutOfRange(`${topic}-${state.partition}`, offset, state.logStartOffset, hw);
      }
      return offset;
    }
  }
}
