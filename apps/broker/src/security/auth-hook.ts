import type { FastifyInstance } from 'fastify';
import type { BrokerConfig } from '../config/broker-config';
import { RunnelError, toApiError } from '../common/errors';
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
 * request (`callerOf(request)`). Without valid credentials: 401/40101 with `WWW-Authenticate`.
 * The authenticator is resolved after Nest has built it (`authenticator()` is called per request).
 */
export function installAuthentication(
  fastify: FastifyInstance,
  config: BrokerConfig,
  authenticator: () => Authenticator | undefined,
): void {
  if (!config.security.enabled) return;
  fastify.addHook('onRequest', async (request, reply) => {
    if (reply.sent || isPublicPath(request.url, config)) return;
    const auth = authenticator();
    try {
      if (!auth) throw new RunnelError('RETRIABLE', 'the broker is starting');
      request.caller = await auth.authenticate({ headers: request.headers, socket: request.raw.socket, query: request.query });
    } catch (error) {
      const answer = toApiError(error);
      if (answer.status === 401) void reply.header('www-authenticate', 'Basic realm="runnel", charset="UTF-8"');
      return reply.status(answer.status).header('content-type', 'application/json').send(answer.toBody());
    }
  });
}
