import type { FastifyInstance } from 'fastify';
import type { BrokerConfig } from '../config/broker-config';
import { RunnelError, toApiError } from '../common/errors';
import { installForwardedCallers } from '../cluster/http-forward';
import type { Authenticator } from './authenticator';

/** Paths any client may call without credentials: the health checks (and /metrics when RUNNEL_METRICS_PUBLIC=on). */
export function isPublicPath(url: string, config: BrokerConfig): boolean {
  const path = url.split('?', 1)[0];
  if (path === '/health/live' || path === '/health/ready' || path.startsWith('/health/')) return true;
  return config.security.metricsPublic && path === '/metrics';
}

/**
 * Authenticates every HTTP request before routing (an onRequest hook, so no handler, body
 * parser or route-specific code runs for an unauthenticated client) and puts the Caller on the
 * request (`callerOf(request)`). Without valid credentials: 401/40101 with `WWW-Authenticate`,
 * answered before a byte of the body is read; a request that announced a body also gets
 * `Connection: close`, so the broker neither buffers nor drains what an unauthenticated client sends.
 * The authenticator is resolved after Nest has built it (`authenticator()` is called per request).
 */
export function installAuthentication(
  fastify: FastifyInstance,
  config: BrokerConfig,
  authenticator: () => Authenticator | undefined,
): void {
  // A request another broker forwarded here carries its caller (http-forward.ts); one from outside with the marker is refused.
  installForwardedCallers(fastify);
  if (!config.security.enabled) return;
  fastify.addHook('onRequest', async (request, reply) => {
    if (reply.sent || request.forwarded || isPublicPath(request.url, config)) return;
    const auth = authenticator();
    try {
      if (!auth) throw new RunnelError('RETRIABLE', 'the broker is starting');
      request.caller = await auth.authenticate({ headers: request.headers, socket: request.raw.socket, query: request.query });
    } catch (error) {
      const answer = toApiError(error);
      if (answer.status === 401) void reply.header('www-authenticate', 'Basic realm="runnel", charset="UTF-8"');
      if (hasBody(request.headers)) void reply.header('connection', 'close');
      return reply.status(answer.status).header('content-type', 'application/json').send(answer.toBody());
    }
  });
}

/** The request announced a body (RFC 9112: Content-Length other than 0, or Transfer-Encoding). */
function hasBody(headers: { 'content-length'?: string; 'transfer-encoding'?: string }): boolean {
  return headers['transfer-encoding'] !== undefined || (headers['content-length'] !== undefined && headers['content-length'] !== '0');
}
