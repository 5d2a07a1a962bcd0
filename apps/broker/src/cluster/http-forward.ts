import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { RunnelError, toApiError } from '../common/errors';
import { anonymousCaller, userCaller, type AuthenticatedVia, type Caller } from '../security/caller';

/**
 * Forwarding a public HTTP request to another broker, as its caller, over the inter-broker
 * channel (HMAC-authenticated; never the public port). The receiving broker replays the request
 * into its own Fastify app (`app.inject`) with two headers it adds itself: the marker carrying
 * this process's random token and the asserted caller. The request hook (`installForwardedCallers`)
 * trusts the asserted caller ONLY when the marker carries that token, which never leaves the
 * process; a public request carrying the marker is refused (400). Authorization therefore runs
 * on the receiving broker with the original principal: one authorizer, the same decisions.
 *
 * Forwarding is at most one hop: a replayed request is marked `forwarded` and is never
 * forwarded again (it answers its own NOT_COORDINATOR).
 */
export const HTTP_FORWARD_ROUTE = 'http-forward';
export const FORWARD_MARKER_HEADER = 'x-runnel-forwarded';
const FORWARD_CALLER_HEADER = 'x-runnel-forwarded-caller';

/** This process's marker token: random at start, known only to this process. */
const TOKEN = randomBytes(32).toString('hex');

/** The caller as it crosses the channel (what authorization, quotas and audit need). */
export interface ForwardedCaller {
  principal: string;
  user: string;
  host: string;
  clientId?: string;
  via: AuthenticatedVia;
  keyId?: string;
}

/** The inter-broker route's params; the body is the request's raw body. */
export interface ForwardedRequest {
  method: string;
  /** Path and query, as the client sent them. */
  url: string;
  contentType?: string;
  accept?: string;
  caller: ForwardedCaller;
}

/** The receiving broker's answer (params); its body is the answer's raw body. */
export interface ForwardedAnswer {
  status: number;
  contentType?: string;
  retryAfter?: string;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** Replayed here by another broker: answered with this broker's own part, never forwarded or fanned out again. */
    forwarded?: boolean;
  }
}

function sameToken(value: string): boolean {
  const given = Buffer.from(value);
  const mine = Buffer.from(TOKEN);
  return given.length === mine.length && timingSafeEqual(given, mine);
}

/**
 * The request hook that recognises replayed requests (installed before authentication, which
 * skips a request whose caller is already set). A request carrying the marker without this
 * process's token came from outside: refused 400 before anything else runs.
 */
export function installForwardedCallers(fastify: FastifyInstance): void {
  fastify.addHook('onRequest', async (request, reply) => {
    const marker = request.headers[FORWARD_MARKER_HEADER];
    if (marker === undefined && request.headers[FORWARD_CALLER_HEADER] === undefined) return;
    if (typeof marker !== 'string' || !sameToken(marker)) {
      const answer = toApiError(new RunnelError('BAD_REQUEST', `the ${FORWARD_MARKER_HEADER} header is reserved for the broker itself`));
      return reply.status(answer.status).header('content-type', 'application/json').send(answer.toBody());
    }
    let asserted: ForwardedCaller;
    try {
      asserted = JSON.parse(String(request.headers[FORWARD_CALLER_HEADER])) as ForwardedCaller;
    } catch {
      const answer = toApiError(new RunnelError('BAD_REQUEST', 'a forwarded request without a readable caller'));
      return reply.status(answer.status).header('content-type', 'application/json').send(answer.toBody());
    }
    request.caller = callerFrom(asserted);
    request.forwarded = true;
  });
}

/** The Caller a forwarded request runs as here (a fresh authentication number of this process). */
export function callerFrom(asserted: ForwardedCaller): Caller {
  const base =
    asserted.via === 'anonymous'
      ? anonymousCaller(asserted.host, asserted.clientId)
      : userCaller(asserted.user, asserted.host, asserted.clientId, asserted.via, asserted.keyId);
  return { ...base, principal: asserted.principal };
}

/** What of a Caller crosses the channel. */
export function forwardedCaller(caller: Caller): ForwardedCaller {
  return {
    principal: caller.principal,
    user: caller.user,
    host: caller.host,
    via: caller.via,
    ...(caller.clientId === undefined ? {} : { clientId: caller.clientId }),
    ...(caller.keyId === undefined ? {} : { keyId: caller.keyId }),
  };
}

/** The params and body that forward `request` (already authenticated: `caller`). */
export function forwardedRequest(request: FastifyRequest, caller: Caller): { params: ForwardedRequest; body: Buffer } {
  const contentType = request.headers['content-type'];
  const accept = request.headers.accept;
  const body =
    request.body === undefined || request.body === null
      ? Buffer.alloc(0)
      : Buffer.isBuffer(request.body)
        ? request.body
        : Buffer.from(typeof request.body === 'string' ? request.body : JSON.stringify(request.body));
  return {
    params: {
      method: request.method,
      url: request.url,
      ...(contentType === undefined ? {} : { contentType }),
      ...(accept === undefined ? {} : { accept }),
      caller: forwardedCaller(caller),
    },
    body,
  };
}

const METHODS = new Set(['GET', 'POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * Replays a forwarded request into this broker's Fastify app as its caller and answers what the
 * app answered. Bounds: the request body and the answer's body to `maxBytes`.
 */
export async function replayForwarded(
  fastify: FastifyInstance,
  request: ForwardedRequest,
  body: Buffer,
  maxBytes: number,
): Promise<{ answer: ForwardedAnswer; body: Buffer }> {
  if (!METHODS.has(request.method) || typeof request.url !== 'string' || !request.url.startsWith('/')) {
    throw new RunnelError('BAD_REQUEST', 'a forwarded request needs a method and a path');
  }
  if (body.length > maxBytes) throw new RunnelError('TOO_LARGE', `a forwarded request body is larger than ${maxBytes} bytes`);
  const headers: Record<string, string> = {
    [FORWARD_MARKER_HEADER]: TOKEN,
    [FORWARD_CALLER_HEADER]: JSON.stringify(request.caller),
  };
  if (request.contentType) headers['content-type'] = request.contentType;
  if (request.accept) headers.accept = request.accept;
  const response = await fastify.inject({
    method: request.method as 'GET',
    url: request.url,
    headers,
    ...(body.length > 0 ? { payload: body } : {}),
  });
  const raw = response.rawPayload;
  if (raw.length > maxBytes) throw new RunnelError('INTERNAL', `the forwarded answer is larger than ${maxBytes} bytes`);
  const contentType = response.headers['content-type'];
  const retryAfter = response.headers['retry-after'];
  return {
    answer: {
      status: response.statusCode,
      ...(typeof contentType === 'string' ? { contentType } : {}),
      ...(retryAfter === undefined ? {} : { retryAfter: String(retryAfter) }),
    },
    body: raw,
  };
}

/** Answers the client with another broker's answer. */
export function sendForwardedAnswer(reply: FastifyReply, answer: ForwardedAnswer, body: Buffer): void {
  if (answer.retryAfter !== undefined) void reply.header('retry-after', answer.retryAfter);
  if (answer.contentType !== undefined) void reply.header('content-type', answer.contentType);
  void reply.status(answer.status).send(body);
}
