import { Inject, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import type { GroupChangeKind } from '@runnel/groups';
import type { AclRecord } from '@runnel/metadata';
import { CLUSTER_RESOURCE_NAME } from '@runnel/security';
import { BrokerConfig } from '../config/broker-config';
import { BROKER_CONFIG } from '../config/tokens';
import { GroupsService } from '../groups/groups.service';
import { MetricsService } from '../metrics/metrics.service';
import { AccessControl } from '../security/access-control.service';
import type { Caller } from '../security/caller';
import { TopicChange, TopicsService } from '../topics/topics.service';
import { AclDelta, ChangeDelta, WatchResource } from './change-types';
import { WatchQueue } from './watch-queue';

/** Where a watch's frames go (the WebSocket session). */
export interface WatchSink {
  /** False while the connection holds too much unsent data. */
  writable(): boolean;
  deliver(deltas: ChangeDelta[]): void;
  /** The watch overflowed and has stopped. */
  overflow(): void;
}

/** An open watch; `stop()` ends it (idempotent) and removes it from the feed. */
export interface Watch {
  stop(): void;
}

interface Watcher {
  caller: Caller | undefined;
  resources: ReadonlySet<WatchResource>;
  queue: WatchQueue;
}

/**
 * The metadata change stream (DESIGN.md "Console data the broker keeps"): one listener on each
 * source — TopicsService.onChange (created, deleted, partitions added, configs altered),
 * GroupsService.onGroupChange (the coordinator's created, rebalanced, deleted; commits are not
 * changes) and AccessControl.onChange (the stored bindings, diffed against the last ones seen) —
 * fanned out to the open watches. Each delta is built once, then given to every watch that named
 * its kind and whose caller may DESCRIBE it now (the TOPIC or GROUP; CLUSTER for ACL bindings),
 * through the broker's one AccessControl; a watch queues and coalesces its own (WatchQueue,
 * bounded by RUNNEL_WATCH_QUEUE_MAX). Watches are the only per-connection state here: the
 * sources' listeners are registered once, so opening and closing watches leaks nothing
 * (`runnel_change_watchers` counts them).
 */
@Injectable()
export class ChangeFeed implements OnModuleInit {
  private readonly logger = new Logger('ChangeFeed');
  private readonly watchers = new Set<Watcher>();
  private aclsSeen: readonly AclRecord[] = [];
  private aclsById = new Map<number, AclRecord>();

  constructor(
    @Inject(BROKER_CONFIG) private readonly config: BrokerConfig,
    private readonly topics: TopicsService,
    private readonly groups: GroupsService,
    private readonly access: AccessControl,
    metrics: MetricsService,
  ) {
    metrics.gaugeFrom('runnel_change_watchers', 'Open metadata change watches (WebSocket "watch")', () => this.watchers.size);
  }

  onModuleInit(): void {
    this.rememberAcls();
    this.topics.onChange((change) => this.guarded(() => this.topicChanged(change)));
    this.groups.onGroupChange((groupId, kind) => this.guarded(() => this.groupChanged(groupId, kind)));
    this.access.onChange(() => this.guarded(() => this.aclsChanged()));
  }

  get watcherCount(): number {
    return this.watchers.size;
  }

  /** Opens a watch of `resources` for `caller` (undefined: everything is visible, as without the security module). */
  watch(caller: Caller | undefined, resources: readonly WatchResource[], sink: WatchSink): Watch {
    const watcher: Watcher = {
      caller,
      resources: new Set(resources),
      queue: new WatchQueue({
        maxPending: this.config.watchQueueMax,
        writable: () => sink.writable(),
        deliver: (deltas) => sink.deliver(deltas),
        overflow: () => {
          this.watchers.delete(watcher);
          sink.overflow();
        },
      }),
    };
    this.watchers.add(watcher);
    return {
      stop: () => {
        watcher.queue.stop();
        this.watchers.delete(watcher);
      },
    };
  }

  private topicChanged(change: TopicChange): void {
    if (!this.anyWatches('topics')) return;
    const at = Date.now();
    const name = change.topic;
    const delta: ChangeDelta =
      change.kind === 'deleted'
        ? { resource: 'topic', op: 'deleted', name, at }
        : {
            resource: 'topic',
            op: change.kind === 'created' ? 'created' : 'updated',
            name,
            partitions_count: this.topics.get(name).partitionsCount,
            at,
          };
    this.publish('topics', delta, (caller) => this.access.allows(caller, 'DESCRIBE', 'TOPIC', name));
  }

  private groupChanged(groupId: string, kind: GroupChangeKind): void {
    if (!this.anyWatches('groups')) return;
    const at = Date.now();
    let delta: ChangeDelta;
    if (kind === 'deleted') {
      delta = { resource: 'group', op: 'deleted', name: groupId, at };
    } else {
      const group = this.groups.describe(groupId);
      delta = { resource: 'group', op: kind, name: groupId, state: group.state, members: group.members.length, at };
    }
    this.publish('groups', delta, (caller) => this.access.allows(caller, 'DESCRIBE', 'GROUP', groupId));
  }

  /** The stored bindings changed (or a revocation re-checked them): what came and went since the last look. */
  private aclsChanged(): void {
    if (this.access.acls === this.aclsSeen) return;
    const before = this.aclsById;
    this.rememberAcls();
    if (!this.anyWatches('acls')) return;
    const at = Date.now();
    const deltas: AclDelta[] = [];
    for (const [id, record] of before) if (!this.aclsById.has(id)) deltas.push(this.aclDelta('deleted', record, at));
    for (const [id, record] of this.aclsById) if (!before.has(id)) deltas.push(this.aclDelta('created', record, at));
    const visible = (caller: Caller) => this.access.allows(caller, 'DESCRIBE', 'CLUSTER', CLUSTER_RESOURCE_NAME);
    for (const delta of deltas) this.publish('acls', delta, visible);
  }

  private rememberAcls(): void {
    this.aclsSeen = this.access.acls;
    this.aclsById = new Map(this.aclsSeen.map((record) => [record.id, record]));
  }

  private aclDelta(op: 'created' | 'deleted', record: AclRecord, at: number): AclDelta {
    return {
      resource: 'acl',
      op,
      binding: {
        kind: 'KafkaAcl',
        cluster_id: this.topics.clusterId,
        resource_type: record.resourceType,
        resource_name: record.resourceName,
        pattern_type: record.patternType,
        principal: record.principal,
        host: record.host,
        operation: record.operation,
        permission: record.permission,
      },
      at,
    };
  }

  private anyWatches(resource: WatchResource): boolean {
    for (const watcher of this.watchers) if (watcher.resources.has(resource)) return true;
    return false;
  }

  private publish(resource: WatchResource, delta: ChangeDelta, visible: (caller: Caller) => boolean): void {
    for (const watcher of [...this.watchers]) {
      if (!watcher.resources.has(resource)) continue;
      if (watcher.caller !== undefined && !visible(watcher.caller)) continue;
      watcher.queue.push(delta);
    }
  }

  /** A source's listener never throws back into the source (the group coordinator, the topic admin path). */
  private guarded(run: () => void): void {
    try {
      run();
    } catch (error) {
      this.logger.error(`change feed: ${(error as Error).message}`);
    }
  }
}
