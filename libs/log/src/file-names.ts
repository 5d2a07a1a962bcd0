import * as path from 'node:path';
import { asOffset, isPartitionId, isValidTopicName, type Offset } from '@runnel/protocol';

/**
 * The one module that formats and parses the names of the storage engine's files, so nobody
 * builds `00000000000000000042.log` by hand. Names are Kafka's, so its tools and people read them:
 *
 *   <data.dir>/<topic>-<partition>/                  partition directory
 *     <20-digit base offset>.log                     RecordBatch v2 bytes
 *     <20-digit base offset>.index                   offset index
 *     <20-digit base offset>.timeindex               time index
 *     <name>.deleted                                 segment file waiting for unlink
 *     <name>.cleaned, <name>.swap                    compaction output (Cleaner)
 *   <data.dir>/<topic>-<partition>.<id>-delete/      partition directory being removed
 *   <data.dir>/recovery-point-offset-checkpoint, log-start-offset-checkpoint, .runnel_cleanshutdown
 */

export const LOG_FILE_SUFFIX = '.log';
export const INDEX_FILE_SUFFIX = '.index';
export const TIME_INDEX_FILE_SUFFIX = '.timeindex';
export const DELETED_FILE_SUFFIX = '.deleted';
export const CLEANED_FILE_SUFFIX = '.cleaned';
export const SWAP_FILE_SUFFIX = '.swap';
export const TMP_FILE_SUFFIX = '.tmp';
export const DELETE_DIR_SUFFIX = '-delete';

export const RECOVERY_POINT_CHECKPOINT_FILE = 'recovery-point-offset-checkpoint';
export const LOG_START_OFFSET_CHECKPOINT_FILE = 'log-start-offset-checkpoint';
export const REPLICATION_OFFSET_CHECKPOINT_FILE = 'replication-offset-checkpoint';
export const LEADER_EPOCH_CHECKPOINT_FILE = 'leader-epoch-checkpoint';
export const PARTITION_METADATA_FILE = 'partition.metadata';
/** Present only between a clean LogManager.close() and the next open (Kafka: .kafka_cleanshutdown). */
export const CLEAN_SHUTDOWN_FILE = '.runnel_cleanshutdown';

export type SegmentFileKind = 'log' | 'index' | 'timeindex';
/** `live` files belong to the log; the others are leftovers a crash may leave behind. */
export type SegmentFileState = 'live' | 'deleted' | 'cleaned' | 'swap';

const BASE_OFFSET_DIGITS = 20;
const KIND_SUFFIX: Record<SegmentFileKind, string> = {
  log: LOG_FILE_SUFFIX,
  index: INDEX_FILE_SUFFIX,
  timeindex: TIME_INDEX_FILE_SUFFIX,
};
const STATE_SUFFIX: Record<SegmentFileState, string> = {
  live: '',
  deleted: DELETED_FILE_SUFFIX,
  cleaned: CLEANED_FILE_SUFFIX,
  swap: SWAP_FILE_SUFFIX,
};
const SEGMENT_FILE_PATTERN = /^(\d{20})\.(log|index|timeindex)(\.deleted|\.cleaned|\.swap)?$/;
const PARTITION_DIR_PATTERN = /^(.+)-(0|[1-9]\d{0,9})$/;
const MAX_FILE_NAME_BYTES = 255;

export function formatBaseOffset(baseOffset: number): string {
  return String(asOffset(baseOffset)).padStart(BASE_OFFSET_DIGITS, '0');
}

export function segmentFileName(baseOffset: number, kind: SegmentFileKind, state: SegmentFileState = 'live'): string {
  return formatBaseOffset(baseOffset) + KIND_SUFFIX[kind] + STATE_SUFFIX[state];
}

export function segmentFilePath(dir: string, baseOffset: number, kind: SegmentFileKind, state: SegmentFileState = 'live'): string {
  return path.join(dir, segmentFileName(baseOffset, kind, state));
}

export const logFileName = (baseOffset: number): string => segmentFileName(baseOffset, 'log');
export const offsetIndexFileName = (baseOffset: number): string => segmentFileName(baseOffset, 'index');
export const timeIndexFileName = (baseOffset: number): string => segmentFileName(baseOffset, 'timeindex');

export interface SegmentFileName {
  baseOffset: Offset;
  kind: SegmentFileKind;
  state: SegmentFileState;
}

/** Parses a segment file name; undefined for any other file (checkpoints, snapshots, strays). */
export function parseSegmentFileName(name: string): SegmentFileName | undefined {
  const match = SEGMENT_FILE_PATTERN.exec(name);
  if (!match) return undefined;
  const baseOffset = Number(match[1]);
  if (!Number.isSafeInteger(baseOffset)) return undefined;
  const state = (Object.keys(STATE_SUFFIX) as SegmentFileState[]).find((s) => STATE_SUFFIX[s] === (match[3] ?? ''));
  return { baseOffset: baseOffset as Offset, kind: match[2] as SegmentFileKind, state: state ?? 'live' };
}

/** Kafka's legal topic names and partition ids: one definition, in @runnel/protocol. */
export { isValidTopicName };
export const isValidPartition = (partition: number): boolean => isPartitionId(partition);

export function partitionDirName(topic: string, partition: number): string {
  if (!isValidTopicName(topic)) throw new RangeError(`illegal topic name ${JSON.stringify(topic)}`);
  if (!isValidPartition(partition)) throw new RangeError(`illegal partition ${partition}`);
  return `${topic}-${partition}`;
}

export interface TopicPartition {
  topic: string;
  partition: number;
}

/** Parses `<topic>-<partition>`; undefined for anything else (deleted dirs, stray files). */
export function parsePartitionDirName(name: string): TopicPartition | undefined {
  const match = PARTITION_DIR_PATTERN.exec(name);
  if (!match || !isValidTopicName(match[1])) return undefined;
  const partition = Number(match[2]);
  return isValidPartition(partition) ? { topic: match[1], partition } : undefined;
}

/**
 * The name a partition directory is renamed to before its recursive removal. As Kafka does, the
 * topic part is cut short so the name still fits a 255-byte file name for a 249-character topic.
 */
export function deletedPartitionDirName(dirName: string, uniqueId: string): string {
  const cut = dirName.lastIndexOf('-');
  const suffix = `${dirName.slice(cut)}.${uniqueId}${DELETE_DIR_SUFFIX}`;
  return `${dirName.slice(0, Math.min(cut, MAX_FILE_NAME_BYTES - suffix.length))}${suffix}`;
}

const DELETED_PARTITION_DIR_PATTERN = /^.+-(0|[1-9]\d{0,9})\.[0-9a-z]+-delete$/;

export function isDeletedPartitionDirName(name: string): boolean {
  return DELETED_PARTITION_DIR_PATTERN.test(name);
}

export const tmpFileName = (name: string): string => name + TMP_FILE_SUFFIX;
