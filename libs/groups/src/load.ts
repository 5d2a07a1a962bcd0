/**
 * Rebuilds groups from the records of `__consumer_offsets`, replayed in log order: the last value
 * per key wins, a tombstone deletes. A group exists if its metadata record or any of its offsets
 * survives. Restored members have no listener (connected=false), keep their recorded assignment
 * (a partition recorded for two members goes to the first by id) and have `lastSeenMs = nowMs`,
 * so their session timeout runs from the load.
 */
import { compareStrings, compareTopicPartitions } from './assignors';
import { Group } from './group';
import { decodeOffsetsRecord, type GroupMetadata, type OffsetValue } from './records';
import type { OffsetLogRecord } from './types';

export function loadGroups(records: Iterable<OffsetLogRecord>, nowMs: number): { groups: Group[]; records: number; skipped: number } {
  const metadata = new Map<string, GroupMetadata | null>();
  const offsets = new Map<string, Map<string, { topic: string; partition: number; value: OffsetValue | null }>>();
  let applied = 0;
  let skipped = 0;
  for (const record of records) {
    const decoded = decodeOffsetsRecord(record);
    if (!decoded) {
      skipped++;
      continue;
    }
    applied++;
    if (decoded.kind === 'group') {
      metadata.set(decoded.groupId, decoded.value);
    } else {
      let byKey = offsets.get(decoded.groupId);
      if (!byKey) offsets.set(decoded.groupId, (byKey = new Map()));
      byKey.set(`${decoded.topic}\u0000${decoded.partition}`, decoded);
    }
  }

  const groups = new Map<string, Group>();
  for (const [groupId, value] of metadata) {
    if (value === null) continue;
    const group = new Group(groupId);
    group.assignor = value.assignor;
    group.generation = value.generation;
    for (const recorded of [...value.members].sort((a, b) => compareStrings(a.memberId, b.memberId))) {
      if (group.members.has(recorded.memberId)) continue;
      const member = {
        memberId: recorded.memberId,
        clientId: recorded.clientId,
        clientHost: recorded.clientHost,
        sessionTimeoutMs: recorded.sessionTimeoutMs,
        subscription: recorded.subscription,
        assignment: [],
        generation: recorded.generation,
        lastSeenMs: nowMs,
        listener: null,
        removed: false,
      };
      group.addMember(member);
      const unique = new Map(recorded.assignment.map((tp) => [`${tp.topic}\u0000${tp.partition}`, tp]));
      const free = [...unique.values()].filter((tp) => !group.owner(tp.topic, tp.partition)).sort(compareTopicPartitions);
      group.setAssignment(member, free);
    }
    // Restoring is not a change: no rebalance is due until a member rejoins, leaves or expires.
    group.membershipChanged = false;
    groups.set(groupId, group);
  }
  for (const [groupId, byKey] of offsets) {
    for (const { topic, partition, value } of byKey.values()) {
      if (value === null) continue;
      let group = groups.get(groupId);
      if (!group) groups.set(groupId, (group = new Group(groupId)));
      group.setCommitted({ topic, partition, ...value });
    }
  }
  return { groups: [...groups.values()], records: applied, skipped };
}
