import * as fs from 'node:fs';
import * as path from 'node:path';
import { Global, Inject, Injectable, Logger, Module, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import {
  DataDirError,
  DataDirLock,
  DescriptorLimitError,
  LogManager,
  descriptorReserve,
  errnoError,
  injectIoFaults,
  prepareDataDir,
  readOpenFilesLimit,
} from '@runnel/log';
import { ClusterStore, MetadataStore, PostgresClusterStore, openMetadataStore } from '@runnel/metadata';
import { ReplicaManager } from '@runnel/replication';
import { BrokerConfig } from '../config/broker-config';
import { BROKER_CONFIG, CLUSTER_STORE, LOG_MANAGER, METADATA_STORE, REPLICA_MANAGER } from '../config/tokens';
import { REPLICA_LINK, ReplicaLink } from '../cluster/replica-link';
import { reportingMetadataWrites } from './storage-errors';

/**
 * TEST-ONLY (never set in production): RUNNEL_TEST_ENOSPC_FLAG_FILE=<path> makes every log write
 * and fsync fail with ENOSPC while that file exists, for full-disk end-to-end tests on machines
 * where no small filesystem can be mounted. Metadata (SQLite) writes are not affected.
 */
function installTestIoFaults(flagFile: string | undefined): void {
  if (!flagFile) return;
  new Logger('Storage').warn(`RUNNEL_TEST_ENOSPC_FLAG_FILE is set: log writes fail while ${flagFile} exists (a test setting)`);
  injectIoFaults((operation) => {
    if (fs.existsSync(flagFile)) throw errnoError('ENOSPC', operation, 'no space left on device');
  });
}

/** The data dir's exclusive lock (see DataDirLock); everything that opens files in it waits for it. */
const DATA_DIR_LOCK = Symbol('DATA_DIR_LOCK');

/**
 * Checks that RUNNEL_DATA_DIR can hold logs and locks it, before anything in it is opened. A
 * failure stops the boot with a message naming the variable (main prints it and exits 1).
 */
async function lockDataDir(config: BrokerConfig): Promise<DataDirLock> {
  installTestIoFaults(config.testEnospcFlagFile);
  try {
    prepareDataDir(config.dataDir);
  } catch (error) {
    if (error instanceof DataDirError) throw new Error(`RUNNEL_DATA_DIR=${error.message}`);
    throw error;
  }
  return DataDirLock.acquire(config.dataDir);
}

/**
 * The LogManager over RUNNEL_DATA_DIR, its descriptor bound fitted to the process's open files
 * limit (see logDescriptorBudget); a limit too small to run stops the boot naming the limit needed.
 */
async function openLogs(config: BrokerConfig): Promise<LogManager> {
  let logs: LogManager;
  try {
    logs = await LogManager.open(config.dataDir, { maxOpenFiles: config.maxOpenFiles });
  } catch (error) {
    if (error instanceof DescriptorLimitError) throw new Error(`cannot start: ${error.message}`);
    throw error;
  }
  const budget = logs.handles.maxOpenFiles;
  if (budget < config.maxOpenFiles) {
    const limit = readOpenFilesLimit();
    new Logger('Storage').warn(
      `logs use at most ${budget} file descriptors, not RUNNEL_MAX_OPEN_FILES=${config.maxOpenFiles}: the open files limit (ulimit -n) is ${limit}, ` +
        `and ${limit === undefined ? 0 : descriptorReserve(limit)} are kept for sockets and metadata`,
    );
  }
  return logs;
}

/**
 * Opens the broker's state at boot — metadata (SQLite at <data dir>/meta.db, migrated), the logs
 * (recovered as needed, interrupted compactions resolved) and the replica manager — and closes it
 * in the reverse order on shutdown: cleaner stopped, partitions flushed, logs closed with
 * checkpoints written, metadata closed.
 */
@Injectable()
class StorageLifecycle implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('Storage');
  private readonly timers: NodeJS.Timeout[] = [];
  private cleanerTimer: NodeJS.Timeout | undefined;
  private stopping = false;

  constructor(
    @Inject(BROKER_CONFIG) private readonly config: BrokerConfig,
    @Inject(REPLICA_MANAGER) private readonly replicas: ReplicaManager,
    @Inject(LOG_MANAGER) private readonly logs: LogManager,
    @Inject(METADATA_STORE) private readonly metadata: MetadataStore,
    @Inject(DATA_DIR_LOCK) private readonly lock: DataDirLock,
  ) {}

  /**
   * Background upkeep, as Kafka schedules it: retention by time and size every
   * `retentionCheckIntervalMs`, and the recovery-point and log-start-offset checkpoints every
   * `checkpointIntervalMs` (so a crash neither rolls back a DeleteRecords nor rescans much).
   */
  onApplicationBootstrap(): void {
    this.logs.health.onChange((fault) => {
      if (fault) this.logger.error(`storage is failing (${fault.operation}: ${fault.message}); writes answer 503 until one succeeds`);
      else this.logger.log('storage is writable again');
    });
    this.every(this.config.retentionCheckIntervalMs, async () => {
      const deleted = await this.logs.runRetention();
      if (deleted > 0) this.logger.log(`retention deleted ${deleted} segment(s)`);
    });
    this.every(this.config.checkpointIntervalMs, () => this.logs.checkpoint());
    if (this.config.logCleanerEnable) this.scheduleCleaner(this.config.logCleanerBackoffMs);
  }

  /**
   * The cleaner "thread" (Kafka's CleanerThread): one run at a time, each cleaning the filthiest
   * compacted log below its high watermark at a bounded I/O rate; the next run follows at once
   * when this one made progress, else after the backoff. Configs come from each log's current
   * LogConfig, so configs:alter of cleanup.policy or the ratios applies from the next run.
   */
  private scheduleCleaner(delayMs: number): void {
    if (this.stopping) return;
    this.cleanerTimer = setTimeout(() => void this.runCleaner(), delayMs);
    this.cleanerTimer.unref();
  }

  private async runCleaner(): Promise<void> {
    let progressed = false;
    try {
      const run = await this.logs.runCleaner({
        ioBytesPerSecond: this.config.logCleanerIoBytesPerSecond,
        highWatermarkOf: (topic, partition) => this.replicas.get(topic, partition)?.highWatermark,
      });
      if (run?.cleaned && !run.aborted) {
        progressed = run.cleanedUpToOffset > run.firstDirtyOffset;
        this.logger.log(
          `cleaned ${run.topic}-${run.partition} up to offset ${run.cleanedUpToOffset}: ${run.recordsRemoved} record(s) removed, ` +
            `${run.segmentsRewritten} segment(s) rewritten in ${Math.round(run.durationMs)} ms`,
        );
      }
    } catch (error) {
      if (!this.stopping) this.logger.error(`log cleaner failed (the partition is skipped until restart): ${(error as Error).message}`);
    }
    this.scheduleCleaner(progressed ? 0 : this.config.logCleanerBackoffMs);
  }

  private every(intervalMs: number, task: () => Promise<unknown>): void {
    let running = false;
    const timer = setInterval(() => {
      if (running) return;
      running = true;
      task()
        .catch((error: unknown) => this.logger.error(`background storage task failed: ${(error as Error).message}`))
        .finally(() => (running = false));
    }, intervalMs);
    timer.unref();
    this.timers.push(timer);
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopping = true;
    for (const timer of this.timers) clearInterval(timer);
    clearTimeout(this.cleanerTimer);
    await this.logs.stopCleaner(); // before any log closes: a clean in progress is aborted
    await this.replicas.shutdown();
    await this.logs.close();
    await this.metadata.close();
    this.lock.release();
    this.logger.log('logs flushed and checkpointed');
  }
}

@Global()
@Module({
  providers: [
    { provide: DATA_DIR_LOCK, inject: [BROKER_CONFIG], useFactory: lockDataDir },
    {
      provide: METADATA_STORE,
      inject: [BROKER_CONFIG, LOG_MANAGER, DATA_DIR_LOCK],
      // One node: SQLite at <data dir>/meta.db. Cluster mode: the shared PostgreSQL (migrated at start).
      useFactory: async (config: BrokerConfig, logs: LogManager) =>
        reportingMetadataWrites(
          await openMetadataStore({ url: config.cluster?.metadataUrl, sqliteFile: path.join(config.dataDir, 'meta.db') }),
          logs.health,
        ),
    },
    {
      provide: CLUSTER_STORE,
      inject: [BROKER_CONFIG],
      useFactory: async (config: BrokerConfig) => (config.cluster ? PostgresClusterStore.open(config.cluster.metadataUrl) : null),
    },
    {
      provide: LOG_MANAGER,
      inject: [BROKER_CONFIG, DATA_DIR_LOCK],
      useFactory: openLogs,
    },
    { provide: REPLICA_LINK, useValue: new ReplicaLink() },
    {
      provide: REPLICA_MANAGER,
      inject: [BROKER_CONFIG, LOG_MANAGER, CLUSTER_STORE, REPLICA_LINK],
      useFactory: (config: BrokerConfig, logs: LogManager, store: ClusterStore | null, link: ReplicaLink) =>
        config.cluster && store
          ? new ReplicaManager(logs, {
              brokerId: config.brokerId,
              replicaLagTimeMaxMs: config.cluster.replicaLagTimeMaxMs,
              alterPartition: (request) => store.alterPartition(request),
              replicaFetch: { transport: link.transport },
              brokerEpochOf: link.brokerEpochOf,
              log: new Logger('Replication'),
            })
          : new ReplicaManager(logs),
    },
    StorageLifecycle,
  ],
  exports: [METADATA_STORE, CLUSTER_STORE, LOG_MANAGER, REPLICA_MANAGER, REPLICA_LINK],
})
export class StorageModule {}
