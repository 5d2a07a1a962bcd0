/**
 * One byte rate shared by many readers (the search reader's RUNNEL_SEARCH_BYTES_PER_SEC): a
 * token bucket in its "theoretical arrival time" form (GCRA). Each reader charges the bytes it
 * read and is told how long to wait before reading more; the waits of all readers together keep
 * the total at `bytesPerSecond`, with a burst of `burstBytes` allowed after idle time. Memory is
 * two numbers whatever the number of readers. Pure: the clock is passed in.
 */
export class ByteRateLimiter {
  /** When the bytes charged so far have been "paid for" at the rate (ms). */
  private paidUntilMs = 0;

  constructor(
    readonly bytesPerSecond: number,
    private readonly burstBytes: number,
    private readonly nowMs: () => number = Date.now,
  ) {
    if (!(bytesPerSecond > 0) || !(burstBytes >= 0)) throw new RangeError('bytesPerSecond must be > 0 and burstBytes >= 0');
  }

  /** Charges `bytes`; returns how long (ms) the reader must wait before it reads again. */
  charge(bytes: number): number {
    const now = this.nowMs();
    this.paidUntilMs = Math.max(this.paidUntilMs, now) + (bytes * 1000) / this.bytesPerSecond;
    const burstMs = (this.burstBytes * 1000) / this.bytesPerSecond;
    return Math.max(0, this.paidUntilMs - now - burstMs);
  }
}
