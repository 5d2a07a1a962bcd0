import type { GroupDescription, MemberDescription, TopicPartition } from '@runnel/groups';
import { listResource, related, resourceMetadata, resourceName } from '../common/rest-v3';
import type { LagSummary, PartitionLag } from './group-admin.service';

/**
 * The consumer-group resources of Confluent REST v3 (`api/v3/openapi.yaml`: ConsumerGroupData,
 * ConsumerData, ConsumerAssignmentData, ConsumerLagData, ConsumerGroupLagSummaryData and their
 * lists), built from what the coordinator and the logs say. URLs and CRNs are the ones Confluent
 * builds (its integration tests spell them out); every `related` link names a resource the broker
 * serves. Runnel's extensions (`generation`, `members_count`, `members`, a consumer's
 * `client_host`, `subscription`, `assigned_partitions`...) sit beside the spec's fields.
 */
export interface ClusterRef {
  /** `<advertised base>/v3/clusters/<cluster id>` */
  readonly url: string;
  readonly id: string;
}

const segment = encodeURIComponent;

export function groupsUrl(cluster: ClusterRef): string {
  return `${cluster.url}/consumer-groups`;
}

function groupUrl(cluster: ClusterRef, groupId: string): string {
  return `${groupsUrl(cluster)}/${segment(groupId)}`;
}

function consumerUrl(cluster: ClusterRef, groupId: string, consumerId: string): string {
  return `${groupUrl(cluster, groupId)}/consumers/${segment(consumerId)}`;
}

function partitionUrl(cluster: ClusterRef, topic: string, partition: number): string {
  return `${cluster.url}/topics/${segment(topic)}/partitions/${partition}`;
}

function lagUrl(cluster: ClusterRef, groupId: string, topic: string, partition: number): string {
  return `${groupUrl(cluster, groupId)}/lags/${segment(topic)}/partitions/${partition}`;
}

/** ConsumerGroupData. Runnel's groups are one protocol (server-side assignment): CLASSIC, never mixed, never simple. */
export function groupResource(cluster: ClusterRef, group: GroupDescription) {
  const self = groupUrl(cluster, group.groupId);
  return {
    kind: 'KafkaConsumerGroup',
    metadata: resourceMetadata(self, resourceName(cluster.id, ['consumer-group', group.groupId])),
    cluster_id: cluster.id,
    consumer_group_id: group.groupId,
    is_simple: false,
    // Kafka's describe answers "" for a group that never had a member.
    partition_assignor: group.assignor ?? '',
    state: group.state,
    type: 'CLASSIC',
    is_mixed_consumer_group: false,
    coordinator: related(`${cluster.url}/brokers/0`),
    consumers: related(`${self}/consumers`),
    lag_summary: related(`${self}/lag-summary`),
    generation: group.generation,
    members_count: group.members.length,
  };
}

/** A group with its members embedded (Runnel's extension on the single-group answer). */
export function groupDetailResource(cluster: ClusterRef, group: GroupDescription) {
  return { ...groupResource(cluster, group), members: group.members.map((m) => consumerResource(cluster, group.groupId, m)) };
}

export function groupListResource(cluster: ClusterRef, groups: readonly GroupDescription[], next: string | null) {
  return listResource(
    'KafkaConsumerGroupList',
    groupsUrl(cluster),
    groups.map((g) => groupResource(cluster, g)),
    next,
  );
}

/** ConsumerData: `assignments` is a link; the partitions themselves are Runnel's `assigned_partitions`. */
export function consumerResource(cluster: ClusterRef, groupId: string, m: MemberDescription) {
  const self = consumerUrl(cluster, groupId, m.memberId);
  return {
    kind: 'KafkaConsumer',
    metadata: resourceMetadata(self, resourceName(cluster.id, ['consumer-group', groupId], ['consumer', m.memberId])),
    cluster_id: cluster.id,
    consumer_group_id: groupId,
    consumer_id: m.memberId,
    instance_id: null,
    client_id: m.clientId,
    assignments: related(`${self}/assignments`),
    client_host: m.clientHost,
    generation: m.generation,
    session_timeout_ms: m.sessionTimeoutMs,
    connected: m.connected,
    subscription: { topics: m.subscription.topics, topic_prefixes: m.subscription.topicPrefixes },
    assigned_partitions: sortedPartitions(m.assignment).map((p) => ({ topic_name: p.topic, partition_id: p.partition })),
  };
}

export function consumerListResource(cluster: ClusterRef, group: GroupDescription) {
  return listResource(
    'KafkaConsumerList',
    `${groupUrl(cluster, group.groupId)}/consumers`,
    group.members.map((m) => consumerResource(cluster, group.groupId, m)),
  );
}

/** ConsumerAssignmentData: links to the partition and to the group's lag on it. */
export function assignmentResource(cluster: ClusterRef, groupId: string, consumerId: string, p: TopicPartition) {
  const self = `${consumerUrl(cluster, groupId, consumerId)}/assignments/${segment(p.topic)}/partitions/${p.partition}`;
  return {
    kind: 'KafkaConsumerAssignment',
    metadata: resourceMetadata(
      self,
      resourceName(cluster.id, ['consumer-group', groupId], ['consumer', consumerId], ['assignment', p.topic], ['partition', p.partition]),
    ),
    cluster_id: cluster.id,
    consumer_group_id: groupId,
    consumer_id: consumerId,
    topic_name: p.topic,
    partition_id: p.partition,
    partition: related(partitionUrl(cluster, p.topic, p.partition)),
    lag: related(lagUrl(cluster, groupId, p.topic, p.partition)),
  };
}

/** The member's partitions, sorted by topic then partition (as Confluent sorts them). */
export function assignmentListResource(cluster: ClusterRef, groupId: string, m: MemberDescription) {
  return listResource(
    'KafkaConsumerAssignmentList',
    `${consumerUrl(cluster, groupId, m.memberId)}/assignments`,
    sortedPartitions(m.assignment).map((p) => assignmentResource(cluster, groupId, m.memberId, p)),
  );
}

/** ConsumerLagData. */
export function lagResource(cluster: ClusterRef, groupId: string, l: PartitionLag) {
  return {
    kind: 'KafkaConsumerLag',
    metadata: resourceMetadata(
      lagUrl(cluster, groupId, l.topic_name, l.partition_id),
      resourceName(cluster.id, ['consumer-group', groupId], ['lag', l.topic_name], ['partition', l.partition_id]),
    ),
    cluster_id: cluster.id,
    consumer_group_id: groupId,
    topic_name: l.topic_name,
    partition_id: l.partition_id,
    current_offset: l.current_offset,
    log_end_offset: l.log_end_offset,
    lag: l.lag,
    consumer_id: l.consumer_id,
    instance_id: null,
    client_id: l.client_id,
  };
}

export function lagListResource(cluster: ClusterRef, groupId: string, lags: readonly PartitionLag[]) {
  return listResource(
    'KafkaConsumerLagList',
    `${groupUrl(cluster, groupId)}/lags`,
    lags.map((l) => lagResource(cluster, groupId, l)),
  );
}

/**
 * ConsumerGroupLagSummaryData. `max_lag_consumer` links to the member owning the partition that
 * lags most; when no member owns it (consumer id ""), to the group's consumer list instead, the
 * nearest resource that exists (Confluent would link `.../consumers/` with an empty id).
 */
export function lagSummaryResource(cluster: ClusterRef, groupId: string, summary: LagSummary) {
  const { max } = summary;
  const group = groupUrl(cluster, groupId);
  return {
    kind: 'KafkaConsumerGroupLagSummary',
    metadata: resourceMetadata(`${group}/lag-summary`, `${resourceName(cluster.id, ['consumer-group', groupId])}/lag-summary`),
    cluster_id: cluster.id,
    consumer_group_id: groupId,
    max_lag_consumer_id: max.consumer_id,
    max_lag_instance_id: null,
    max_lag_client_id: max.client_id,
    max_lag_topic_name: max.topic_name,
    max_lag_partition_id: max.partition_id,
    max_lag: max.lag,
    total_lag: summary.total,
    max_lag_consumer: related(max.consumer_id === '' ? `${group}/consumers` : consumerUrl(cluster, groupId, max.consumer_id)),
    max_lag_partition: related(partitionUrl(cluster, max.topic_name, max.partition_id)),
  };
}

function sortedPartitions(partitions: readonly TopicPartition[]): TopicPartition[] {
  return [...partitions].sort((x, y) => (x.topic < y.topic ? -1 : x.topic > y.topic ? 1 : x.partition - y.partition));
}
