import { randomBytes } from 'node:crypto';
import type { Caller } from './caller';

/** Tickets waiting to be used at most; past it the oldest is dropped. */
const MAX_TICKETS = 10_000;

/**
 * WebSocket tickets (`POST /v3/auth/ws-ticket`): browsers cannot set headers on a WebSocket, so
 * an authenticated caller trades its credentials for a ticket and opens `/v3/ws?ticket=...`. A
 * ticket is random (32 bytes), single use, valid `ttlMs`, and bound to the caller that asked for
 * it (the socket gets that caller's principal). Kept in memory, bounded.
 */
export class WsTickets {
  private readonly tickets = new Map<string, { caller: Caller; expiresAt: number }>();

  constructor(
    private readonly ttlMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  issue(caller: Caller): { ticket: string; expiresAt: number } {
    this.sweep();
    if (this.tickets.size >= MAX_TICKETS) this.tickets.delete(this.tickets.keys().next().value as string);
    const ticket = randomBytes(32).toString('base64url');
    const expiresAt = this.now() + this.ttlMs;
    this.tickets.set(ticket, { caller, expiresAt });
    return { ticket, expiresAt };
  }

  /** The ticket's caller, once: a used, unknown or expired ticket answers undefined. */
  redeem(ticket: string): Caller | undefined {
    const entry = this.tickets.get(ticket);
    if (!entry) return undefined;
    this.tickets.delete(ticket);
    return entry.expiresAt > this.now() ? entry.caller : undefined;
  }

  get size(): number {
    return this.tickets.size;
  }

  private sweep(): void {
    const now = this.now();
    for (const [ticket, entry] of this.tickets) {
      if (entry.expiresAt <= now) this.tickets.delete(ticket);
    }
  }
}
