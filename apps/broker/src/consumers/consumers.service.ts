import { BeforeApplicationShutdown, Inject, Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { compileTopicPattern, type CommittedOffset } from '@runnel/groups';
import { RunnelError } from '../common/errors';
import { BrokerConfig } from '../config/broker-config';
import { BROKER_CONFIG } from '../config/tokens';
import { GroupsService } from '../groups/groups.service';
import { MetricsService } from '../metrics/metrics.service';
import { AccessControl } from '../security/access-control.service';
import type { Caller } from '../security/caller';
import { TopicsService } from '../topics/topics.service';
import type { HttpConsumerConfig } from './consumer-config';
import { checkGroupId, parseCreateRequest, parseOffsets, parsePartitions, parsePollQuery, parseSubscription } from './consumer-requests';
import { ConsumerContext, ConsumerFormat, ConsumerGroups, HttpConsumer, TopicSubscription } from './http-consumer';

/**
 * The HTTP consumer instances of this broker (Confluent REST v2 / Strimzi bridge) and their use
 * cases. The registry is in memory: instances do not survive a restart (their committed offsets
 * do, in `__consumer_offsets`), as with Confluent's REST Proxy.
 *
 * Bounds: at most `maxInstances` instances, `maxInstancesPerGroup` per group — beyond, 429 /
 * 42901 (a capacity limit that frees up as instances are deleted or expire, so retriable, with
 * Retry-After; not 409, which would say the request itself conflicts). An instance that gets
 * no request for `instanceTimeoutMs` expires: it commits (auto-commit), leaves its group and
 * is forgotten, so its partitions move to the other members. A waiting poll keeps its instance
 * (and group session) alive. At shutdown every instance is closed the same way.
 *
 * Authorization (Kafka's, through the broker's one AccessControl): every request needs READ on the
 * GROUP (checked first: 40301 whether the instance exists or not); subscribe, assign, poll and
 * commit also need READ on each topic they name or read. An instance belongs to the principal that
 * created it: to anyone else it does not exist (40403). With authentication on, a `topic_pattern`
 * subscribes to the topics it matches now that the caller may READ (Kafka's clients resolve a
 * pattern against the topics they may see).
 */
export interface CreatedConsumer {
  instance_id: string;
  base_uri: string;
}

export interface PolledRecords {
  contentType: string;
  /** The JSON array of records. */
  text: string;
}

/** Media types that name an embedded format: `application/vnd.kafka.<format>.v2+json`. */
const EMBEDDED_FORMAT = /application\/vnd\.kafka\.([a-z]+)\.v2\+json/g;

@Injectable()
export class ConsumersService implements OnModuleInit, BeforeApplicationShutdown, OnModuleDestroy {
  private readonly logger = new Logger('HttpConsumers');
  private readonly config: HttpConsumerConfig;
  private readonly instances = new Map<string, HttpConsumer>();
  /** The principal that created each instance: the only one that may use it. */
  private readonly owners = new WeakMap<HttpConsumer, string>();
  private readonly perGroup = new Map<string, number>();
  private readonly shutdown = new AbortController();
  private readonly groupsPort: ConsumerGroups;
  private readonly counters = { created: 0, expired: 0 };
  private sweepTimer: NodeJS.Timeout | undefined;

  constructor(
    @Inject(BROKER_CONFIG) brokerConfig: BrokerConfig,
    private readonly groups: GroupsService,
    private readonly topics: TopicsService,
    metrics: MetricsService,
    private readonly access: AccessControl,
  ) {
    this.config = brokerConfig.httpConsumers;
    const members = groups.wsGroups;
    this.groupsPort = {
      join: members.join,
      leave: members.leave,
      heartbeat: members.heartbeat,
      commit: members.commit,
      commitUnassigned: (groupId, offsets) => groups.resetOffsets(groupId, offsets),
      committedOffsets: (groupId) => committedOrNone(() => groups.committedOffsets(groupId)),
    };
    metrics.gaugeFrom('runnel_http_consumer_instances', 'HTTP consumer instances (REST v2 / bridge API)', () => this.instances.size);
    metrics.gaugeFrom('runnel_http_consumer_groups', 'Consumer groups with at least one HTTP consumer instance', () => this.perGroup.size);
    metrics.counterFrom('runnel_http_consumer_instances_created_total', 'HTTP consumer instances created', () => this.counters.created);
    metrics.counterFrom(
      'runnel_http_consumer_instances_expired_total',
      'HTTP consumer instances deleted after their idle timeout or removed from their group',
      () => this.counters.expired,
    );
  }

  onModuleInit(): void {
    const intervalMs = Math.max(10, Math.min(1000, Math.floor(this.config.instanceTimeoutMs / 4)));
    this.sweepTimer = setInterval(() => this.sweep(), intervalMs);
    this.sweepTimer.unref();
  }

  /** Before the coordinator flushes (its onApplicationShutdown): auto-commits land, members leave. */
  beforeApplicationShutdown(): void {
    clearInterval(this.sweepTimer);
    this.shutdown.abort();
    for (const instance of [...this.instances.values()]) this.drop(instance);
  }

  onModuleDestroy(): void {
    clearInterval(this.sweepTimer);
  }

  create(caller: Caller, groupId: string, body: unknown, baseUrl: string, clientHost: string): CreatedConsumer {
    checkGroupId(groupId);
    this.groups.authorize(caller, 'READ', groupId);
    const request = parseCreateRequest(body, this.config);
    const name = request.name ?? `rest-consumer-${crypto.randomUUID()}`;
    if (this.instances.has(keyOf(groupId, name))) {
      throw new RunnelError(
        'CONSUMER_ALREADY_EXISTS',
        'Consumer with specified consumer ID already exists in the specified consumer group.',
      );
    }
    const retryAfterSeconds = Math.ceil(this.config.instanceTimeoutMs / 1000);
    if (this.instances.size >= this.config.maxInstances) {
      throw new RunnelError(
        'THROTTLED',
        `This broker has ${this.config.maxInstances} HTTP consumer instances, its limit: delete one or wait for an idle one to expire`,
        { retryAfterSeconds },
      );
    }
    if ((this.perGroup.get(groupId) ?? 0) >= this.config.maxInstancesPerGroup) {
      throw new RunnelError(
        'THROTTLED',
        `Group '${groupId}' has ${this.config.maxInstancesPerGroup} HTTP consumer instances, the per-group limit: delete one or wait for an idle one to expire`,
        { retryAfterSeconds },
      );
    }
    const context: ConsumerContext = {
      groups: this.groupsPort,
      topics: this.topics,
      removed: (consumer, reason) => {
        this.logger.log(`consumer instance ${consumer.name} of group '${consumer.groupId}' removed: ${reason}`);
        this.forget(consumer);
        this.counters.expired++;
      },
      shutdownSignal: this.shutdown.signal,
      sessionTimeoutMs: this.config.instanceTimeoutMs,
      clientHost,
    };
    const instance = new HttpConsumer(groupId, name, request.settings, context, Date.now());
    this.owners.set(instance, caller.principal);
    this.instances.set(keyOf(groupId, name), instance);
    this.perGroup.set(groupId, (this.perGroup.get(groupId) ?? 0) + 1);
    this.counters.created++;
    return { instance_id: name, base_uri: `${baseUrl}/consumers/${encodeURIComponent(groupId)}/instances/${name}` };
  }

  delete(caller: Caller, groupId: string, name: string): void {
    this.drop(this.instance(caller, groupId, name));
  }

  subscribe(caller: Caller, groupId: string, name: string, body: unknown): void {
    const instance = this.instance(caller, groupId, name);
    instance.subscribe(this.readableSubscription(caller, parseSubscription(body)));
  }

  subscription(caller: Caller, groupId: string, name: string): { topics: string[] } {
    return { topics: this.instance(caller, groupId, name).subscribedTopics(this.topics.partitionCounts().keys()) };
  }

  unsubscribe(caller: Caller, groupId: string, name: string): void {
    this.instance(caller, groupId, name).unsubscribe();
  }

  assign(caller: Caller, groupId: string, name: string, body: unknown): void {
    const instance = this.instance(caller, groupId, name);
    const partitions = parsePartitions(body);
    this.authorizeTopics(caller, partitions);
    instance.assign(partitions);
  }

  assignments(caller: Caller, groupId: string, name: string): { partitions: { topic: string; partition: number }[] } {
    return { partitions: this.instance(caller, groupId, name).assignment() };
  }

  seek(caller: Caller, groupId: string, name: string, body: unknown): void {
    this.instance(caller, groupId, name).seek(parseOffsets(body, false));
  }

  seekToBeginning(caller: Caller, groupId: string, name: string, body: unknown): void {
    this.instance(caller, groupId, name).seekToBeginning(parsePartitions(body));
  }

  seekToEnd(caller: Caller, groupId: string, name: string, body: unknown): void {
    this.instance(caller, groupId, name).seekToEnd(parsePartitions(body));
  }

  /** An empty body commits every position: what the polls returned so far (READ on each of their topics). */
  commit(caller: Caller, groupId: string, name: string, body: unknown): Promise<void> {
    const instance = this.instance(caller, groupId, name);
    const offsets = body === undefined || body === null ? undefined : parseOffsets(body, true);
    this.authorizeTopics(caller, offsets ?? instance.assignment());
    return instance.commit(offsets);
  }

  /** Without a body: the committed offsets of the partitions the instance owns. */
  committed(
    caller: Caller,
    groupId: string,
    name: string,
    body: unknown,
  ): { offsets: { topic: string; partition: number; offset: number; metadata: string }[] } {
    const instance = this.instance(caller, groupId, name);
    const offsets = instance.committed(body === undefined ? undefined : parsePartitions(body));
    return { offsets: offsets.map(({ topic, partition, offset, metadata }) => ({ topic, partition, offset, metadata })) };
  }

  async poll(
    caller: Caller,
    groupId: string,
    name: string,
    query: Record<string, unknown>,
    accept: string | undefined,
    signal: AbortSignal,
  ): Promise<PolledRecords> {
    const instance = this.instance(caller, groupId, name);
    checkAccept(accept, instance.settings.format);
    this.authorizeTopics(caller, instance.assignment());
    const answer = await instance.poll(parsePollQuery(query, instance.settings, this.config), signal);
    instance.touch(Date.now());
    return { contentType: `application/vnd.kafka.${instance.settings.format}.v2+json`, text: `[${answer.records.join(',')}]` };
  }

  /**
   * The instance, renewed (a request is a sign of life): 40301 without READ on the group, 404 /
   * 40403 for an unknown one or one another principal created.
   */
  private instance(caller: Caller, groupId: string, name: string): HttpConsumer {
    this.groups.authorize(caller, 'READ', groupId);
    const instance = this.instances.get(keyOf(groupId, name));
    if (!instance || this.owners.get(instance) !== caller.principal)
      throw new RunnelError('CONSUMER_INSTANCE_NOT_FOUND', 'Consumer instance not found.');
    instance.touch(Date.now());
    return instance;
  }

  /** 40301 (audited) unless `caller` may READ every topic of `partitions`. */
  private authorizeTopics(caller: Caller, partitions: readonly { topic: string }[]): void {
    for (const topic of new Set(partitions.map((p) => p.topic))) this.topics.authorize(caller, 'READ', topic);
  }

  /**
   * Named topics each need READ (40301 otherwise). With authorization on, a pattern becomes the
   * topics it matches now that the caller may READ; 40301 when it matches none of them.
   */
  private readableSubscription(caller: Caller, subscription: TopicSubscription): TopicSubscription {
    if (subscription.topicPattern === undefined) {
      for (const topic of subscription.topics) this.topics.authorize(caller, 'READ', topic);
      return subscription;
    }
    if (!this.access.enabled) return subscription;
    const pattern = compileTopicPattern(subscription.topicPattern);
    const topics = [...this.topics.partitionCounts().keys()].filter(
      (topic) => pattern.test(topic) && this.access.allows(caller, 'READ', 'TOPIC', topic),
    );
    if (topics.length === 0) {
      throw new RunnelError('NOT_AUTHORIZED', `${caller.principal} may READ no topic matching the pattern '${subscription.topicPattern}'`);
    }
    return { topics };
  }

  /** Expires idle instances; renews the ones whose poll is waiting. */
  private sweep(): void {
    const now = Date.now();
    for (const instance of [...this.instances.values()]) {
      if (instance.isPolling) instance.touch(now);
      else if (now - instance.lastSeenMs > this.config.instanceTimeoutMs) {
        this.logger.log(
          `consumer instance ${instance.name} of group '${instance.groupId}' expired after ${now - instance.lastSeenMs} ms idle`,
        );
        this.counters.expired++;
        this.drop(instance);
      }
    }
  }

  private drop(instance: HttpConsumer): void {
    this.forget(instance);
    try {
      instance.close();
    } catch (error) {
      this.logger.warn(`closing consumer instance ${instance.name} of group '${instance.groupId}': ${(error as Error).message}`);
    }
  }

  private forget(instance: HttpConsumer): void {
    const key = keyOf(instance.groupId, instance.name);
    if (this.instances.get(key) !== instance) return;
    this.instances.delete(key);
    const left = (this.perGroup.get(instance.groupId) ?? 1) - 1;
    if (left > 0) this.perGroup.set(instance.groupId, left);
    else this.perGroup.delete(instance.groupId);
  }
}

const keyOf = (groupId: string, name: string): string => `${groupId}\u0000${name}`;

/** 406 / 40601 when the Accept header asks for an embedded format other than the instance's. */
function checkAccept(accept: string | undefined, format: ConsumerFormat): void {
  if (accept === undefined) return;
  const asked = [...accept.matchAll(EMBEDDED_FORMAT)].map((match) => match[1]);
  if (asked.length === 0 || asked.includes(format)) return;
  throw new RunnelError(
    'CONSUMER_FORMAT_MISMATCH',
    `The consumer instance's format is ${format}: accept application/vnd.kafka.${format}.v2+json, not ${asked.map((f) => `application/vnd.kafka.${f}.v2+json`).join(', ')}`,
  );
}

function committedOrNone(read: () => CommittedOffset[]): CommittedOffset[] {
  try {
    return read();
  } catch (error) {
    if (error instanceof RunnelError && error.kind === 'UNKNOWN_GROUP') return [];
    throw error;
  }
}
