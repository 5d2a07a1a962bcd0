/**
 * Failed authentications per client address, and how long that address's next attempt must wait
 * (the "delay after repeated failures from one address"; Kafka delays the answer to a
 * failed authentication by `connection.failed.authentication.delay.ms`, 100 ms by default):
 *   - the first `failuresBeforeDelay` failures cost nothing;
 *   - from then on each attempt from that address waits `baseDelayMs`, doubling with every
 *     further failure, up to `maxDelayMs`;
 *   - a success does not forget them (else an attacker with valid credentials of its own could
 *     mix them in for free guesses); the broker skips the delay for credentials it verified before;
 *   - an address without a failure for `idleMs` is forgotten.
 * At most `maxAddresses` addresses are kept (least recently failed forgotten first), so a flood
 * from many addresses cannot grow memory. Map order is the order of last failure, so expired
 * entries are always at the front and are swept in amortised O(1). The clock is injected.
 */
export interface AuthFailuresOptions {
  failuresBeforeDelay: number;
  maxDelayMs: number;
  baseDelayMs?: number;
  idleMs?: number;
  maxAddresses?: number;
  now?: () => number;
}

/** Kafka's connection.failed.authentication.delay.ms default. */
export const BASE_FAILURE_DELAY_MS = 100;
const DEFAULT_IDLE_MS = 15 * 60_000;
const DEFAULT_MAX_ADDRESSES = 10_000;

interface Failures {
  count: number;
  lastFailureAt: number;
}

export class AuthFailures {
  private readonly byAddress = new Map<string, Failures>();
  private readonly failuresBeforeDelay: number;
  private readonly maxDelayMs: number;
  private readonly baseDelayMs: number;
  private readonly idleMs: number;
  private readonly maxAddresses: number;
  private readonly now: () => number;

  constructor(options: AuthFailuresOptions) {
    this.failuresBeforeDelay = options.failuresBeforeDelay;
    this.maxDelayMs = options.maxDelayMs;
    this.baseDelayMs = options.baseDelayMs ?? BASE_FAILURE_DELAY_MS;
    this.idleMs = options.idleMs ?? DEFAULT_IDLE_MS;
    this.maxAddresses = options.maxAddresses ?? DEFAULT_MAX_ADDRESSES;
    this.now = options.now ?? Date.now;
    if (this.maxAddresses < 1) throw new RangeError('maxAddresses must be at least 1');
  }

  /** How long an attempt from `address` must wait before it is answered (0: at once). */
  delayMs(address: string): number {
    const entry = this.current(address);
    if (!entry || this.maxDelayMs === 0 || entry.count < Math.max(1, this.failuresBeforeDelay)) return 0;
    const doublings = entry.count - Math.max(1, this.failuresBeforeDelay);
    // 2^31 already exceeds any configurable maximum: stop doubling there.
    return Math.min(this.maxDelayMs, this.baseDelayMs * 2 ** Math.min(doublings, 31));
  }

  /** Counts a failed authentication from `address`. */
  failed(address: string): void {
    const now = this.now();
    this.sweep(now);
    const entry = this.current(address);
    this.byAddress.delete(address);
    this.byAddress.set(address, { count: (entry?.count ?? 0) + 1, lastFailureAt: now });
    if (this.byAddress.size > this.maxAddresses) this.byAddress.delete(this.byAddress.keys().next().value as string);
  }

  /** Failures counted for `address` (0 when none or forgotten). */
  failures(address: string): number {
    return this.current(address)?.count ?? 0;
  }

  /** Addresses remembered. */
  get size(): number {
    return this.byAddress.size;
  }

  private current(address: string): Failures | undefined {
    const entry = this.byAddress.get(address);
    if (entry && this.now() - entry.lastFailureAt >= this.idleMs) {
      this.byAddress.delete(address);
      return undefined;
    }
    return entry;
  }

  private sweep(now: number): void {
    for (const [address, entry] of this.byAddress) {
      if (now - entry.lastFailureAt < this.idleMs) return;
      this.byAddress.delete(address);
    }
  }
}
