import { Controller, HttpCode, Post } from '@nestjs/common';
import { Caller, CurrentCaller } from './caller';
import { WsTickets } from './ws-tickets';

export interface WsTicketView {
  /** Opens one WebSocket as the caller: `/v3/ws?ticket=<ticket>`; single use. */
  ticket: string;
  /** Epoch ms after which the ticket no longer opens anything. */
  expires_at: number;
}

/**
 * `POST /v3/auth/ws-ticket` (API.md "Security admin"): the caller, authenticated as any request
 * is (by the authentication hook), trades its credentials for a short-lived single-use ticket a
 * browser can put in a WebSocket URL. 200, like an OAuth token endpoint: nothing addressable is created.
 */
@Controller('v3/auth')
export class WsTicketController {
  constructor(private readonly tickets: WsTickets) {}

  @Post('ws-ticket')
  @HttpCode(200)
  issue(@CurrentCaller() caller: Caller): WsTicketView {
    const { ticket, expiresAt } = this.tickets.issue(caller);
    return { ticket, expires_at: expiresAt };
  }
}
