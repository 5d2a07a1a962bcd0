import { randomBytes } from 'node:crypto';
import { RunnelError } from '../common/errors';
import type { Caller } from './caller';

/** Tickets waiting to be used at most, all callers together. */
export const MAX_TICKETS = 10_000;
/** Unused tickets one principal may hold at once: enough for a page opening many sockets, too few to crowd others out. */
export const MAX_TICKETS_PER_PRINCIPAL = 100;

/**
 * WebSocket tickets (`POST /v3/auth/ws-ticket`): browsers cannot set headers on a WebSocket, so
 * an authenticated caller trades its credentials for a ticket and opens `/v3/ws?ticket=...`. A
 * ticket is random (32 bytes), single use, valid `ttlMs`, and bound to the caller that asked for
 * it (the socket gets that caller's principal). Kept in memory and bounded: past
 * MAX_TICKETS_PER_PRINCIPAL unused tickets of one principal, or MAX_TICKETS in all, `issue`
 * answers 429/42901 until some are used or expire (never dropping another caller's ticket).
 */
export class WsTickets {
  private readonly tickets = new Map<string, { caller: Caller; expiresAt: number }>();

  constructor(
    private readonly ttlMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  issue(caller: Caller): { ticket: string; expiresAt: number } {
    const held = this.sweep(caller.principal);
    if (held >= MAX_TICKETS_PER_PRINCIPAL || this.tickets.size >= MAX_TICKETS) {
      const retryAfterSeconds = Math.max(1, Math.ceil(this.ttlMs / 1000));
      const whose = held >= MAX_TICKETS_PER_PRINCIPAL ? `${caller.principal} holds ${held}` : `the broker holds ${this.tickets.size}`;
      throw new RunnelError('THROTTLED', `Too many unused WebSocket tickets: ${whose}; use or let some expire first`, {
        retryAfterSeconds,
      });
    }
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

  /** Drops expired tickets; answers how many unused ones `principal` holds. */
  private sweep(principal: string): number {
    const now = this.now();
    let held = 0;
    for (const [ticket, entry] of this.tickets) {
      if (entry.expiresAt <= now) this.tickets.delete(ticket);
      else if (entry.caller.principal === principal) held++;
    }
    return held;
  }
}
