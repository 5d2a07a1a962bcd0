import { Inject, Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { GroupChangeKind, GroupCoordinator, GroupDescription, GroupError, OffsetCommit } from '@runnel/groups';
import type { ReplicaManager } from '@runnel/replication';
import { toApiError } from '../common/errors';
import { MetricsService } from '../metrics/metrics.service';
import { AccessControl } from '../security/access-control.service';
import { AuditService, auditEntry } from '../security/audit.service';
import type { Caller } from '../security/caller';
import { TopicsService } from '../topics/topics.service';
import type { WsGroups } from '../ws/group-member';
import { GROUP_CONFIG } from './group-tokens';
import { GroupConfig } from './group-config';
import { ClusterService } from '../cluster/cluster.service';
import { REPLICA_MANAGER } from '../config/tokens';
import { CONSUMER_OFFSETS_TOPIC } from '../topics/topic-names';
import { CoordinatorLocation } from './coordinator-location';
import { CoordinatorPlacement } from './coordinator-placement';
import { OffsetsTopic } from './offsets-topic';

/**
 * The broker's consumer-group coordinator (libs/groups) wired to its topics: committed offsets and
 * group metadata persist in `__consumer_offsets`, which is read back at start before any socket
 * is accepted, so a restart restores groups and offsets. Session timeouts are checked every
 * `sessionCheckIntervalMs`; topic creation/deletion re-resolves subscriptions (and deletes the
 * offsets of a deleted topic). Every GroupError leaves here as the RunnelError of API.md.
 *
 * Authorization of the REST admin use cases (Kafka's): the list holds only the groups the caller
 * may DESCRIBE (filtered before paging); describing needs DESCRIBE and deleting DELETE on the
 * GROUP, checked before the group is looked up (40301 whether it exists or not). Members join
 * and commit through their transport, which checks READ on the group first.
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
export function wsGroupsOf(coordinator: GroupCoordinator, requireCoordinator: (groupId: string) => void = () => undefined): WsGroups {
  return {
    join: (request, listener) =>
      mapped(() => {
        requireCoordinator(request.groupId);
        return coordinator.join(request, listener);
      }),
    leave: (groupId, memberId) => coordinator.leave(groupId, memberId),
    disconnect: (groupId, memberId) => coordinator.disconnect(groupId, memberId),
    heartbeat: (groupId, memberId) => mapped(() => coordinator.heartbeat(groupId, memberId)),
    commit: (groupId, memberId, offsets) => {
      const pending = mapped(() => {
        requireCoordinator(groupId);
        return coordinator.commit(groupId, memberId, offsets);
      });
      return mappedAsync(() => pending);
    },
  };
}

/** Groups read from the coordinator per step while a filtered list is filled. */
const LIST_CHUNK = 256;

/**
 * One page of the visible items of an ordered source, filtered before paging: reads the source
 * in chunks of `chunk` after `options.after` and keeps the visible items until `options.limit`
 * are found or the source ends, so hidden items never shorten a page.
 */
export function visiblePage<T>(
  read: (after: string | undefined, limit: number) => T[],
  idOf: (item: T) => string,
  visible: (item: T) => boolean,
  options: { after?: string; limit?: number },
  chunk = LIST_CHUNK,
): T[] {
  const limit = options.limit ?? Infinity;
  const page: T[] = [];
  let after = options.after;
  for (;;) {
    const items = read(after, chunk);
    for (const item of items) {
      if (page.length >= limit) return page;
      if (visible(item)) page.push(item);
    }
    if (items.length < chunk || page.length >= limit) return page;
    after = idOf(items[items.length - 1]);
  }
}

@Injectable()
export class GroupsService implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('Groups');
  private readonly offsetsTopic: OffsetsTopic;
  readonly coordinator: GroupCoordinator;
  private readonly ws: WsGroups;
  private sessionTimer: NodeJS.Timeout | undefined;
  private readonly groupListeners: ((groupId: string, kind: GroupChangeKind) => void)[] = [];

  /** Cluster mode: which groups this broker coordinates (by `__consumer_offsets` leadership). */
  private readonly placement: CoordinatorPlacement | undefined;

  constructor(
    @Inject(GROUP_CONFIG) private readonly config: GroupConfig,
    private readonly topics: TopicsService,
    metrics: MetricsService,
    private readonly access: AccessControl,
    private readonly audit: AuditService,
    cluster: ClusterService,
    @Inject(REPLICA_MANAGER) replicas: ReplicaManager,
  ) {
    this.offsetsTopic = new OffsetsTopic(
      topics,
      cluster.enabled ? (partition, groupId) => this.placement!.writable(partition, groupId) : undefined,
    );
    this.coordinator = new GroupCoordinator({
      offsetLog: this.offsetsTopic,
      catalog: { topics: () => topics.partitionCounts() },
      limits: config.limits,
      // A late session check (the broker was stopped or stalled) extends sessions instead of evicting.
      expiryIntervalMs: config.sessionCheckIntervalMs,
      onPersistError: (error) => this.logger.error(`writing group metadata failed: ${error.message}`),
      onListenerError: (error, memberId) =>
        this.logger.error(`group member ${memberId}: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`),
      onGroupChange: (groupId, kind) => {
        for (const listener of this.groupListeners) listener(groupId, kind);
      },
    });
    if (cluster.enabled) {
      this.placement = new CoordinatorPlacement({
        view: cluster.view,
        coordinator: this.coordinator,
        partitionCount: () => this.offsetsTopic.partitions,
        partitionFor: (groupId) => this.offsetsTopic.partitionFor(groupId),
        localReplica: (partition) => replicas.get(CONSUMER_OFFSETS_TOPIC, partition),
        log: { info: (m) => this.logger.log(m), warn: (m) => this.logger.warn(m), error: (m) => this.logger.error(m) },
      });
    }
    this.ws = wsGroupsOf(this.coordinator, (groupId) => this.requireCoordinator(groupId));
    this.registerMetrics(metrics);
  }

  /** Throws NOT_COORDINATOR (50003 naming the coordinator) unless this broker coordinates `groupId` now. */
  private requireCoordinator(groupId: string): void {
    this.placement?.require(groupId);
  }

  /** Runs after TopicsService has loaded the topics (this module imports it), before sockets are accepted. */
  async onModuleInit(): Promise<void> {
    await this.offsetsTopic.ensure({ partitions: this.config.offsetsTopicPartitions, segmentBytes: this.config.offsetsTopicSegmentBytes });
    if (this.placement) {
      // Cluster: groups load as this broker becomes leader of their offsets partitions.
      this.startSessionChecks();
      this.placement.start();
      return;
    }
    const loaded = this.coordinator.load(await this.offsetsTopic.readAll());
    // Drops restored assignments of topics or partitions that are gone.
    this.coordinator.topicsChanged();
    if (loaded.records > 0) {
      this.logger.log(
        `restored ${this.coordinator.groupCount()} group(s) from ${loaded.records} record(s)${loaded.skipped ? ` (${loaded.skipped} unreadable, skipped)` : ''}`,
      );
    }
    this.startSessionChecks();
  }

  private startSessionChecks(): void {
    this.topics.onChange((change) => {
      if (change.kind === 'configs') return;
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
    this.placement?.stop();
    await this.coordinator
      .flush()
      .catch((error: unknown) => this.logger.error(`flushing group metadata failed: ${(error as Error).message}`));
  }

  /** Hears every group created, rebalanced (members or assignments changed) or deleted; never commits. Must not throw. */
  onGroupChange(listener: (groupId: string, kind: GroupChangeKind) => void): void {
    this.groupListeners.push(listener);
  }

  /**
   * Where `groupId`'s coordinator runs (null while its `__consumer_offsets` partition has no
   * leader). Operations on a group coordinated elsewhere throw `notCoordinator` (50003 with the
   * `coordinator` field).
   */
  coordinatorOf(groupId: string): CoordinatorLocation | null {
    if (this.placement) return this.placement.locate(groupId);
    return { brokerId: this.topics.brokerId, url: null, local: true };
  }

  /** The WebSocket members' seam over the coordinator, with API.md errors. */
  get wsGroups(): WsGroups {
    return this.ws;
  }

  // --- admin (REST) ---

  resetOffsets(groupId: string, offsets: readonly OffsetCommit[]): Promise<void> {
    this.requireCoordinator(groupId);
    return mappedAsync(() => this.coordinator.resetOffsets(groupId, offsets));
  }

  /** Deletes an empty group (DELETE on the GROUP); audited. */
  async deleteGroup(caller: Caller, groupId: string): Promise<void> {
    this.authorize(caller, 'DELETE', groupId);
    this.requireCoordinator(groupId);
    await mappedAsync(() => this.coordinator.deleteGroup(groupId));
    await this.audit.record(auditEntry(caller, `GROUP:${groupId}`, 'DELETE_GROUP', 'SUCCESS'));
  }

  /** 40301 (audited) unless `caller` may perform `operation` on the group; says nothing of its existence. */
  authorize(caller: Caller, operation: 'READ' | 'DESCRIBE' | 'DELETE', groupId: string): void {
    this.access.require(caller, operation, 'GROUP', groupId);
  }

  /** The group for a caller that may DESCRIBE it: 40301 first, whether it exists or not, else 40404 for an unknown one. */
  describeFor(caller: Caller, groupId: string): GroupDescription {
    this.authorize(caller, 'DESCRIBE', groupId);
    return this.describe(groupId);
  }

  /**
   * The groups `caller` may DESCRIBE in id order after `afterGroupId`, at most `limit`: filtered
   * before paging (the coordinator's pages are read in chunks until this page is full).
   */
  listVisible(caller: Caller, options: { afterGroupId?: string; limit?: number } = {}): GroupDescription[] {
    if (!this.access.enabled) return this.coordinator.listGroups(options);
    return visiblePage(
      (afterGroupId, limit) => this.coordinator.listGroups({ afterGroupId, limit }),
      (group) => group.groupId,
      (group) => this.access.allows(caller, 'DESCRIBE', 'GROUP', group.groupId),
      { after: options.afterGroupId, limit: options.limit },
    );
  }

  describe(groupId: string) {
    this.requireCoordinator(groupId);
    return mapped(() => this.coordinator.describeGroup(groupId));
  }

  committedOffsets(groupId: string) {
    this.requireCoordinator(groupId);
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
