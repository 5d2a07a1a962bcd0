import { ConsumedRecord, PartitionPosition, RecordFormat, ServerFrame, SubscriptionStream } from './subscription-stream';

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
 * `cursor` resumes right after every record yielded so far (`from: {cursor}`), also after a
 * `break` in the middle of a frame: it is built here from the positions the broker announced in
 * `subscribed` and the records taken since, in the broker's cursor format (see encodeCursor).
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
  private readonly startCursor: string | undefined;
  /** Next offset per partition: where `subscribed` started it, then after each record yielded. */
  private readonly positions = new Map<number, number>();

  constructor(options: ConsumerOptions) {
    super(options, {
      topic: options.topic,
      ...(options.partitions !== undefined && { partitions: options.partitions }),
      ...(options.from !== undefined && { from: options.from }),
      ...(options.format !== undefined && { format: options.format }),
    });
    this.topic = options.topic;
    this.startCursor = typeof options.from === 'object' && 'cursor' in options.from ? options.from.cursor : undefined;
  }

  /** Resumes right after every record yielded so far; undefined before `subscribed` (unless `from` was a cursor). */
  get cursor(): string | undefined {
    if (this.positions.size === 0) return this.startCursor;
    const entries = [...this.positions].sort((a, b) => a[0] - b[0]).map(([partition, offset]) => ({ partition, offset }));
    return encodeCursor(this.topic, entries);
  }

  protected onSubscribed(frame: ServerFrame): PartitionPosition[] {
    this.assignment = frame.assignment as PartitionPosition[];
    for (const { partition, offset } of this.assignment) this.positions.set(partition, offset);
    return this.assignment;
  }

  protected accept(record: ConsumedRecord): boolean {
    record.topic = this.topic; // records of a plain subscription do not repeat it on the wire
    this.positions.set(record.partition, record.offset + 1);
    return true;
  }
}

/**
 * The broker's cursor (API.md: opaque to applications; this client builds it so `cursor` is exact
 * after a break mid-frame). base64url of:
 *   version:uint8 (= 1)  topicHash:uint32be (FNV-1a of the name)  count:varint  entry{count}
 *   entry := partitionDelta:varint  nextOffset:varint      (sorted by partition; LEB128 varints)
 */
export function encodeCursor(topic: string, entries: readonly PartitionPosition[]): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < topic.length; i++) hash = Math.imul(hash ^ topic.charCodeAt(i), 0x01000193);
  hash >>>= 0;
  const bytes: number[] = [1, hash >>> 24, (hash >>> 16) & 0xff, (hash >>> 8) & 0xff, hash & 0xff];
  const varint = (value: number): void => {
    let v = value;
    for (; v >= 0x80; v = Math.floor(v / 0x80)) bytes.push((v % 0x80) | 0x80);
    bytes.push(v);
  };
  varint(entries.length);
  let previous = 0;
  for (const { partition, offset } of entries) {
    varint(partition - previous);
    varint(offset);
    previous = partition;
  }
  return Buffer.from(bytes).toString('base64url');
}
