/**
 * GroupCoordinator: membership, server-side assignment and committed offsets of every consumer
 * group of this broker (KIP-848 model: the coordinator computes assignments, clients only obey).
 *
 * State: the groups (see Group) in memory, rebuilt by load() from `__consumer_offsets`, whose
 * records (see records.ts) are written through the OffsetLog: offset commits before `commit`
 * resolves, group metadata in the background, coalesced (see OffsetLogWriter).
 *
 * Concurrency: single-threaded and synchronous, except the awaited writes. Listener callbacks run
 * inside coordinator calls and may call back in: a call made while callbacks are running changes
 * membership at once but defers the rebalance it needs to the end of the outermost call, so one
 * rebalance's revoke -> update ownership -> assign sequence is never interleaved with another's
 * (pending callbacks of a member that left meanwhile are dropped). A nested join returns with
 * nothing assigned and learns its partitions through onAssigned when the deferred rebalance runs.
 *
 * Time: only expireSessions() judges liveness, against the injected clock; join, heartbeat and
 * load() stamp lastSeen. With `expiryIntervalMs` a late check (the broker was stopped or stalled)
 * first extends every session by its delay, so a broker pause never evicts members. Validation errors are thrown synchronously as GroupError, also by the
 * methods that return a promise; the promise only carries the OffsetLog's outcome.
 */
import { randomUUID } from 'node:crypto';
import { DEFAULT_ASSIGNOR, compareStrings, defaultAssignors } from './assignors';
import { Group, type Member } from './group';
import { OffsetLogWriter } from './offset-log-writer';
import { loadGroups } from './load';
import { groupRecord, offsetRecord } from './records';
import { rebalance, withCommittedOffsets, type RebalanceContext } from './rebalance';
import { SubscriptionResolver } from './subscriptions';
import {
  DEFAULT_GROUP_LIMITS,
  GroupError,
  type Assignor,
  type CommittedOffset,
  type GroupDescription,
  type GroupLimits,
  type JoinRequest,
  type JoinResult,
  type MemberListener,
  type OffsetCommit,
  type OffsetLog,
  type OffsetLogRecord,
  type TopicCatalog,
} from './types';
import { checkClientField, checkId, checkOffsets, checkSessionTimeout, checkSubscription, MAX_ID_LENGTH } from './validation';

export interface GroupCoordinatorOptions {
  offsetLog: OffsetLog;
  catalog: TopicCatalog;
  /** Milliseconds; default Date.now. */
  clock?: () => number;
  /** Over DEFAULT_GROUP_LIMITS. */
  limits?: Partial<GroupLimits>;
  /** Default defaultAssignors(). */
  assignors?: readonly Assignor[];
  /** Default 'cooperative-sticky'. */
  defaultAssignor?: string;
  /** Default `${clientId}-${randomUUID()}`. */
  newMemberId?: (clientId: string) => string;
  /** A background metadata write failed (default: ignored; the next change writes the state again). */
  onPersistError?: (error: Error) => void;
  /** A listener threw (a broker bug: listeners must not throw); the coordinator carries on. */
  onListenerError?: (error: unknown, memberId: string) => void;
  /**
   * A group came into being, was rebalanced (its members or their assignments changed) or was
   * deleted; not called for commits. Runs synchronously inside the coordinator's call: it must
   * only note the change (it may read describeGroup) and must not throw.
   */
  onGroupChange?: (groupId: string, kind: GroupChangeKind) => void;
  /**
   * How often the owner calls expireSessions(). When set, a call that comes later than this
   * (the process was stopped, or its event loop stalled) first extends every session by the
   * delay: members are not blamed for the coordinator's own pause (their heartbeats could not be
   * read meanwhile). Unset: no compensation (callers that call expireSessions() at will).
   */
  expiryIntervalMs?: number;
  /** Measures that delay; default performance.now (monotonic), or `clock` when one is injected. */
  monotonicClock?: () => number;
}

export interface GroupCoordinatorStats {
  groups: number;
  members: number;
  rebalances: number;
  partitionsMoved: number;
  commits: number;
  commitErrors: number;
  /** expireSessions() calls that came late and extended every session by the delay. */
  pausesForgiven: number;
  /** How late the last forgiven check ran (ms): the length of the broker's last pause. */
  lastPauseForgivenMs: number;
}

export type GroupChangeKind = 'created' | 'updated' | 'deleted';

/** Departed members remembered for a rejoin (the oldest is forgotten first): bounded memory under churn. */
const MAX_DEPARTED = 100_000;

/** Guard against listeners that change membership on every callback forever. */
const MAX_REBALANCES_PER_CALL = 100_000;

export class GroupCoordinator {
  readonly limits: GroupLimits;
  private readonly offsetLog: OffsetLog;
  private readonly catalog: TopicCatalog;
  private readonly clock: () => number;
  private readonly assignors = new Map<string, Assignor>();
  private readonly defaultAssignor: string;
  private readonly newMemberId: (clientId: string) => string;
  private readonly onListenerError: (error: unknown, memberId: string) => void;
  private readonly onGroupChange: (groupId: string, kind: GroupChangeKind) => void;
  private readonly writer: OffsetLogWriter;
  private readonly groups = new Map<string, Group>();
  /** Group ids in order, kept sorted on create/delete so a page of listGroups is a search plus a slice. */
  private readonly sortedIds: string[] = [];
  /** Groups whose rebalance is due at the end of the outermost call. */
  private readonly dirty = new Set<Group>();
  private inCall = false;
  private memberCount = 0;
  private readonly expiryIntervalMs: number | undefined;
  private readonly monotonicClock: () => number;
  private lastExpiryCheck: number | undefined;
  /**
   * Members that left (socket closed, unsubscribed), by `group\0member`, until when a rejoin with
   * their member id is still accepted (their session timeout): a client that reconnects and
   * passes its member_id is the same member, as after a broker restart. Insertion-ordered, bounded.
   */
  private readonly departed = new Map<string, number>();
  private readonly counters = { rebalances: 0, partitionsMoved: 0, commits: 0, commitErrors: 0, pausesForgiven: 0, lastPauseForgivenMs: 0 };
  private readonly rebalanceContext: RebalanceContext = {
    catalog: { topics: () => this.catalog.topics() },
    assignorFor: (group) => this.assignors.get(group.assignor ?? this.defaultAssignor) ?? this.assignors.get(this.defaultAssignor)!,
    notify: (member, callback) => this.notify(member, callback),
    writeMetadata: (group) => this.writer.writeMetadata(group),
    counters: this.counters,
  };

  constructor(options: GroupCoordinatorOptions) {
    this.offsetLog = options.offsetLog;
    this.catalog = options.catalog;
    this.clock = options.clock ?? Date.now;
    this.limits = { ...DEFAULT_GROUP_LIMITS, ...options.limits };
    for (const assignor of options.assignors ?? defaultAssignors()) this.assignors.set(assignor.name, assignor);
    this.defaultAssignor = options.defaultAssignor ?? DEFAULT_ASSIGNOR;
    if (!this.assignors.has(this.defaultAssignor)) throw new Error(`default assignor ${this.defaultAssignor} is not among the assignors`);
    this.newMemberId = options.newMemberId ?? ((clientId) => `${clientId.slice(0, 200) || 'member'}-${randomUUID()}`);
    this.onListenerError = options.onListenerError ?? (() => undefined);
    this.onGroupChange = options.onGroupChange ?? (() => undefined);
    this.writer = new OffsetLogWriter(this.offsetLog, options.onPersistError ?? (() => undefined));
    this.expiryIntervalMs = options.expiryIntervalMs;
    this.monotonicClock = options.monotonicClock ?? (options.clock ? options.clock : () => performance.now());
  }

  /**
   * Restores groups from their records (at start, or when this coordinator takes over the groups
   * of one more offsets partition). The groups loaded must not exist here yet: a partition's
   * groups are loaded once, after `unload` of any earlier copy.
   */
  load(records: Iterable<OffsetLogRecord>): { records: number; skipped: number; groups: number } {
    const loaded = loadGroups(records, this.clock());
    for (const group of loaded.groups) {
      if (this.groups.has(group.groupId)) throw new Error(`GroupCoordinator.load(): group ${group.groupId} is already loaded`);
    }
    for (const group of loaded.groups) {
      this.groups.set(group.groupId, group);
      this.memberCount += group.members.size;
      this.sortedIds.push(group.groupId);
    }
    this.sortedIds.sort(compareStrings);
    return { records: loaded.records, skipped: loaded.skipped, groups: loaded.groups.length };
  }

  /**
   * Lets go of the groups `owns` selects — this coordinator no longer coordinates them (their
   * offsets partition is led elsewhere now): their connected members are removed with `reason`
   * and `cause`, and nothing is written (the new coordinator owns their records). Answers how many
   * groups were let go.
   */
  unload(owns: (groupId: string) => boolean, reason: string, cause?: Error): number {
    const dropped: Group[] = [];
    for (const group of this.groups.values()) if (owns(group.groupId)) dropped.push(group);
    if (dropped.length === 0) return 0;
    const gone = new Set(dropped.map((group) => group.groupId));
    for (const group of dropped) {
      this.groups.delete(group.groupId);
      this.dirty.delete(group);
      group.deleted = true;
      this.memberCount -= group.members.size;
    }
    const kept = this.sortedIds.filter((id) => !gone.has(id));
    this.sortedIds.length = 0;
    for (const id of kept) this.sortedIds.push(id);
    for (const key of this.departed.keys()) if (gone.has(key.slice(0, key.indexOf('\0')))) this.departed.delete(key);
    for (const group of dropped) {
      for (const member of group.members.values()) {
        const listener = member.listener;
        member.listener = null;
        member.removed = true;
        if (listener) this.notify(member, () => listener.onRemoved(reason, cause));
      }
    }
    return dropped.length;
  }

  join(request: JoinRequest, listener: MemberListener): JoinResult {
    checkId('group id', request.groupId);
    if (request.memberId !== undefined) checkId('member id', request.memberId);
    checkClientField('client id', request.clientId);
    checkClientField('client host', request.clientHost);
    const subscription = checkSubscription(request.subscription, this.limits);
    const sessionTimeoutMs = checkSessionTimeout(request.sessionTimeoutMs, this.limits);
    if (request.assignor !== undefined && !this.assignors.has(request.assignor)) {
      throw new GroupError(
        'INVALID_REQUEST',
        `unknown assignor ${String(request.assignor)}; known: ${[...this.assignors.keys()].join(', ')}`,
      );
    }
    const nested = this.inCall;
    const { group, member } = this.call(() => this.admit(request, subscription, sessionTimeoutMs, nested));
    if (member.removed) throw new GroupError('UNKNOWN_MEMBER', `member ${member.memberId} was removed while joining`);
    member.listener = listener;
    member.generation = group.generation;
    return { memberId: member.memberId, generation: member.generation, assigned: withCommittedOffsets(group, member.assignment) };
  }

  /** Adds (or re-admits) the member and marks its group for a rebalance; its listener stays unset until join returns. */
  private admit(
    request: JoinRequest,
    subscription: Member['subscription'],
    sessionTimeoutMs: number,
    nested: boolean,
  ): { group: Group; member: Member } {
    let group = this.groups.get(request.groupId);
    let member = request.memberId === undefined ? undefined : group?.members.get(request.memberId);
    const rejoining = request.memberId !== undefined && !member && this.takeDeparted(request.groupId, request.memberId);
    if (request.memberId !== undefined && !member && !rejoining) {
      throw new GroupError(
        'UNKNOWN_MEMBER',
        `member ${request.memberId} is not in group ${request.groupId} (nor left it within its session timeout)`,
      );
    }
    if (!member && group && group.members.size >= this.limits.maxMembersPerGroup) {
      throw new GroupError('GROUP_FULL', `group ${request.groupId} has ${this.limits.maxMembersPerGroup} members, the limit`);
    }
    if (!group) group = this.createGroup(request.groupId);
    const others = group.members.size - (member ? 1 : 0);
    const assignor = request.assignor ?? (others > 0 ? group.assignor : null) ?? this.defaultAssignor;
    if (others > 0 && assignor !== (group.assignor ?? this.defaultAssignor)) {
      throw new GroupError('INCONSISTENT_ASSIGNOR', `group ${group.groupId} uses assignor ${group.assignor}, not ${assignor}`);
    }
    group.assignor = assignor;
    const now = this.clock();
    if (member) {
      // Rejoin (reconnect, broker restart): the old connection, if any, must stop before the new one is told anything.
      const old = member.listener;
      member.listener = null;
      if (old) this.notify(member, () => old.onRemoved('the member rejoined on another connection'));
      // Inside callbacks a rebalance of this member may be half done: start it from nothing, onAssigned brings the rest.
      if (nested) group.setAssignment(member, []);
      Object.assign(member, {
        clientId: request.clientId,
        clientHost: request.clientHost,
        subscription,
        sessionTimeoutMs,
        lastSeenMs: now,
      });
      group.membershipChanged = true;
    } else {
      let memberId = rejoining ? request.memberId! : this.newMemberId(request.clientId);
      while (!rejoining && group.members.has(memberId)) memberId = this.newMemberId(request.clientId);
      if (typeof memberId !== 'string' || memberId.length === 0 || memberId.length > MAX_ID_LENGTH)
        throw new Error(`invalid generated member id ${memberId}`);
      member = {
        memberId,
        clientId: request.clientId,
        clientHost: request.clientHost,
        sessionTimeoutMs,
        subscription,
        assignment: [],
        generation: group.generation,
        lastSeenMs: now,
        listener: null,
        removed: false,
      };
      group.addMember(member);
      this.memberCount++;
    }
    this.dirty.add(group);
    return { group, member };
  }

  leave(groupId: string, memberId: string): void {
    this.call(() => {
      const group = this.groups.get(groupId);
      const member = group?.members.get(memberId);
      if (!group || !member) return;
      this.removeMember(group, member);
      this.rememberDeparted(groupId, memberId, this.clock() + member.sessionTimeoutMs);
    });
  }

  /**
   * The member's connection went away without leaving (broker shutdown): it stays a member, owning
   * its partitions, until it rejoins with its member id or its session times out — as a member
   * restored after a crash.
   */
  disconnect(groupId: string, memberId: string): void {
    const member = this.groups.get(groupId)?.members.get(memberId);
    if (member) member.listener = null;
  }

  private rememberDeparted(groupId: string, memberId: string, untilMs: number): void {
    const key = `${groupId}\0${memberId}`;
    this.departed.delete(key);
    this.departed.set(key, untilMs);
    if (this.departed.size > MAX_DEPARTED) this.departed.delete(this.departed.keys().next().value!);
  }

  private takeDeparted(groupId: string, memberId: string): boolean {
    const key = `${groupId}\0${memberId}`;
    const untilMs = this.departed.get(key);
    if (untilMs === undefined) return false;
    this.departed.delete(key);
    return this.clock() <= untilMs;
  }

  heartbeat(groupId: string, memberId: string): void {
    const member = this.groups.get(groupId)?.members.get(memberId);
    if (!member) throw new GroupError('UNKNOWN_MEMBER', `member ${memberId} is not in group ${groupId}`);
    member.lastSeenMs = this.clock();
  }

  expireSessions(): string[] {
    return this.call(() => {
      this.forgivePause();
      const now = this.clock();
      const expired: [Group, Member][] = [];
      for (const group of this.groups.values()) {
        for (const member of group.members.values()) if (now - member.lastSeenMs > member.sessionTimeoutMs) expired.push([group, member]);
      }
      for (const [key, untilMs] of this.departed) if (untilMs < now) this.departed.delete(key);
      const removed: string[] = [];
      for (const [group, member] of expired) {
        if (member.removed || now - member.lastSeenMs <= member.sessionTimeoutMs) continue; // a callback below changed it
        const listener = member.listener;
        const silentMs = now - member.lastSeenMs;
        this.removeMember(group, member);
        removed.push(member.memberId);
        if (listener) {
          this.notify(member, () =>
            listener.onRemoved(`session timeout: no heartbeat for ${silentMs} ms (session timeout ${member.sessionTimeoutMs} ms)`),
          );
        }
      }
      return removed;
    });
  }

  /**
   * Extends every session by how much later than `expiryIntervalMs` this check runs: time the
   * coordinator did not run is not time a member failed to heartbeat (Kafka renews sessions after
   * a coordinator pause too). Returns the extension in ms.
   */
  private forgivePause(): number {
    if (this.expiryIntervalMs === undefined) return 0;
    const checkedAt = this.monotonicClock();
    const previous = this.lastExpiryCheck;
    this.lastExpiryCheck = checkedAt;
    if (previous === undefined) return 0;
    const pauseMs = checkedAt - previous - this.expiryIntervalMs;
    if (pauseMs <= 0) return 0;
    const now = this.clock();
    for (const group of this.groups.values()) {
      for (const member of group.members.values()) member.lastSeenMs = Math.min(now, member.lastSeenMs + pauseMs);
    }
    this.counters.pausesForgiven++;
    this.counters.lastPauseForgivenMs = Math.round(pauseMs);
    return pauseMs;
  }

  topicsChanged(): void {
    this.call(() => {
      const resolver = new SubscriptionResolver(this.catalog.topics());
      for (const group of this.groups.values()) {
        if (group.members.size === 0) continue;
        const members = group
          .sortedMembers()
          .map((member) => ({ memberId: member.memberId, topics: resolver.resolve(member.subscription) }));
        if (resolver.signature(members) !== group.resolvedSignature) this.dirty.add(group);
      }
    });
  }

  commit(groupId: string, memberId: string, offsets: readonly OffsetCommit[], generation?: number): Promise<void> {
    const group = this.groups.get(groupId);
    if (!group) throw new GroupError('UNKNOWN_GROUP', `group ${groupId} does not exist`);
    const member = group.members.get(memberId);
    if (!member) throw new GroupError('UNKNOWN_MEMBER', `member ${memberId} is not in group ${groupId}`);
    checkOffsets(offsets);
    if (generation !== undefined && generation !== member.generation) {
      throw new GroupError('FENCED', `generation ${generation} is stale: member ${memberId} is at generation ${member.generation}`);
    }
    for (const { topic, partition } of offsets) {
      if (group.owner(topic, partition) !== member) throw new GroupError('FENCED', `member ${memberId} does not own ${topic}/${partition}`);
    }
    return this.storeOffsets(group, offsets, member.generation, true);
  }

  resetOffsets(groupId: string, offsets: readonly OffsetCommit[]): Promise<void> {
    checkId('group id', groupId);
    checkOffsets(offsets);
    let group = this.groups.get(groupId);
    if (group && group.members.size > 0) throw new GroupError('GROUP_NOT_EMPTY', `group ${groupId} has members; stop them first`);
    if (!group) {
      group = this.createGroup(groupId);
      this.writer.writeMetadata(group); // the group outlives a restart even if no offset is given
    }
    return this.storeOffsets(group, offsets, group.generation, false);
  }

  /** Updates the cache now (a partition assigned right after sees it), resolves when the records are durable. */
  private storeOffsets(group: Group, offsets: readonly OffsetCommit[], generation: number, isCommit: boolean): Promise<void> {
    if (offsets.length === 0) return Promise.resolve();
    const commitTimestampMs = this.clock();
    const records: OffsetLogRecord[] = [];
    for (const { topic, partition, offset, metadata = '' } of offsets) {
      const value = { offset, metadata, commitTimestampMs, generation };
      group.setCommitted({ topic, partition, ...value });
      records.push(offsetRecord(group.groupId, topic, partition, value));
    }
    if (isCommit) this.counters.commits += records.length;
    return this.writer.append(group.groupId, records).catch((error: unknown) => {
      if (isCommit) this.counters.commitErrors++;
      throw error;
    });
  }

  deleteGroup(groupId: string): Promise<void> {
    const group = this.groups.get(groupId);
    if (!group) throw new GroupError('UNKNOWN_GROUP', `group ${groupId} does not exist`);
    if (group.members.size > 0) throw new GroupError('GROUP_NOT_EMPTY', `group ${groupId} has members; stop them first`);
    this.groups.delete(groupId);
    this.sortedIds.splice(upperBound(this.sortedIds, groupId) - 1, 1);
    this.dirty.delete(group);
    group.deleted = true;
    this.onGroupChange(groupId, 'deleted');
    const records = [groupRecord(groupId, null), ...group.committedOffsets().map((o) => offsetRecord(groupId, o.topic, o.partition, null))];
    return this.writer.append(groupId, records);
  }

  async topicDeleted(topic: string): Promise<void> {
    const writes: Promise<void>[] = [];
    for (const group of this.groups.values()) {
      const deleted = group.deleteTopicOffsets(topic);
      if (deleted.length === 0) continue;
      writes.push(
        this.writer.append(
          group.groupId,
          deleted.map((o) => offsetRecord(group.groupId, o.topic, o.partition, null)),
        ),
      );
    }
    await Promise.all(writes);
  }

  listGroups(options: { afterGroupId?: string; limit?: number } = {}): GroupDescription[] {
    const limit = options.limit ?? Infinity;
    const start = options.afterGroupId === undefined ? 0 : upperBound(this.sortedIds, options.afterGroupId);
    const end = Math.min(this.sortedIds.length, start + Math.max(0, limit));
    return this.sortedIds.slice(start, end).map((id) => this.groups.get(id)!.describe());
  }

  groupCount(): number {
    return this.groups.size;
  }

  describeGroup(groupId: string): GroupDescription {
    return this.group(groupId).describe();
  }

  committedOffsets(groupId: string): CommittedOffset[] {
    return this.group(groupId)
      .committedOffsets()
      .map(({ topic, partition, offset, metadata, commitTimestampMs }) => ({ topic, partition, offset, metadata, commitTimestampMs }));
  }

  committedOffset(groupId: string, topic: string, partition: number): number | null {
    return this.groups.get(groupId)?.committed(topic, partition)?.offset ?? null;
  }

  owner(groupId: string, topic: string, partition: number): string | null {
    return this.groups.get(groupId)?.owner(topic, partition)?.memberId ?? null;
  }

  flush(): Promise<void> {
    return this.writer.flush();
  }

  stats(): GroupCoordinatorStats {
    return { groups: this.groups.size, members: this.memberCount, ...this.counters };
  }

  private group(groupId: string): Group {
    const group = this.groups.get(groupId);
    if (!group) throw new GroupError('UNKNOWN_GROUP', `group ${groupId} does not exist`);
    return group;
  }

  private createGroup(groupId: string): Group {
    if (this.groups.size >= this.limits.maxGroups)
      throw new GroupError('TOO_MANY_GROUPS', `${this.limits.maxGroups} groups exist, the limit`);
    const group = new Group(groupId);
    this.groups.set(groupId, group);
    this.sortedIds.splice(upperBound(this.sortedIds, groupId), 0, groupId);
    this.onGroupChange(groupId, 'created');
    return group;
  }

  private removeMember(group: Group, member: Member): void {
    group.removeMember(member);
    this.memberCount--;
    this.dirty.add(group);
  }

  /** Runs a public call; the outermost one then runs every rebalance it (or a callback) made due. */
  private call<T>(body: () => T): T {
    if (this.inCall) return body();
    this.inCall = true;
    try {
      const result = body();
      for (let rounds = 0; this.dirty.size > 0; rounds++) {
        if (rounds >= MAX_REBALANCES_PER_CALL) throw new Error('rebalances do not settle: listeners keep changing membership');
        const group: Group = this.dirty.values().next().value!;
        this.dirty.delete(group);
        if (!group.deleted && rebalance(group, this.rebalanceContext)) this.onGroupChange(group.groupId, 'updated');
      }
      return result;
    } finally {
      this.inCall = false;
    }
  }

  private notify(member: Member, callback: () => void): void {
    try {
      callback();
    } catch (error) {
      this.onListenerError(error, member.memberId);
    }
  }
}

/** Index of the first id of sorted `ids` that sorts after `id` (compareStrings order). */
function upperBound(ids: readonly string[], id: string): number {
  let lo = 0;
  let hi = ids.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (compareStrings(ids[mid], id) <= 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
