import type { Socket } from 'node:net';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest, FastifyServerOptions } from 'fastify';
import type { BrokerConfig } from '../config/broker-config';
import { ConnectionGuard, OVER_PER_IP_BODY } from './connection-guard';

/**
 * What the broker does with a request before any controller sees it: the connection bounds and
 * timeouts (ConnectionGuard), CORS, and API.md's error body for the failures Fastify and Node
 * answer themselves (malformed request line or headers, bad URL encoding, header timeout) —
 * never Fastify's `{"statusCode","error","message"}`.
 */
export const CORS_METHODS = 'GET, POST, DELETE, OPTIONS';
export const CORS_REQUEST_HEADERS = 'Content-Type, Authorization, Idempotency-Key';
export const CORS_EXPOSED_HEADERS = 'Retry-After, Idempotent-Replayed, X-Runnel-Throttle-Time-Ms';
const CORS_MAX_AGE_SECONDS = '600';
/**
 * Longest path parameter Fastify routes (its default is 100): topic names may have 249
 * characters (API.md), and a name that can be created must be reachable on every path.
 */
export const MAX_PATH_PARAM_LENGTH = 255;

export function connectionGuardFor(config: BrokerConfig): ConnectionGuard {
  return new ConnectionGuard({
    maxConnections: config.maxConnections,
    maxConnectionsPerIp: config.maxConnectionsPerIp,
    headersTimeoutMs: config.httpHeadersTimeoutMs,
    requestTimeoutMs: config.httpRequestTimeoutMs,
    idleTimeoutMs: config.httpIdleTimeoutMs,
    keepAliveTimeoutMs: config.httpKeepAliveTimeoutMs,
  });
}

/** Options for the Fastify instance (FastifyAdapter), created before Nest. */
/**
 * Confluent Server and Confluent Cloud serve REST v3 under `/kafka/v3/...`, and tools hard-code
 * that path; Runnel serves the same routes there by dropping the `/kafka` prefix before routing.
 */
export function withoutKafkaPrefix(url: string): string {
  return url.startsWith('/kafka/v3/') || url === '/kafka/v3' || url.startsWith('/kafka/v3?') ? url.slice('/kafka'.length) : url;
}

export function fastifyOptions(config: BrokerConfig, guard: ConnectionGuard): FastifyServerOptions {
  const server = guard.serverOptions();
  return {
    bodyLimit: config.maxRequestBytes,
    routerOptions: { maxParamLength: MAX_PATH_PARAM_LENGTH },
    rewriteUrl: (request: { url?: string }) => withoutKafkaPrefix(request.url ?? '/'),
    http: server,
    keepAliveTimeout: server.keepAliveTimeout,
    connectionTimeout: 0,
    requestTimeout: 0,
    clientErrorHandler: (error: Error & { code?: string }, socket: Socket) => answerClientError(error, socket, guard),
    frameworkErrors: (error: FastifyError, _request: FastifyRequest, reply: FastifyReply) => {
      const [status, code] = error.code === 'FST_ERR_MAX_PARAM_LENGTH' ? [414, 414] : [400, 40001];
      void reply
        .status(status)
        .header('content-type', 'application/json')
        .send({ error_code: code, message: `Bad request: ${error.message}` });
    },
  } as FastifyServerOptions;
}

export function installHttpEdge(fastify: FastifyInstance, config: BrokerConfig, guard: ConnectionGuard): void {
  guard.attach(fastify.server);
  const allowed = new Set(config.corsOrigins);
  fastify.addHook('onRequest', (request, reply, done) => {
    if (guard.isOverPerIpLimit(request.raw.socket)) {
      guard.countRefusal(request.socket.remoteAddress);
      void reply.status(503).header('content-type', 'application/json').header('connection', 'close').send(OVER_PER_IP_BODY);
      return;
    }
    const origin = request.headers.origin;
    if (allowed.size > 0) void reply.header('vary', 'Origin');
    const corsAllowed = typeof origin === 'string' && allowed.has(origin);
    if (request.method === 'OPTIONS' && origin !== undefined && request.headers['access-control-request-method'] !== undefined) {
      // A preflight: answered here for every path; only an allowed origin gets the grants.
      if (corsAllowed) {
        void reply
          .header('access-control-allow-origin', origin)
          .header('access-control-allow-methods', CORS_METHODS)
          .header('access-control-allow-headers', CORS_REQUEST_HEADERS)
          .header('access-control-max-age', CORS_MAX_AGE_SECONDS);
      }
      void reply.status(204).send();
      return;
    }
    if (corsAllowed) void reply.header('access-control-allow-origin', origin).header('access-control-expose-headers', CORS_EXPOSED_HEADERS);
    done();
  });
}

/** Errors Node's parser raises before there is a request (bad request line or headers, header timeout). */
function answerClientError(error: Error & { code?: string }, socket: Socket, guard: ConnectionGuard): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  let status = 400;
  let body: { error_code: number; message: string } = { error_code: 40001, message: `Malformed HTTP request: ${error.message}` };
  if (error.code === 'ERR_HTTP_REQUEST_TIMEOUT') {
    guard.noteHeadersTimeout(socket.remoteAddress);
    status = 408;
    body = { error_code: 408, message: 'Request headers not received in time (RUNNEL_HTTP_HEADERS_TIMEOUT_MS)' };
  } else if (error.code === 'HPE_HEADER_OVERFLOW') {
    status = 431;
    body = { error_code: 431, message: 'Request headers are larger than the broker accepts' };
  }
  if (!socket.writable) {
    socket.destroy(error);
    return;
  }
  const text = JSON.stringify(body);
  const reason = status === 408 ? 'Request Timeout' : status === 431 ? 'Request Header Fields Too Large' : 'Bad Request';
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(text)}\r\nConnection: close\r\n\r\n${text}`,
  );
  socket.destroySoon();
}
