import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  LOG_OVERHEAD,
  MAGIC_V2,
  MIN_BATCH_LENGTH,
  OFFSET_BATCH_LENGTH,
  OFFSET_LAST_OFFSET_DELTA,
  OFFSET_MAGIC,
  OFFSET_PARTITION_LEADER_EPOCH,
  readInt64AsNumber,
  type Offset,
} from '@runnel/protocol';
import { CorruptLogError } from './errors';
import { logFileName, parseSegmentFileName, tmpFileName } from './file-names';
import { readFullySync, unlinkIfExists } from './io';
import { LEADER_EPOCH_CHECKPOINT_FILE, LeaderEpochCache, type EpochEntry } from './leader-epoch-cache';
import { LogSegment, type SegmentContext } from './segment';
import { SegmentSet } from './segment-set';

export interface LoadOptions {
  /** Offsets below it were fsynced (from the recovery-point checkpoint); default 0: scan all. */
  recoveryPoint?: number;
  /** From the log-start-offset checkpoint; default: the first segment's base offset. */
  logStartOffset?: number;
  /** The last shutdown was clean and `recoveryPoint` is the log end offset it left. */
  hadCleanShutdown?: boolean;
}

export interface LoadedLog {
  segments: SegmentSet;
  logStartOffset: number;
  logEndOffset: number;
  recoveryPoint: number;
  /** Bytes read and CRC-checked by recovery and index rebuilds (0 after a clean shutdown). */
  bytesScanned: number;
  /** Files were created, truncated or removed: the directory wants an fsync. */
  dirChanged: boolean;
  /** The partition directory itself was created: its parent wants an fsync. */
  createdDir: boolean;
  /** Leader epochs of the loaded log (from leader-epoch-checkpoint, completed from batch headers). */
  epochs: LeaderEpochCache;
}

/**
 * Opens a partition directory (Kafka's LogLoader):
 * 1. leftovers of interrupted work are removed (`.deleted`, `.cleaned`, orphan index files);
 *    `.swap` files (interrupted compaction) stop the load: only the Cleaner may resolve them;
 * 2. after a clean shutdown whose checkpoint covers the log, nothing is scanned: the log end
 *    offset is the checkpointed recovery point and the active segment's index files are trusted
 *    (if they are missing or fail their sanity check, the active segment is recovered instead);
 * 3. otherwise every segment from the one holding the recovery point onwards is scanned batch by
 *    batch (framing, CRC32C, increasing offsets), its indexes rebuilt, the file cut at the first
 *    invalid byte, and every later segment deleted;
 * 4. an empty directory gets one empty segment at the log start offset; a log start offset past
 *    the log end offset (data lost below it) restarts the log there;
 * 5. leader epochs come from leader-epoch-checkpoint for offsets below the recovery point (the
 *    log writes the file before its recovery point passes an offset) and from the batch headers
 *    above it; a missing or unreadable file is rebuilt from every batch header of the log.
 * Closed segments before the recovery point are not read: their indexes load lazily.
 */
export async function loadLog(ctx: SegmentContext, opts: LoadOptions): Promise<LoadedLog> {
  const createdDir = (await fs.promises.mkdir(ctx.dir, { recursive: true })) !== undefined;
  let dirChanged = createdDir;
  const names = createdDir ? [] : await fs.promises.readdir(ctx.dir);
  const bases = new Set<number>();
  for (const name of names) {
    const file = parseSegmentFileName(name);
    if (!file) continue;
    if (file.state === 'swap') throw new CorruptLogError(path.join(ctx.dir, name), 0, 'interrupted compaction (.swap) needs the Cleaner');
    if (file.state === 'deleted' || file.state === 'cleaned') {
      await unlinkIfExists(path.join(ctx.dir, name));
      dirChanged = true;
    } else if (file.kind === 'log') {
      bases.add(file.baseOffset);
    }
  }
  for (const name of names) {
    const file = parseSegmentFileName(name);
    if (file && file.state === 'live' && file.kind !== 'log' && !bases.has(file.baseOffset)) {
      await unlinkIfExists(path.join(ctx.dir, name));
      dirChanged = true;
    }
  }

  const sorted = [...bases].sort((a, b) => a - b);
  const stats = await Promise.all(sorted.map((base) => fs.promises.stat(path.join(ctx.dir, logFileName(base)))));
  const segments = new SegmentSet();
  sorted.forEach((base, i) => {
    segments.add(LogSegment.open(ctx, base as Offset, stats[i].size, sorted[i + 1] ?? Number.MAX_SAFE_INTEGER));
  });

  const requestedStart = opts.logStartOffset ?? 0;
  if (segments.count === 0) {
    segments.add(LogSegment.create(ctx, requestedStart as Offset));
    return {
      segments,
      logStartOffset: requestedStart,
      logEndOffset: requestedStart,
      recoveryPoint: requestedStart,
      bytesScanned: 0,
      dirChanged: true,
      createdDir,
      epochs: await loadLeaderEpochs(ctx, segments, requestedStart, requestedStart, requestedStart),
    };
  }

  let logEndOffset: number;
  let recoveryPoint = opts.recoveryPoint ?? 0;
  let bytesScanned = 0;
  const last = segments.active;
  if (
    opts.hadCleanShutdown &&
    opts.recoveryPoint !== undefined &&
    recoveryPoint >= last.baseOffset &&
    last.activate(recoveryPoint, false)
  ) {
    logEndOffset = recoveryPoint;
  } else {
    const recovered = await recover(segments, recoveryPoint);
    logEndOffset = recovered.logEndOffset;
    bytesScanned = recovered.bytesScanned;
    dirChanged ||= recovered.deletedSegments;
    recoveryPoint = Math.min(recoveryPoint, logEndOffset);
  }
  const active = segments.active;
  if (active.size > 0) {
    const stat = stats[sorted.indexOf(active.baseOffset)];
    active.firstAppendMs = stat.birthtimeMs > 0 ? stat.birthtimeMs : stat.mtimeMs;
  }

  let logStartOffset = Math.max(requestedStart, segments.first.baseOffset);
  if (logStartOffset > logEndOffset) {
    await deleteSegments(segments.clear());
    segments.add(LogSegment.create(ctx, logStartOffset as Offset));
    logEndOffset = recoveryPoint = logStartOffset;
    dirChanged = true;
  }
  logStartOffset = Math.min(logStartOffset, logEndOffset);
  const epochs = await loadLeaderEpochs(ctx, segments, logStartOffset, logEndOffset, recoveryPoint);
  return { segments, logStartOffset, logEndOffset, recoveryPoint, bytesScanned, dirChanged, createdDir, epochs };
}

/**
 * The leader epochs of a loaded log: the file's entries below the recovery point, completed from
 * the batch headers in [recovery point, log end); everything from the headers when the file is
 * missing or corrupt. Entries are then clipped to [log start, log end). The cache comes back dirty
 * (to be written by the next flush) when it differs from the file.
 */
async function loadLeaderEpochs(
  ctx: SegmentContext,
  segments: SegmentSet,
  logStartOffset: number,
  logEndOffset: number,
  recoveryPoint: number,
): Promise<LeaderEpochCache> {
  await unlinkIfExists(tmpFileName(path.join(ctx.dir, LEADER_EPOCH_CHECKPOINT_FILE)));
  let stored: EpochEntry[] | undefined;
  let corrupt = false;
  try {
    stored = await LeaderEpochCache.read(ctx.dir);
  } catch (error) {
    if (!(error instanceof CorruptLogError)) throw error;
    corrupt = true;
  }
  const trustedBelow = stored ? Math.min(recoveryPoint, logEndOffset) : logStartOffset;
  const kept = (stored ?? []).filter((e) => e.startOffset < trustedBelow);
  const cache = new LeaderEpochCache(ctx.dir, kept, corrupt || kept.length !== (stored ?? []).length);
  if (trustedBelow < logEndOffset) {
    walkBatchHeaders(ctx, segments, trustedBelow, logEndOffset, (epoch, baseOffset) => cache.assign(epoch, baseOffset));
  }
  cache.truncateFromEnd(logEndOffset);
  cache.truncateFromStart(logStartOffset);
  return cache;
}

const EPOCH_WALK_CHUNK_BYTES = 64 * 1024;
const EPOCH_WALK_HEADER_BYTES = OFFSET_LAST_OFFSET_DELTA + 4;

/**
 * Visits (partitionLeaderEpoch, baseOffset) of every batch with offsets in [from, to), reading
 * only headers: a 64 KiB window that jumps ahead over big batches. The bytes were checked when
 * appended or by recovery; a header that does not frame stops the walk of its segment (the read
 * path reports such a file as corrupt).
 */
function walkBatchHeaders(
  ctx: SegmentContext,
  segments: SegmentSet,
  from: number,
  to: number,
  visit: (epoch: number, baseOffset: number) => void,
): void {
  const buf = Buffer.allocUnsafe(EPOCH_WALK_CHUNK_BYTES);
  for (let i = Math.max(0, segments.floorIndex(from)); i < segments.count; i++) {
    const segment = segments.at(i);
    if (segment.baseOffset >= to) break;
    const size = segment.size;
    ctx.handles.withFileSync(segment.logPath, (fd) => {
      let bufPosition = 0;
      let bufLength = 0;
      for (let position = 0; position + EPOCH_WALK_HEADER_BYTES <= size;) {
        if (position < bufPosition || position + EPOCH_WALK_HEADER_BYTES > bufPosition + bufLength) {
          bufPosition = position;
          bufLength = readFullySync(fd, buf, 0, Math.min(buf.length, size - position), position);
          if (bufLength < EPOCH_WALK_HEADER_BYTES) return;
        }
        const at = position - bufPosition;
        const batchLength = buf.readInt32BE(at + OFFSET_BATCH_LENGTH);
        if (buf[at + OFFSET_MAGIC] !== MAGIC_V2 || batchLength < MIN_BATCH_LENGTH || position + LOG_OVERHEAD + batchLength > size) return;
        const baseOffset = readInt64AsNumber(buf, at);
        if (baseOffset >= to) return;
        if (baseOffset + buf.readInt32BE(at + OFFSET_LAST_OFFSET_DELTA) >= from) {
          visit(buf.readInt32BE(at + OFFSET_PARTITION_LEADER_EPOCH), baseOffset);
        }
        position += LOG_OVERHEAD + batchLength;
      }
    });
  }
}

async function recover(
  segments: SegmentSet,
  recoveryPoint: number,
): Promise<{ logEndOffset: number; bytesScanned: number; deletedSegments: boolean }> {
  let bytesScanned = 0;
  let deletedSegments = false;
  let lastNextOffset: number | undefined;
  for (let i = Math.max(0, segments.floorIndex(recoveryPoint)); i < segments.count; i++) {
    const segment = segments.at(i);
    const isLast = i === segments.count - 1;
    const nextBase = isLast ? undefined : segments.at(i + 1).baseOffset;
    const result = segment.scan(segment.baseOffset, nextBase, true);
    bytesScanned += result.scannedBytes;
    lastNextOffset = result.nextOffset;
    if (isLast) break;
    if (result.invalidBytes > 0) {
      await deleteSegments(segments.removeFrom(nextBase!));
      deletedSegments = true;
      break;
    }
    segment.seal(nextBase!);
  }
  const active = segments.active;
  if (!active.isActive) active.activate(Number.MAX_SAFE_INTEGER, true);
  return { logEndOffset: lastNextOffset ?? active.baseOffset, bytesScanned, deletedSegments };
}

async function deleteSegments(doomed: LogSegment[]): Promise<void> {
  for (const segment of doomed) {
    for (const file of segment.markDeleted()) await unlinkIfExists(file);
  }
}
