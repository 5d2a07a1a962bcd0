import { OffsetOutOfRangeError } from '@runnel/log';
import type { Offset } from '@runnel/protocol';
import type { PartitionHandle } from '@runnel/replication';
import { ReadFormat, RenderedData } from '../common/encodings';
import { CorruptRecordBatchError, corruptBatchAnswer } from '../common/corrupt-batch';
import { JsonTextBuffer, renderRecordsText } from '../common/record-render';
import { encodeCursor } from '../consume/cursor';

/**
 * One WebSocket subscription: a set of partitions (of one topic, or of several for a consumer
 * group member), the next offset of each, and the credit the client has granted. State and
 * invariants:
 * - `credit` >= 0 is the number of records the server may still send; each records frame spends
 *   what it carries, only the client's credit frames add to it. So records in flight never
 *   exceed what was granted.
 * - A partition's `next` only moves forward, and only by what a built frame delivered; the
 *   frame's cursor is the positions after it, so resuming from it neither skips nor repeats.
 *   (A group member's partitions are added and removed by rebalances: `add` / `remove`.)
 * - One frame is built at a time (the session's scheduler calls `nextFrame` serially); a
 *   partition removed while a frame is being built is not in that frame.
 * Waking: each partition's HW listener calls `onReady` (no timers); the listener is removed by
 * `remove`/`close`, after which nothing more is sent for it.
 */
export type SubscriptionPartition = Pick<
  PartitionHandle,
  'partition' | 'highWatermark' | 'logStartOffset' | 'read' | 'onHighWatermark' | 'isClosed' | 'sync'
>;

export interface WsRecord {
  partition: number;
  offset: number;
  timestamp: number;
  key: RenderedData | null;
  value: RenderedData | null;
  headers: { name: string; value: string | null }[];
}

export interface PartitionNext {
  topic: string;
  partition: number;
  /** The next offset to deliver. */
  next: number;
}

export interface RecordsFrame {
  /** The serialized `{"type":"records",...}` frame, as UTF-8 bytes (sent as a text frame). */
  text: Buffer;
  records: number;
  /** Stored bytes read to build it (for the fetched-bytes metric). */
  bytesRead: number;
  /** The position after this frame of each partition it carried records of. */
  ends: PartitionNext[];
}

export interface SubscriptionStart {
  /** Default: the subscription's topic. */
  topic?: string;
  state: SubscriptionPartition;
  offset: number;
}

/** How a subscription behaves: a plain one (one topic, cursors) or a group member's. */
export interface SubscriptionMode {
  /** Name the topic in every record (a group member may read several topics). */
  recordTopics: boolean;
  /** Put a resumable `cursor` in records frames (plain subscriptions). */
  cursor: boolean;
  /**
   * A group member's answer to a read below the log start (retention passed it): the offset to
   * go on from (auto.offset.reset). Without it the read error ends the subscription.
   */
  onOutOfRange?: (topic: string, state: SubscriptionPartition) => number;
  /** Drop a partition whose topic was deleted instead of failing (the group revokes it). */
  dropClosedPartitions: boolean;
}

export const PLAIN_SUBSCRIPTION: SubscriptionMode = { recordTopics: false, cursor: true, dropClosedPartitions: false };

interface PartitionPosition {
  readonly topic: string;
  readonly state: SubscriptionPartition;
  next: number;
  /** Set by `remove`: a frame being built skips (or strips) it. */
  removed: boolean;
  readonly unlisten: () => void;
}

export class Subscription {
  private positions: PartitionPosition[];
  private credit: number;
  private rotation = 0;
  private closed = false;
  /** Set while queued in the session's run queue (so it is queued at most once). */
  queued = false;
  /** Paused by a consume quota until this time (ms since the epoch); the session reschedules it then. */
  throttledUntil = 0;

  constructor(
    readonly sub: string,
    readonly topic: string,
    start: readonly SubscriptionStart[],
    initialCredit: number,
    private readonly format: ReadFormat,
    private readonly frameReadBytes: number,
    private readonly onReady: (subscription: Subscription) => void,
    private readonly mode: SubscriptionMode = PLAIN_SUBSCRIPTION,
  ) {
    this.credit = initialCredit;
    this.positions = start.map((s) => this.position(s));
  }

  private position({ topic = this.topic, state, offset }: SubscriptionStart): PartitionPosition {
    // Runs on every HW advance of the partition: O(1), so idle subscriptions cost next to nothing.
    const position: PartitionPosition = {
      topic,
      state,
      next: offset,
      removed: false,
      unlisten: state.onHighWatermark((hw) => {
        // A closed partition (topic deleted) is scheduled too: nextFrame then fails (or drops
        // it) so a subscription never stays silent on a deleted topic.
        if (!this.queued && !this.closed && (state.isClosed || (this.credit > 0 && position.next < hw))) this.onReady(this);
      }),
    };
    return position;
  }

  /** Starts delivering more partitions (a group rebalance assigned them). */
  add(start: readonly SubscriptionStart[]): void {
    if (this.closed) return;
    for (const s of start) this.positions.push(this.position(s));
  }

  /** Stops delivering these partitions at once; returns their positions (what was delivered). */
  remove(partitions: readonly { topic: string; partition: number }[]): PartitionNext[] {
    const removed: PartitionNext[] = [];
    const gone = new Set(partitions.map((p) => `${p.partition}:${p.topic}`));
    this.positions = this.positions.filter((p) => {
      if (!gone.has(`${p.state.partition}:${p.topic}`)) return true;
      p.removed = true;
      p.unlisten();
      removed.push({ topic: p.topic, partition: p.state.partition, next: p.next });
      return false;
    });
    this.rotation = 0;
    return removed;
  }

  /** Every partition's next offset now. */
  positionsNow(): PartitionNext[] {
    return this.positions.map((p) => ({ topic: p.topic, partition: p.state.partition, next: p.next }));
  }

  get isClosed(): boolean {
    return this.closed;
  }

  get remainingCredit(): number {
    return this.credit;
  }

  /** PartitionHandle → next offset, as sent in `subscribed` (with the topic for a group member). */
  assignment(): { topic?: string; partition: number; offset: number }[] {
    return this.positions.map((p) =>
      this.mode.recordTopics
        ? { topic: p.topic, partition: p.state.partition, offset: p.next }
        : { partition: p.state.partition, offset: p.next },
    );
  }

  /** Adds credit; false (nothing changed) if the total would pass `max`. */
  grant(records: number, max: number): boolean {
    if (this.credit + records > max) return false;
    this.credit += records;
    return true;
  }

  /** Something to send and room to send it: credit left and a partition below its HW. */
  runnable(): boolean {
    if (this.closed || this.throttledUntil > 0) return false;
    // A closed partition must be delivered to, so nextFrame fails and the subscription ends.
    for (const p of this.positions) if (p.state.isClosed) return true;
    if (this.credit === 0) return false;
    for (const p of this.positions) if (p.next < p.state.highWatermark) return true;
    return false;
  }

  /**
   * Reads the next records, starting at a rotating partition so each gets its turn, up to the
   * credit and about `frameReadBytes` of stored bytes. Null when closed meanwhile or nothing was
   * there. Throws the log's errors (OffsetOutOfRangeError when retention passed `next`).
   */
  async nextFrame(): Promise<RecordsFrame | null> {
    // The frame is written as bytes straight from the stored bytes (renderRecordsText): one
    // pass, no per-record objects or strings, nothing stringified twice.
    let out: JsonTextBuffer | undefined;
    let count = 0;
    let bytesRead = 0;
    const ends: PartitionNext[] = [];
    if (this.positions.some((p) => p.state.isClosed)) {
      const gone = this.positions.filter((p) => p.state.isClosed);
      if (!this.mode.dropClosedPartitions)
        throw new Error(`partition ${gone[0].state.partition} of '${gone[0].topic}' is no longer served here`);
      this.remove(gone.map((p) => ({ topic: p.topic, partition: p.state.partition })));
    }
    // A snapshot: a rebalance may remove partitions while this frame awaits a read.
    const positions = this.positions;
    const n = positions.length;
    if (n === 0) return null;
    const first = this.rotation % n;
    this.rotation = (first + 1) % n;
    for (let i = 0; i < n && count < this.credit && bytesRead < this.frameReadBytes; i++) {
      const position = positions[(first + i) % n];
      if (position.removed || position.next >= position.state.highWatermark) continue;
      let read;
      try {
        read = await position.state.read(position.next as Offset, this.frameReadBytes - bytesRead);
      } catch (error) {
        if (!(error instanceof OffsetOutOfRangeError) || !this.mode.onOutOfRange) throw error;
        position.next = this.mode.onOutOfRange(position.topic, position.state);
        continue;
      }
      if (this.closed) return null;
      if (read.bytes.length === 0 || position.removed) continue;
      if (out === undefined) {
        out = new JsonTextBuffer(2 * this.frameReadBytes);
        out.utf8(`{"type":"records","sub":${JSON.stringify(this.sub)},"records":[`);
      }
      const options = {
        topic: this.mode.recordTopics ? position.topic : undefined,
        partition: position.state.partition,
        fromOffset: position.next,
        maxRecords: this.credit - count,
        format: this.format,
        readNextOffset: read.nextOffset,
      };
      const lengthBefore = out.length;
      let rendered;
      try {
        rendered = await renderRecordsText(read.bytes, options, out, count > 0);
      } catch (error) {
        // A corrupt batch first in line: send this frame's records, fail on the next (corrupt-batch.ts).
        if (!(error instanceof CorruptRecordBatchError)) throw error;
        if (count > 0) continue;
        throw corruptBatchAnswer(position.topic, position.state.partition, error);
      }
      if (this.closed) return null;
      // Removed (revoked) while rendering: its records must not go out.
      if (position.removed) {
        if (rendered.count > 0) out.unwrite(out.length - lengthBefore);
        continue;
      }
      count += rendered.count;
      position.next = rendered.nextOffset;
      bytesRead += read.bytes.length;
      if (rendered.count > 0) ends.push({ topic: position.topic, partition: position.state.partition, next: position.next });
    }
    if (count === 0 || out === undefined) return null;
    this.credit -= count;
    if (this.mode.cursor)
      out.ascii(`],"cursor":"${this.cursor()}"}`); // base64url: no escaping
    else out.ascii(']}');
    return { text: out.toBuffer(), records: count, bytesRead, ends };
  }

  /** The positions now: after the frame just built, before the next. */
  cursor(): string {
    return encodeCursor(
      this.topic,
      this.positions.map((p) => ({ partition: p.state.partition, offset: p.next })),
    );
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const p of this.positions) p.unlisten();
  }
}
