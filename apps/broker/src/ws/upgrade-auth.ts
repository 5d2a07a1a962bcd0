import type { IncomingMessage } from 'node:http';
import { RunnelError } from '../common/errors';
import type { BrokerConfig } from '../config/broker-config';
import type { AuditService } from '../security/audit.service';
import type { Authenticator } from '../security/authenticator';
import { anonymousCaller, Caller, clientIdOf, hostOf } from '../security/caller';
import type { WsTickets } from '../security/ws-tickets';

/** Longest `?ticket=` looked up (tickets are 43 characters of base64url). */
const MAX_TICKET_LENGTH = 128;

/**
 * Who opens a WebSocket (`GET /v3/ws` with `Upgrade: websocket`), decided on the upgrade
 * request before any WebSocket exists. With authentication off every socket is ANONYMOUS. On:
 *   1. `Origin`, when sent, must be one of RUNNEL_ALLOWED_ORIGINS, else 403/40301. Browsers
 *      always send it and let any page open a WebSocket to any host with the user's cookies or
 *      certificate (cross-site WebSocket hijacking); other clients send none.
 *   2. `?ticket=` (browsers cannot set headers on a WebSocket): redeemed once from WsTickets; the
 *      socket gets the principal that asked for it. An unknown, used or expired ticket is 401
 *      (never a fall back to other credentials).
 *   3. Otherwise the Authenticator, exactly as for HTTP: `Authorization` (Basic, Bearer) or a
 *      verified TLS client certificate; none or bad is 401/40101.
 * The client id (quotas) is the upgrade's `client_id` query parameter or `X-Client-Id` header.
 */
export class UpgradeAuthentication {
  constructor(
    private readonly config: BrokerConfig | undefined,
    private readonly authenticator: Authenticator | undefined,
    private readonly tickets: WsTickets | undefined,
    private readonly audit?: AuditService,
  ) {}

  get enabled(): boolean {
    return this.config?.security.enabled === true && this.authenticator !== undefined;
  }

  async authenticate(request: IncomingMessage): Promise<Caller> {
    const url = new URL(request.url ?? '/', 'http://upgrade.invalid');
    const query = Object.fromEntries(url.searchParams);
    const host = hostOf(request.socket.remoteAddress);
    const clientId = clientIdOf({ headers: request.headers, query });
    if (!this.enabled) return anonymousCaller(host, clientId);
    const origin = request.headers.origin;
    if (origin !== undefined && !this.config!.security.allowedOrigins.includes(origin)) {
      this.audit?.note({
        principal: 'unknown',
        source: host,
        resource: 'WEBSOCKET',
        operation: 'UPGRADE',
        outcome: 'DENIED',
        after: { origin: origin.slice(0, 256) },
      });
      throw new RunnelError(
        'NOT_AUTHORIZED',
        `WebSocket from origin '${origin.slice(0, 256)}' refused: it is not in RUNNEL_ALLOWED_ORIGINS`,
      );
    }
    const ticket = url.searchParams.get('ticket');
    if (ticket !== null) {
      const caller = ticket.length <= MAX_TICKET_LENGTH ? this.tickets?.redeem(ticket) : undefined;
      if (!caller) {
        this.audit?.note({
          principal: 'unknown',
          source: host,
          resource: 'AUTHENTICATION',
          operation: 'AUTHENTICATE',
          outcome: 'FAILED',
          after: { reason: 'unknown, used or expired WebSocket ticket' },
        });
        throw new RunnelError(
          'NOT_AUTHENTICATED',
          'WebSocket ticket unknown, already used or expired: get a new one from POST /v3/auth/ws-ticket',
        );
      }
      return { ...caller, host, clientId: clientId ?? caller.clientId, via: 'ticket' };
    }
    return this.authenticator!.authenticate({ headers: request.headers, socket: request.socket, query });
  }
}
