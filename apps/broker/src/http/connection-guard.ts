import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { Logger } from '@nestjs/common';

/**
 * Bounds on what clients may hold open, so slow or many clients cannot take every descriptor:
 *   - at most `maxConnections` sockets (Node's `server.maxConnections`: closed at accept beyond it);
 *   - at most `maxConnectionsPerIp` per client address: further requests (and WebSocket upgrades)
 *     on those sockets are answered 503 / 50003 with `Connection: close`;
 *   - request headers within `headersTimeoutMs` (Node's headersTimeout answers 408 and closes), an
 *     idle keep-alive socket closed after `keepAliveTimeoutMs` (Node's keepAliveTimeout);
 *   - a request body within `requestTimeoutMs`, and no gap of `idleTimeoutMs` without body bytes,
 *     checked by a sweep. Streamed produce bodies (NDJSON/JSONL) have no overall deadline, only
 *     the idle one; the time the broker itself spends answering (long polls, SSE, WebSocket
 *     after the upgrade) is never counted against the client.
 */
export interface ConnectionLimits {
  maxConnections: number;
  maxConnectionsPerIp: number;
  headersTimeoutMs: number;
  requestTimeoutMs: number;
  idleTimeoutMs: number;
  keepAliveTimeoutMs: number;
}

interface PendingBody {
  request: IncomingMessage;
  response: ServerResponse;
  startedAt: number;
  streaming: boolean;
  bytesRead: number;
  progressAt: number;
}

const STREAMING_BODY = /^application\/(x-ndjson|jsonl)\s*(;|$)/i;

export const OVER_PER_IP_BODY = JSON.stringify({ error_code: 50003, message: 'Too many connections from this address; retry later' });

/**
 * The accepted TCP socket under a request's socket: a TLSSocket made by a TLS server wraps the
 * socket 'connection' reported (Node keeps it as `_parent`); a plain socket is its own.
 */
export function transportOf(socket: Socket): Socket {
  return (socket as Socket & { _parent?: Socket | null })._parent ?? socket;
}

export class ConnectionGuard {
  private readonly logger = new Logger('ConnectionGuard');
  private readonly perAddress = new Map<string, number>();
  /** Sockets opened while their address was at its bound: every request on them is refused. */
  private readonly overPerIp = new WeakSet<Socket>();
  private readonly pending = new Set<PendingBody>();
  private sweepTimer: NodeJS.Timeout | undefined;
  private lastWarnAt = Number.NEGATIVE_INFINITY;
  private warningsHeldBack = 0;
  /** Connections open now. */
  open = 0;
  /** Connections closed at accept or requests refused over a connection bound, since start. */
  refused = 0;
  /** Requests closed because the client sent its body too slowly, since start. */
  timedOut = 0;

  constructor(
    private readonly limits: ConnectionLimits,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** Node http.Server options that carry these limits; pass them when the server is created. */
  serverOptions(): { headersTimeout: number; requestTimeout: number; keepAliveTimeout: number; connectionsCheckingInterval: number } {
    return {
      headersTimeout: this.limits.headersTimeoutMs,
      requestTimeout: 0, // Node's would also cut streamed bodies; the sweep below does it per request
      keepAliveTimeout: this.limits.keepAliveTimeoutMs,
      connectionsCheckingInterval: this.sweepIntervalMs(),
    };
  }

  attach(server: Server): void {
    server.maxConnections = this.limits.maxConnections;
    server.headersTimeout = this.limits.headersTimeoutMs;
    server.requestTimeout = 0;
    server.keepAliveTimeout = this.limits.keepAliveTimeoutMs;
    server.on('drop', () => {
      this.refused++;
      this.warn(`connection closed at accept: ${this.limits.maxConnections} connections open (RUNNEL_MAX_CONNECTIONS)`);
    });
    // With TLS, 'connection' is the raw socket (counted from accept, before any handshake) and
    // requests carry the TLSSocket over it: `transportOf` maps one to the other.
    server.prependListener('connection', (socket: Socket) => this.onConnection(socket));
    server.prependListener('request', (request: IncomingMessage, response: ServerResponse) => this.onRequest(request, response));
    // Upgrades over the per-address bound are refused before any 'upgrade' listener sees them. Not
    // a listener of our own: the WebSocket gateway answers 404 to other paths only when it is the
    // sole 'upgrade' listener.
    const emit = server.emit;
    const refuseUpgrade = (socket: Socket): boolean => this.refuseUpgrade(socket);
    server.emit = function (this: Server, event: string | symbol, ...args: unknown[]): boolean {
      if (event === 'upgrade' && refuseUpgrade(args[1] as Socket)) return true;
      return emit.apply(this, [event, ...args] as Parameters<Server['emit']>);
    } as Server['emit'];
    this.sweepTimer = setInterval(() => this.sweep(), this.sweepIntervalMs());
    this.sweepTimer.unref();
    server.once('close', () => clearInterval(this.sweepTimer));
  }

  /** Whether requests on this socket must be refused (its address was over its bound when it connected). */
  isOverPerIpLimit(socket: Socket): boolean {
    return this.overPerIp.has(transportOf(socket));
  }

  /** Counts a refusal answered elsewhere (the HTTP hook that sends the 503). */
  countRefusal(address: string | undefined): void {
    this.refused++;
    this.warn(`request refused: ${address} has ${this.limits.maxConnectionsPerIp} connections open (RUNNEL_MAX_CONNECTIONS_PER_IP)`);
  }

  /** Counts and logs a connection Node closed because its headers came too slowly. */
  noteHeadersTimeout(address: string | undefined): void {
    this.timedOut++;
    this.warn(
      `closing connection from ${address}: request headers not received within ${this.limits.headersTimeoutMs} ms (RUNNEL_HTTP_HEADERS_TIMEOUT_MS)`,
    );
  }

  /**
   * At most one line per second: a flood of slow or excess clients is exactly when the log must
   * not grow by a line per connection. Lines held back are counted in the next one.
   */
  private warn(message: string): void {
    const now = this.now();
    if (now - this.lastWarnAt < 1000) {
      this.warningsHeldBack++;
      return;
    }
    const held = this.warningsHeldBack;
    this.lastWarnAt = now;
    this.warningsHeldBack = 0;
    this.logger.warn(held > 0 ? `${message} (and ${held} similar since the last line)` : message);
  }

  private sweepIntervalMs(): number {
    const shortest = Math.min(this.limits.headersTimeoutMs, this.limits.requestTimeoutMs, this.limits.idleTimeoutMs);
    return Math.max(25, Math.min(1000, Math.floor(shortest / 4)));
  }

  private onConnection(socket: Socket): void {
    const address = socket.remoteAddress ?? 'unknown';
    const count = (this.perAddress.get(address) ?? 0) + 1;
    this.perAddress.set(address, count);
    this.open++;
    if (count > this.limits.maxConnectionsPerIp) this.overPerIp.add(socket);
    socket.once('close', () => {
      this.open--;
      const left = (this.perAddress.get(address) ?? 1) - 1;
      if (left <= 0) this.perAddress.delete(address);
      else this.perAddress.set(address, left);
    });
  }

  private onRequest(request: IncomingMessage, response: ServerResponse): void {
    if (request.complete) return;
    const now = this.now();
    const entry: PendingBody = {
      request,
      response,
      startedAt: now,
      streaming: STREAMING_BODY.test(request.headers['content-type'] ?? ''),
      bytesRead: request.socket.bytesRead,
      progressAt: now,
    };
    this.pending.add(entry);
    const forget = (): void => {
      this.pending.delete(entry);
    };
    response.once('close', forget);
    response.once('finish', forget);
  }

  /** Counts and logs a TLS connection closed because its handshake did not finish in time. */
  noteHandshakeTimeout(address: string | undefined): void {
    this.timedOut++;
    this.warn(
      `closing connection from ${address}: TLS handshake not finished within ${this.limits.headersTimeoutMs} ms (RUNNEL_HTTP_HEADERS_TIMEOUT_MS)`,
    );
  }

  private refuseUpgrade(socket: Socket): boolean {
    if (!this.overPerIp.has(transportOf(socket))) return false;
    this.countRefusal(socket.remoteAddress);
    socket.end(
      `HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(OVER_PER_IP_BODY)}\r\nConnection: close\r\n\r\n${OVER_PER_IP_BODY}`,
    );
    return true;
  }

  private sweep(): void {
    const now = this.now();
    for (const entry of this.pending) {
      const { request } = entry;
      if (request.complete || request.socket === null || request.socket.destroyed) {
        this.pending.delete(entry);
        continue;
      }
      const bytesRead = request.socket.bytesRead;
      // Unread data waiting on the broker (a paused stream) is the broker's delay, not the client's.
      const brokerIsBehind = request.readableLength >= request.readableHighWaterMark || request.socket.isPaused();
      if (bytesRead !== entry.bytesRead || brokerIsBehind) {
        entry.bytesRead = bytesRead;
        entry.progressAt = now;
      }
      if (!entry.streaming && now - entry.startedAt > this.limits.requestTimeoutMs) {
        this.timeOut(entry, `request body not received within ${this.limits.requestTimeoutMs} ms (RUNNEL_HTTP_REQUEST_TIMEOUT_MS)`);
      } else if (now - entry.progressAt > this.limits.idleTimeoutMs) {
        this.timeOut(entry, `no request body bytes for ${this.limits.idleTimeoutMs} ms (RUNNEL_HTTP_IDLE_TIMEOUT_MS)`);
      }
    }
  }

  private timeOut(entry: PendingBody, reason: string): void {
    this.pending.delete(entry);
    this.timedOut++;
    this.warn(`closing connection from ${entry.request.socket.remoteAddress}: ${reason}`);
    const { response } = entry;
    const socket = entry.request.socket;
    if (!response.headersSent) {
      const body = JSON.stringify({ error_code: 408, message: `Request timeout: ${reason}` });
      response.writeHead(408, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), connection: 'close' });
      response.end(body, () => socket.destroy());
      // A client that does not read the answer must not keep the socket either.
      setTimeout(() => socket.destroy(), 1000).unref();
    } else {
      socket.destroy();
    }
  }
}
