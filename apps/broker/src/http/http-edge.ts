import * as fs from 'node:fs';
import type { ServerOptions as HttpsServerOptions } from 'node:https';
import type { Socket } from 'node:net';
import { X509Certificate } from 'node:crypto';
import { createSecureContext } from 'node:tls';
import { PrincipalMapper, PrincipalMappingError } from '@runnel/security';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest, FastifyServerOptions } from 'fastify';
import type { BrokerConfig } from '../config/broker-config';
import type { TlsConfig } from '../security/security-config';
import { ConnectionGuard, OVER_PER_IP_BODY } from './connection-guard';

/**
 * What the broker does with a request before any controller sees it: the connection bounds and
 * timeouts (ConnectionGuard), CORS, and API.md's error body for the failures Fastify and Node
 * answer themselves (malformed request line or headers, bad URL encoding, header timeout) —
 * never Fastify's `{"statusCode","error","message"}`.
 */
export const CORS_METHODS = 'GET, POST, PUT, PATCH, DELETE, OPTIONS';
export const CORS_REQUEST_HEADERS = 'Content-Type, Authorization, Idempotency-Key, X-Client-Id';
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

/**
 * Fastify's options. With RUNNEL_TLS_CERT the listener is HTTPS (and WSS): the guard's limits
 * ride on the https server's options, the TLS handshake must finish within the headers timeout
 * (a client that opens sockets and never handshakes holds nothing for long), and client
 * certificates are asked for as RUNNEL_TLS_CLIENT_AUTH says. Throws TlsSetupError for an
 * unreadable or bad PEM file or mapping rule (the broker does not start).
 */
export function fastifyOptions(config: BrokerConfig, guard: ConnectionGuard): FastifyServerOptions {
  const server = guard.serverOptions();
  const tls = config.security.tls;
  return {
    ...(tls ? { https: { ...server, ...tlsServerOptions(tls, config.httpHeadersTimeoutMs) } } : {}),
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
  if (config.security.tls) {
    // Failed handshakes (no or untrusted client certificate, plain HTTP on the TLS port, a
    // handshake timeout) are the client's doing: counted, never an error of the broker.
    fastify.server.on('tlsClientError', (error: Error & { code?: string }, socket: Socket) => {
      if (error.code === 'ERR_TLS_HANDSHAKE_TIMEOUT') guard.noteHandshakeTimeout(socket.remoteAddress);
      socket.destroy();
    });
  }
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

/** A TLS file or setting the broker cannot use: the start fails with this message. */
export class TlsSetupError extends Error {}

/**
 * The https server's TLS options from RUNNEL_TLS_*: the PEM files are read and checked here, so a
 * missing file, a file that is not PEM or a key that does not match the certificate stops the
 * start with a message naming the variable (not a stack trace at the first handshake).
 * `clientAuth` is Kafka's ssl.client.auth: `required` refuses a handshake without a certificate
 * the CA verified; `requested` asks for one but lets the request authenticate otherwise.
 */
export function tlsServerOptions(tls: TlsConfig, handshakeTimeoutMs: number): HttpsServerOptions {
  const cert = readPem('RUNNEL_TLS_CERT', tls.certFile);
  const key = readPem('RUNNEL_TLS_KEY', tls.keyFile);
  const ca = tls.caFile === undefined ? undefined : readPem('RUNNEL_TLS_CA', tls.caFile);
  checkCertificates('RUNNEL_TLS_CERT', tls.certFile, cert);
  if (ca) checkCertificates('RUNNEL_TLS_CA', tls.caFile!, ca);
  try {
    createSecureContext({ cert, key, ca });
  } catch (error) {
    const reason = (error as Error).message;
    const which = /key values mismatch/i.test(reason)
      ? `RUNNEL_TLS_KEY (${tls.keyFile}) is not the key of RUNNEL_TLS_CERT (${tls.certFile})`
      : /key|decoder|PEM/i.test(reason)
        ? `RUNNEL_TLS_KEY (${tls.keyFile}) is not a usable PEM private key`
        : 'RUNNEL_TLS_CERT / RUNNEL_TLS_KEY / RUNNEL_TLS_CA cannot be used';
    throw new TlsSetupError(`${which}: ${reason}`);
  }
  try {
    PrincipalMapper.fromRules(tls.principalMappingRules);
  } catch (error) {
    if (error instanceof PrincipalMappingError) throw new TlsSetupError(`RUNNEL_TLS_PRINCIPAL_MAPPING_RULES: ${error.message}`);
    throw error;
  }
  return {
    cert,
    key,
    ca,
    requestCert: tls.clientAuth !== 'none',
    rejectUnauthorized: tls.clientAuth === 'required',
    handshakeTimeout: handshakeTimeoutMs,
  };
}

function readPem(variable: string, file: string): Buffer {
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(file);
  } catch (error) {
    throw new TlsSetupError(`${variable} (${file}) cannot be read: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  if (!bytes.includes('-----BEGIN ')) throw new TlsSetupError(`${variable} (${file}) is not a PEM file (no -----BEGIN line)`);
  return bytes;
}

function checkCertificates(variable: string, file: string, pem: Buffer): void {
  try {
    new X509Certificate(pem);
  } catch (error) {
    throw new TlsSetupError(`${variable} (${file}) does not hold a PEM certificate: ${(error as Error).message}`);
  }
}
