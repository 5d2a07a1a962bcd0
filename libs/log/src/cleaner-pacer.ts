/** Without a rate bound, the Cleaner still gives the event loop a turn after this many bytes of I/O. */
const YIELD_EVERY_BYTES = 256 * 1024; // ~2-5 ms of decoding here: a short stall for produce and fetch

/** Thrown inside a run when its signal fires; `clean` turns it into `aborted: true`. */
export class CleanAborted extends Error {}

/**
 * Paces the Cleaner's I/O: with a rate, a token bucket of up to one second of bytes whose `take`
 * sleeps while in debt; without one, a turn of the event loop every YIELD_EVERY_BYTES. Either
 * way `take` throws CleanAborted once the signal has fired, and a sleep ends early on abort.
 */
export class Pacer {
  private tokens = 0;
  private lastMs = performance.now();
  private sinceYield = 0;

  constructor(
    private readonly bytesPerSecond: number | undefined,
    private readonly signal: AbortSignal | undefined,
  ) {
    if (bytesPerSecond !== undefined && !(bytesPerSecond > 0)) throw new RangeError(`ioBytesPerSecond ${bytesPerSecond}`);
  }

  async take(bytes: number): Promise<void> {
    if (this.signal?.aborted) throw new CleanAborted('clean aborted');
    this.sinceYield += bytes;
    if (this.bytesPerSecond !== undefined) {
      const now = performance.now();
      this.tokens = Math.min(this.bytesPerSecond, this.tokens + ((now - this.lastMs) / 1000) * this.bytesPerSecond);
      this.lastMs = now;
      this.tokens -= bytes;
      if (this.tokens < 0) {
        await this.sleep((-this.tokens / this.bytesPerSecond) * 1000);
        this.sinceYield = 0; // a timer is a turn of the event loop
      }
    }
    if (this.sinceYield >= YIELD_EVERY_BYTES) {
      this.sinceYield = 0;
      await new Promise((resolve) => setImmediate(resolve));
    }
    if (this.signal?.aborted) throw new CleanAborted('clean aborted');
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.signal?.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.signal?.addEventListener('abort', done, { once: true });
    });
  }
}
