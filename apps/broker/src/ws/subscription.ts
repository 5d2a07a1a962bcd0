import type { Offset } from '@runnel/protocol';
import type { Partition } from '@runnel/replication';
import { ReadFormat, RenderedData } from '../common/encodings';
import { JsonTextBuffer, renderRecordsText } from '../common/record-render';
import { encodeCursor } from './cursor';

/**
 * One WebSocket subscription: a set of partitions of one topic, the next offset of each, and the
 * credit the client has granted. State and invariants:
 * - `credit` >= 0 is the number of records the server may still send; each records frame spends
 *   what it carries, only the client's credit frames add to it. So records in flight never
 *   exceed what was granted.
 * - A partition's `next` only moves forward, and only by what a built frame delivered; the
 *   frame's cursor is the positions after it, so resuming from it neither skips nor repeats.
 * - One frame is built at a time (the session's scheduler calls `nextFrame` serially).
 * Waking: each partition's HW listener calls `onReady` (no timers); the listener is removed by
 * `close`, after which `nextFrame` returns null and nothing more is sent.
 */
export type SubscriptionPartition = Pick<Partition, 'partition' | 'highWatermark' | 'logStartOffset' | 'read' | 'onHighWatermark' | 'isClosed'>;

export interface WsRecord {
  partition: number;
  offset: number;
  timestamp: number;
  key: RenderedData | null;
  value: RenderedData | null;
  headers: { name: string; value: string | null }[];
}

export interface RecordsFrame {
  /** The serialized `{"type":"records",...}` frame, as UTF-8 bytes (sent as a text frame). */
  text: Buffer;
  records: number;
  /** Stored bytes read to build it (for the fetched-bytes metric). */
  bytesRead: number;
}

interface PartitionPosition {
  readonly state: SubscriptionPartition;
  next: number;
  readonly unlisten: () => void;
}

export class Subscription {
  private readonly positions: PartitionPosition[];
  private credit: number;
  private rotation = 0;
  private closed = false;
  /** Set while queued in the session's run queue (so it is queued at most once). */
  queued = false;

  constructor(
    readonly sub: string,
    readonly topic: string,
    start: ReadonlyArray<{ state: SubscriptionPartition; offset: number }>,
    initialCredit: number,
    private readonly format: ReadFormat,
    private readonly frameReadBytes: number,
    onReady: (subscription: Subscription) => void,
  ) {
    this.credit = initialCredit;
    this.positions = start.map(({ state, offset }) => {
      // Runs on every HW advance of the partition: O(1), so idle subscriptions cost next to nothing.
      const position: PartitionPosition = {
        state,
        next: offset,
        unlisten: state.onHighWatermark((hw) => {
          // A closed partition (topic deleted) is scheduled too: nextFrame then fails and the
          // session ends the subscription with an error frame instead of leaving it silent.
          if (!this.queued && !this.closed && (state.isClosed || (this.credit > 0 && position.next < hw))) onReady(this);
        }),
      };
      return position;
    });
  }

  get isClosed(): boolean {
    return this.closed;
  }

  get remainingCredit(): number {
    return this.credit;
  }

  /** Partition → next offset, as sent in `subscribed`. */
  assignment(): { partition: number; offset: number }[] {
    return this.positions.map((p) => ({ partition: p.state.partition, offset: p.next }));
  }

  /** Adds credit; false (nothing changed) if the total would pass `max`. */
  grant(records: number, max: number): boolean {
    if (this.credit + records > max) return false;
    this.credit += records;
    return true;
  }

  /** Something to send and room to send it: credit left and a partition below its HW. */
  runnable(): boolean {
    if (this.closed) return false;
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
    const n = this.positions.length;
    const gone = this.positions.find((p) => p.state.isClosed);
    if (gone) throw new Error(`partition ${gone.state.partition} of '${this.topic}' is no longer served here`);
    const first = this.rotation;
    this.rotation = (this.rotation + 1) % n;
    for (let i = 0; i < n && count < this.credit && bytesRead < this.frameReadBytes; i++) {
      const position = this.positions[(first + i) % n];
      if (position.next >= position.state.highWatermark) continue;
      const read = await position.state.read(position.next as Offset, this.frameReadBytes - bytesRead);
      if (this.closed) return null;
      if (read.bytes.length === 0) continue;
      if (out === undefined) {
        out = new JsonTextBuffer(2 * this.frameReadBytes);
        out.utf8(`{"type":"records","sub":${JSON.stringify(this.sub)},"records":[`);
      }
      const options = {
        partition: position.state.partition,
        fromOffset: position.next,
        maxRecords: this.credit - count,
        format: this.format,
        readNextOffset: read.nextOffset,
      };
      const rendered = await renderRecordsText(read.bytes, options, out, count > 0);
      if (this.closed) return null;
      count += rendered.count;
      position.next = rendered.nextOffset;
      bytesRead += read.bytes.length;
    }
    if (count === 0 || out === undefined) return null;
    this.credit -= count;
    out.ascii(`],"cursor":"${this.cursor()}"}`); // base64url: no escaping
    return { text: out.toBuffer(), records: count, bytesRead };
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
