import { Injectable } from '@nestjs/common';
import type { CommittedOffset, GroupDescription, MemberDescription, OffsetCommit, TopicPartition } from '@runnel/groups';
import { isPartitionId, parsePartitionIdText } from '@runnel/protocol';
import { RunnelError, badRequest, unknownPartition } from '../common/errors';
import { startOffset } from '../consume/start-position';
import { AccessControl } from '../security/access-control.service';
import { AuditService, auditEntry } from '../security/audit.service';
import type { Caller } from '../security/caller';
import { TopicsService } from '../topics/topics.service';
import { GroupsService } from './groups.service';

/**
 * The consumer-group admin use cases of API.md "Consumer groups" that need both the groups and
 * the logs: lags (committed offset against the high watermark), one member and its assignments,
 * and offsets:reset (new offsets computed from the logs, written only while the group has no
 * members). Answers are Confluent REST v3's: what Confluent answers 404 for (a group without
 * lags, a consumer or assignment that is not there) is a 404 here too.
 *
 * Authorization (Kafka's DescribeGroups, OffsetFetch and AlterConsumerGroupOffsets): reading any
 * of it needs DESCRIBE on the GROUP, and lags show only the topics the caller may DESCRIBE;
 * offsets:reset needs READ on the GROUP and READ on the topic. Checked before the group or topic
 * is looked up, so 40301 says nothing of their existence. A written reset is audited.
 */
export interface PartitionLag {
  topic_name: string;
  partition_id: number;
  /**
   * The committed offset; for a partition the group owns but never committed, the partition's
   * log start offset (Confluent's spec types it an integer, so "none" cannot be said): the group has
   * acknowledged nothing, so every record still in the log counts as lag.
   */
  current_offset: number;
  log_end_offset: number;
  /** log_end_offset - current_offset, never negative. */
  lag: number;
  /** The owning member; "" when no member owns the partition (as Confluent answers). */
  consumer_id: string;
  client_id: string;
}

/** The group's total lag and the partition lagging most (the first of equal maxima). */
export interface LagSummary {
  max: PartitionLag;
  total: number;
}

/** A member of a group, found by id. */
export interface GroupMember {
  group: GroupDescription;
  member: MemberDescription;
}

export type ResetTarget =
  | { kind: 'earliest' }
  | { kind: 'latest' }
  | { kind: 'offset'; offset: number }
  | { kind: 'timestamp'; timestamp: number }
  | { kind: 'shift_by'; shiftBy: number };

export interface ResetRequest {
  topic: string;
  partitions: number[] | undefined;
  to: ResetTarget;
  dryRun: boolean;
}

export interface ResetResult {
  topic_name: string;
  partition_id: number;
  previous_offset: number | null;
  new_offset: number;
}

@Injectable()
export class GroupAdminService {
  constructor(
    private readonly groups: GroupsService,
    private readonly topics: TopicsService,
    private readonly access: AccessControl,
    private readonly audit: AuditService,
  ) {}

  /**
   * One entry per partition the group has a committed offset for or owns, sorted by topic,
   * partition; 404 when there is none (nothing committed, nothing assigned), as Confluent's.
   */
  lags(caller: Caller, groupId: string): PartitionLag[] {
    const group = this.groups.describeFor(caller, groupId);
    const owners = ownersOf(group);
    const committed = new Map<string, CommittedOffset>();
    for (const c of this.groups.committedOffsets(groupId)) committed.set(keyOf(c.topic, c.partition), c);
    const keys = new Set([...committed.keys(), ...owners.keys()]);
    const lags: PartitionLag[] = [];
    for (const key of keys) {
      const [topic, partitionText] = splitKey(key);
      if (!this.access.allows(caller, 'DESCRIBE', 'TOPIC', topic)) continue;
      const partition = Number(partitionText);
      let log: { logStartOffset: number; highWatermark: number };
      try {
        const state = this.topics.partition(topic, partition);
        log = { logStartOffset: state.logStartOffset as number, highWatermark: state.highWatermark as number };
      } catch {
        continue; // topic deleted: its offsets are being removed
      }
      const current = committed.get(key)?.offset ?? log.logStartOffset;
      const owner = owners.get(key);
      lags.push({
        topic_name: topic,
        partition_id: partition,
        current_offset: current,
        log_end_offset: log.highWatermark,
        lag: Math.max(0, log.highWatermark - current),
        consumer_id: owner?.memberId ?? '',
        client_id: owner?.clientId ?? '',
      });
    }
    if (lags.length === 0) {
      throw new RunnelError(
        'NOT_FOUND',
        `Consumer group '${groupId}' has no committed offsets and no assigned partitions: it has no lags.`,
      );
    }
    return lags.sort((x, y) => (x.topic_name < y.topic_name ? -1 : x.topic_name > y.topic_name ? 1 : x.partition_id - y.partition_id));
  }

  /** The lag of one partition of `lags`; 404 when the group neither committed nor owns it. */
  lag(caller: Caller, groupId: string, topic: string, partitionText: string): PartitionLag {
    this.groups.authorize(caller, 'DESCRIBE', groupId);
    this.topics.authorize(caller, 'DESCRIBE', topic);
    const partition = parsePartitionIdText(partitionText);
    const lag =
      partition === undefined ? undefined : this.lags(caller, groupId).find((l) => l.topic_name === topic && l.partition_id === partition);
    if (!lag)
      throw new RunnelError('NOT_FOUND', `Consumer group '${groupId}' has no lag for partition ${partitionText} of topic '${topic}'.`);
    return lag;
  }

  /** Sums `lags` (404 when there are none); the first of equal maxima wins. */
  lagSummary(caller: Caller, groupId: string): LagSummary {
    const lags = this.lags(caller, groupId);
    let max = lags[0];
    let total = 0;
    for (const l of lags) {
      total += l.lag;
      if (l.lag > max.lag) max = l;
    }
    return { max, total };
  }

  /** One member of the group: 40404 for an unknown group, 404 for a consumer that is not a member. */
  member(caller: Caller, groupId: string, consumerId: string): GroupMember {
    const group = this.groups.describeFor(caller, groupId);
    const member = group.members.find((m) => m.memberId === consumerId);
    if (!member) throw new RunnelError('NOT_FOUND', `Consumer '${consumerId}' is not a member of consumer group '${groupId}'.`);
    return { group, member };
  }

  /** One partition the member owns now; 404 when it does not own it. */
  assignment(
    caller: Caller,
    groupId: string,
    consumerId: string,
    topic: string,
    partitionText: string,
  ): GroupMember & { partition: TopicPartition } {
    const found = this.member(caller, groupId, consumerId);
    const id = parsePartitionIdText(partitionText);
    const partition = found.member.assignment.find((p) => p.topic === topic && p.partition === id);
    if (!partition) {
      throw new RunnelError('NOT_FOUND', `Consumer '${consumerId}' is not assigned partition ${partitionText} of topic '${topic}'.`);
    }
    return { ...found, partition };
  }

  /** The new offsets; written unless `dryRun`. 40901 while the group has members (also for a dry run). */
  async resetOffsets(caller: Caller, groupId: string, request: ResetRequest): Promise<ResetResult[]> {
    this.groups.authorize(caller, 'READ', groupId);
    this.topics.authorize(caller, 'READ', request.topic);
    let members = 0;
    try {
      members = this.groups.describe(groupId).members.length;
    } catch (error) {
      if (!(error instanceof RunnelError && error.kind === 'UNKNOWN_GROUP')) throw error;
    }
    if (members > 0) {
      throw new RunnelError(
        'CONFLICT',
        `Consumer group '${groupId}' has ${members} member(s): offsets can only be reset while the group is empty. Stop its consumers (or wait for their session timeout) and retry.`,
      );
    }
    const topic = this.topics.get(request.topic);
    const ids = request.partitions ?? Array.from({ length: topic.partitionsCount }, (_, i) => i);
    const committed = new Map<number, number>();
    try {
      for (const c of this.groups.committedOffsets(groupId)) if (c.topic === request.topic) committed.set(c.partition, c.offset);
    } catch {
      // unknown group: nothing committed yet; a reset creates it, as Kafka's tool does
    }
    const results: ResetResult[] = [];
    for (const id of ids) {
      if (id >= topic.partitionsCount) throw unknownPartition(request.topic, id);
      const partition = this.topics.partition(request.topic, id);
      const start = partition.logStartOffset as number;
      const end = partition.highWatermark as number;
      const previous = committed.get(id) ?? null;
      let target: number;
      switch (request.to.kind) {
        case 'earliest':
        case 'latest':
        case 'timestamp':
          // The broker's one start-position rule, as a consumer starting there would see it.
          target = await startOffset(partition, request.to, undefined, request.topic);
          break;
        case 'offset':
          target = request.to.offset;
          break;
        case 'shift_by':
          // From the committed offset, else from the end (where a consumer without one would start).
          target = (previous ?? end) + request.to.shiftBy;
          break;
      }
      // As Kafka's tool: a target outside the log is clamped into [log start, log end].
      results.push({
        topic_name: request.topic,
        partition_id: id,
        previous_offset: previous,
        new_offset: Math.min(Math.max(target, start), end),
      });
    }
    if (!request.dryRun) {
      const offsets: OffsetCommit[] = results.map((r) => ({ topic: r.topic_name, partition: r.partition_id, offset: r.new_offset }));
      await this.groups.resetOffsets(groupId, offsets);
      await this.audit.record(
        auditEntry(caller, `GROUP:${groupId}`, 'RESET_OFFSETS', 'SUCCESS', {
          before: results.map((r) => ({ topic_name: r.topic_name, partition_id: r.partition_id, offset: r.previous_offset })),
          after: results.map((r) => ({ topic_name: r.topic_name, partition_id: r.partition_id, offset: r.new_offset })),
        }),
      );
    }
    return results;
  }
}

/** Parses the offsets:reset body: {"topic","partitions"?,"to","dry_run"?}. */
export function parseResetRequest(body: unknown): ResetRequest {
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    throw badRequest('body must be {"topic","partitions"?,"to","dry_run"?}');
  const b = body as Record<string, unknown>;
  if (typeof b.topic !== 'string' || b.topic.length === 0) throw badRequest('topic must be a topic name');
  let partitions: number[] | undefined;
  if (b.partitions !== undefined && b.partitions !== null) {
    if (!Array.isArray(b.partitions) || b.partitions.length === 0 || !b.partitions.every(isPartitionId)) {
      throw badRequest('partitions must be a non-empty array of partition ids');
    }
    partitions = [...new Set(b.partitions as number[])].sort((x, y) => x - y);
  }
  if (b.dry_run !== undefined && typeof b.dry_run !== 'boolean') throw badRequest('dry_run must be true or false');
  return { topic: b.topic, partitions, to: parseTarget(b.to), dryRun: b.dry_run === true };
}

function parseTarget(to: unknown): ResetTarget {
  if (to === 'earliest' || to === 'latest') return { kind: to };
  if (typeof to === 'object' && to !== null && !Array.isArray(to)) {
    const entries = Object.entries(to);
    if (entries.length === 1) {
      const [name, value] = entries[0];
      const integer = typeof value === 'number' && Number.isSafeInteger(value);
      if (name === 'offset' && integer && value >= 0) return { kind: 'offset', offset: value };
      if (name === 'timestamp' && integer && value >= 0) return { kind: 'timestamp', timestamp: value };
      if (name === 'shift_by' && integer) return { kind: 'shift_by', shiftBy: value };
    }
  }
  throw badRequest(
    'to must be "earliest", "latest", {"offset": n}, {"timestamp": ms} or {"shift_by": n} (n a safe integer; offset and timestamp >= 0)',
  );
}

const keyOf = (topic: string, partition: number): string => `${topic}\u0000${partition}`;
const splitKey = (key: string): [string, string] => key.split('\u0000') as [string, string];

function ownersOf(group: GroupDescription): Map<string, { memberId: string; clientId: string }> {
  const owners = new Map<string, { memberId: string; clientId: string }>();
  for (const m of group.members)
    for (const p of m.assignment) owners.set(keyOf(p.topic, p.partition), { memberId: m.memberId, clientId: m.clientId });
  return owners;
}
