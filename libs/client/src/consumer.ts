import { ConsumedRecord, PartitionPosition, RecordFormat, RecordsFrame, ServerFrame, SubscriptionStream } from './subscription-stream';

export type { ConsumedRecord, EncodedData, PartitionPosition, RecordFormat } from './subscription-stream';

/**
 * A plain subscription over Runnel's WebSocket (API.md "WebSocket"): named (or all) partitions
 * of one topic, read as an async iterator. For a consumer group use GroupConsumer.
 *
 *   const consumer = new Consumer({ baseUrl, topic: 'orders', from: 'earliest' });
 *   for await (const record of consumer) { ... }
 *
 * One socket, one subscription; flow control, ending and errors are SubscriptionStream's. Every
 * yielded record carries `topic` (the subscription's) like a group member's records.
 *
 * `cursor` is the cursor of the last frame whose records have all been yielded: `from: {cursor}`
 * resumes right after them. Breaking out mid-frame and resuming redelivers the rest of that frame's
 * earlier records (at-least-once, never a gap).
 */

export type StartPosition = 'earliest' | 'latest' | { offset: number } | { timestamp: number } | { cursor: string };

export interface ConsumerOptions {
  baseUrl: string;
  topic: string;
  /** Default: every partition of the topic. */
  partitions?: number[];
  /** Default 'latest', as the broker (Kafka's auto.offset.reset). */
  from?: StartPosition;
  credit?: number;
  format?: RecordFormat;
  /** Subscription name on the socket; default a random one. */
  sub?: string;
  /** Extra headers on the upgrade request (e.g. Authorization). */
  headers?: Record<string, string>;
}

export class Consumer extends SubscriptionStream<PartitionPosition[]> {
  readonly topic: string;
  /** Where each partition starts, from the broker's `subscribed` answer. */
  assignment: PartitionPosition[] | undefined;
  private latestCursor: string | undefined;

  constructor(options: ConsumerOptions) {
    super(options, {
      topic: options.topic,
      ...(options.partitions !== undefined && { partitions: options.partitions }),
      ...(options.from !== undefined && { from: options.from }),
      ...(options.format !== undefined && { format: options.format }),
    });
    this.topic = options.topic;
    this.latestCursor = typeof options.from === 'object' && 'cursor' in options.from ? options.from.cursor : undefined;
  }

  /** Resumes right after every record yielded so far (up to the last whole frame). */
  get cursor(): string | undefined {
    return this.latestCursor;
  }

  protected onSubscribed(frame: ServerFrame): PartitionPosition[] {
    this.assignment = frame.assignment as PartitionPosition[];
    return this.assignment;
  }

  protected accept(record: ConsumedRecord): boolean {
    record.topic = this.topic; // records of a plain subscription do not repeat it on the wire
    return true;
  }

  protected override frameDone(frame: RecordsFrame): void {
    if (frame.cursor !== undefined) this.latestCursor = frame.cursor;
  }
}
