/**
 * Writes the coordinator's records to the OffsetLog. Commits are appended at once (the caller
 * awaits durability). Group metadata is written in the background and coalesced: at most one
 * metadata write per group is in flight; changes made meanwhile are folded into one follow-up
 * write of the state current when it is issued (the latest state wins). Appends are issued in
 * the order of the changes; the OffsetLog keeps call order within a group (one partition), so
 * what is durable always follows the order of changes (a delete's tombstones come after any
 * metadata write issued before it, and a deleted group's pending write is dropped).
 */
import type { Group } from './group';
import { groupRecord } from './records';
import type { OffsetLog, OffsetLogRecord } from './types';

export class OffsetLogWriter {
  /** Every append not settled yet (flush waits for them). */
  private readonly inFlight = new Set<Promise<void>>();
  /** Groups with a metadata write in flight -> whether another one must follow it. */
  private readonly metadataInFlight = new Map<Group, { pending: boolean }>();

  constructor(
    private readonly log: OffsetLog,
    private readonly onPersistError: (error: Error) => void,
  ) {}

  /** Appends now; resolves when durable, rejects with the OffsetLog's error. */
  append(groupId: string, records: readonly OffsetLogRecord[]): Promise<void> {
    let written: Promise<void>;
    try {
      written = Promise.resolve(this.log.append(groupId, records));
    } catch (error) {
      written = Promise.reject(error);
    }
    const tracked = written.then(
      () => undefined,
      () => undefined,
    );
    this.inFlight.add(tracked);
    void tracked.then(() => this.inFlight.delete(tracked));
    return written;
  }

  /** Schedules a background write of the group's metadata (coalesced, see above). */
  writeMetadata(group: Group): void {
    const state = this.metadataInFlight.get(group);
    if (state) {
      state.pending = true;
      return;
    }
    this.issueMetadata(group);
  }

  private issueMetadata(group: Group): void {
    const state = { pending: false };
    this.metadataInFlight.set(group, state);
    const done = this.append(group.groupId, [groupRecord(group.groupId, group.metadata())]).catch((error: unknown) => {
      try {
        this.onPersistError(error instanceof Error ? error : new Error(String(error)));
      } catch {
        // A failing error hook must not stop the follow-up write.
      }
    });
    const next = done.then(() => {
      this.metadataInFlight.delete(group);
      if (state.pending && !group.deleted) this.issueMetadata(group);
    });
    // Tracked so that flush() also waits for the follow-up write issued when this one settles.
    this.inFlight.add(next);
    void next.then(() => this.inFlight.delete(next));
  }

  /** Resolves when every write issued so far, and every follow-up it triggers, has settled. */
  async flush(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.all([...this.inFlight]);
  }
}
