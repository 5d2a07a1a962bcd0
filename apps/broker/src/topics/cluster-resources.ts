import type { BrokerRegistration, PartitionState, TopicRecord } from '@runnel/metadata';
import { listResource, related, resourceMetadata, resourceName } from '../common/rest-v3';
import type { ClusterView } from '../cluster/cluster-view';
import { RunnelError } from '../common/errors';
import type { Caller } from '../security/caller';
import type { PartitionView, TopicsService } from './topics.service';

/**
 * The Confluent REST v3 bodies of the cluster, its brokers, topics, partitions, replicas and
 * reassignments (schemas ClusterData, BrokerData, TopicData, PartitionData, ReplicaData,
 * PartitionWithOffsetsData and their lists in Confluent's `api/v3/openapi.yaml`). Every link
 * they carry names a resource this broker serves.
 */
export interface ClusterRef {
  /** `<advertised url>/v3/clusters/<cluster id>`: every link of the cluster starts with it. */
  url: string;
  clusterId: string;
}

export function clusterRef(baseUrl: string, clusterId: string): ClusterRef {
  return { url: `${baseUrl}/v3/clusters/${clusterId}`, clusterId };
}

/** The cluster; `controller` is null while no broker holds the controller lease (cluster mode only). */
export function clusterBody(c: ClusterRef, controllerId: number | null) {
  return {
    kind: 'KafkaCluster',
    metadata: resourceMetadata(c.url, resourceName(c.clusterId)),
    cluster_id: c.clusterId,
    controller: controllerId === null ? null : related(`${c.url}/brokers/${controllerId}`),
    acls: related(`${c.url}/acls`),
    brokers: related(`${c.url}/brokers`),
    broker_configs: related(`${c.url}/broker-configs`),
    consumer_groups: related(`${c.url}/consumer-groups`),
    topics: related(`${c.url}/topics`),
    partition_reassignments: related(`${c.url}/topics/-/partitions/-/reassignment`),
  };
}

/**
 * A broker: `host` and `port` are those clients reach it by (its advertised URL; `advertised`
 * is the URL to use, which for the broker answering is its own advertised URL).
 */
export function brokerBody(c: ClusterRef, broker: Pick<BrokerRegistration, 'brokerId' | 'rack'>, advertised: string) {
  const brokerId = broker.brokerId;
  let host: string | null = null;
  let port: number | null = null;
  try {
    const url = new URL(advertised);
    host = url.hostname.replace(/^\[(.*)\]$/, '$1');
    port = url.port ? Number(url.port) : url.protocol === 'https:' ? 443 : 80;
  } catch {
    // A broker registered without a usable URL: Confluent's schema allows null host and port.
  }
  const self = `${c.url}/brokers/${brokerId}`;
  return {
    kind: 'KafkaBroker',
    metadata: resourceMetadata(self, resourceName(c.clusterId, ['broker', brokerId])),
    cluster_id: c.clusterId,
    broker_id: brokerId,
    host,
    port,
    rack: broker.rack,
    configs: related(`${self}/configs`),
    partition_replicas: related(`${self}/partition-replicas`),
  };
}

export function topicBody(c: ClusterRef, topic: TopicRecord) {
  const self = `${c.url}/topics/${topic.name}`;
  return {
    kind: 'KafkaTopic',
    metadata: resourceMetadata(self, resourceName(c.clusterId, ['topic', topic.name])),
    cluster_id: c.clusterId,
    topic_name: topic.name,
    topic_id: topic.topicId,
    is_internal: topic.isInternal,
    replication_factor: topic.replicationFactor,
    partitions_count: topic.partitionsCount,
    partitions: related(`${self}/partitions`),
    configs: related(`${self}/configs`),
    partition_reassignments: related(`${self}/partitions/-/reassignment`),
    // No ACLs yet (issue #10): Confluent answers the empty set when it does not compute them.
    authorized_operations: [] as string[],
  };
}

export function topicList(c: ClusterRef, topics: TopicRecord[], next: string | null) {
  return listResource(
    'KafkaTopicList',
    `${c.url}/topics`,
    topics.map((t) => topicBody(c, t)),
    next,
  );
}

const partitionUrl = (c: ClusterRef, topic: string, partition: number) => `${c.url}/topics/${topic}/partitions/${partition}`;

/**
 * A partition as the cluster replicates it: its offsets as its leader reports them (PartitionView)
 * and its leader, replicas and ISR as the ClusterView knows them.
 */
export type ReplicatedPartitionView = PartitionView & Pick<PartitionState, 'leader' | 'replicas' | 'isr'>;

/** The view with the replicated state of the ClusterView, when it knows the partition. */
export function withState(view: PartitionView, state: PartitionState | undefined): ReplicatedPartitionView {
  return state ? { ...view, leader: state.leader, replicas: state.replicas, isr: state.isr } : view;
}

/**
 * A partition; `earliest_offset` and `high_watermark` are Runnel's additions (the schema allows
 * them). `leader` is null while the partition has no leader (offline).
 */
export function partitionBody(c: ClusterRef, p: ReplicatedPartitionView) {
  const self = partitionUrl(c, p.topicName, p.partitionId);
  return {
    kind: 'KafkaPartition',
    metadata: resourceMetadata(self, resourceName(c.clusterId, ['topic', p.topicName], ['partition', p.partitionId])),
    cluster_id: c.clusterId,
    topic_name: p.topicName,
    partition_id: p.partitionId,
    leader: p.leader >= 0 ? related(`${self}/replicas/${p.leader}`) : null,
    replicas: related(`${self}/replicas`),
    isr: related(`${self}/replicas`),
    reassignment: related(`${self}/reassignment`),
    earliest_offset: p.earliestOffset,
    high_watermark: p.highWatermark,
  };
}

export function partitionList(c: ClusterRef, topic: string, partitions: ReplicatedPartitionView[]) {
  return listResource(
    'KafkaPartitionList',
    `${c.url}/topics/${topic}/partitions`,
    partitions.map((p) => partitionBody(c, p)),
  );
}

/** Confluent's only offset type: the log start offset and the high watermark (what a read_uncommitted consumer sees last). */
export const OFFSET_TYPE = 'earliest_and_latest';

export function partitionOffsetsBody(c: ClusterRef, p: PartitionView) {
  const self = `${partitionUrl(c, p.topicName, p.partitionId)}/offset`;
  return {
    kind: 'KafkaPartitionWithOffsets',
    metadata: resourceMetadata(
      self,
      resourceName(c.clusterId, ['topic', p.topicName], ['partition', p.partitionId], ['offset_type', OFFSET_TYPE]),
    ),
    cluster_id: c.clusterId,
    topic_name: p.topicName,
    partition_id: p.partitionId,
    earliest_offset: p.earliestOffset,
    latest_offset: p.highWatermark,
  };
}

/** Where a partition's replicas are: the part of PartitionState (or PartitionView) the replica resources read. */
export type ReplicaPlacement = Pick<PartitionState, 'topicName' | 'partitionId' | 'leader' | 'replicas' | 'isr'>;

export function replicaBody(c: ClusterRef, p: ReplicaPlacement, brokerId: number) {
  const self = `${partitionUrl(c, p.topicName, p.partitionId)}/replicas/${brokerId}`;
  return {
    kind: 'KafkaReplica',
    metadata: resourceMetadata(
      self,
      resourceName(c.clusterId, ['topic', p.topicName], ['partition', p.partitionId], ['replica', brokerId]),
    ),
    cluster_id: c.clusterId,
    topic_name: p.topicName,
    partition_id: p.partitionId,
    broker_id: brokerId,
    is_leader: p.leader === brokerId,
    is_in_sync: p.isr.includes(brokerId),
    broker: related(`${c.url}/brokers/${brokerId}`),
  };
}

/** Every replica of one partition (`self` its replicas URL), in the partition's replica order. */
export function partitionReplicaList(c: ClusterRef, p: ReplicaPlacement) {
  return listResource(
    'KafkaReplicaList',
    `${partitionUrl(c, p.topicName, p.partitionId)}/replicas`,
    p.replicas.map((broker) => replicaBody(c, p, broker)),
  );
}

/** The replicas one broker holds, across topics. */
export function brokerReplicaList(c: ClusterRef, brokerId: number, partitions: readonly ReplicaPlacement[]) {
  return listResource(
    'KafkaReplicaList',
    `${c.url}/brokers/${brokerId}/partition-replicas`,
    partitions.map((p) => replicaBody(c, p, brokerId)),
  );
}

/** A reassignment is in progress while replicas are being added or removed (Kafka's AddingReplicas / RemovingReplicas). */
export function isReassigning(state: Pick<PartitionState, 'addingReplicas' | 'removingReplicas'>): boolean {
  return state.addingReplicas.length > 0 || state.removingReplicas.length > 0;
}

/** Confluent's ReassignmentData: the replicas being added and removed; `replicas` links the partition's replica list. */
export function reassignmentBody(c: ClusterRef, state: PartitionState) {
  const partition = partitionUrl(c, state.topicName, state.partitionId);
  return {
    kind: 'KafkaReassignment',
    metadata: resourceMetadata(
      `${partition}/reassignment`,
      `${resourceName(c.clusterId, ['topic', state.topicName], ['partition', state.partitionId])}/reassignment`,
    ),
    cluster_id: c.clusterId,
    topic_name: state.topicName,
    partition_id: state.partitionId,
    adding_replicas: state.addingReplicas,
    removing_replicas: state.removingReplicas,
    replicas: related(`${partition}/replicas`),
  };
}

/** Reassignments in progress, of one topic or (`topic` undefined) of every topic. */
export function reassignmentList(c: ClusterRef, topic: string | undefined, reassignments: readonly PartitionState[]) {
  return listResource(
    'KafkaReassignmentList',
    `${c.url}/topics/${topic ?? '-'}/partitions/-/reassignment`,
    reassignments.map((state) => reassignmentBody(c, state)),
  );
}

/**
 * The replicated state of partition `partitionId` of `name` for `caller`: 40301 without DESCRIBE
 * on the topic (existing or not), 40403 for an unknown topic, 404 for a partition id the topic
 * does not have, as Confluent answers them. Reads no offsets, so it answers for an offline
 * partition too.
 */
export function describedState(
  topics: Pick<TopicsService, 'authorize' | 'get'>,
  view: ClusterView,
  caller: Caller,
  name: string,
  partitionId: number,
): PartitionState {
  topics.authorize(caller, 'DESCRIBE', name);
  const topic = topics.get(name);
  const state = partitionId < topic.partitionsCount ? view.partitionState(name, partitionId) : undefined;
  if (!state) throw new RunnelError('NOT_FOUND', `Partition ${partitionId} of topic '${name}' cannot be found.`);
  return state;
}

/** Broker ids in paths: a non-negative integer naming a registered broker, else 404 (Confluent's "Broker cannot be found"). */
export function knownBroker(view: ClusterView, raw: string): BrokerRegistration {
  const id = parseBrokerId(raw);
  const broker = id === undefined ? undefined : view.broker(id);
  if (!broker) throw new RunnelError('NOT_FOUND', `Broker ${raw} cannot be found.`);
  return broker;
}

/** A broker id as paths spell it: digits in canonical form ("0", "12"; not "012" or "-1"), else undefined. */
export function parseBrokerId(raw: string): number | undefined {
  return /^(0|[1-9]\d{0,8})$/.test(raw) ? Number(raw) : undefined;
}
