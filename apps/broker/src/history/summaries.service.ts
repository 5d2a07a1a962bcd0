import { Inject, Injectable } from '@nestjs/common';
import type { GroupDescription } from '@runnel/groups';
import { ReplicaManager } from '@runnel/replication';
import { REPLICA_MANAGER } from '../config/tokens';
import { GroupsService } from '../groups/groups.service';
import { AccessControl } from '../security/access-control.service';
import type { Caller } from '../security/caller';
import { isValidTopicName } from '@runnel/protocol';
import { TopicsService } from '../topics/topics.service';
import { LagPart, combineLags } from './group-lag';
import { HistoryService } from './history.service';
import { ListQuery, Page, PageRow, invalidParameter, parseListQuery, pageOf, single } from './summary-pages';

/**
 * The console's list views and charts (contracts §3): topic-summaries and
 * consumer-group-summaries (search, sort, filter and paging on the server, over the topics and
 * groups the caller may DESCRIBE only), a topic's stats history and a group's lag history.
 * Live values (throughput, lag, lag in time) are the history sampler's latest, so sorting 10,000
 * groups by lag reads no log; sizes, record counts, states and members are read live.
 *
 * Authorization (AccessControl): lists filter by DESCRIBE on each topic / group before counting;
 * a history needs DESCRIBE on its topic or group (40301 before existence is looked at, as every
 * describe), and a group's per-partition history holds only topics the caller may DESCRIBE.
 */
export interface TopicSummary {
  topic_name: string;
  is_internal: boolean;
  partitions_count: number;
  replication_factor: number;
  size_bytes: number;
  records: number;
  produced_records_per_sec: number;
  produced_bytes_per_sec: number;
}

export interface GroupSummary {
  consumer_group_id: string;
  state: string;
  members: number;
  topics: string[];
  total_lag: number;
  lag_ms: number | null;
  /** With `?topic=`: the group's lag on that topic only (offsets, and in time as `lag_ms`). */
  topic_lag?: number;
  topic_lag_ms?: number | null;
}

/** A row of the group summaries with what it sorts by (a fan-out merges pages by it). */
export interface GroupSummaryRow extends PageRow {
  summary: GroupSummary;
}

/** The `consumer-group-summaries` answer for a page; `withSortValues` adds each row's sort value (for the broker merging pages). */
export function groupSummaryList(
  page: Page<GroupSummaryRow>,
  withSortValues = false,
): SummaryList<GroupSummary> & { sort_values?: (number | string)[] } {
  const list: SummaryList<GroupSummary> & { sort_values?: (number | string)[] } = {
    kind: 'RunnelConsumerGroupSummaryList',
    data: page.rows.map((row) => row.summary),
    total: page.total,
    next: page.next,
  };
  if (withSortValues) list.sort_values = page.rows.map((row) => row.value);
  return list;
}

/** A `groupSummaryList(…, true)` answer read back as a page; throws on a malformed one. */
export function groupSummaryPageOf(list: {
  data?: unknown;
  total?: unknown;
  next?: unknown;
  sort_values?: unknown;
}): Page<GroupSummaryRow> {
  const data = list.data as GroupSummary[];
  const values = list.sort_values as (number | string)[];
  if (!Array.isArray(data) || !Array.isArray(values) || values.length !== data.length || typeof list.total !== 'number') {
    throw new Error('not a page of group summaries with sort values');
  }
  return {
    rows: data.map((summary, i) => ({ name: summary.consumer_group_id, value: values[i], summary })),
    total: list.total,
    next: typeof list.next === 'string' ? list.next : null,
  };
}

export interface SummaryList<T> {
  kind: string;
  data: T[];
  total: number;
  next: string | null;
}

type RawQuery = Record<string, string | string[] | undefined>;

const TOPIC_SORTS = ['name', 'size', 'partitions', 'throughput'] as const;
const GROUP_SORTS = ['name', 'state', 'members', 'lag', 'lag_time'] as const;
const GROUP_STATES = ['EMPTY', 'STABLE', 'DEAD', 'PREPARING_REBALANCE', 'COMPLETING_REBALANCE', 'UNKNOWN'];

@Injectable()
export class SummariesService {
  constructor(
    @Inject(REPLICA_MANAGER) private readonly replicas: ReplicaManager,
    private readonly topics: TopicsService,
    private readonly groups: GroupsService,
    private readonly access: AccessControl,
    private readonly history: HistoryService,
  ) {}

  topicSummaries(caller: Caller, cid: string, raw: RawQuery): SummaryList<TopicSummary> {
    this.topics.checkCluster(cid);
    const includeInternal = booleanParam(raw, 'include_internal', false);
    const query = parseListQuery(raw, TOPIC_SORTS, { include_internal: String(includeInternal) });
    const needle = query.search.toLowerCase();
    const rows: (PageRow & { topic: ReturnType<TopicsService['get']> })[] = [];
    for (const topic of this.topics.listVisible(caller, { includeInternal })) {
      if (needle && !topic.name.toLowerCase().includes(needle)) continue;
      let value: number | string = topic.name;
      if (query.sort === 'size') value = this.sizeOf(topic.name, topic.partitionsCount).size;
      else if (query.sort === 'partitions') value = topic.partitionsCount;
      else if (query.sort === 'throughput') value = this.history.topicRates(topic.name).bytesPerSec;
      rows.push({ name: topic.name, value, topic });
    }
    const page = pageOf(rows, query);
    return {
      kind: 'RunnelTopicSummaryList',
      data: page.rows.map(({ topic }) => {
        const { size, records } = this.sizeOf(topic.name, topic.partitionsCount);
        const rates = this.history.topicRates(topic.name);
        return {
          topic_name: topic.name,
          is_internal: topic.isInternal,
          partitions_count: topic.partitionsCount,
          replication_factor: topic.replicationFactor,
          size_bytes: size,
          records,
          produced_records_per_sec: rates.recordsPerSec,
          produced_bytes_per_sec: rates.bytesPerSec,
        };
      }),
      total: page.total,
      next: page.next,
    };
  }

  /**
   * One page of the groups the caller may DESCRIBE. `topic` keeps the groups with a committed
   * offset or an assignment on that topic (exact name; none when the caller may not DESCRIBE it),
   * adds each row's `topic_lag` / `topic_lag_ms`, and makes `sort=lag|lag_time` sort by them.
   */
  groupSummaries(caller: Caller, cid: string, raw: RawQuery): SummaryList<GroupSummary> {
    return groupSummaryList(this.groupSummaryPage(caller, cid, raw).page);
  }

  /**
   * The page of `consumer-group-summaries` this broker answers for: in cluster mode the groups it
   * coordinates (the controller merges every broker's page), each row with its sort value.
   */
  groupSummaryPage(caller: Caller, cid: string, raw: RawQuery): { query: ListQuery; page: Page<GroupSummaryRow> } {
    this.topics.checkCluster(cid);
    const rawState = stringParam(raw, 'state');
    const state = rawState ? rawState.toUpperCase() : '';
    if (state && !GROUP_STATES.includes(state)) throw invalidParameter(`state must be one of ${GROUP_STATES.join(', ')}`);
    const topic = stringParam(raw, 'topic') ?? '';
    if (topic && !isValidTopicName(topic)) {
      throw invalidParameter('topic must be a topic name (1 to 249 characters among a-z, A-Z, 0-9, ".", "_" and "-")');
    }
    const query = parseListQuery(raw, GROUP_SORTS, topic ? { state, topic } : { state });
    const needle = query.search.toLowerCase();
    const topicVisible = !topic || this.access.allows(caller, 'DESCRIBE', 'TOPIC', topic);
    const lagOf = (groupId: string, group: GroupDescription): LagPart | undefined =>
      topic ? this.topicLag(group, topic) : this.visibleLag(caller, groupId);
    const rows: (PageRow & { group: GroupDescription })[] = [];
    for (const group of topicVisible ? this.groups.listVisible(caller) : []) {
      if (needle && !group.groupId.toLowerCase().includes(needle)) continue;
      if (state && group.state !== state) continue;
      if (topic && !this.readsTopic(group, topic)) continue;
      let value: number | string = group.groupId;
      if (query.sort === 'state') value = group.state;
      else if (query.sort === 'members') value = group.members.length;
      else if (query.sort === 'lag') value = lagOf(group.groupId, group)?.lag ?? -1;
      else if (query.sort === 'lag_time') value = lagOf(group.groupId, group)?.lagMs ?? -1;
      rows.push({ name: group.groupId, value, group });
    }
    const page = pageOf(rows, query);
    return {
      query,
      page: {
        total: page.total,
        next: page.next,
        rows: page.rows.map(({ name, value, group }) => {
          const lag = this.visibleLag(caller, group.groupId);
          const { topics, totalLag } = this.liveTopicsAndLag(caller, group);
          const row: GroupSummary = {
            consumer_group_id: group.groupId,
            state: group.state,
            members: group.members.length,
            topics,
            total_lag: lag?.lag ?? totalLag,
            lag_ms: lag ? lag.lagMs : null,
          };
          if (topic) {
            const onTopic = this.topicLag(group, topic);
            row.topic_lag = onTopic.lag;
            row.topic_lag_ms = onTopic.lagMs;
          }
          return { name, value, summary: row };
        }),
      },
    };
  }

  /** `GET /topics/{topic}/stats`: 40301 without DESCRIBE, 40403 for an unknown topic. */
  topicStats(caller: Caller, cid: string, topic: string, raw: RawQuery) {
    this.topics.checkCluster(cid);
    const since = sinceParam(raw);
    this.topics.describe(caller, topic);
    const { resolutionMs, points } = this.history.topicHistory(topic, since);
    return {
      kind: 'RunnelTopicStats',
      resolution_ms: resolutionMs,
      retention_ms: this.history.retentionMs,
      data: points.map(({ timestamp, values: [recordsPerSec, bytesPerSec, size, records] }) => ({
        timestamp,
        produced_records_per_sec: recordsPerSec,
        produced_bytes_per_sec: bytesPerSec,
        size_bytes: size,
        records,
      })),
    };
  }

  /** `GET /consumer-groups/{g}/lag-history`: 40301 without DESCRIBE on the group, 40404 for an unknown group. */
  lagHistory(caller: Caller, cid: string, group: string, raw: RawQuery) {
    this.topics.checkCluster(cid);
    const since = sinceParam(raw);
    this.groups.describeFor(caller, group);
    const { total, partitions } = this.history.groupHistory(group, since);
    const visible = partitions.filter((p) => this.access.allows(caller, 'DESCRIBE', 'TOPIC', p.topic));
    visible.sort((a, b) => (a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : a.partition - b.partition));
    const byTime = visible.map((p) => new Map(p.points.map((point) => [point.timestamp, point.values])));
    // With a partition hidden from the caller, the totals are those of the partitions it may see.
    const hidden = visible.length < partitions.length;
    return {
      kind: 'RunnelGroupLagHistory',
      resolution_ms: total.resolutionMs,
      retention_ms: this.history.retentionMs,
      data: total.points.map(({ timestamp, values: [totalLag, lagMs] }) => {
        const shown = visible.flatMap((p, i) => {
          const values = byTime[i].get(timestamp);
          return values ? [{ topic_name: p.topic, partition_id: p.partition, lag: values[0], lag_ms: values[1] }] : [];
        });
        const visibleTotal = hidden ? combineLags(shown.map((p) => ({ lag: p.lag ?? 0, lagMs: p.lag_ms }))) : undefined;
        return {
          timestamp,
          total_lag: visibleTotal ? visibleTotal.lag : totalLag,
          lag_ms: visibleTotal ? visibleTotal.lagMs : lagMs,
          partitions: shown,
        };
      }),
    };
  }

  private sizeOf(topic: string, partitions: number): { size: number; records: number } {
    let size = 0;
    let records = 0;
    for (let p = 0; p < partitions; p++) {
      const partition = this.replicas.get(topic, p);
      if (!partition) continue;
      size += partition.sizeBytes;
      records += partition.highWatermark - partition.logStartOffset;
    }
    return { size, records };
  }

  /**
   * The sampled lag of `group` over the topics the caller may DESCRIBE (the lag of a topic it may
   * not see is not shown, as the lags route leaves it out); undefined before a sample knows it.
   */
  private visibleLag(caller: Caller, group: string): LagPart | undefined {
    const lag = this.history.groupLag(group);
    if (!lag) return undefined;
    if (!this.access.enabled) return { lag: lag.totalLag, lagMs: lag.lagMs };
    if (!lag.byTopic) return undefined;
    return combineLags(
      [...lag.byTopic].filter(([topic]) => this.access.allows(caller, 'DESCRIBE', 'TOPIC', topic)).map(([, part]) => part),
    );
  }

  /** Whether `group` has a committed offset or a member's assignment on `topic`. */
  private readsTopic(group: GroupDescription, topic: string): boolean {
    if (group.members.some((m) => m.assignment.some((p) => p.topic === topic))) return true;
    return this.groups.committedOffsets(group.groupId).some((c) => c.topic === topic);
  }

  /**
   * The group's lag on `topic`: the latest sample's when it knows the topic; else counted now from
   * the committed offsets (lag in time unknown until a sample reads the timestamps).
   */
  private topicLag(group: GroupDescription, topic: string): LagPart {
    const sampled = this.history.groupLag(group.groupId)?.byTopic?.get(topic);
    if (sampled) return sampled;
    const committed = new Map<number, number | undefined>();
    for (const c of this.groups.committedOffsets(group.groupId)) if (c.topic === topic) committed.set(c.partition, c.offset);
    for (const m of group.members)
      for (const p of m.assignment) if (p.topic === topic && !committed.has(p.partition)) committed.set(p.partition, undefined);
    let lag = 0;
    for (const [partitionId, offset] of committed) {
      const partition = this.replicas.get(topic, partitionId);
      if (!partition) continue;
      const start = partition.logStartOffset as number;
      lag += Math.max(0, (partition.highWatermark as number) - Math.max(offset ?? start, start));
    }
    return { lag, lagMs: lag === 0 ? 0 : null };
  }

  /** The group's topics the caller may DESCRIBE (committed or assigned) and their lag now, for a row not sampled yet. */
  private liveTopicsAndLag(caller: Caller, group: GroupDescription): { topics: string[]; totalLag: number } {
    const offsets = new Map<string, number | undefined>();
    for (const c of this.groups.committedOffsets(group.groupId)) offsets.set(`${c.topic}\u0000${c.partition}`, c.offset);
    for (const m of group.members)
      for (const p of m.assignment)
        if (!offsets.has(`${p.topic}\u0000${p.partition}`)) offsets.set(`${p.topic}\u0000${p.partition}`, undefined);
    const topics = new Set<string>();
    let totalLag = 0;
    for (const [key, committed] of offsets) {
      const [topic, partitionText] = key.split('\u0000');
      const partition = this.replicas.get(topic, Number(partitionText));
      if (!partition) continue;
      if (!this.access.allows(caller, 'DESCRIBE', 'TOPIC', topic)) continue;
      topics.add(topic);
      const start = partition.logStartOffset as number;
      totalLag += Math.max(0, (partition.highWatermark as number) - Math.max(committed ?? start, start));
    }
    return { topics: [...topics].sort(), totalLag };
  }
}

const stringParam = single;

function booleanParam(raw: RawQuery, name: string, fallback: boolean): boolean {
  const value = stringParam(raw, name);
  if (value === undefined || value === '') return fallback;
  if (value !== 'true' && value !== 'false') throw invalidParameter(`${name} must be true or false`);
  return value === 'true';
}

function sinceParam(raw: RawQuery): number {
  const value = stringParam(raw, 'since');
  if (value === undefined || value === '') return 0;
  if (!/^\d{1,16}$/.test(value) || !Number.isSafeInteger(Number(value))) {
    throw invalidParameter('since must be a time in epoch milliseconds (a non-negative integer)');
  }
  return Number(value);
}
