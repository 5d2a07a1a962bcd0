import { TopicRecord } from '@runnel/metadata';
import { listResource, related, resourceMetadata, resourceName } from '../common/rest-v3';
import { PartitionView } from './topics.service';

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

export function clusterBody(c: ClusterRef, controllerId: number) {
  return {
    kind: 'KafkaCluster',
    metadata: resourceMetadata(c.url, resourceName(c.clusterId)),
    cluster_id: c.clusterId,
    controller: related(`${c.url}/brokers/${controllerId}`),
    acls: related(`${c.url}/acls`),
    brokers: related(`${c.url}/brokers`),
    broker_configs: related(`${c.url}/broker-configs`),
    consumer_groups: related(`${c.url}/consumer-groups`),
    topics: related(`${c.url}/topics`),
    partition_reassignments: related(`${c.url}/topics/-/partitions/-/reassignment`),
  };
}

/** A broker: `host` and `port` are those clients reach it by (the advertised URL's). */
export function brokerBody(c: ClusterRef, brokerId: number, advertised: string) {
  const url = new URL(advertised);
  const port = url.port ? Number(url.port) : url.protocol === 'https:' ? 443 : 80;
  const self = `${c.url}/brokers/${brokerId}`;
  return {
    kind: 'KafkaBroker',
    metadata: resourceMetadata(self, resourceName(c.clusterId, ['broker', brokerId])),
    cluster_id: c.clusterId,
    broker_id: brokerId,
    host: url.hostname,
    port,
    rack: null,
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

/** A partition; `earliest_offset` and `high_watermark` are Runnel's additions (the schema allows them). */
export function partitionBody(c: ClusterRef, p: PartitionView) {
  const self = partitionUrl(c, p.topicName, p.partitionId);
  return {
    kind: 'KafkaPartition',
    metadata: resourceMetadata(self, resourceName(c.clusterId, ['topic', p.topicName], ['partition', p.partitionId])),
    cluster_id: c.clusterId,
    topic_name: p.topicName,
    partition_id: p.partitionId,
    leader: related(`${self}/replicas/${p.leader}`),
    replicas: related(`${self}/replicas`),
    isr: related(`${self}/replicas`),
    reassignment: related(`${self}/reassignment`),
    earliest_offset: p.earliestOffset,
    high_watermark: p.highWatermark,
  };
}

export function partitionList(c: ClusterRef, topic: string, partitions: PartitionView[]) {
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

export function replicaBody(c: ClusterRef, p: PartitionView, brokerId: number) {
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

/** Every replica of one partition (`self` its replicas URL). */
export function partitionReplicaList(c: ClusterRef, p: PartitionView) {
  return listResource(
    'KafkaReplicaList',
    `${partitionUrl(c, p.topicName, p.partitionId)}/replicas`,
    p.replicas.map((broker) => replicaBody(c, p, broker)),
  );
}

/** The replicas one broker holds, across topics. */
export function brokerReplicaList(c: ClusterRef, brokerId: number, partitions: PartitionView[]) {
  return listResource(
    'KafkaReplicaList',
    `${c.url}/brokers/${brokerId}/partition-replicas`,
    partitions.map((p) => replicaBody(c, p, brokerId)),
  );
}

/** Reassignments in progress: there are never any on one node, so the list is empty. */
export function reassignmentList(c: ClusterRef, topic: string | undefined, reassignments: never[]) {
  return listResource('KafkaReassignmentList', `${c.url}/topics/${topic ?? '-'}/partitions/-/reassignment`, reassignments);
}
