/**
 * One rebalance of one group: compute the target with the group's assignor over its members
 * sorted by id (owned = current ownership), then apply the difference in the order that keeps
 * "at most one owner": every onRevoked first (a member may commit from it: it still owns the
 * partitions), then the ownership update, then every onAssigned with the committed offsets read
 * at that moment. Members removed by a callback meanwhile get no further callback and none of
 * the partitions meant for them (their group is dirty again; the caller rebalances it next).
 */
import { compareTopicPartitions } from './assignors';
import type { Group, Member } from './group';
import { SubscriptionResolver } from './subscriptions';
import type { AssignedPartition, AssignmentMember, Assignor, TopicCatalog, TopicPartition } from './types';

export interface RebalanceContext {
  readonly catalog: TopicCatalog;
  assignorFor(group: Group): Assignor;
  notify(member: Member, callback: () => void): void;
  writeMetadata(group: Group): void;
  readonly counters: { rebalances: number; partitionsMoved: number };
}

interface MemberChange {
  readonly member: Member;
  readonly revoked: TopicPartition[];
  readonly added: TopicPartition[];
}

/** Rebalances the group; returns false when nothing changed (no epoch bump, no write). */
export function rebalance(group: Group, context: RebalanceContext): boolean {
  const resolver = new SubscriptionResolver(context.catalog.topics());
  const members = group.sortedMembers();
  const inputs: AssignmentMember[] = members.map((member) => ({
    memberId: member.memberId,
    topics: resolver.resolve(member.subscription),
    owned: member.assignment,
  }));
  group.resolvedSignature = resolver.signature(inputs);
  const partitionCounts = new Map<string, number>();
  for (const input of inputs) for (const topic of input.topics) partitionCounts.set(topic, resolver.catalog.get(topic)!);
  const assignor = context.assignorFor(group);
  const target = members.length > 0 ? assignor.assign(inputs, partitionCounts) : new Map<string, TopicPartition[]>();
  checkTarget(assignor.name, inputs, partitionCounts, target);

  const changes: MemberChange[] = [];
  members.forEach((member) => {
    const next = [...target.get(member.memberId)!].sort(compareTopicPartitions);
    const nextKeys = new Set(next.map(key));
    const ownedKeys = new Set(member.assignment.map(key));
    const revoked = member.assignment.filter((tp) => !nextKeys.has(key(tp)));
    const added = next.filter((tp) => !ownedKeys.has(key(tp)));
    if (revoked.length > 0 || added.length > 0) changes.push({ member, revoked, added });
  });
  if (changes.length === 0 && !group.membershipChanged) return false;
  group.generation++;
  group.membershipChanged = false;
  context.counters.rebalances++;

  for (const { member, revoked } of changes) {
    const listener = member.listener;
    if (revoked.length > 0 && listener && !member.removed) context.notify(member, () => listener.onRevoked(revoked));
  }
  // Ownership moves only now, so a commit from onRevoked above was still accepted.
  const live = changes.filter(({ member }) => !member.removed);
  for (const { member, revoked } of live) {
    const gone = new Set(revoked.map(key));
    group.setAssignment(
      member,
      member.assignment.filter((tp) => !gone.has(key(tp))),
    );
  }
  for (const { member, added } of live) {
    group.setAssignment(member, [...member.assignment, ...added].sort(compareTopicPartitions));
    member.generation = group.generation;
    context.counters.partitionsMoved += added.length;
  }
  context.writeMetadata(group);
  for (const { member, added } of live) {
    const listener = member.listener;
    // Offsets are read now: a commit made in onRevoked above is where the new owner starts.
    if (added.length > 0 && listener && !member.removed)
      context.notify(member, () => listener.onAssigned(withCommittedOffsets(group, added)));
  }
  return true;
}

export function withCommittedOffsets(group: Group, partitions: readonly TopicPartition[]): AssignedPartition[] {
  return partitions.map(({ topic, partition }) => ({
    topic,
    partition,
    committedOffset: group.committed(topic, partition)?.offset ?? null,
  }));
}

function key(tp: TopicPartition): string {
  return `${tp.topic}\u0000${tp.partition}`;
}

/** Asserts the assignor's contract: every subscribed partition exactly once, to a member subscribed to its topic. */
function checkTarget(
  name: string,
  members: readonly AssignmentMember[],
  partitionCounts: ReadonlyMap<string, number>,
  target: Map<string, TopicPartition[]>,
): void {
  let expected = 0;
  for (const count of partitionCounts.values()) expected += count;
  const seen = new Set<string>();
  for (const member of members) {
    const list = target.get(member.memberId);
    if (!list) throw new Error(`assignor ${name} left out member ${member.memberId}`);
    for (const tp of list) {
      const count = partitionCounts.get(tp.topic) ?? 0;
      if (
        !member.topics.has(tp.topic) ||
        !Number.isInteger(tp.partition) ||
        tp.partition < 0 ||
        tp.partition >= count ||
        seen.has(key(tp))
      ) {
        throw new Error(`assignor ${name} gave ${tp.topic}/${tp.partition} to ${member.memberId} wrongly`);
      }
      seen.add(key(tp));
    }
  }
  if (seen.size !== expected) throw new Error(`assignor ${name} assigned ${seen.size} of ${expected} partitions`);
}
