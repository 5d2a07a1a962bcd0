/**
 * Server-side partition assignors. Each is pure and deterministic: inputs are sorted here (members
 * by id, topics by name with plain code-unit order, never locale order), so the same members and
 * topics always give the same assignment whatever order the caller used. Contract of every
 * assignor (checked again by the coordinator): every partition of every topic some member
 * subscribes to goes to exactly one member subscribed to that topic; every member appears in the
 * result, possibly with an empty list; each list is sorted by topic, then partition.
 */
import type { AssignmentMember, Assignor, TopicPartition } from './types';

export const DEFAULT_ASSIGNOR = 'cooperative-sticky';

export function defaultAssignors(): Assignor[] {
  return [new CooperativeStickyAssignor(), new RangeAssignor(), new RoundRobinAssignor()];
}

export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export function compareTopicPartitions(a: TopicPartition, b: TopicPartition): number {
  return a.topic === b.topic ? a.partition - b.partition : compareStrings(a.topic, b.topic);
}

function sortedMembers(members: readonly AssignmentMember[]): AssignmentMember[] {
  return [...members].sort((a, b) => compareStrings(a.memberId, b.memberId));
}

/** Topics subscribed by at least one member and present in `partitionCounts`, sorted. */
function subscribedTopics(members: readonly AssignmentMember[], partitionCounts: ReadonlyMap<string, number>): string[] {
  const topics = new Set<string>();
  for (const member of members) for (const topic of member.topics) if ((partitionCounts.get(topic) ?? 0) > 0) topics.add(topic);
  return [...topics].sort(compareStrings);
}

function emptyResult(members: readonly AssignmentMember[]): Map<string, TopicPartition[]> {
  const result = new Map<string, TopicPartition[]>();
  for (const member of members) result.set(member.memberId, []);
  return result;
}

function sortLists(result: Map<string, TopicPartition[]>): Map<string, TopicPartition[]> {
  for (const list of result.values()) list.sort(compareTopicPartitions);
  return result;
}

/** Kafka's RangeAssignor: per topic, contiguous ranges over the subscribed members sorted by id; the first `n % k` get one more. */
export class RangeAssignor implements Assignor {
  readonly name = 'range';

  assign(members: readonly AssignmentMember[], partitionCounts: ReadonlyMap<string, number>): Map<string, TopicPartition[]> {
    const sorted = sortedMembers(members);
    const result = emptyResult(sorted);
    for (const topic of subscribedTopics(sorted, partitionCounts)) {
      const count = partitionCounts.get(topic)!;
      const takers = sorted.filter((member) => member.topics.has(topic));
      const base = Math.floor(count / takers.length);
      const extra = count % takers.length;
      let next = 0;
      takers.forEach((member, index) => {
        const take = base + (index < extra ? 1 : 0);
        const list = result.get(member.memberId)!;
        for (let i = 0; i < take; i++) list.push({ topic, partition: next++ });
      });
    }
    return result; // topics are visited in order and partitions ascend: already sorted
  }
}

/** Kafka's RoundRobinAssignor: all partitions sorted, dealt in turn, skipping members not subscribed to the topic. */
export class RoundRobinAssignor implements Assignor {
  readonly name = 'round-robin';

  assign(members: readonly AssignmentMember[], partitionCounts: ReadonlyMap<string, number>): Map<string, TopicPartition[]> {
    const sorted = sortedMembers(members);
    const result = emptyResult(sorted);
    let cursor = 0;
    for (const topic of subscribedTopics(sorted, partitionCounts)) {
      const count = partitionCounts.get(topic)!;
      for (let partition = 0; partition < count; partition++) {
        // subscribedTopics guarantees some member takes this topic, so the scan ends within one lap.
        while (!sorted[cursor % sorted.length].topics.has(topic)) cursor++;
        result.get(sorted[cursor % sorted.length].memberId)!.push({ topic, partition });
        cursor = (cursor + 1) % sorted.length;
      }
    }
    return result;
  }
}

/**
 * Cooperative sticky (the default): keeps every valid owned partition, hands out the unowned ones
 * to the least-loaded eligible member (partitions with the fewest eligible members first), then
 * moves partitions from a member to an eligible one with at least two fewer until no such move
 * exists. At that fixpoint two members with identical subscriptions differ by at most one (any
 * partition of the larger one is eligible for the smaller), and only over-loaded members lose
 * partitions, so a join moves about P/M partitions and a leave moves only the leaver's.
 * Cost: O(P log P) sorting plus O(M) per assigned or moved partition.
 */
export class CooperativeStickyAssignor implements Assignor {
  readonly name = 'cooperative-sticky';

  assign(members: readonly AssignmentMember[], partitionCounts: ReadonlyMap<string, number>): Map<string, TopicPartition[]> {
    const sorted = sortedMembers(members);
    const topics = subscribedTopics(sorted, partitionCounts);
    // eligible[topic] = indexes (in id order) of the members subscribed to it.
    const eligible = new Map<string, number[]>();
    for (const topic of topics) eligible.set(topic, []);
    sorted.forEach((member, index) => {
      for (const topic of member.topics) eligible.get(topic)?.push(index);
    });

    // Keep phase: a partition stays with its owner if still valid and claimed by nobody before.
    const held: TopicPartition[][] = sorted.map(() => []);
    const claimed = new Map<string, Set<number>>();
    for (const topic of topics) claimed.set(topic, new Set());
    sorted.forEach((member, index) => {
      for (const owned of [...member.owned].sort(compareTopicPartitions)) {
        const taken = claimed.get(owned.topic);
        const count = partitionCounts.get(owned.topic) ?? 0;
        if (
          !taken ||
          !member.topics.has(owned.topic) ||
          !Number.isInteger(owned.partition) ||
          owned.partition < 0 ||
          owned.partition >= count ||
          taken.has(owned.partition)
        )
          continue;
        taken.add(owned.partition);
        held[index].push({ topic: owned.topic, partition: owned.partition });
      }
    });

    // Hand out the unowned partitions, the most constrained first.
    const unowned: TopicPartition[] = [];
    for (const topic of topics) {
      const taken = claimed.get(topic)!;
      const count = partitionCounts.get(topic)!;
      for (let partition = 0; partition < count; partition++) if (!taken.has(partition)) unowned.push({ topic, partition });
    }
    unowned.sort((a, b) => eligible.get(a.topic)!.length - eligible.get(b.topic)!.length || compareTopicPartitions(a, b));
    for (const tp of unowned) held[leastLoaded(eligible.get(tp.topic)!, held, -1)].push(tp);

    this.balance(sorted, held, eligible);

    const result = new Map<string, TopicPartition[]>();
    sorted.forEach((member, index) => result.set(member.memberId, held[index]));
    return sortLists(result);
  }

  /**
   * Moves one partition at a time from the heaviest member to the lightest member eligible for
   * it, while that narrows a gap of 2 or more. Heaviest-to-lightest is what keeps movement
   * minimal: a member never both gives and receives in the homogeneous case. A member with no
   * such move is skipped until a round ends; rounds repeat while they moved something, because in
   * heterogeneous cases another member's loss can open a move for a skipped one.
   */
  private balance(sorted: readonly AssignmentMember[], held: TopicPartition[][], eligible: ReadonlyMap<string, number[]>): void {
    if (sorted.length < 2) return;
    for (let movedInRound = true; movedInRound;) {
      movedInRound = false;
      const skipped = new Set<number>();
      for (;;) {
        let from = -1;
        for (let index = 0; index < held.length; index++) {
          if (!skipped.has(index) && (from < 0 || held[index].length > held[from].length)) from = index;
        }
        if (from < 0) break;
        const move = this.bestMove(held, eligible, from);
        if (!move) {
          skipped.add(from);
          continue;
        }
        const mine = held[from];
        // Give away the highest partition of that topic: deterministic, and the low ones stay put.
        let pick = -1;
        for (let i = 0; i < mine.length; i++) {
          if (mine[i].topic === move.topic && (pick < 0 || mine[i].partition > mine[pick].partition)) pick = i;
        }
        held[move.to].push(mine[pick]);
        mine[pick] = mine[mine.length - 1];
        mine.pop();
        movedInRound = true;
      }
    }
  }

  /** The lightest member eligible for one of `from`'s topics, if it has at least 2 fewer partitions. */
  private bestMove(
    held: readonly TopicPartition[][],
    eligible: ReadonlyMap<string, number[]>,
    from: number,
  ): { topic: string; to: number } | null {
    const topics = [...new Set(held[from].map((tp) => tp.topic))].sort(compareStrings);
    let best: { topic: string; to: number } | null = null;
    for (const topic of topics) {
      const to = leastLoaded(eligible.get(topic)!, held, from);
      if (to >= 0 && (!best || held[to].length < held[best.to].length || (held[to].length === held[best.to].length && to < best.to)))
        best = { topic, to };
    }
    return best && held[best.to].length <= held[from].length - 2 ? best : null;
  }
}

/** The eligible member (index) with the fewest partitions, lowest index on ties; -1 when none besides `except`. */
function leastLoaded(candidates: readonly number[], held: readonly TopicPartition[][], except: number): number {
  let best = -1;
  for (const index of candidates) {
    if (index === except) continue;
    if (best < 0 || held[index].length < held[best].length) best = index;
  }
  return best;
}
