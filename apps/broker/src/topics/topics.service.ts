import { randomUUID } from 'node:crypto';
import { Inject, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { MetadataStore, PartitionRecord, TopicExistsError, TopicNotFoundError, TopicRecord, placeReplicas } from '@runnel/metadata';
import type { LogConfig } from '@runnel/log';
import { ReplicaManager, type PartitionHandle } from '@runnel/replication';
import { asOffset } from '@runnel/protocol';
import { CLUSTER_RESOURCE_NAME, Operation } from '@runnel/security';
import { BrokerConfig } from '../config/broker-config';
import { BROKER_CONFIG, METADATA_STORE, REPLICA_MANAGER } from '../config/tokens';
import { RunnelError, badRequest, unknownPartition, unknownTopic } from '../common/errors';
import { ClusterService, type TopicCatalog } from '../cluster/cluster.service';
import { AccessControl } from '../security/access-control.service';
import { AuditService, auditEntry } from '../security/audit.service';
import type { Caller } from '../security/caller';
import { checkClientMutation, checkPartitionDirNameFits, checkTopicName, isInternalTopicName } from './topic-names';
import { logConfigOf, validateTopicConfigs } from './topic-configs';
import { VALIDATE_ONLY_TOPIC_ID, topicLayout } from './topic-requests';

/**
 * Topic use cases: create, list, describe, delete, configs and partition state. The metadata
 * store is the record of truth; an in-memory map of the topics mirrors it (this broker is the
 * only writer) so the produce and fetch paths never wait on SQLite.
 *
 * Authorization (Kafka's operations, checked through the broker's one AccessControl): the methods
 * that take a `Caller` are the clients' use cases and check access BEFORE existence, so a topic
 * the caller may not DESCRIBE answers 40301 whether it exists or not (its existence does not
 * leak); lists hold only what the caller may DESCRIBE, filtered before paging. The methods
 * without a Caller are the broker's own (produce, fetch, groups, configs call them after their
 * own check). Admin changes are audited.
 */
export interface CreateTopicRequest {
  topic_name?: unknown;
  partitions_count?: unknown;
  replication_factor?: unknown;
  replicas_assignments?: unknown;
  configs?: unknown;
  validate_only?: unknown;
}

/** One partition as this node holds it: it leads every partition, its only replica, always in sync. */
export interface PartitionView {
  topicName: string;
  partitionId: number;
  leader: number;
  replicas: number[];
  isr: number[];
  earliestOffset: number;
  highWatermark: number;
}

/** A topic appeared, went away, gained partitions (consumer groups re-resolve their subscriptions) or had its configs altered. */
export interface TopicChange {
  kind: 'created' | 'deleted' | 'partitions' | 'configs';
  topic: string;
}

/** The answer of records:delete (Confluent's DeleteRecords shape). */
export interface DeleteRecordsResult {
  topic_name: string;
  partition_id: number;
  low_watermark: number;
}

@Injectable()
export class TopicsService implements OnModuleInit, TopicCatalog {
  private readonly logger = new Logger('Topics');
  private readonly topics = new Map<string, TopicRecord>();
  /** Topic names in order, kept sorted on create/delete so a page is a binary search plus a slice. */
  private readonly sortedNames: string[] = [];
  private partitionTotal = 0;
  private cachedClusterId = '';
  /** Non-internal topic -> partition count, rebuilt lazily after a create/delete (consumer groups read it on every join). */
  private partitionCountCache: Map<string, number> | undefined;
  private readonly changeListeners: ((change: TopicChange) => void)[] = [];
  /** Creates, deletes and partition additions run one at a time: each reads the count the previous one left. */
  private adminTail: Promise<unknown> = Promise.resolve();
  /** What a topic without its own value gets: the broker's static defaults until ConfigsService applies the dynamic ones. */
  private dynamicTopicDefaults: Record<string, string> | undefined;

  constructor(
    @Inject(BROKER_CONFIG) private readonly config: BrokerConfig,
    @Inject(METADATA_STORE) private readonly metadata: MetadataStore,
    @Inject(REPLICA_MANAGER) private readonly replicas: ReplicaManager,
    private readonly access: AccessControl,
    private readonly audit: AuditService,
    private readonly cluster: ClusterService,
  ) {}

  /**
   * Loads every topic; on one node it leads all their partitions, in cluster mode the
   * ClusterService applies each partition's replicated state (lead, follow) once it has joined.
   */
  async onModuleInit(): Promise<void> {
    this.cachedClusterId = await this.metadata.clusterId();
    if (this.cluster.enabled) this.cluster.attachCatalog(this);
    let afterName: string | undefined;
    for (;;) {
      const page = await this.metadata.listTopics({ includeInternal: true, afterName, limit: 1000 });
      for (const topic of page) {
        this.remember(topic);
        if (this.cluster.enabled) continue;
        for (const p of await this.metadata.listPartitions(topic.name)) {
          await this.replicas.becomeLeader(topic.name, p.partitionId, p.leaderEpoch, this.logConfigFor(topic));
        }
      }
      if (page.length < 1000) break;
      afterName = page[page.length - 1].name;
    }
    // Cluster mode: join now, before the services that start after the catalog (groups) read partitions.
    await this.cluster.start();
  }

  get clusterId(): string {
    return this.cachedClusterId;
  }

  /** This node's broker id: the controller, the only broker and every partition's only replica. */
  get brokerId(): number {
    return this.config.brokerId;
  }

  /** 404 for any broker id but this node's (Confluent's "Broker cannot be found"). */
  checkBroker(raw: string): number {
    if (raw !== String(this.config.brokerId)) throw new RunnelError('NOT_FOUND', `Broker ${raw} cannot be found.`);
    return this.config.brokerId;
  }

  /** Checks `cid` from a path: the cluster id or "-" (this cluster). */
  checkCluster(cid: string): void {
    if (cid !== '-' && cid !== this.cachedClusterId) throw new RunnelError('NOT_FOUND', `cluster '${cid}' not found`);
  }

  /** Topics in name order after `afterName`; without `limit`, all of them (one pass, as Confluent lists them). */
  list(options: { afterName?: string; limit?: number; includeInternal: boolean }): TopicRecord[] {
    return this.listWhere(options, () => true);
  }

  /**
   * The topics `caller` may DESCRIBE, in name order after `afterName`: filtered before paging, so
   * a page holds `limit` visible topics and a hidden one never shortens it.
   */
  listVisible(caller: Caller, options: { afterName?: string; limit?: number; includeInternal: boolean }): TopicRecord[] {
    return this.listWhere(options, (topic) => this.access.allows(caller, 'DESCRIBE', 'TOPIC', topic.name));
  }

  /** As `listVisible` for any operation on the topics (`/topics/-/configs`: DESCRIBE_CONFIGS). */
  listWhere(
    options: { afterName?: string; limit?: number; includeInternal: boolean },
    visible: (topic: TopicRecord) => boolean,
  ): TopicRecord[] {
    const page: TopicRecord[] = [];
    const limit = options.limit ?? Infinity;
    const start = options.afterName === undefined ? 0 : upperBound(this.sortedNames, options.afterName);
    for (let i = start; i < this.sortedNames.length && page.length < limit; i++) {
      const topic = this.topics.get(this.sortedNames[i])!;
      if ((options.includeInternal || !topic.isInternal) && visible(topic)) page.push(topic);
    }
    return page;
  }

  /** 40301 (audited) unless `caller` may perform `operation` on the topic; says nothing of its existence. */
  authorize(caller: Caller, operation: Operation, name: string): void {
    this.access.require(caller, operation, 'TOPIC', name);
  }

  /** The topic for `caller`: 40301 without DESCRIBE (existing or not), else 40403 when it does not exist. */
  describe(caller: Caller, name: string): TopicRecord {
    this.authorize(caller, 'DESCRIBE', name);
    return this.get(name);
  }

  /** Every non-internal topic with its partition count (the consumer groups' catalog). */
  partitionCounts(): ReadonlyMap<string, number> {
    if (!this.partitionCountCache) {
      const counts = new Map<string, number>();
      for (const name of this.sortedNames) {
        const topic = this.topics.get(name)!;
        if (!topic.isInternal) counts.set(name, topic.partitionsCount);
      }
      this.partitionCountCache = counts;
    }
    return this.partitionCountCache;
  }

  /** Called synchronously after each create, and after a delete but before its partitions stop. */
  onChange(listener: (change: TopicChange) => void): void {
    this.changeListeners.push(listener);
  }

  /** 40301 for an internal topic (`__consumer_offsets`): only the broker produces to it. */
  checkClientWritable(name: string): void {
    checkClientMutation(name, 'produce to it');
  }

  get(name: string): TopicRecord {
    const topic = this.topics.get(name);
    if (!topic) throw unknownTopic(name);
    return topic;
  }

  /**
   * The partition to produce to and read from — led here, or in cluster mode a forwarder to its
   * leader on another broker — or 40403 for an unknown topic or partition id.
   */
  partition(topicName: string, partitionId: number): PartitionHandle {
    const topic = this.get(topicName);
    if (!Number.isInteger(partitionId) || partitionId < 0 || partitionId >= topic.partitionsCount)
      throw unknownPartition(topicName, partitionId);
    if (this.cluster.enabled) return this.cluster.resolve(topicName, partitionId);
    const state = this.replicas.get(topicName, partitionId);
    if (!state) throw new RunnelError('RETRIABLE', `partition ${topicName}-${partitionId} has no leader yet`);
    return state;
  }

  /**
   * A client's create: CREATE on the cluster, else CREATE on the topic (Kafka checks the cluster
   * first, then the topic), before anything else is looked at but the name's shape; audited.
   */
  async createTopic(caller: Caller, request: CreateTopicRequest): Promise<TopicRecord> {
    const name = checkTopicName(request.topic_name);
    if (!this.access.allows(caller, 'CREATE', 'CLUSTER', CLUSTER_RESOURCE_NAME)) this.authorize(caller, 'CREATE', name);
    const topic = await this.create(request);
    if (request.validate_only !== true) {
      await this.audit.record(auditEntry(caller, `TOPIC:${name}`, 'CREATE_TOPIC', 'SUCCESS', { after: auditedTopic(topic) }));
    }
    return topic;
  }

  /**
   * Creates a topic, or with `validate_only: true` checks everything a create checks (name,
   * counts, replica assignments, configs, the name being free, the partition limit) and answers
   * the topic it would create without creating anything.
   */
  async create(request: CreateTopicRequest, options: { internal?: boolean } = {}): Promise<TopicRecord> {
    if (options.internal && this.cluster.enabled) return this.createInternalInCluster(request);
    return this.createChecked(request, options);
  }

  /**
   * A broker's own topic in a cluster (`__consumer_offsets`, idempotency): replicated with the
   * default replication factor, as Kafka's offsets.topic.replication.factor, once that many
   * brokers are alive (waited for, bounded; fewer if they never come, with a warning); when
   * another broker created it first, this broker's catalog takes that one.
   */
  private async createInternalInCluster(request: CreateTopicRequest): Promise<TopicRecord> {
    const name = checkTopicName(request.topic_name);
    const wanted = this.config.cluster!.internalReplicationFactor;
    const alive = await this.cluster.awaitBrokers(wanted);
    const replicationFactor = Math.max(1, Math.min(wanted, alive));
    if (replicationFactor < wanted) {
      this.logger.warn(`creating ${name} with replication factor ${replicationFactor}: only ${alive} broker(s) alive, not ${wanted}`);
    }
    try {
      return await this.createChecked({ ...request, replication_factor: replicationFactor }, { internal: true });
    } catch (error) {
      if (!(error instanceof RunnelError && error.kind === 'TOPIC_EXISTS')) throw error;
      await this.reloadTopic(name);
      return this.get(name);
    }
  }

  private async createChecked(request: CreateTopicRequest, options: { internal?: boolean }): Promise<TopicRecord> {
    const name = checkTopicName(request.topic_name);
    if (!options.internal) checkClientMutation(name, 'create it');
    if (request.validate_only !== undefined && typeof request.validate_only !== 'boolean')
      throw badRequest('validate_only must be a boolean');
    const layout = topicLayout(request, {
      brokerIds: this.placeableBrokers().map((broker) => broker.brokerId),
      defaultPartitions: this.config.defaultPartitions,
      defaultReplicationFactor: this.config.cluster?.defaultReplicationFactor ?? 1,
    });
    const configs = parseConfigList(request.configs);
    validateTopicConfigs(configs, this.topicDefaults);
    checkPartitionDirNameFits(name, layout.partitionsCount);
    return this.exclusive(async () => {
      if (this.topics.has(name)) throw topicExists(name);
      // The broker's own topics (__consumer_offsets) do not use up the partitions users may create.
      if (!options.internal) this.checkPartitionLimit(layout.partitionsCount, 'Creating');
      const { assignments, ...counts } = layout;
      const record = { name, topicId: randomUUID(), ...counts, isInternal: isInternalTopicName(name), configs };
      if (request.validate_only === true) return { ...record, topicId: VALIDATE_ONLY_TOPIC_ID, createdAt: new Date() };
      return this.createNow(record, assignments);
    });
  }

  private async createNow(record: Omit<TopicRecord, 'createdAt'>, assignments: number[][] | undefined): Promise<TopicRecord> {
    const { name, partitionsCount } = record;
    const partitions = this.newPartitions(name, 0, partitionsCount, record.replicationFactor, assignments);
    let topic: TopicRecord;
    try {
      topic = await this.metadata.createTopic(record, partitions);
    } catch (error) {
      if (error instanceof TopicExistsError) throw topicExists(name);
      throw error;
    }
    this.remember(topic);
    if (this.cluster.enabled) await this.cluster.caughtUp();
    else for (const p of partitions) await this.replicas.becomeLeader(name, p.partitionId, p.leaderEpoch, this.logConfigFor(topic));
    this.changed({ kind: 'created', topic: name });
    return topic;
  }

  /**
   * Raises the topic's partition count (`PATCH /topics/{t}`, Kafka's CreatePartitions): the new
   * partitions are persisted, then led here (their log directories appear), then visible to
   * produce, whose key hashing takes the new count, and to consumer groups, which rebalance.
   * A count that is not larger answers 400/40002, as Kafka's InvalidPartitionsException.
   */
  async addPartitions(caller: Caller, name: string, body: unknown): Promise<TopicRecord> {
    this.authorize(caller, 'ALTER', name);
    const before = this.get(name).partitionsCount;
    checkClientMutation(name, 'add partitions to it');
    const updated = await this.addPartitionsNow(name, body);
    await this.audit.record(
      auditEntry(caller, `TOPIC:${name}`, 'CREATE_PARTITIONS', 'SUCCESS', {
        before: { partitions_count: before },
        after: { partitions_count: updated.partitionsCount },
      }),
    );
    return updated;
  }

  private async addPartitionsNow(name: string, body: unknown): Promise<TopicRecord> {
    const requested = (body as { partitions_count?: unknown } | null)?.partitions_count;
    if (typeof requested !== 'number' || !Number.isInteger(requested)) throw badRequest('body must be {"partitions_count": <integer>}');
    return this.exclusive(async () => {
      const topic = this.get(name);
      const current = topic.partitionsCount;
      if (requested < current) {
        throw new RunnelError(
          'KAFKA_BAD_REQUEST',
          `Topic currently has ${current} partitions, which is higher than the requested ${requested}.`,
        );
      }
      if (requested === current) throw new RunnelError('KAFKA_BAD_REQUEST', `Topic already has ${current} partitions.`);
      this.checkPartitionLimit(requested - current, 'Adding');
      checkPartitionDirNameFits(name, requested);
      const added = this.newPartitions(name, current, requested, topic.replicationFactor);
      let updated: TopicRecord;
      try {
        updated = await this.metadata.addPartitions(name, added);
      } catch (error) {
        if (error instanceof TopicNotFoundError) throw unknownTopic(name);
        throw error;
      }
      // Led before they are visible: a key hashed to a new partition never finds it leaderless.
      if (!this.cluster.enabled) {
        for (const p of added) await this.replicas.becomeLeader(name, p.partitionId, p.leaderEpoch, this.logConfigFor(updated));
      }
      // A configs:alter that ran meanwhile left the newest configs in the map: every partition takes them.
      updated = { ...updated, configs: this.get(name).configs };
      this.replicas.updateConfig(name, updated.partitionsCount, this.logConfigFor(updated));
      this.remember(updated);
      if (this.cluster.enabled) await this.cluster.caughtUp();
      this.changed({ kind: 'partitions', topic: name });
      return updated;
    });
  }

  async delete(caller: Caller, name: string): Promise<void> {
    this.authorize(caller, 'DELETE', name);
    const topic = this.get(name);
    checkClientMutation(name, 'delete it');
    await this.exclusive(() => this.deleteNow(name));
    await this.audit.record(auditEntry(caller, `TOPIC:${name}`, 'DELETE_TOPIC', 'SUCCESS', { before: auditedTopic(topic) }));
  }

  private async deleteNow(name: string): Promise<void> {
    const topic = this.get(name);
    await this.metadata.deleteTopic(name);
    this.forget(name);
    // Groups revoke the topic's partitions (their delivery stops) before the partitions close.
    this.changed({ kind: 'deleted', topic: name });
    // In cluster mode every replica (this one too) stops when its broker applies the deletion.
    if (this.cluster.enabled) await this.cluster.caughtUp();
    else for (let p = 0; p < topic.partitionsCount; p++) await this.replicas.stopReplica(name, p, true);
  }

  /**
   * Cluster mode: another broker created, deleted, altered or grew `name`; re-read it so this
   * broker's catalog (and everything listening to it) follows. A no-op when nothing changed.
   */
  async reloadTopic(name: string): Promise<void> {
    const stored = await this.metadata.getTopic(name);
    const known = this.topics.get(name);
    if (!stored) {
      if (!known) return;
      this.forget(name);
      this.changed({ kind: 'deleted', topic: name });
      return;
    }
    this.remember(stored);
    if (!known) this.changed({ kind: 'created', topic: name });
    else if (known.partitionsCount !== stored.partitionsCount) this.changed({ kind: 'partitions', topic: name });
    else if (JSON.stringify(known.configs) !== JSON.stringify(stored.configs)) {
      this.applyConfigs(stored);
      this.changed({ kind: 'configs', topic: name });
    }
  }

  /** A topic's configs reach its open replicas: the log settings and, replicated, min.insync.replicas. */
  private applyConfigs(topic: TopicRecord): void {
    this.replicas.updateConfig(topic.name, topic.partitionsCount, this.logConfigFor(topic));
    if (this.cluster.enabled) this.replicas.setMinInsyncReplicas(topic.name, topic.partitionsCount, this.minInsyncReplicas(topic.name));
  }

  logConfigOf(name: string): LogConfig | undefined {
    const topic = this.topics.get(name);
    return topic && this.logConfigFor(topic);
  }

  minInsyncReplicas(name: string): number {
    return this.topics.has(name) ? Number(this.configValue(name, 'min.insync.replicas')) || 1 : 1;
  }

  uncleanLeaderElection(name: string): boolean {
    const topic = this.topics.get(name);
    return topic !== undefined && this.configValue(name, 'unclean.leader.election.enable') === 'true';
  }

  /**
   * Sets and removes topic configs (Kafka's incrementalAlterConfigs): validated together against
   * the values the topic would have; with `validateOnly` nothing is stored or applied.
   */
  async alterConfigs(name: string, set: Record<string, string>, remove: string[], validateOnly = false): Promise<void> {
    const topic = this.get(name);
    checkClientMutation(name, 'alter its configs');
    const next = { ...topic.configs, ...set };
    for (const key of remove) delete next[key];
    validateTopicConfigs(set, { ...this.topicDefaults, ...next });
    if (validateOnly) return;
    const updated = await this.metadata.alterTopicConfigs(name, set, remove);
    this.topics.set(name, updated);
    this.applyConfigs(updated);
    this.changed({ kind: 'configs', topic: name });
  }

  /** The defaults of topic configs changed (a dynamic broker or cluster config): every topic's log follows. */
  setTopicDefaults(defaults: Record<string, string>): void {
    this.dynamicTopicDefaults = { ...defaults };
    for (const topic of this.topics.values()) this.replicas.updateConfig(topic.name, topic.partitionsCount, this.logConfigFor(topic));
  }

  /** Effective topic-config defaults: static (RUNNEL_TOPIC_*) overlaid by the dynamic broker configs. */
  get topicDefaults(): Readonly<Record<string, string>> {
    return this.dynamicTopicDefaults ?? this.config.topicDefaults;
  }

  /**
   * records:delete: moves the partition's log start to `before_offset` (at most the high
   * watermark), as Kafka's DeleteRecords. 40301 on an internal topic.
   */
  async deleteRecords(caller: Caller, name: string, partitionId: number, body: unknown): Promise<DeleteRecordsResult> {
    this.authorize(caller, 'DELETE', name);
    const partition = this.partition(name, partitionId);
    checkClientMutation(name, 'delete its records');
    const raw = (body as { before_offset?: unknown } | null)?.before_offset;
    if (typeof raw !== 'number' || !Number.isSafeInteger(raw) || raw < 0) {
      throw badRequest('before_offset must be a non-negative integer below 2^53');
    }
    const hw = partition.highWatermark;
    if (raw > hw) throw badRequest(`before_offset ${raw} is above the high watermark ${hw}`);
    const before = partition.logStartOffset as number;
    const lowWatermark = await partition.deleteRecordsBefore(asOffset(raw));
    await this.audit.record(
      auditEntry(caller, `TOPIC:${name}`, 'DELETE_RECORDS', 'SUCCESS', {
        before: { partition_id: partitionId, low_watermark: before },
        after: { partition_id: partitionId, low_watermark: lowWatermark },
      }),
    );
    return { topic_name: name, partition_id: partition.partition, low_watermark: lowWatermark };
  }

  /** The topic's partitions, for a caller that may DESCRIBE it. */
  partitions(caller: Caller, name: string): PartitionView[] {
    this.authorize(caller, 'DESCRIBE', name);
    const topic = this.get(name);
    return Array.from({ length: topic.partitionsCount }, (_, p) => this.partitionView(name, p));
  }

  /** `partitionView` for a caller that may DESCRIBE the topic (40301 first, whether it exists or not). */
  describePartition(caller: Caller, name: string, partitionId: number): PartitionView {
    this.authorize(caller, 'DESCRIBE', name);
    return this.partitionView(name, partitionId);
  }

  /**
   * One partition for the v3 partition resources (partition, offset, replicas, reassignment):
   * 404/40403 for an unknown topic, 404/404 for a partition the topic does not have, as
   * Confluent answers them.
   */
  partitionView(name: string, partitionId: number): PartitionView {
    const topic = this.get(name);
    if (partitionId >= topic.partitionsCount)
      throw new RunnelError('NOT_FOUND', `Partition ${partitionId} of topic '${name}' cannot be found.`);
    const state = this.partition(name, partitionId);
    const broker = this.config.brokerId;
    return {
      topicName: name,
      partitionId,
      leader: broker,
      replicas: [broker],
      isr: [broker],
      earliestOffset: state.logStartOffset,
      highWatermark: state.highWatermark,
    };
  }

  /** The effective value of one topic config (topic's own, else the broker default). */
  configValue(name: string, config: string): string {
    return this.get(name).configs[config] ?? this.topicDefaults[config];
  }

  private exclusive<T>(run: () => Promise<T>): Promise<T> {
    const result = this.adminTail.then(run);
    this.adminTail = result.catch(() => undefined);
    return result;
  }

  private checkPartitionLimit(adding: number, verb: 'Creating' | 'Adding'): void {
    if (this.partitionTotal + adding > this.config.maxPartitions) {
      throw badRequest(
        `${verb} ${adding} partitions would exceed the broker's limit of ${this.config.maxPartitions} (${this.partitionTotal} in use)`,
      );
    }
  }

  /** Brokers new replicas may go to: the live, running brokers (one node: this one). */
  private placeableBrokers(): { brokerId: number; rack: string | null }[] {
    return this.cluster.enabled ? this.cluster.placeableBrokers() : [{ brokerId: this.config.brokerId, rack: null }];
  }

  /**
   * Partitions `from` to `to - 1` of `name`: replicas as given, else placed round-robin and
   * rack-aware over the live brokers (one node: this one); the first replica leads, all in sync.
   */
  private newPartitions(name: string, from: number, to: number, replicationFactor: number, assignments?: number[][]): PartitionRecord[] {
    let placed = assignments;
    if (!placed) {
      try {
        placed = placeReplicas(this.placeableBrokers(), to - from, replicationFactor, { firstPartitionId: from });
      } catch (error) {
        throw new RunnelError('KAFKA_BAD_REQUEST', (error as Error).message);
      }
    }
    return placed.map((replicas, i) => ({
      topicName: name,
      partitionId: from + i,
      leader: replicas[0],
      leaderEpoch: 0,
      partitionEpoch: 0,
      replicas: [...replicas],
      isr: [...replicas],
    }));
  }

  private changed(change: TopicChange): void {
    this.partitionCountCache = undefined;
    for (const listener of this.changeListeners) listener(change);
  }

  /** Adds or replaces a topic in the catalog; user topics' partitions count against RUNNEL_MAX_PARTITIONS. */
  private remember(topic: TopicRecord): void {
    const known = this.topics.get(topic.name);
    if (!known) this.sortedNames.splice(upperBound(this.sortedNames, topic.name), 0, topic.name);
    if (!topic.isInternal) this.partitionTotal += topic.partitionsCount - (known?.partitionsCount ?? 0);
    this.topics.set(topic.name, topic);
  }

  private forget(name: string): void {
    const known = this.topics.get(name);
    if (!known) return;
    this.topics.delete(name);
    this.sortedNames.splice(upperBound(this.sortedNames, name) - 1, 1);
    if (!known.isInternal) this.partitionTotal -= known.partitionsCount;
  }

  private logConfigFor(topic: TopicRecord) {
    return logConfigOf(topic.configs, this.topicDefaults);
  }
}

/** Index of the first element of sorted `names` greater than `name`. */
function upperBound(names: readonly string[], name: string): number {
  let lo = 0;
  let hi = names.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (names[mid] <= name) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** What the audit log keeps of a created or deleted topic. */
function auditedTopic(topic: TopicRecord) {
  return {
    topic_name: topic.name,
    partitions_count: topic.partitionsCount,
    replication_factor: topic.replicationFactor,
    configs: topic.configs,
  };
}

function topicExists(name: string): RunnelError {
  return new RunnelError('TOPIC_EXISTS', `Topic '${name}' already exists.`);
}

function parseConfigList(input: unknown): Record<string, string> {
  if (input === undefined || input === null) return {};
  if (!Array.isArray(input)) throw badRequest('configs must be an array of {"name", "value"}');
  const configs: Record<string, string> = {};
  input.forEach((entry: unknown, i) => {
    const { name, value } = (entry ?? {}) as { name?: unknown; value?: unknown };
    if (typeof name !== 'string') throw badRequest(`configs[${i}].name must be a string`);
    if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') {
      throw badRequest(`configs[${i}].value must be a string`);
    }
    configs[name] = String(value);
  });
  return configs;
}
