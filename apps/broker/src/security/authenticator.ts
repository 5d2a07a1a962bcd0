import type { IncomingHttpHeaders } from 'node:http';
import type { Socket } from 'node:net';
import { Inject, Injectable } from '@nestjs/common';
import { BrokerConfig } from '../config/broker-config';
import { BROKER_CONFIG } from '../config/tokens';
import { anonymousCaller, Caller, clientIdOf, hostOf } from './caller';

/** What authentication looks at: an HTTP request or a WebSocket upgrade request. */
export interface Credentials {
  headers: IncomingHttpHeaders;
  socket: Socket;
  query?: unknown;
}

/**
 * Turns a request's credentials (HTTP Basic checked against SCRAM credentials, a Bearer API key,
 * a TLS client certificate) into its Caller, or throws 401/40101.
 *
 * (Foundation stub: authentication off — every request is ANONYMOUS.)
 */
@Injectable()
export class Authenticator {
  constructor(@Inject(BROKER_CONFIG) private readonly config: BrokerConfig) {}

  async authenticate(request: Credentials): Promise<Caller> {
    return anonymousCaller(hostOf(request.socket.remoteAddress), clientIdOf(request));
  }

  get enabled(): boolean {
    return this.config.security.enabled;
  }
}
