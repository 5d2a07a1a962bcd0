import * as fs from 'node:fs';
import type { LogSegment } from './segment';

/**
 * Retention decisions (Kafka's deleteRetentionMsBreachedSegments / ...SizeBreachedSegments):
 * both delete a prefix of the closed segments, oldest first, never the active segment.
 */

/**
 * How many of the oldest `closed` segments have their newest record more than `retentionMs`
 * before `nowMs` (stopping at the first that does not). A segment without timestamps (empty)
 * is dated by its file's modification time, as Kafka does. -1 keeps everything.
 */
export async function countExpiredByTime(closed: readonly LogSegment[], retentionMs: number, nowMs: number): Promise<number> {
  if (retentionMs < 0) return 0;
  let count = 0;
  for (const segment of closed) {
    let largest = await segment.largestTimestamp();
    if (largest < 0) largest = (await fs.promises.stat(segment.logPath).catch(() => ({ mtimeMs: nowMs }))).mtimeMs;
    if (nowMs - largest <= retentionMs) break;
    count++;
  }
  return count;
}

/**
 * How many of the oldest segments to delete, beyond the `already` chosen ones, so the log is
 * at most `retentionBytes` (a segment goes only if the log stays at or above the bound without
 * it). The last (active) segment is never counted. -1 keeps everything.
 */
export function countOverSize(segments: readonly LogSegment[], already: number, totalBytes: number, retentionBytes: number): number {
  if (retentionBytes < 0) return already;
  let excess = totalBytes - retentionBytes;
  for (let i = 0; i < already; i++) excess -= segments[i].size;
  let n = already;
  while (n < segments.length - 1 && excess - segments[n].size >= 0) excess -= segments[n++].size;
  return n;
}
