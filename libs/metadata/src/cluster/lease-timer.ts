/**
 * The local view of a lease that PostgreSQL grants by its own clock (the controller lease).
 *
 * Clocks are never compared across machines: a renewal sent at local monotonic time t0 and granted
 * for leaseMs by the database makes the lease expire, by the database's clock, no earlier than
 * leaseMs after the database processed it, which is after t0. So locally the lease is certainly
 * still held until t0 + leaseMs (clock rates differ only slightly); the holder stops acting at
 * t0 + leaseMs − margin, the margin covering clock-rate drift, a request still in flight when the
 * local lease runs out and a tick's scheduling delay.
 *
 * `heldForMs()` measures the current unbroken holding from the moment a renewal answer arrived while
 * the lease was not locally valid: a new holder waits a full lease period before it fences anyone,
 * so brokers that could not heartbeat (PostgreSQL down, a controller change) get a chance to renew.
 *
 * Not thread-safe by design: one owner (the Controller) calls it from one async flow.
 */
export class LeaseTimer {
  readonly leaseMs: number;
  readonly marginMs: number;
  private readonly now: () => number;
  /** Local monotonic time until which the lease is certainly held; -Infinity when not held. */
  private validUntil = Number.NEGATIVE_INFINITY;
  private heldSince: number | null = null;

  constructor(options: { leaseMs: number; marginMs: number; now?: () => number }) {
    if (!(options.leaseMs > 0)) throw new RangeError(`leaseMs must be positive (got ${options.leaseMs})`);
    if (!(options.marginMs >= 0) || options.marginMs >= options.leaseMs) {
      throw new RangeError(`the lease margin (${options.marginMs} ms) must be below the lease (${options.leaseMs} ms)`);
    }
    this.leaseMs = options.leaseMs;
    this.marginMs = options.marginMs;
    this.now = options.now ?? (() => performance.now());
  }

  /** The time to remember before sending a renewal; pass it to `renewed` when the renewal is granted. */
  startRenewal(): number {
    return this.now();
  }

  /** The database granted the renewal (or acquisition) sent at `sentAt`. */
  renewed(sentAt: number): void {
    const now = this.now();
    if (!this.isValid()) this.heldSince = now;
    this.validUntil = Math.max(this.validUntil, sentAt + this.leaseMs - this.marginMs);
    if (this.validUntil <= now) {
      // The answer came too late to act on: not held; the next renewal starts a new holding.
      this.validUntil = Number.NEGATIVE_INFINITY;
      this.heldSince = null;
    }
  }

  /** The lease was refused or lost (another holder, fenced): stop acting at once. */
  lost(): void {
    this.validUntil = Number.NEGATIVE_INFINITY;
    this.heldSince = null;
  }

  isValid(): boolean {
    return this.now() < this.validUntil;
  }

  /** Milliseconds left to act (0 when not held). */
  remainingMs(): number {
    return Math.max(0, this.validUntil - this.now());
  }

  /** How long the lease has been held without a break (0 when not held). */
  heldForMs(): number {
    if (this.heldSince === null || !this.isValid()) return 0;
    return this.now() - this.heldSince;
  }
}
