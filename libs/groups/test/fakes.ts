/** Test doubles for the coordinator's seams: an in-memory OffsetLog, a mutable catalog, a recording listener, a clock. */
import type { AssignedPartition, MemberListener, OffsetLog, OffsetLogRecord, TopicCatalog, TopicPartition } from '@runnel/groups';

export class MemoryOffsetLog implements OffsetLog {
  readonly records: OffsetLogRecord[] = [];
  readonly appends: { groupId: string; records: readonly OffsetLogRecord[] }[] = [];
  /** When set, the next appends reject with it (and store nothing). */
  failWith: Error | null = null;
  /** When true, appends wait until release() (to observe in-flight writes). */
  hold = false;
  private held: (() => void)[] = [];

  append(groupId: string, records: readonly OffsetLogRecord[]): Promise<void> {
    if (this.failWith) return Promise.reject(this.failWith);
    // Stored in call order (as the broker's partition append keeps it), durable when the promise resolves.
    this.appends.push({ groupId, records });
    this.records.push(...records);
    if (!this.hold) return Promise.resolve();
    return new Promise((resolve) => this.held.push(resolve));
  }

  release(): void {
    const held = this.held;
    this.held = [];
    for (const resolve of held) resolve();
  }
}

export class FakeCatalog implements TopicCatalog {
  readonly map = new Map<string, number>();
  constructor(topics: Record<string, number> = {}) {
    for (const [name, count] of Object.entries(topics)) this.map.set(name, count);
  }
  topics(): ReadonlyMap<string, number> {
    return this.map;
  }
}

export class FakeClock {
  now = 1_000_000;
  readonly read = (): number => this.now;
}

export type ListenerEvent =
  | { type: 'assigned'; partitions: AssignedPartition[] }
  | { type: 'revoked'; partitions: TopicPartition[] }
  | { type: 'removed'; reason: string; cause?: Error };

/** Records callbacks; `owned` follows them so a test sees what the member believes it owns. */
export class RecordingListener implements MemberListener {
  readonly events: ListenerEvent[] = [];
  readonly owned = new Set<string>();
  onAssignedHook?: (partitions: readonly AssignedPartition[]) => void;
  onRevokedHook?: (partitions: readonly TopicPartition[]) => void;

  constructor(
    private readonly log?: string[],
    private readonly name = '',
  ) {}

  onAssigned(partitions: readonly AssignedPartition[]): void {
    this.events.push({ type: 'assigned', partitions: [...partitions] });
    this.log?.push(`${this.name} assigned ${partitions.map(tpString).join(',')}`);
    for (const tp of partitions) this.owned.add(tpString(tp));
    this.onAssignedHook?.(partitions);
  }
  onRevoked(partitions: readonly TopicPartition[]): void {
    this.events.push({ type: 'revoked', partitions: [...partitions] });
    this.log?.push(`${this.name} revoked ${partitions.map(tpString).join(',')}`);
    this.onRevokedHook?.(partitions);
    for (const tp of partitions) this.owned.delete(tpString(tp));
  }
  onRemoved(reason: string, cause?: Error): void {
    this.events.push(cause ? { type: 'removed', reason, cause } : { type: 'removed', reason });
    this.log?.push(`${this.name} removed`);
    this.owned.clear();
  }
  /** Seeds `owned` from a JoinResult. */
  joined(assigned: readonly TopicPartition[]): this {
    for (const tp of assigned) this.owned.add(tpString(tp));
    return this;
  }
}

export function tpString(tp: TopicPartition): string {
  return `${tp.topic}/${tp.partition}`;
}

export function sub(topics: string[], topicPrefixes: string[] = []) {
  return { topics, topicPrefixes };
}
