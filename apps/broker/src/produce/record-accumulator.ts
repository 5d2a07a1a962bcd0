import { BATCH_HEADER_SIZE, BatchRecord, CompressionCodec, encodeRecordBatch, encodeRecordBatchAsync, isSyncCodec } from '@runnel/protocol';
import type { Acks, PartitionHandle } from '@runnel/replication';
import type { RunnelError } from '../common/errors';

/**
 * Broker-side batching of JSON records (Kafka's RecordAccumulator, on the broker): records
 * produced to one partition during one event-loop turn — by any number of concurrent requests,
 * streams and WebSocket frames — are encoded into ONE RecordBatch and appended with ONE call, so
 * they share one write and one group-commit fsync. A batch is closed on `setImmediate` or as soon
 * as the next record would take it past its byte cap (the topic's max.message.bytes) or past
 * `maxBatchRecords`; records keep their arrival order per partition, and appends are issued in
 * close order (PartitionHandle applies them in call order), so a stream's order survives batching.
 *
 * acks=all records and acks 0/1 records go to separate batches (one `Partition.append` takes one
 * acks), so a fire-and-forget record never waits for an fsync it did not ask for.
 *
 * Batches are compressed with the topic's compression.type (none by default). Every codec but
 * zstd encodes synchronously at close; a zstd batch is encoded off the event loop, and the
 * partition's later batches wait for it (a per-partition chain), so appends still go out in
 * close order.
 *
 * A record's offset is its batch's base offset plus its index. Records are validated before they
 * are added (record-input.ts); a failure here (encoding, append) fails the whole batch, which can
 * only be a broker-side condition (storage error, partition deleted meanwhile).
 */
export interface AppendedBatch {
  baseOffset: number;
  /** The log append time for LogAppendTime topics, else -1. */
  logAppendTimeMs: number;
}

export class PendingBatch {
  readonly records: BatchRecord[] = [];
  /** Upper bound of the encoded size so far. */
  bytes = BATCH_HEADER_SIZE;
  outcome: AppendedBatch | undefined;
  error: RunnelError | undefined;
  /** Resolves (never rejects) once `outcome` or `error` is set. */
  readonly done: Promise<void>;
  private resolveDone!: () => void;

  constructor(
    readonly partition: PartitionHandle,
    readonly acks: 1 | -1,
    readonly compression: CompressionCodec,
  ) {
    this.done = new Promise((resolve) => (this.resolveDone = resolve));
  }

  get settled(): boolean {
    return this.outcome !== undefined || this.error !== undefined;
  }

  settle(outcome: AppendedBatch | undefined, error: RunnelError | undefined): void {
    this.outcome = outcome;
    this.error = error;
    this.resolveDone();
  }
}

export interface AccumulatorHooks {
  /** A batch was appended (metrics). */
  appended(topic: string, records: number, bytes: number): void;
  /** A batch of `partition` was closed (the sticky partitioner moves on). */
  closed(partition: PartitionHandle): void;
  /** Maps an encode/append failure to the error every record of the batch reports. */
  toError(error: unknown): RunnelError;
}

export interface Ticket {
  batch: PendingBatch;
  index: number;
}

export class RecordAccumulator {
  private readonly durable = new Map<PartitionHandle, PendingBatch>();
  private readonly local = new Map<PartitionHandle, PendingBatch>();
  private scheduled = false;
  /** Per partition: the last asynchronously encoded batch, until its append is issued. */
  private readonly encoding = new Map<PartitionHandle, Promise<void>>();
  private readonly flushAll = (): void => {
    this.scheduled = false;
    for (const batch of this.durable.values()) this.close(batch);
    for (const batch of this.local.values()) this.close(batch);
  };

  constructor(
    private readonly hooks: AccumulatorHooks,
    private readonly maxBatchRecords = 50_000,
  ) {}

  /**
   * Adds a validated record (`recordBytes` = its size upper bound, already checked to fit
   * `batchBytesMax` alone) to the open batch of `partition`.
   */
  add(
    partition: PartitionHandle,
    record: BatchRecord,
    recordBytes: number,
    acks: Acks,
    batchBytesMax: number,
    compression: CompressionCodec = CompressionCodec.None,
  ): Ticket {
    const open = acks === -1 ? this.durable : this.local;
    let batch = open.get(partition);
    if (
      batch !== undefined &&
      (batch.bytes + recordBytes > batchBytesMax || batch.records.length >= this.maxBatchRecords || batch.compression !== compression)
    ) {
      this.close(batch);
      batch = undefined;
    }
    if (batch === undefined) {
      batch = new PendingBatch(partition, acks === -1 ? -1 : 1, compression);
      open.set(partition, batch);
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(this.flushAll);
      }
    }
    batch.bytes += recordBytes;
    return { batch, index: batch.records.push(record) - 1 };
  }

  /** Closes every open batch now (shutdown, tests). */
  flush(): void {
    this.flushAll();
  }

  private close(batch: PendingBatch): void {
    (batch.acks === -1 ? this.durable : this.local).delete(batch.partition);
    const { partition, compression } = batch;
    const pending = this.encoding.get(partition);
    if (pending === undefined && isSyncCodec(compression)) {
      let bytes: Buffer;
      try {
        bytes = encodeRecordBatch({ records: batch.records, compression });
      } catch (error) {
        batch.settle(undefined, this.hooks.toError(error));
        return;
      }
      this.hooks.closed(partition);
      this.append(batch, bytes, batch.records.length);
      batch.records.length = 0; // the bytes hold them now; let the inputs go
      return;
    }
    // zstd, or behind a zstd batch of the same partition: encode, then append in close order.
    const records = batch.records.splice(0);
    this.hooks.closed(partition);
    const issued = (pending ?? Promise.resolve()).then(async () => {
      let bytes: Buffer;
      try {
        bytes = await encodeRecordBatchAsync({ records, compression });
      } catch (error) {
        batch.settle(undefined, this.hooks.toError(error));
        return;
      }
      this.append(batch, bytes, records.length);
    });
    this.encoding.set(partition, issued);
    void issued.then(() => {
      if (this.encoding.get(partition) === issued) this.encoding.delete(partition);
    });
  }

  /** Issues the append (synchronously: PartitionHandle applies appends in call order) and settles the batch when it completes. */
  private append(batch: PendingBatch, bytes: Buffer, count: number): void {
    let appending: Promise<{ baseOffset: number; logAppendTimeMs: number; records: number }>;
    try {
      appending = batch.partition.append(bytes, batch.acks);
    } catch (error) {
      batch.settle(undefined, this.hooks.toError(error));
      return;
    }
    appending.then(
      (result) => {
        this.hooks.appended(batch.partition.topic, count, bytes.length);
        batch.settle({ baseOffset: result.baseOffset, logAppendTimeMs: result.logAppendTimeMs }, undefined);
      },
      (error: unknown) => batch.settle(undefined, this.hooks.toError(error)),
    );
  }
}
