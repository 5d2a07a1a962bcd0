import { randomUUID } from 'node:crypto';
import { Inject, Injectable, Logger, OnApplicationShutdown, BeforeApplicationShutdown } from '@nestjs/common';
import type { LogConfig } from '@runnel/log';
import {
  ChangeFollower,
  Controller,
  type BrokerRegistration,
  type ClusterStore,
  type MetadataChangeRecord,
  type PartitionState,
} from '@runnel/metadata';
import * as fetchCodec from '@runnel/replication';
import { ReplicaManager, ReplicationError, type PartitionHandle } from '@runnel/replication';
import { BrokerConfig, ClusterConfig } from '../config/broker-config';
import { BROKER_CONFIG, CLUSTER_STORE, REPLICA_MANAGER } from '../config/tokens';
import { advertisedUrlFor } from '../http/advertised-url';
import { ClusterViewCache } from './cluster-view-cache';
import { InterBrokerChannel } from './inter-broker';
import { ReplicaLink, REPLICA_LINK } from './replica-link';

/** What the cluster needs of the topic catalog (TopicsService attaches itself at start). */
export interface TopicCatalog {
  /** Re-reads one topic from the metadata store (created, deleted, configs or partitions changed elsewhere). */
  reloadTopic(name: string): Promise<void>;
  /** The topic's effective log config; undefined for a topic this broker does not know (yet). */
  logConfigOf(name: string): LogConfig | undefined;
  /** The topic's min.insync.replicas (1 when unknown). */
  minInsyncReplicas(name: string): number;
  /** Whether the topic allows electing a leader outside the ISR (unclean.leader.election.enable). */
  uncleanLeaderElection(name: string): boolean;
}

/** Kinds of metadata change other services react to (ACLs, quotas, users, configs). */
export type MetadataChangeListener = (change: MetadataChangeRecord) => void | Promise<void>;

/** The longest one step of leaving the cluster at shutdown may take (PostgreSQL or a peer not answering). */
const SHUTDOWN_STEP_MS = 5000;

/**
 * Cluster mode's conductor (DESIGN.md "Cluster mode"): registers this broker in PostgreSQL and
 * keeps its lease (heartbeats), hosts the Controller (active only while this broker holds the
 * controller lease), follows the metadata change log and applies what it says — partition states
 * to the ReplicaManager (lead, follow, stop), topics to the catalog, ACL / quota / user changes to
 * their services — serves the inter-broker channel, and runs controlled shutdown on stop.
 *
 * On a single node (no RUNNEL_METADATA_URL) it does nothing and `enabled` is false.
 *
 * Ordering: the change follower delivers changes one batch at a time in seq order, and each
 * batch is applied fully before the next, so a broker never acts on a newer state and then an
 * older one; partition states additionally only move forward by epoch (ClusterViewCache).
 */
@Injectable()
export class ClusterService implements BeforeApplicationShutdown, OnApplicationShutdown {
  private readonly logger = new Logger('Cluster');
  readonly enabled: boolean;
  readonly view: ClusterViewCache;
  private readonly cluster: ClusterConfig | undefined;
  private catalog: TopicCatalog | undefined;
  private readonly listeners = new Set<MetadataChangeListener>();
  private epoch = 0;
  private incarnationId = randomUUID();
  private advertisedUrl = '';
  private controller: Controller | undefined;
  private follower: ChangeFollower | undefined;
  private channel: InterBrokerChannel | undefined;
  private heartbeatTimer: NodeJS.Timeout | undefined;
  private controllerTimer: NodeJS.Timeout | undefined;
  private started = false;
  private stopping = false;
  /** Serializes applying changes: one batch (and its re-reads) at a time. */
  private applyTail: Promise<unknown> = Promise.resolve();

  constructor(
    @Inject(BROKER_CONFIG) private readonly config: BrokerConfig,
    @Inject(CLUSTER_STORE) private readonly store: ClusterStore | null,
    @Inject(REPLICA_MANAGER) private readonly replicas: ReplicaManager,
    @Inject(REPLICA_LINK) private readonly link: ReplicaLink,
  ) {
    this.cluster = config.cluster;
    this.enabled = config.cluster !== undefined && store !== null;
    this.view = new ClusterViewCache(config.brokerId);
  }

  get brokerId(): number {
    return this.config.brokerId;
  }

  get brokerEpoch(): number {
    return this.epoch;
  }

  /**
   * The inter-broker channel's listener (to add a route) and client (to call one), once the
   * broker has joined; undefined on a single node. Used by HTTP forwarding (http-forward.ts).
   */
  interBroker(): Pick<InterBrokerChannel, 'server' | 'client'> | undefined {
    return this.channel;
  }

  attachCatalog(catalog: TopicCatalog): void {
    this.catalog = catalog;
  }

  onMetadataChange(listener: MetadataChangeListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Brokers new replicas may be placed on: alive and running (not shutting down). */
  placeableBrokers(): { brokerId: number; rack: string | null }[] {
    return this.view
      .brokers()
      .filter((broker) => broker.alive && broker.state === 'RUNNING')
      .map((broker) => ({ brokerId: broker.brokerId, rack: broker.rack }));
  }

  /** The handle services use for a partition: the local leader, or a forwarder to the remote one. */
  resolve(topic: string, partition: number): PartitionHandle {
    const handle = this.channel?.router.resolve(topic, partition);
    if (!handle) throw new ReplicationError('LEADER_NOT_AVAILABLE', topic, partition, `${topic}-${partition} has no known leader yet`);
    return handle;
  }

  /** Resolves once this broker has applied every change written so far (after a local metadata write). */
  async caughtUp(timeoutMs = 10_000): Promise<void> {
    if (!this.enabled || !this.follower) return;
    const target = await this.store!.lastSeq();
    const deadline = Date.now() + timeoutMs;
    while (this.follower.seq < target) {
      if (Date.now() > deadline) throw new Error(`metadata change log not applied up to seq ${target} within ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 10));
      await this.applyTail;
    }
  }

  /**
   * Joins the cluster, from the topic catalog's start (so the broker's own services — consumer
   * groups, idempotency — find their partitions when they start): the inter-broker listener,
   * registration, the first full read of brokers and partitions, the change follower,
   * heartbeats and the controller loop.
   */
  async start(): Promise<void> {
    if (!this.enabled || this.started) return;
    const store = this.store!;
    const cluster = this.cluster!;
    this.started = true;
    this.advertisedUrl = advertisedUrlFor(
      this.config.advertisedUrl,
      this.config.host,
      this.config.httpPort,
      this.config.security.tls ? 'https' : 'http',
    );
    const secret = await store.interBrokerSecret();
    this.channel = new InterBrokerChannel({
      config: this.config,
      secret: () => secret,
      identity: () => ({ brokerId: this.config.brokerId, brokerEpoch: this.epoch }),
      clusterView: this.view,
      localPartition: (topic, partition) => this.replicas.get(topic, partition),
      handleReplicaFetch: (request) => this.replicas.handleReplicaFetch(request),
      fetchCodec,
      // A forwarded produce is as large as the client's request may be.
      serverLimits: { maxBodyBytes: Math.max(64 * 1024 * 1024, this.config.maxRequestBytes + 64 * 1024) },
      log: { info: (m) => this.logger.log(m), warn: (m) => this.logger.warn(m), error: (m) => this.logger.error(m) },
    });
    await this.channel.start();
    this.link.connect({
      transport: this.channel.transport,
      brokerEpochOf: (brokerId) => this.view.broker(brokerId)?.epoch,
    });
    await this.register();
    const fromSeq = await store.lastSeq();
    await this.refreshBrokers();
    for (const state of await store.partitions()) this.groupByTopic(state);
    await this.applyAllTopics();
    this.follower = new ChangeFollower(store, {
      fromSeq,
      pollIntervalMs: Math.max(100, cluster.heartbeatMs),
      onChanges: (changes) => this.apply(changes),
      log: this.logger,
    });
    await this.follower.start();
    this.controller = new Controller(store, {
      brokerId: this.config.brokerId,
      brokerEpoch: () => this.epoch,
      leaseMs: cluster.controllerLeaseMs,
      tickMs: cluster.heartbeatMs,
      leaderRebalanceIntervalMs: cluster.leaderRebalanceIntervalMs,
      uncleanAllowed: (topic) => this.catalog?.uncleanLeaderElection(topic) ?? false,
      log: { info: (m) => this.logger.log(m), warn: (m) => this.logger.warn(m), error: (m) => this.logger.error(m) },
    });
    this.heartbeatTimer = this.every(cluster.heartbeatMs, this.heartbeatTask);
    this.controllerTimer = this.every(cluster.heartbeatMs, () => this.controller!.tick());
    this.logger.log(
      `joined the cluster as broker ${this.config.brokerId} (epoch ${this.epoch}); inter-broker listener on ${this.config.host}:${cluster.interBrokerPort}, advertised ${cluster.interBrokerAdvertised}`,
    );
  }

  /**
   * The public listener's real address, once it listens (RUNNEL_HTTP_PORT=0 picks a port only
   * then): registered again when it differs from the one guessed at start.
   */
  async announce(advertisedUrl: string): Promise<void> {
    if (!this.enabled || !this.started || advertisedUrl === this.advertisedUrl) return;
    this.advertisedUrl = advertisedUrl;
    await this.register();
  }

  /**
   * Waits (bounded) until `count` brokers are alive, for the broker's internal topics, which are
   * created with the default replication factor as Kafka's offsets.topic.replication.factor;
   * answers how many are alive when the wait ends.
   */
  async awaitBrokers(count: number, timeoutMs = 30_000): Promise<number> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      await this.refreshBrokers();
      const alive = this.placeableBrokers().length;
      if (alive >= count || Date.now() > deadline) return alive;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }

  private async register(): Promise<void> {
    const cluster = this.cluster!;
    const registration = await this.store!.registerBroker(
      {
        brokerId: this.config.brokerId,
        incarnationId: this.incarnationId,
        interBrokerAddress: cluster.interBrokerAdvertised,
        advertisedUrl: this.advertisedUrl,
        rack: cluster.rack,
      },
      cluster.brokerLeaseMs,
    );
    this.epoch = registration.epoch;
    this.replicas.brokerEpoch = registration.epoch;
  }

  /** Renews the broker lease; a broker found fenced (its epoch replaced) registers again with a new epoch. */
  private async heartbeat(): Promise<void> {
    const cluster = this.cluster!;
    const current = await this.store!.heartbeat(this.config.brokerId, this.epoch, cluster.brokerLeaseMs);
    if (!current && !this.stopping) {
      this.logger.warn(`broker epoch ${this.epoch} was fenced (lease expired); registering again`);
      this.incarnationId = randomUUID();
      await this.register();
    }
  }

  private pendingTopics = new Map<string, PartitionState[]>();

  private groupByTopic(state: PartitionState): void {
    const list = this.pendingTopics.get(state.topicName) ?? [];
    list.push(state);
    this.pendingTopics.set(state.topicName, list);
  }

  private async applyAllTopics(): Promise<void> {
    const topics = this.pendingTopics;
    this.pendingTopics = new Map();
    for (const [topic, states] of topics) {
      // A topic created after the catalog loaded (by another broker, while this one started).
      if (!this.catalog?.logConfigOf(topic)) await this.catalog?.reloadTopic(topic);
      await this.applyTopicStates(topic, states);
    }
  }

  /**
   * Topics whose partition states are in the view but not (all) applied to the local replicas:
   * the catalog did not know the topic yet, or applying failed. Applied again, whole, on the
   * topic's next change and on every heartbeat until it succeeds — the view alone never says a
   * state was applied.
   */
  private readonly unapplied = new Set<string>();

  private reapplyUnapplied(): Promise<void> {
    if (this.unapplied.size === 0) return Promise.resolve();
    const topics = [...this.unapplied];
    const run = this.applyTail.then(async () => {
      for (const topic of topics) {
        if (!this.unapplied.has(topic)) continue;
        if (!this.catalog?.logConfigOf(topic)) await this.catalog?.reloadTopic(topic);
        await this.applyTopicStates(topic, [...this.view.partitionStates(topic)]);
      }
    });
    this.applyTail = run.catch(() => undefined);
    return run;
  }

  /** Applies one batch of changes from the log, in order (re-reading what each names). */
  private apply(changes: MetadataChangeRecord[]): Promise<void> {
    const run = this.applyTail.then(() => this.applyNow(changes));
    this.applyTail = run.catch(() => undefined);
    return run;
  }

  private async applyNow(changes: MetadataChangeRecord[]): Promise<void> {
    const topics = new Set<string>();
    let brokers = false;
    for (const change of changes) {
      if (change.kind === 'topic' || change.kind === 'partition') topics.add(change.subject);
      else if (change.kind === 'broker' || change.kind === 'controller') brokers = true;
      for (const listener of this.listeners) await listener(change);
    }
    if (brokers) await this.refreshBrokers();
    for (const topic of topics) {
      await this.catalog?.reloadTopic(topic);
      await this.applyTopicStates(topic, await this.store!.partitions(topic));
    }
  }

  private async refreshBrokers(): Promise<void> {
    const [brokers, controller] = await Promise.all([this.store!.brokers(), this.store!.controller()]);
    this.view.setBrokers(brokers);
    this.view.setController(controller);
  }

  /** Brings the local replicas of one topic in line with its partition states (lead, follow, stop). */
  private async applyTopicStates(topic: string, states: PartitionState[]): Promise<void> {
    const previous = this.view.partitionStates(topic);
    const changed = this.view.setTopic(topic, states);
    if (states.length === 0) {
      for (const state of previous)
        if (state.replicas.includes(this.config.brokerId)) await this.replicas.stopReplica(topic, state.partitionId, true);
      return;
    }
    const config = this.catalog?.logConfigOf(topic);
    if (!config) {
      this.unapplied.add(topic);
      return;
    }
    const toApply = this.unapplied.delete(topic) ? states : changed;
    for (const state of toApply) {
      try {
        await this.replicas.applyPartitionState(state, config, { minInsyncReplicas: this.catalog!.minInsyncReplicas(topic) });
      } catch (error) {
        this.unapplied.add(topic);
        this.logger.error(`could not apply the state of ${topic}-${state.partitionId} (retried): ${(error as Error).message}`);
      }
    }
  }

  /** The live broker registrations (for logs and the health endpoint). */
  brokers(): readonly BrokerRegistration[] {
    return this.view.brokers();
  }

  /**
   * Controlled shutdown (Kafka's): tell the controller, wait until no partition this broker leads
   * has another in-sync replica to take over (or the timeout), then stop serving the cluster.
   */
  async beforeApplicationShutdown(): Promise<void> {
    if (!this.enabled || !this.started || this.stopping) return;
    this.stopping = true;
    const cluster = this.cluster!;
    const store = this.store!;
    try {
      await store.setBrokerState(this.config.brokerId, this.epoch, 'CONTROLLED_SHUTDOWN');
      const deadline = Date.now() + cluster.controlledShutdownTimeoutMs;
      while (Date.now() < deadline && this.ledWithOtherInSyncReplicas() > 0) {
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      const left = this.ledWithOtherInSyncReplicas();
      if (left > 0) this.logger.warn(`controlled shutdown timed out with ${left} partition(s) still led here`);
      else this.logger.log('controlled shutdown: leadership moved away');
    } catch (error) {
      this.logger.warn(`controlled shutdown could not complete: ${(error as Error).message}`);
    }
  }

  /** Partitions led here that another in-sync replica could take over. */
  private ledWithOtherInSyncReplicas(): number {
    let count = 0;
    for (const topic of this.view.topicNames()) {
      for (const state of this.view.partitionStates(topic)) {
        if (state.leader === this.config.brokerId && state.isr.some((id) => id !== this.config.brokerId)) count++;
      }
    }
    return count;
  }

  async onApplicationShutdown(): Promise<void> {
    if (!this.enabled || !this.started) return;
    this.stopping = true;
    clearInterval(this.heartbeatTimer);
    clearInterval(this.controllerTimer);
    // Each step is bounded: a PostgreSQL connection cut without a reset (a partition that healed
    // around it) can leave a query unanswered for ever, and a stop must still end.
    await this.bounded('stopping the change follower', () => this.follower?.stop());
    const controllerEpoch = this.controller?.epoch;
    if (controllerEpoch != null) {
      await this.bounded('resigning the controller lease', () => this.store!.resignController(this.config.brokerId, controllerEpoch));
    }
    await this.bounded('recording the broker as stopped', () => this.store!.setBrokerState(this.config.brokerId, this.epoch, 'STOPPED'));
    await this.bounded('closing the inter-broker channel', () => this.channel?.close());
    await this.bounded('closing the metadata store', () => this.store!.close());
  }

  /** Runs one shutdown step for at most SHUTDOWN_STEP_MS; a step that fails or hangs is logged and left behind. */
  private async bounded(what: string, step: () => Promise<unknown> | undefined): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), SHUTDOWN_STEP_MS)));
    const done = Promise.resolve()
      .then(step)
      .then(
        () => 'done' as const,
        (error: unknown) => {
          this.logger.warn(`shutdown: ${what} failed: ${(error as Error).message}`);
          return 'done' as const;
        },
      );
    try {
      if ((await Promise.race([done, late])) === 'late')
        this.logger.warn(`shutdown: ${what} did not finish within ${SHUTDOWN_STEP_MS} ms; going on`);
    } finally {
      clearTimeout(timer);
    }
  }

  private every(intervalMs: number, task: () => Promise<unknown>): NodeJS.Timeout {
    let running = false;
    const timer = setInterval(() => {
      if (running || (this.stopping && task !== this.heartbeatTask)) return;
      running = true;
      task()
        .catch((error: unknown) => this.logger.error(`cluster task failed: ${(error as Error).message}`))
        .finally(() => (running = false));
    }, intervalMs);
    timer.unref();
    return timer;
  }

  private readonly heartbeatTask = async (): Promise<void> => {
    await this.heartbeat();
    await this.reapplyUnapplied();
  };
}
