import { Logger } from '@nestjs/common';
import { BatchError, type BatchHeader, type RecordView, batchNextOffset } from '@runnel/protocol';
import { RunnelError } from './errors';

/**
 * What every JSON read (REST, SSE, WebSocket) does when it meets a stored batch that does not
 * decode (written before produce validated records, or damaged on disk): the records before it
 * are returned and the read stops right before it; a read whose FIRST batch is bad answers
 * 50001 "corrupt record batch at offset N" instead. So a bad batch never blocks earlier offsets,
 * and a consumer learns exactly where it is. Each bad batch is logged once per process.
 */

/** The first batch of a render did not decode: nothing before it to return. */
export class CorruptRecordBatchError extends Error {
  override readonly name = 'CorruptRecordBatchError';
  constructor(
    /** The first offset the read wanted from the bad batch. */
    readonly offset: number,
    readonly reason: BatchError,
  ) {
    super(`corrupt record batch at offset ${offset}: ${reason.reason.message}`);
  }
}

/**
 * Follows a render's scan batch by batch (RecordView.batchPosition), so that on a BatchError it
 * can say where to stop and whether the records rendered of the failing batch must be dropped
 * (a batch is returned whole or not at all).
 */
export class BatchCheckpoints {
  private position = -1;
  private batch: BatchHeader | undefined;

  constructor(private readonly fromOffset: number) {}

  /** True when `r` is the first record of a new batch: the caller saves its checkpoint then. */
  enters(r: RecordView): boolean {
    if (r.batchPosition === this.position) return false;
    this.position = r.batchPosition;
    this.batch = r.batch;
    return true;
  }

  /**
   * For a scan that threw `error`: the offset to stop at and whether to roll back to the last
   * checkpoint. Anything but a BatchError is not corruption: rethrown.
   */
  stopFor(error: unknown): { offset: number; rollBack: boolean; reason: BatchError } {
    if (!(error instanceof BatchError)) throw error;
    if (this.batch === undefined) return { offset: this.fromOffset, rollBack: false, reason: error };
    if (error.batchPosition === this.position)
      return { offset: Math.max(this.fromOffset, this.batch.baseOffset), rollBack: true, reason: error };
    return { offset: Math.max(this.fromOffset, batchNextOffset(this.batch)), rollBack: false, reason: error };
  }
}

const logger = new Logger('CorruptBatch');
const MAX_LOGGED = 10_000;
const logged = new Set<string>();
let reads = 0;

/** Reads answered with a corrupt batch error since the process started (for /metrics). */
export function corruptBatchReads(): number {
  return reads;
}

/** The API.md answer to a read whose first batch is corrupt; logs the batch once. */
export function corruptBatchAnswer(topic: string, partition: number, error: CorruptRecordBatchError): RunnelError {
  const where = `${topic}-${partition} offset ${error.offset}`;
  reads++;
  if (!logged.has(where)) {
    if (logged.size >= MAX_LOGGED) logged.clear();
    logged.add(where);
    logger.error(`corrupt record batch in ${where}: ${error.reason.message}; reads stop before it`);
  }
  return new RunnelError(
    'INTERNAL',
    `corrupt record batch at offset ${error.offset} of ${topic}-${partition} (${error.reason.reason.message}); ` +
      'earlier offsets are readable, this batch is not',
    { fields: { offset: error.offset } },
  );
}
