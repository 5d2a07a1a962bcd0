/**
 * @runnel/log — the storage engine: segments of RecordBatch v2 bytes with sparse offset and time
 * indexes (Kafka's on-disk format), partition logs with group-committed fsync, crash recovery,
 * retention, and a LogManager over a data directory. Plain TypeScript: no Nest, no Prisma.
 */
export * from './errors';
export * from './file-names';
export * from './log-config';
export {
  FileHandleCache,
  DEFAULT_MAX_OPEN_FILES,
  DescriptorLimitError,
  MIN_LOG_DESCRIPTORS,
  descriptorReserve,
  logDescriptorBudget,
  readOpenFilesLimit,
  type FileHandle,
  type OpenMode,
} from './file-handle-cache';
export { IndexCache, DEFAULT_INDEX_CACHE_BYTES } from './index-cache';
export { OffsetIndex, type OffsetPosition } from './offset-index';
export { TimeIndex, type TimestampOffset } from './time-index';
export { LogSegment, type SegmentContext, type SegmentRead, type ScanResult } from './segment';
export { SegmentIndexes, type IndexLimits } from './segment-indexes';
export { SegmentSet } from './segment-set';
export { GroupCommit } from './group-commit';
export { PartitionLog } from './partition-log';
export {
  LeaderEpochCache,
  LEADER_EPOCH_CHECKPOINT_FILE,
  UNDEFINED_EPOCH,
  UNDEFINED_EPOCH_OFFSET,
  formatLeaderEpochCheckpoint,
  parseLeaderEpochCheckpoint,
  type EpochEndOffset,
  type EpochEntry,
} from './leader-epoch-cache';
export {
  SYSTEM_CLOCK,
  type AppendOptions,
  type AppendResult,
  type Clock,
  type PartitionLogOptions,
  type ReadResult,
  type TimestampLookup,
} from './log-types';
export { LogManager, type LogManagerOptions } from './log-manager';
export {
  formatOffsetCheckpoint,
  parseOffsetCheckpoint,
  readOffsetCheckpoint,
  writeFileAtomically,
  type OffsetCheckpointEntry,
} from './checkpoint-file';
export {
  Cleaner,
  dirtyStateOf,
  isWorthCleaning,
  type CleanOptions,
  type CleanResult,
  type CleanerOptions,
  type CleanerStats,
  type CleanerStep,
  type DirtyState,
} from './cleaner';
export { LogCleanerManager, type CleanableLog, type CleanerRun, type CleanerRunOptions, type LogCleanerStats } from './log-cleaner-manager';
export {
  CLEANER_CHECKPOINT_FILE,
  lowerCleanerCheckpointSync,
  readCleanerCheckpoint,
  recoverCleanerFiles,
  writeCleanerCheckpoint,
  type CleanerRecovery,
} from './cleaner-files';
export { DataDirLock, DataDirLockedError, DATA_DIR_LOCK_FILE, type LockHolder } from './data-dir-lock';
export { DataDirError, prepareDataDir } from './data-dir';
export { StorageHealth, describeStorageError, storageErrnoOf, type StorageFault } from './storage-health';
export { injectIoFaults, errnoError, type IoFaultInjector } from './io';
