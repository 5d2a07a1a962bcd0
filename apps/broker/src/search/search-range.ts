import type { PartitionHandle } from '@runnel/replication';
import { startOffset } from '../consume/start-position';
import type { RangeSpec } from './search-requests';

/**
 * The offsets a search (or its estimate) covers in one partition, [start, end), and how many
 * stored bytes that is. `from` resolves as every read resolves its start (start-position.ts: the
 * time index finds timestamps; an offset outside [log start, HW] is 416). `to` is clamped into
 * [start, HW]: asking for more than exists is not an error for an end.
 *
 * Bytes are estimated from segment positions: each segment's size spread evenly over its
 * offsets, summed over the part of each segment the range covers (no file is read).
 */
export interface PartitionRange {
  partition: PartitionHandle;
  id: number;
  start: number;
  end: number;
}

export async function resolveRange(partition: PartitionHandle, topic: string, from: RangeSpec, to: RangeSpec): Promise<PartitionRange> {
  await partition.sync?.();
  const start = await startOffset(partition, from, undefined, topic);
  const hw = partition.highWatermark;
  let end: number;
  switch (to.kind) {
    case 'earliest':
      end = partition.logStartOffset;
      break;
    case 'latest':
      end = hw;
      break;
    case 'offset':
      end = Math.min(to.offset, hw);
      break;
    case 'timestamp':
      end = await startOffset(partition, to, undefined, topic);
      break;
  }
  return { partition, id: partition.partition, start, end: Math.max(start, end) };
}

/** Segment layout of a log, as PartitionLog exposes it. */
export interface SegmentLayout {
  readonly logEndOffset: number;
  readonly sizeBytes: number;
  segmentBaseOffsets(): readonly number[];
  closedSegments(): readonly { readonly size: number }[];
}

/** Stored bytes of offsets [start, end) (see above); 0 for an empty range. */
export function estimateBytes(log: SegmentLayout, start: number, end: number): number {
  if (end <= start) return 0;
  const bases = log.segmentBaseOffsets();
  const sizes = log.closedSegments().map((s) => s.size);
  sizes.push(Math.max(0, log.sizeBytes - sizes.reduce((sum, n) => sum + n, 0)));
  let bytes = 0;
  for (let i = 0; i < bases.length && i < sizes.length; i++) {
    const segmentStart = bases[i];
    const segmentEnd = i + 1 < bases.length ? bases[i + 1] : log.logEndOffset;
    const span = segmentEnd - segmentStart;
    const covered = Math.min(end, segmentEnd) - Math.max(start, segmentStart);
    if (span > 0 && covered > 0) bytes += (sizes[i] * covered) / span;
  }
  return Math.round(bytes);
}
