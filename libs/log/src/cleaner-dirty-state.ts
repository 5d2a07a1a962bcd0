/**
 * Which part of a compacted log a clean would cover, and whether it is worth cleaning: Kafka's
 * LogToClean and its dirty-ratio rule. Reads segment sizes only, never the log's bytes.
 */
import type { PartitionLog } from './partition-log';
import type { LogSegment } from './segment';

/** What a clean would cover now (Kafka's LogToClean): computed from segment sizes, reads nothing. */
export interface DirtyState {
  firstDirtyOffset: number;
  /** Exclusive end of the cleanable offsets (Kafka's first uncleanable offset). */
  cleanableEndOffset: number;
  cleanBytes: number;
  dirtyBytes: number;
  /** dirtyBytes / (cleanBytes + dirtyBytes), 0 when nothing is cleanable. */
  dirtyRatio: number;
}

/**
 * The cleanable part of `log` given its checkpointed first dirty offset: the closed segments
 * wholly below `highWatermark` (default: the log end offset), split into clean and dirty bytes.
 * A checkpoint outside [logStartOffset, logEndOffset] means "start over" (a truncation or
 * DeleteRecords moved past it).
 */
export function dirtyStateOf(log: PartitionLog, checkpoint: number | undefined, highWatermark: number = log.logEndOffset): DirtyState {
  const closed = cleanableSegments(log.closedSegments(), log.segmentBaseOffsets().at(-1)!, highWatermark);
  const lso = log.logStartOffset;
  const firstDirty = checkpoint === undefined || checkpoint < lso || checkpoint > log.logEndOffset ? lso : Math.min(checkpoint, closed.end);
  let cleanBytes = 0;
  let dirtyBytes = 0;
  closed.segments.forEach((segment, i) => {
    const end = closed.segments[i + 1]?.baseOffset ?? closed.end;
    if (end <= firstDirty) cleanBytes += segment.size;
    else dirtyBytes += segment.size;
  });
  const total = cleanBytes + dirtyBytes;
  return {
    firstDirtyOffset: firstDirty,
    cleanableEndOffset: closed.end,
    cleanBytes,
    dirtyBytes,
    dirtyRatio: total === 0 ? 0 : dirtyBytes / total,
  };
}

/**
 * Whether a clean is due: something closed, the dirty ratio at the minimum, and something dirty
 * unless the minimum is 0 (which re-reads a clean log only to expire tombstones).
 */
export function isWorthCleaning(state: DirtyState, minCleanableDirtyRatio: number): boolean {
  const total = state.cleanBytes + state.dirtyBytes;
  return total > 0 && state.dirtyRatio >= minCleanableDirtyRatio && (state.dirtyBytes > 0 || minCleanableDirtyRatio === 0);
}

/** The closed segments wholly below `highWatermark`, and the exclusive end of their offsets. */
function cleanableSegments(
  closed: readonly LogSegment[],
  activeBase: number,
  highWatermark: number,
): { segments: readonly LogSegment[]; end: number } {
  let n = closed.length;
  let end = activeBase;
  while (n > 0 && end > highWatermark) end = closed[--n].baseOffset;
  return { segments: closed.slice(0, n), end };
}
