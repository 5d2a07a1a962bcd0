/**
 * The history of one fault-suite run, in the spirit of Jepsen's: every client operation the
 * workload attempted, with what the client observed. The checkers (checker.ts) read nothing else
 * but this history and the final state read after healing, so they are pure and unit-tested.
 *
 * Outcomes, as Jepsen classifies them:
 *   ok       the broker acknowledged (produce: acks=all delivery report with an offset; read: an answer)
 *   fail     the broker refused before doing anything (a 4xx): the operation certainly did not happen
 *   unknown  timeout, dropped connection, 5xx: the operation may or may not have happened
 *
 * Bounded: at most `maxOps` operations are kept; a run that would exceed it stops recording and
 * says so (`truncated`), and the checkers then skip the checks that need the whole history.
 */
export type Outcome = 'ok' | 'fail' | 'unknown';

export interface ProduceOp {
  kind: 'produce';
  /** Which workload process did it ("producer-2"). */
  process: string;
  /** The broker the request was sent to. */
  broker: number;
  partition: number;
  /** Unique in the whole run. */
  value: string;
  outcome: Outcome;
  /** The acknowledged offset (ok only). */
  offset?: number;
  error?: string;
  startMs: number;
  endMs: number;
}

export interface ReadRecord {
  offset: number;
  value: string;
}

export interface ReadOp {
  kind: 'read';
  process: string;
  broker: number;
  partition: number;
  /** The offset asked for. */
  fromOffset: number;
  outcome: Outcome;
  /** The records the answer held (ok only), in answer order. */
  records: ReadRecord[];
  nextOffset?: number;
  highWatermark?: number;
  error?: string;
  startMs: number;
  endMs: number;
}

/**
 * A consumer-group commit acknowledged by a `committed` frame (only acknowledged commits are
 * recorded: a commit that was not acknowledged may or may not have happened, and promises nothing).
 */
export interface CommitOp {
  kind: 'commit';
  process: string;
  /** The broker whose `committed` frame acknowledged it. */
  broker: number;
  group: string;
  topic: string;
  partition: number;
  /** The committed position (the next offset the group reads). */
  offset: number;
  outcome: 'ok';
  startMs: number;
  endMs: number;
}

export type Op = ProduceOp | ReadOp | CommitOp;

/** The log of every partition as read after healing: records in offset order. */
export type FinalState = ReadonlyMap<number, readonly ReadRecord[]>;

export const DEFAULT_MAX_OPS = 500_000;

export class History {
  private readonly list: Op[] = [];
  private dropped = 0;

  constructor(private readonly maxOps = DEFAULT_MAX_OPS) {}

  add(op: Op): void {
    if (this.list.length >= this.maxOps) {
      this.dropped++;
      return;
    }
    this.list.push(op);
  }

  get ops(): readonly Op[] {
    return this.list;
  }

  /** Operations not kept because the history was full. */
  get truncated(): number {
    return this.dropped;
  }
}
