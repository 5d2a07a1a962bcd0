import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';

/** How a caller proved who it is. */
export type AuthenticatedVia = 'anonymous' | 'password' | 'api-key' | 'certificate' | 'ticket';

/**
 * Who is calling: what every authorization, quota and audit record is about. One per HTTP request
 * (set by the authentication hook) and one per WebSocket (set at the upgrade).
 */
export interface Caller {
  /** Kafka's principal: `User:<name>`, or `User:ANONYMOUS` when authentication is off. */
  principal: string;
  /** The user name (the principal without `User:`). */
  user: string;
  /** The client's address as the socket sees it (ACL `host`, audit `source`). */
  host: string;
  /** Kafka's client.id: the `client_id` query parameter or `X-Client-Id` header (quotas). */
  clientId: string | undefined;
  via: AuthenticatedVia;
  /** The API key's id, for a caller authenticated by one (revoking the key ends its sessions). */
  keyId?: string;
  /**
   * Which authentication this is: a number that grows with every authentication in the process.
   * Deleting a user (or an API key) ends the sessions authenticated before it (AccessControl.revoke).
   */
  authentication?: number;
}

let authentications = 0;

/** The number the next authentication gets; a revocation marks everything up to the current one. */
export function currentAuthentication(): number {
  return authentications;
}

export const ANONYMOUS_USER = 'ANONYMOUS';

const CLIENT_ID = /^[\x21-\x7e]{1,255}$/;

/** The request's client id (query `client_id`, else header `X-Client-Id`); ignored when not 1–255 visible ASCII characters. */
export function clientIdOf(request: { headers: Record<string, string | string[] | undefined>; query?: unknown }): string | undefined {
  const fromQuery = (request.query as { client_id?: unknown } | undefined)?.client_id;
  const raw = typeof fromQuery === 'string' ? fromQuery : request.headers['x-client-id'];
  return typeof raw === 'string' && CLIENT_ID.test(raw) ? raw : undefined;
}

export function anonymousCaller(host: string, clientId?: string): Caller {
  return { principal: `User:${ANONYMOUS_USER}`, user: ANONYMOUS_USER, host, clientId, via: 'anonymous', authentication: ++authentications };
}

export function userCaller(user: string, host: string, clientId: string | undefined, via: AuthenticatedVia, keyId?: string): Caller {
  return {
    principal: `User:${user}`,
    user,
    host,
    clientId,
    via,
    ...(keyId === undefined ? {} : { keyId }),
    authentication: ++authentications,
  };
}

/** The address of a request's socket, without the IPv4-mapped IPv6 prefix (`::ffff:127.0.0.1` → `127.0.0.1`). */
export function hostOf(remoteAddress: string | undefined): string {
  const address = remoteAddress ?? 'unknown';
  return address.startsWith('::ffff:') && address.includes('.') ? address.slice('::ffff:'.length) : address;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by the authentication hook; absent while authentication is off. */
    caller?: Caller;
  }
}

/** The request's caller: the authenticated one, or ANONYMOUS from its address when authentication is off. */
export function callerOf(request: FastifyRequest): Caller {
  return request.caller ?? (request.caller = anonymousCaller(hostOf(request.raw.socket.remoteAddress), clientIdOf(request)));
}

/** `@CurrentCaller() caller: Caller` in a controller method. */
export const CurrentCaller = createParamDecorator((_data: unknown, context: ExecutionContext): Caller => {
  return callerOf(context.switchToHttp().getRequest<FastifyRequest>());
});
