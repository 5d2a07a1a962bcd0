import type { ClusterStore, MetadataChangeRecord } from './cluster-store';

export interface ChangeFollowerOptions {
  /** The last seq already applied: delivery starts after it. */
  fromSeq: number;
  /** Re-reads this often even without a NOTIFY (a NOTIFY is only a hint). Default 1000. */
  pollIntervalMs?: number;
  /** At most this many changes per read and per `onChanges` call. Default 500. */
  batch?: number;
  /**
   * Applies changes, in seq order, dense from `seq + 1`. A rejection redelivers the same changes
   * later (with backoff), so each batch is applied exactly once when it resolves.
   */
  onChanges: (changes: MetadataChangeRecord[]) => Promise<void>;
  log?: { warn(message: string): void; error(message: string): void };
  /** A gap still open after this long is logged (once per gap). Default 5000. */
  gapWarnAfterMs?: number;
  /** Monotonic clock in ms (tests). Default performance.now. */
  now?: () => number;
}

const GAP_RETRY_MS = 50;
const BACKOFF_MS = { first: 100, max: 5_000 };
const MAX_BATCH = 10_000;

/**
 * Follows the metadata change log of a ClusterStore: delivers every change exactly once, in seq
 * order, to `onChanges`. One loop, so deliveries never overlap. It wakes on a NOTIFY
 * (`store.listen`) and polls every `pollIntervalMs` anyway, always re-reading by seq: the log is
 * dense (appendChanges), so a read that skips a seq has met a gap, i.e. a change not yet visible;
 * it is re-read (every GAP_RETRY_MS) until filled, and only the changes before it are delivered.
 * Read and delivery failures are logged and retried with exponential backoff; nothing throws out
 * of the loop.
 *
 * `seq` is the last seq delivered (its `onChanges` resolved).
 */
export class ChangeFollower {
  private delivered: number;
  private readonly pollIntervalMs: number;
  private readonly batch: number;
  private readonly gapWarnAfterMs: number;
  private readonly now: () => number;
  private readonly log: { warn(message: string): void; error(message: string): void };
  private running: Promise<void> | undefined;
  private stopped = false;
  private woken = false;
  private wakeWaiter: (() => void) | undefined;
  private unlisten: (() => Promise<void>) | undefined;

  constructor(
    private readonly store: Pick<ClusterStore, 'changesAfter' | 'listen'>,
    private readonly options: ChangeFollowerOptions,
  ) {
    if (!Number.isSafeInteger(options.fromSeq) || options.fromSeq < 0) throw new RangeError(`fromSeq ${options.fromSeq} is not a seq`);
    this.delivered = options.fromSeq;
    this.pollIntervalMs = Math.max(1, options.pollIntervalMs ?? 1000);
    this.batch = Math.max(1, Math.min(options.batch ?? 500, MAX_BATCH));
    this.gapWarnAfterMs = options.gapWarnAfterMs ?? 5000;
    this.now = options.now ?? (() => performance.now());
    this.log = options.log ?? { warn: () => undefined, error: () => undefined };
  }

  get seq(): number {
    return this.delivered;
  }

  /** Starts listening and following. Listening is best effort: without it the poll still delivers. */
  async start(): Promise<void> {
    if (this.running || this.stopped) return;
    try {
      this.unlisten = await this.store.listen(() => this.wake());
    } catch (error) {
      this.log.warn(`metadata change follower cannot LISTEN (polling only): ${errorText(error)}`);
    }
    if (this.stopped) {
      await this.unlisten?.();
      return;
    }
    this.running = this.run();
  }

  /** Stops after the delivery in progress (if any) and stops listening. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.wake();
    await this.running;
    const unlisten = this.unlisten;
    this.unlisten = undefined;
    await unlisten?.().catch(() => undefined);
  }

  /** Re-read now (a NOTIFY arrived, or the caller knows of a new change). */
  wake(): void {
    this.woken = true;
    const waiter = this.wakeWaiter;
    this.wakeWaiter = undefined;
    waiter?.();
  }

  private async run(): Promise<void> {
    let gapSince: number | undefined;
    let gapLogged = false;
    let failures = 0;
    while (!this.stopped) {
      this.woken = false;
      let pause: number;
      try {
        const changes = await this.store.changesAfter(this.delivered, this.batch);
        let dense = 0;
        while (dense < changes.length && changes[dense].seq === this.delivered + dense + 1) dense++;
        if (dense > 0) {
          await this.options.onChanges(changes.slice(0, dense));
          this.delivered = changes[dense - 1].seq;
        }
        failures = 0;
        if (dense < changes.length) {
          const missing = this.delivered + 1;
          if (gapSince === undefined || dense > 0) {
            gapSince = this.now();
            gapLogged = false;
          } else if (!gapLogged && this.now() - gapSince >= this.gapWarnAfterMs) {
            gapLogged = true;
            this.log.warn(`metadata change ${missing} is still missing while later ones exist; waiting for it`);
          }
          pause = GAP_RETRY_MS;
        } else {
          if (gapLogged) this.log.warn(`metadata change gap at ${this.delivered} filled`);
          gapSince = undefined;
          gapLogged = false;
          // A full batch: more may follow right away.
          pause = changes.length === this.batch ? 0 : this.pollIntervalMs;
        }
      } catch (error) {
        failures++;
        pause = Math.min(BACKOFF_MS.first * 2 ** Math.min(failures - 1, 16), BACKOFF_MS.max);
        this.log.error(`metadata change follower failed at seq ${this.delivered + 1} (retry in ${pause} ms): ${errorText(error)}`);
        // A failure must not be cut short by a NOTIFY: back off fully.
        this.woken = false;
        await this.sleep(pause, false);
        continue;
      }
      if (pause > 0) await this.sleep(pause, true);
    }
  }

  private sleep(ms: number, wakeable: boolean): Promise<void> {
    if (this.stopped || (wakeable && this.woken)) return Promise.resolve();
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        if (this.wakeWaiter === onWake) this.wakeWaiter = undefined;
        resolve();
      };
      const onWake = (): void => {
        if (wakeable || this.stopped) done();
        else this.wakeWaiter = onWake;
      };
      const timer = setTimeout(done, ms);
      this.wakeWaiter = onWake;
    });
  }
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
