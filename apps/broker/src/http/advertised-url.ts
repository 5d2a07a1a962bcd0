import type { FastifyInstance, FastifyRequest } from 'fastify';

/**
 * The base of every link the broker puts in a response (`metadata.self`, `related`, `next`):
 * RUNNEL_ADVERTISED_URL, else the listener's own address — never the request's Host header,
 * which any client can set (links pointing at an attacker's host).
 */
const ADVERTISED_URL = 'runnelAdvertisedUrl';

export function advertisedUrlFor(configured: string | undefined, host: string, port: number, scheme: 'http' | 'https' = 'http'): string {
  if (configured !== undefined) return configured;
  // A wildcard listener has no address a client can use: name this machine's loopback instead.
  const reachable = host === '0.0.0.0' || host === '::' || host === '' ? '127.0.0.1' : host;
  return `${scheme}://${reachable.includes(':') ? `[${reachable}]` : reachable}:${port}`;
}

/** Called once the port is known (after listen). */
export function setAdvertisedUrl(fastify: FastifyInstance, url: string): void {
  (fastify as unknown as Record<string, unknown>)[ADVERTISED_URL] = url;
}

/** The one helper every link is built from. */
export function advertisedUrl(request: FastifyRequest): string {
  const url = (request.server as unknown as Record<string, unknown>)[ADVERTISED_URL];
  return typeof url === 'string' ? url : `${request.protocol}://127.0.0.1:${request.socket.localPort}`;
}
