/**
 * The broker-wide budget of outbound bytes that streaming connections (WebSocket, SSE) have
 * queued for their peers and the kernel has not taken yet: what a client that does not read
 * costs the broker in memory. Plain TypeScript over an injected clock, so it is unit-tested
 * without sockets.
 *
 * Contract:
 * - A connection asks `mayWrite()` before it builds the next records frame/chunk. The answer is
 *   no while the connection itself holds `connectionBytesMax` unsent bytes, or all connections
 *   together hold `totalBytesMax`. So unsent bytes stay below a cap plus one frame per connection
 *   (a frame being built when the cap was reached); nothing is dropped, delivery just waits.
 *   A connection refused comes back on its own drain (its send callbacks), or on `wake()` from
 *   the sweep when room appeared elsewhere.
 * - Every `sweepIntervalMs` the budget looks at every connection: one whose unsent bytes did not
 *   shrink (the peer read nothing) for `slowConsumerTimeoutMs`, or that stayed above
 *   `connectionBytesMax` that long, is closed as a slow consumer (`closeSlow`, once). When the
 *   total is at its cap, the connections holding the most unsent bytes are closed until it is
 *   below: one laggard must not stall every other reader.
 * - Totals are the connections' `unsentBytes` as last looked at (after each write, each send
 *   callback, each sweep), so the gauge and the cap agree with what the sockets report.
 */
export interface OutboundLimits {
  /** A connection holding this many unsent bytes gets no more records until it drains. */
  connectionBytesMax: number;
  /** All streaming connections together: past it nobody gets more and the worst laggards are closed. */
  totalBytesMax: number;
  /** A connection that reads nothing (unsent bytes not shrinking) for this long is closed. */
  slowConsumerTimeoutMs: number;
}

export const DEFAULT_OUTBOUND_LIMITS: Readonly<OutboundLimits> = Object.freeze({
  connectionBytesMax: 4 * 1024 * 1024,
  totalBytesMax: 512 * 1024 * 1024,
  slowConsumerTimeoutMs: 30_000,
});

export interface OutboundPeer {
  /** Bytes queued for the peer and not yet handed to the kernel (ws.bufferedAmount, res.writableLength). */
  readonly unsentBytes: number;
  /** Ends the connection as a slow consumer (WS 1008, SSE `event: error` 50003); called at most once. */
  closeSlow(reason: string): void;
  /** Called by the sweep when a connection that was refused for the total may write again. */
  wake(): void;
}

export interface OutboundStats {
  unsentBytes: number;
  /** The highest total ever looked at. */
  unsentBytesPeak: number;
  connections: number;
  slowConsumerCloses: number;
}

export class OutboundConnection {
  /** Unsent bytes when last looked at (counted in the budget's total). */
  unsent = 0;
  private queuedTotal = 0;
  private flushedMark = 0;
  private progressAtMs: number;
  private overSinceMs: number | undefined;
  private waiting = false;
  closing = false;
  released = false;

  constructor(
    private readonly budget: OutboundBudget,
    readonly peer: OutboundPeer,
    nowMs: number,
  ) {
    this.progressAtMs = nowMs;
  }

  /** May the next frame be built? If not, the connection is woken by its drain or by the sweep. */
  mayWrite(): boolean {
    this.refresh();
    const ok = !this.closing && this.unsent < this.budget.limits.connectionBytesMax && this.budget.total < this.budget.limits.totalBytesMax;
    this.waiting = !ok;
    return ok;
  }

  /** `bytes` were handed to the socket. */
  queued(bytes: number): void {
    this.queuedTotal += bytes;
    this.refresh();
  }

  /** Re-reads the peer's unsent bytes into the total (from send callbacks and drains). */
  refresh(): void {
    if (this.released) return;
    const now = this.peer.unsentBytes;
    this.budget.adjust(now - this.unsent);
    this.unsent = now;
  }

  /** The connection is gone: its bytes leave the total. */
  release(): void {
    if (this.released) return;
    this.budget.adjust(-this.unsent);
    this.unsent = 0;
    this.released = true;
    this.budget.forget(this);
  }

  /** One sweep: the slow-consumer verdict for this connection; a reason when it must close. */
  judge(nowMs: number, limits: OutboundLimits): string | undefined {
    this.refresh();
    const flushed = this.queuedTotal - this.unsent;
    if (this.unsent === 0 || flushed > this.flushedMark) {
      this.flushedMark = flushed;
      this.progressAtMs = nowMs;
    }
    if (this.unsent > limits.connectionBytesMax) this.overSinceMs ??= nowMs;
    else this.overSinceMs = undefined;
    if (this.closing) return undefined;
    if (nowMs - this.progressAtMs >= limits.slowConsumerTimeoutMs) {
      return `slow consumer: read nothing of ${this.unsent} unsent bytes for ${nowMs - this.progressAtMs} ms`;
    }
    if (this.overSinceMs !== undefined && nowMs - this.overSinceMs >= limits.slowConsumerTimeoutMs) {
      return `slow consumer: over ${limits.connectionBytesMax} unsent bytes for ${nowMs - this.overSinceMs} ms`;
    }
    return undefined;
  }

  get isWaiting(): boolean {
    return this.waiting;
  }
}

export class OutboundBudget {
  readonly limits: OutboundLimits;
  /**
   * How long a connection closed as a slow consumer may take to read up to its close frame (or
   * SSE error event) before it is destroyed: its bytes still count until then.
   */
  get closeGraceMs(): number {
    return Math.min(this.limits.slowConsumerTimeoutMs, 5000);
  }
  total = 0;
  private peak = 0;
  private slowCloses = 0;
  private readonly connections = new Set<OutboundConnection>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    limits: Partial<OutboundLimits> = {},
    private readonly clock: () => number = Date.now,
  ) {
    this.limits = { ...DEFAULT_OUTBOUND_LIMITS, ...limits };
  }

  /** Sweeps every quarter of the slow-consumer timeout (at most every second). */
  start(): void {
    const intervalMs = Math.max(10, Math.min(1000, Math.floor(this.limits.slowConsumerTimeoutMs / 4)));
    this.timer = setInterval(() => this.sweep(), intervalMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  register(peer: OutboundPeer): OutboundConnection {
    const connection = new OutboundConnection(this, peer, this.clock());
    this.connections.add(connection);
    return connection;
  }

  adjust(delta: number): void {
    this.total += delta;
    if (this.total > this.peak) this.peak = this.total;
  }

  forget(connection: OutboundConnection): void {
    this.connections.delete(connection);
  }

  stats(): OutboundStats {
    return { unsentBytes: this.total, unsentBytesPeak: this.peak, connections: this.connections.size, slowConsumerCloses: this.slowCloses };
  }

  /** Closes slow consumers and, over the total cap, the worst laggards; wakes waiting connections. */
  sweep(): void {
    const now = this.clock();
    for (const connection of [...this.connections]) {
      const reason = connection.judge(now, this.limits);
      if (reason !== undefined) this.closeSlow(connection, reason);
    }
    if (this.total >= this.limits.totalBytesMax) {
      const laggards = [...this.connections].filter((c) => !c.closing && c.unsent > 0).sort((a, b) => b.unsent - a.unsent);
      // Closing one does not free its bytes at once (the close frame queues behind them), so count them as gone.
      let remaining = this.total;
      for (const laggard of laggards) {
        if (remaining < this.limits.totalBytesMax) break;
        remaining -= laggard.unsent;
        this.closeSlow(
          laggard,
          `slow consumer: ${laggard.unsent} unsent bytes while the broker's ${this.limits.totalBytesMax}-byte outbound budget is spent`,
        );
      }
    }
    if (this.total < this.limits.totalBytesMax) {
      for (const connection of [...this.connections]) if (connection.isWaiting && !connection.closing) connection.peer.wake();
    }
  }

  private closeSlow(connection: OutboundConnection, reason: string): void {
    connection.closing = true;
    this.slowCloses++;
    connection.peer.closeSlow(reason);
  }
}
