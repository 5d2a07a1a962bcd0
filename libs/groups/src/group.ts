/**
 * The state of one consumer group: members, who owns which partition, committed offsets.
 * Invariants (asserted where they change): `owners` is exactly the union of the members'
 * `assignment`s, so a partition has at most one owner; a member's `assignment` is sorted by topic,
 * then partition. Only the GroupCoordinator mutates a Group, synchronously.
 */
import { compareStrings, compareTopicPartitions } from './assignors';
import type { GroupMetadata } from './records';
import type { CommittedOffset, GroupDescription, GroupSubscription, MemberDescription, MemberListener, TopicPartition } from './types';

export interface Member {
  readonly memberId: string;
  clientId: string;
  clientHost: string;
  sessionTimeoutMs: number;
  subscription: GroupSubscription;
  /** Owned now; sorted by topic, then partition. */
  assignment: TopicPartition[];
  /** Group epoch at the member's last assignment change (or join). */
  generation: number;
  lastSeenMs: number;
  /** Null for a member restored by load() that has not rejoined, and while its join is running. */
  listener: MemberListener | null;
  /** Set once the member left or was removed: pending callbacks for it are dropped. */
  removed: boolean;
}

export interface StoredOffset extends CommittedOffset {
  readonly generation: number;
}

export class Group {
  /** Name of the assignor; set by the first member to join an empty group. */
  assignor: string | null = null;
  /** Group epoch: +1 on every membership or assignment change. */
  generation = 0;
  readonly members = new Map<string, Member>();
  /** Membership changed since the last rebalance: the next one bumps the epoch even if no partition moves. */
  membershipChanged = false;
  /** Resolved topics and partition counts at the last rebalance; topicsChanged() compares against it. */
  resolvedSignature = '';
  deleted = false;
  private readonly owners = new Map<string, Map<number, Member>>();
  private readonly offsets = new Map<string, Map<number, StoredOffset>>();

  constructor(readonly groupId: string) {}

  get state(): 'EMPTY' | 'STABLE' {
    return this.members.size > 0 ? 'STABLE' : 'EMPTY';
  }

  sortedMembers(): Member[] {
    return [...this.members.values()].sort((a, b) => compareStrings(a.memberId, b.memberId));
  }

  owner(topic: string, partition: number): Member | undefined {
    return this.owners.get(topic)?.get(partition);
  }

  /** Replaces a member's ownership; `assignment` must be sorted and free of partitions owned by others. */
  setAssignment(member: Member, assignment: TopicPartition[]): void {
    this.clearOwnership(member);
    for (const tp of assignment) {
      let byPartition = this.owners.get(tp.topic);
      if (!byPartition) this.owners.set(tp.topic, (byPartition = new Map()));
      const current = byPartition.get(tp.partition);
      if (current && current !== member)
        throw new Error(`invariant: ${tp.topic}/${tp.partition} owned by ${current.memberId} and ${member.memberId}`);
      byPartition.set(tp.partition, member);
    }
    member.assignment = assignment;
  }

  addMember(member: Member): void {
    this.members.set(member.memberId, member);
    this.membershipChanged = true;
  }

  /** Drops the member and frees its partitions (no callback: the caller tells whom it must). */
  removeMember(member: Member): void {
    this.clearOwnership(member);
    member.assignment = [];
    member.removed = true;
    member.listener = null;
    this.members.delete(member.memberId);
    this.membershipChanged = true;
  }

  private clearOwnership(member: Member): void {
    for (const tp of member.assignment) {
      const byPartition = this.owners.get(tp.topic);
      if (byPartition?.get(tp.partition) === member) {
        byPartition.delete(tp.partition);
        if (byPartition.size === 0) this.owners.delete(tp.topic);
      }
    }
  }

  committed(topic: string, partition: number): StoredOffset | undefined {
    return this.offsets.get(topic)?.get(partition);
  }

  setCommitted(offset: StoredOffset): void {
    let byPartition = this.offsets.get(offset.topic);
    if (!byPartition) this.offsets.set(offset.topic, (byPartition = new Map()));
    byPartition.set(offset.partition, offset);
  }

  deleteCommitted(topic: string, partition: number): void {
    const byPartition = this.offsets.get(topic);
    if (!byPartition) return;
    byPartition.delete(partition);
    if (byPartition.size === 0) this.offsets.delete(topic);
  }

  /** Removes and returns every committed offset of the topic. */
  deleteTopicOffsets(topic: string): StoredOffset[] {
    const byPartition = this.offsets.get(topic);
    if (!byPartition) return [];
    this.offsets.delete(topic);
    return [...byPartition.values()].sort(compareTopicPartitions);
  }

  committedOffsets(): StoredOffset[] {
    const all: StoredOffset[] = [];
    for (const byPartition of this.offsets.values()) all.push(...byPartition.values());
    return all.sort(compareTopicPartitions);
  }

  hasOffsets(): boolean {
    return this.offsets.size > 0;
  }

  metadata(): GroupMetadata {
    return {
      assignor: this.assignor,
      generation: this.generation,
      members: this.sortedMembers().map((member) => ({
        memberId: member.memberId,
        clientId: member.clientId,
        clientHost: member.clientHost,
        sessionTimeoutMs: member.sessionTimeoutMs,
        subscription: member.subscription,
        assignment: member.assignment,
        generation: member.generation,
      })),
    };
  }

  describe(): GroupDescription {
    return {
      groupId: this.groupId,
      state: this.state,
      assignor: this.assignor,
      generation: this.generation,
      members: this.sortedMembers().map(describeMember),
    };
  }
}

function describeMember(member: Member): MemberDescription {
  return {
    memberId: member.memberId,
    clientId: member.clientId,
    clientHost: member.clientHost,
    generation: member.generation,
    sessionTimeoutMs: member.sessionTimeoutMs,
    subscription: {
      ...member.subscription,
      topics: [...member.subscription.topics],
      topicPrefixes: [...member.subscription.topicPrefixes],
    },
    assignment: member.assignment.map(({ topic, partition }) => ({ topic, partition })),
    connected: member.listener !== null,
  };
}
