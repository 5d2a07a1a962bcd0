import { Inject, Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { GroupCoordinator, GroupError, OffsetCommit } from '@runnel/groups';
import { toApiError } from '../common/errors';
import { MetricsService } from '../metrics/metrics.service';
import { TopicsService } from '../topics/topics.service';
import type { WsGroups } from '../ws/group-member';
import { GROUP_CONFIG } from './group-tokens';
import { GroupConfig } from './group-config';
import { OffsetsTopic } from './offsets-topic';

/**
 * The broker's consumer-group coordinator (libs/groups) wired to its topics: committed offsets and
 * group metadata persist in `__consumer_offsets`, which is read back at start before any socket
 * is accepted, so a restart restores groups and offsets. Session timeouts are checked every
 * `sessionCheckIntervalMs`; topic creation/deletion re-resolves subscriptions (and deletes the
 * offsets of a deleted topic). Every GroupError leaves here as the RunnelError of API.md.
 */
function toRunnelError(error: unknown): unknown {
  return error instanceof GroupError ? toApiError(error) : error;
}

function mapped<T>(call: () => T): T {
  try {
    return call();
  } catch (error) {
    throw toRunnelError(error);
  }
}

async function mappedAsync<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw toRunnelError(error);
  }
}

/**
 * What a WebSocket member needs of the coordinator, every GroupError turned into its RunnelError.
 * Validation errors are thrown synchronously (commit included); durability failures reject.
 */
export function wsGroupsOf(coordinator: GroupCoordinator): WsGroups {
  return {
    join: (request, listener) => mapped(() => coordinator.join(request, listener)),
    leave: (groupId, memberId) => coordinator.leave(groupId, memberId),
    disconnect: (groupId, memberId) => coordinator.disconnect(groupId, memberId),
    heartbeat: (groupId, memberId) => mapped(() => coordinator.heartbeat(groupId, memberId)),
    commit: (groupId, memberId, offsets) => {
      const pending = mapped(() => coordinator.commit(groupId, memberId, offsets));
      return mappedAsync(() => pending);
    },
  };
}

@Injectable()
export class GroupsService implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('Groups');
  private readonly offsetsTopic: OffsetsTopic;
  readonly coordinator: GroupCoordinator;
  private readonly ws: WsGroups;
  private sessionTimer: NodeJS.Timeout | undefined;

  constructor(
    @Inject(GROUP_CONFIG) private readonly config: GroupConfig,
    private readonly topics: TopicsService,
    metrics: MetricsService,
  ) {
    this.offsetsTopic = new OffsetsTopic(topics);
    this.coordinator = new GroupCoordinator({
      offsetLog: this.offsetsTopic,
      catalog: { topics: () => topics.partitionCounts() },
      limits: config.limits,
      // A late session check (the broker was stopped or stalled) extends sessions instead of evicting.
      expiryIntervalMs: config.sessionCheckIntervalMs,
      onPersistError: (error) => this.logger.error(`writing group metadata failed: ${error.message}`),
      onListenerError: (error, memberId) =>
        this.logger.error(`group member ${memberId}: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`),
    });
    this.ws = wsGroupsOf(this.coordinator);
    this.registerMetrics(metrics);
  }

  /** Runs after TopicsService has loaded the topics (this module imports it), before sockets are accepted. */
  async onModuleInit(): Promise<void> {
    await this.offsetsTopic.ensure({ partitions: this.config.offsetsTopicPartitions, segmentBytes: this.config.offsetsTopicSegmentBytes });
    const loaded = this.coordinator.load(await this.offsetsTopic.readAll());
    // Drops restored assignments of topics or partitions that are gone.
    this.coordinator.topicsChanged();
    if (loaded.records > 0) {
      this.logger.log(
        `restored ${this.coordinator.groupCount()} group(s) from ${loaded.records} record(s)${loaded.skipped ? ` (${loaded.skipped} unreadable, skipped)` : ''}`,
      );
    }
    this.topics.onChange((change) => {
      this.coordinator.topicsChanged();
      if (change.kind === 'deleted') {
        this.coordinator
          .topicDeleted(change.topic)
          .catch((error: unknown) => this.logger.error(`deleting offsets of '${change.topic}' failed: ${(error as Error).message}`));
      }
    });
    this.sessionTimer = setInterval(() => this.checkSessions(), this.config.sessionCheckIntervalMs);
    this.sessionTimer.unref();
  }

  /** One session check: members silent past their session timeout leave their groups (logged, with any broker pause forgiven). */
  private checkSessions(): void {
    const forgivenBefore = this.coordinator.stats().pausesForgiven;
    const removed = this.coordinator.expireSessions();
    const stats = this.coordinator.stats();
    if (stats.pausesForgiven > forgivenBefore && stats.lastPauseForgivenMs >= 1000) {
      this.logger.warn(`session check ran ${stats.lastPauseForgivenMs} ms late (the broker was paused): every session extended by it`);
    }
    for (const memberId of removed) this.logger.warn(`group member ${memberId} removed: no heartbeat within its session timeout`);
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.sessionTimer);
    await this.coordinator
      .flush()
      .catch((error: unknown) => this.logger.error(`flushing group metadata failed: ${(error as Error).message}`));
  }

  /** The WebSocket members' seam over the coordinator, with API.md errors. */
  get wsGroups(): WsGroups {
    return this.ws;
  }

  // --- admin (REST) ---

  resetOffsets(groupId: string, offsets: readonly OffsetCommit[]): Promise<void> {
    return mappedAsync(() => this.coordinator.resetOffsets(groupId, offsets));
  }

  deleteGroup(groupId: string): Promise<void> {
    return mappedAsync(() => this.coordinator.deleteGroup(groupId));
  }

  describe(groupId: string) {
    return mapped(() => this.coordinator.describeGroup(groupId));
  }

  committedOffsets(groupId: string) {
    return mapped(() => this.coordinator.committedOffsets(groupId));
  }

  private registerMetrics(metrics: MetricsService): void {
    const stats = () => this.coordinator.stats();
    metrics.gaugeFrom('runnel_consumer_groups', 'Consumer groups (with members or committed offsets)', () => stats().groups);
    metrics.gaugeFrom('runnel_consumer_group_members', 'Members of all consumer groups', () => stats().members);
    metrics.counterFrom('runnel_consumer_group_rebalances_total', 'Rebalances (assignment changes)', () => stats().rebalances);
    metrics.counterFrom(
      'runnel_consumer_group_partitions_moved_total',
      'Partitions given to a member by rebalances',
      () => stats().partitionsMoved,
    );
    metrics.counterFrom('runnel_consumer_group_commits_total', 'Offsets committed', () => stats().commits);
    metrics.counterFrom('runnel_consumer_group_commit_errors_total', 'Offset commits that failed to persist', () => stats().commitErrors);
    metrics.counterFrom(
      'runnel_consumer_group_session_pauses_forgiven_total',
      'Late session checks (broker paused) that extended every session',
      () => stats().pausesForgiven,
    );
  }
}
