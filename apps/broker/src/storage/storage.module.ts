import * as fs from 'node:fs';
import * as path from 'node:path';
import { Global, Inject, Injectable, Logger, Module, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { LogManager } from '@runnel/log';
import { MetadataStore, SqliteMetadataStore } from '@runnel/metadata';
import { ReplicaManager } from '@runnel/replication';
import { BrokerConfig } from '../config/broker-config';
import { BROKER_CONFIG, LOG_MANAGER, METADATA_STORE, REPLICA_MANAGER } from '../config/tokens';

/**
 * Opens the broker's state at boot — metadata (SQLite at <data dir>/meta.db, migrated), the logs
 * (recovered as needed) and the replica manager — and closes it in the reverse order on shutdown:
 * partitions flushed, logs closed with checkpoints written, metadata closed.
 */
@Injectable()
class StorageLifecycle implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('Storage');
  private readonly timers: NodeJS.Timeout[] = [];

  constructor(
    @Inject(BROKER_CONFIG) private readonly config: BrokerConfig,
    @Inject(REPLICA_MANAGER) private readonly replicas: ReplicaManager,
    @Inject(LOG_MANAGER) private readonly logs: LogManager,
    @Inject(METADATA_STORE) private readonly metadata: MetadataStore,
  ) {}

  /**
   * Background upkeep, as Kafka schedules it: retention by time and size every
   * `retentionCheckIntervalMs`, and the recovery-point and log-start-offset checkpoints every
   * `checkpointIntervalMs` (so a crash neither rolls back a DeleteRecords nor rescans much).
   */
  onApplicationBootstrap(): void {
    this.every(this.config.retentionCheckIntervalMs, async () => {
      const deleted = await this.logs.runRetention();
      if (deleted > 0) this.logger.log(`retention deleted ${deleted} segment(s)`);
    });
    this.every(this.config.checkpointIntervalMs, () => this.logs.checkpoint());
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
    for (const timer of this.timers) clearInterval(timer);
    await this.replicas.shutdown();
    await this.logs.close();
    await this.metadata.close();
    this.logger.log('logs flushed and checkpointed');
  }
}

@Global()
@Module({
  providers: [
    {
      provide: METADATA_STORE,
      inject: [BROKER_CONFIG],
      useFactory: async (config: BrokerConfig) => {
        fs.mkdirSync(config.dataDir, { recursive: true });
        return SqliteMetadataStore.open(path.join(config.dataDir, 'meta.db'));
      },
    },
    {
      provide: LOG_MANAGER,
      inject: [BROKER_CONFIG],
      useFactory: (config: BrokerConfig) => LogManager.open(config.dataDir, { maxOpenFiles: config.maxOpenFiles }),
    },
    {
      provide: REPLICA_MANAGER,
      inject: [LOG_MANAGER],
      useFactory: (logs: LogManager) => new ReplicaManager(logs),
    },
    StorageLifecycle,
  ],
  exports: [METADATA_STORE, LOG_MANAGER, REPLICA_MANAGER],
})
export class StorageModule {}
