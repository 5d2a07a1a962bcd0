import {
  OffsetOutOfRangeError,
  PartitionLog,
  StorageHealth,
  describeStorageError,
  storageErrnoOf,
  type TimestampLookup,
} from '@runnel/log';
import type { BatchHeader, LeaderEpoch, Offset } from '@runnel/protocol';

/**
 * One partition as its leader sees it (single node for now; followers join later): the log, its
 * leader epoch and its high watermark (HW), the offset below which records are durable and
 * therefore visible to consumers.
 *
 * Invariants: logStartOffset <= HW <= logEndOffset; HW never moves backwards while the partition
 * is led with the same epoch.
 *
 * Durability modes (DESIGN.md): with `durable` (the default: topic flush.ms = 0) every append
 * schedules a group-commit fsync and HW follows the flushed offset, so nothing a consumer saw can
 * be lost in a crash; otherwise (flush.ms > 0, Kafka's page-cache behaviour) HW follows the
 * written log end offset and a scheduler fsyncs per the flush policy.
 *
 * Promises: `append` resolves when the batch is in the log (acks 0/1) or below HW (acks=all).
 * Concurrency: single-threaded callers; appends are applied in call order.
 *
 * Storage failures (Kafka's KAFKA_STORAGE_ERROR: full disk, quota, I/O error) reject with
 * PartitionStorageError (retriable) and are reported to the broker's StorageHealth. A failed
 * write changes nothing (the segment is cut back). A failed fsync fences the partition, since
 * the kernel may have dropped the pages it covered; the next append first drops the unflushed
 * tail (offsets >= recovery point, none of them acknowledged with acks=all; in page-cache mode
 * it is what a crash would lose) and fsyncs the cut, and only then unfences: so the partition
 * heals by itself once the disk has room again, without a restart.
 *
 * Callers read the log only through this class (offsets, sizes, timestamp lookups), so that
 * replication can slot in behind it; `log` stays public for the storage layer's own tools.
 */
export type Acks = 0 | 1 | -1;

export interface PartitionAppendResult {
  baseOffset: Offset;
  lastOffset: Offset;
  logAppendTimeMs: number;
  records: number;
}

export interface PartitionReadResult {
  bytes: Buffer;
  nextOffset: Offset;
  highWatermark: Offset;
  logStartOffset: Offset;
}

export class PartitionStorageError extends Error {
  override readonly name = 'PartitionStorageError';
  constructor(
    topic: string,
    partition: number,
    override readonly cause: Error,
  ) {
    super(`KAFKA_STORAGE_ERROR: the log of ${topic}-${partition} cannot be written (${describeStorageError(cause)}); retry later`);
  }
}

/** A read outside what this partition serves, [log start, HW], naming the partition. */
export class PartitionOffsetOutOfRangeError extends OffsetOutOfRangeError {
  constructor(
    readonly topic: string,
    readonly partition: number,
    cause: OffsetOutOfRangeError,
    readonly highWatermark: Offset,
  ) {
    super(cause.requestedOffset, cause.logStartOffset, cause.logEndOffset);
  }
}

interface AckWaiter {
  offset: number;
  resolve: () => void;
  reject: (error: unknown) => void;
}

export class Partition {
  private hw: number;
  private readonly ackWaiters: AckWaiter[] = [];
  private readonly listeners = new Set<(highWatermark: Offset) => void>();
  private closed = false;
  /** Set by a failed fsync: the kernel may have dropped dirty pages, so nothing more is acknowledged. */
  private storageError: Error | undefined;
  private unfencing: Promise<void> | undefined;

  constructor(
    readonly topic: string,
    readonly partition: number,
    readonly log: PartitionLog,
    public leaderEpoch: LeaderEpoch,
    public durable: boolean,
    private readonly health: StorageHealth = new StorageHealth(),
  ) {
    // Whatever survived recovery was flushed or re-read from disk: it is the durable prefix.
    this.hw = durable ? log.recoveryPoint : log.logEndOffset;
    if (this.hw > log.logEndOffset) this.hw = log.logEndOffset;
  }

  get highWatermark(): Offset {
    return this.hw as Offset;
  }

  get logStartOffset(): Offset {
    return this.log.logStartOffset;
  }

  get logEndOffset(): Offset {
    return this.log.logEndOffset;
  }

  /** Bytes of the partition's segments on disk. */
  get sizeBytes(): number {
    return this.log.sizeBytes;
  }

  get segmentCount(): number {
    return this.log.segmentCount;
  }

  /**
   * Kafka ListOffsets by timestamp: the first offset below HW whose record timestamp is >=
   * `timestampMs`, or null when there is none (a consumer would continue at HW).
   */
  async offsetForTimestamp(timestampMs: number): Promise<TimestampLookup | null> {
    const found = await this.log.offsetForTimestamp(timestampMs);
    return found && found.offset < this.hw ? found : null;
  }

  /**
   * Appends raw, validated-by-the-log batches. The buffer is patched in place (offsets, epoch).
   * Throws the log's typed errors (ProtocolError, record too large) before anything is written.
   */
  async append(batches: Buffer, acks: Acks, checkedHeaders?: readonly BatchHeader[]): Promise<PartitionAppendResult> {
    if (this.storageError) await this.unfence();
    let result;
    try {
      result = this.log.append(batches, { leaderEpoch: this.leaderEpoch, checkedHeaders });
    } catch (error) {
      if (!storageErrnoOf(error)) throw error;
      this.health.failed(`append to ${this.topic}-${this.partition}`, error);
      throw new PartitionStorageError(this.topic, this.partition, error as Error);
    }
    if (!this.durable) this.health.succeeded();
    const reply: PartitionAppendResult = {
      baseOffset: result.baseOffset,
      lastOffset: result.lastOffset,
      logAppendTimeMs: result.logAppendTimeMs,
      records: result.records,
    };
    if (!this.durable) {
      this.advanceTo(this.log.logEndOffset);
      return reply;
    }
    const durableOffset = result.lastOffset + 1;
    const waiter = acks === -1 ? this.waitForHighWatermark(durableOffset) : undefined;
    // Every append in durable mode joins the log's group fsync, whatever its acks, so HW moves on.
    this.flushAndAdvance().catch((error: unknown) => this.fence(error));
    if (waiter) await waiter;
    return reply;
  }

  /** Reads whole batches from `offset`, never past HW. Throws PartitionOffsetOutOfRangeError (an OffsetOutOfRangeError). */
  async read(offset: Offset, maxBytes: number): Promise<PartitionReadResult> {
    const hw = this.hw as Offset;
    try {
      const { bytes, nextOffset } = await this.log.read(offset, maxBytes, hw);
      return { bytes, nextOffset, highWatermark: hw, logStartOffset: this.log.logStartOffset };
    } catch (error) {
      if (error instanceof OffsetOutOfRangeError) throw new PartitionOffsetOutOfRangeError(this.topic, this.partition, error, hw);
      throw error;
    }
  }

  /**
   * Resolves true once HW > offset (data to read), false after `timeoutMs` or on abort. Parks on
   * the HW advance notification — no polling.
   */
  waitForData(offset: number, timeoutMs: number, signal?: AbortSignal): Promise<boolean> {
    if (this.hw > offset) return Promise.resolve(true);
    if (timeoutMs <= 0 || signal?.aborted) return Promise.resolve(false);
    return new Promise((resolve) => {
      const done = (value: boolean): void => {
        clearTimeout(timer);
        this.listeners.delete(listener);
        signal?.removeEventListener('abort', onAbort);
        resolve(value);
      };
      const listener = (hw: Offset): void => {
        if (hw > offset) done(true);
        else if (this.closed) done(false);
      };
      const onAbort = (): void => done(false);
      const timer = setTimeout(() => done(false), timeoutMs);
      this.listeners.add(listener);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /**
   * Calls `listener` after every HW advance, and once more when the partition closes (deleted,
   * no longer led) so parked readers wake and find out; returns the unsubscribe function.
   */
  onHighWatermark(listener: (highWatermark: Offset) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Fsyncs now (page-cache mode's scheduler, shutdown). */
  async flush(): Promise<void> {
    try {
      await this.flushAndAdvance();
    } catch (error) {
      this.fence(error);
      throw error;
    }
  }

  /** Removes the partition's records below `offset` (DeleteRecords); never past HW. */
  async deleteRecordsBefore(offset: Offset): Promise<Offset> {
    if (offset > this.hw) throw new RangeError(`offset ${offset} is above the high watermark ${this.hw}`);
    await this.log.deleteRecordsBefore(offset);
    return this.log.logStartOffset;
  }

  /** Fails everything still waiting (partition deleted or broker stopping). */
  close(reason: Error): void {
    if (this.closed) return;
    this.closed = true;
    this.failWaiters(reason);
    const hw = this.hw as Offset;
    for (const listener of [...this.listeners]) listener(hw);
    this.listeners.clear();
  }

  /**
   * After a failed fsync the pages it covered may be gone while later fsyncs report success
   * (Linux clears the error), so the partition stops acknowledging until the broker restarts and
   * recovery re-reads what is really on disk.
   */
  private fence(error: unknown): void {
    if (this.closed) return;
    this.health.failed(`flush ${this.topic}-${this.partition}`, error);
    this.storageError ??= error instanceof Error ? error : new Error(String(error));
    this.failWaiters(new PartitionStorageError(this.topic, this.partition, this.storageError));
  }

  /** See the class comment: drop the unflushed tail, fsync, then accept writes again. */
  private async unfence(): Promise<void> {
    this.unfencing ??= (async () => {
      try {
        this.log.truncateTo(this.log.recoveryPoint);
        if (this.hw > this.log.logEndOffset) this.hw = this.log.logEndOffset;
        await this.log.flush();
        this.storageError = undefined;
      } finally {
        this.unfencing = undefined;
      }
    })();
    try {
      await this.unfencing;
    } catch (error) {
      this.health.failed(`flush ${this.topic}-${this.partition}`, error);
      throw new PartitionStorageError(this.topic, this.partition, error as Error);
    }
  }

  private async flushAndAdvance(): Promise<void> {
    await this.log.flush();
    this.health.succeeded();
    this.advanceTo(this.log.recoveryPoint);
  }

  private advanceTo(offset: number): void {
    if (offset <= this.hw) return;
    this.hw = offset;
    while (this.ackWaiters.length > 0 && this.ackWaiters[0].offset <= offset) this.ackWaiters.shift()!.resolve();
    const hw = offset as Offset;
    for (const listener of [...this.listeners]) listener(hw);
  }

  private waitForHighWatermark(offset: number): Promise<void> {
    if (this.hw >= offset) return Promise.resolve();
    return new Promise((resolve, reject) => this.ackWaiters.push({ offset, resolve, reject }));
  }

  private failWaiters(error: unknown): void {
    for (const waiter of this.ackWaiters.splice(0)) waiter.reject(error);
  }
}
