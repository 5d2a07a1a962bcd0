import { ChangeDelta, deltaKey } from './change-types';

/** How long a watcher's deltas gather before they go out in one frame. */
export const DEFAULT_COALESCE_MS = 100;
/** Deltas per `changes` frame: a large backlog goes out as several frames of bounded size. */
export const MAX_DELTAS_PER_FRAME = 1000;

export interface WatchQueueOptions {
  /** Distinct pending deltas (one per resource instance) at most; one more overflows the watch. */
  maxPending: number;
  coalesceMs?: number;
  /** False while the connection holds too much unsent data: the flush waits and deltas keep coalescing. */
  writable(): boolean;
  /** One frame's deltas, in the order their resources first changed since the last frame. */
  deliver(deltas: ChangeDelta[]): void;
  /** The queue overflowed and stopped: the watcher must resync (reload what it shows). */
  overflow(): void;
  /** Timers (tests replace them). */
  setTimer?: (run: () => void, ms: number) => unknown;
  clearTimer?: (timer: unknown) => void;
}

/**
 * One watcher's pending deltas. Deltas of the same resource instance coalesce into one that
 * says the net change since the watcher's last frame: created + updated = created (with the
 * newest state), created + deleted = nothing, deleted + created = updated, updated + deleted =
 * deleted (for an ACL binding, deleted + created = nothing). The first delta after a frame arms
 * a timer; `coalesceMs` later everything pending goes out in frames of at most
 * MAX_DELTAS_PER_FRAME, unless the connection is not `writable`, when the flush is retried
 * `coalesceMs` later. Memory is bounded by `maxPending` distinct instances: a watcher that cannot
 * keep up (its socket does not drain, or changes come faster than it takes them) overflows, is
 * stopped and told to resync; it never holds more. Single-threaded; `stop` is final.
 */
export class WatchQueue {
  private readonly pending = new Map<string, ChangeDelta>();
  private timer: unknown;
  private stopped = false;
  private readonly coalesceMs: number;
  private readonly setTimer: (run: () => void, ms: number) => unknown;
  private readonly clearTimer: (timer: unknown) => void;

  constructor(private readonly options: WatchQueueOptions) {
    if (!Number.isInteger(options.maxPending) || options.maxPending < 1) throw new Error(`maxPending must be a positive integer`);
    this.coalesceMs = options.coalesceMs ?? DEFAULT_COALESCE_MS;
    this.setTimer =
      options.setTimer ??
      ((run, ms) => {
        const timer = setTimeout(run, ms);
        timer.unref();
        return timer;
      });
    this.clearTimer = options.clearTimer ?? ((timer) => clearTimeout(timer as NodeJS.Timeout));
  }

  get size(): number {
    return this.pending.size;
  }

  get isStopped(): boolean {
    return this.stopped;
  }

  push(delta: ChangeDelta): void {
    if (this.stopped) return;
    const key = deltaKey(delta);
    const previous = this.pending.get(key);
    if (previous !== undefined) {
      const merged = coalesce(previous, delta);
      if (merged === null) this.pending.delete(key);
      else this.pending.set(key, merged);
    } else if (this.pending.size >= this.options.maxPending) {
      this.stop();
      this.options.overflow();
      return;
    } else {
      this.pending.set(key, delta);
    }
    this.arm();
  }

  /** Ends the watch: drops what is pending and the timer. */
  stop(): void {
    this.stopped = true;
    this.pending.clear();
    if (this.timer !== undefined) this.clearTimer(this.timer);
    this.timer = undefined;
  }

  private arm(): void {
    if (this.timer === undefined && this.pending.size > 0) this.timer = this.setTimer(() => this.flush(), this.coalesceMs);
  }

  private flush(): void {
    this.timer = undefined;
    if (this.stopped || this.pending.size === 0) return;
    if (!this.options.writable()) {
      this.arm();
      return;
    }
    const deltas = [...this.pending.values()];
    this.pending.clear();
    for (let i = 0; i < deltas.length && !this.stopped; i += MAX_DELTAS_PER_FRAME) {
      this.options.deliver(deltas.slice(i, i + MAX_DELTAS_PER_FRAME));
    }
  }
}

/** The net change of `previous` then `next` on the same resource instance; null when there is none. */
export function coalesce(previous: ChangeDelta, next: ChangeDelta): ChangeDelta | null {
  if (previous.op === 'created') {
    if (next.op === 'deleted') return null;
    return { ...next, op: 'created' } as ChangeDelta;
  }
  if (previous.op === 'deleted' && next.op === 'created') {
    return next.resource === 'acl' ? null : { ...next, op: 'updated' };
  }
  return next;
}
