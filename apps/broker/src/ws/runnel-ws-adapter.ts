import * as http from 'node:http';
import type { Socket } from 'node:net';
import { INestApplicationContext, Logger } from '@nestjs/common';
import { WsAdapter } from '@nestjs/platform-ws';
import type { WebSocket, WebSocketServer } from 'ws';
import { toApiError } from '../common/errors';
import { BrokerConfig } from '../config/broker-config';
import { BROKER_CONFIG } from '../config/tokens';
import { AuditService } from '../security/audit.service';
import { Authenticator } from '../security/authenticator';
import type { Caller } from '../security/caller';
import { WsTickets } from '../security/ws-tickets';
import { UpgradeAuthentication } from './upgrade-auth';

/** The one message name of the broker's gateway: every inbound frame, whatever its `type`. */
export const WS_FRAME = 'frame';

/** What the gateway's `@SubscribeMessage(WS_FRAME)` handler receives: the frame as ws delivered it. */
export interface InboundFrame {
  /** A text frame's text, or a binary frame's bytes (refused by the session with an error frame). */
  payload: string | Buffer;
  isBinary: boolean;
}

const NOT_FOUND = 'HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n';

/** The Caller each accepted upgrade request was authenticated as (read by the gateway's handleConnection). */
const upgradeCallers = new WeakMap<http.IncomingMessage, Caller>();

export function callerOfUpgrade(request: http.IncomingMessage): Caller | undefined {
  return upgradeCallers.get(request);
}

/**
 * `@nestjs/platform-ws`'s WsAdapter as the broker needs it; apps and in-process tests install it
 * with `app.useWebSocketAdapter(new RunnelWsAdapter(app))` (without an adapter Nest tries socket.io).
 *
 *   - Frames: our frames are `{"type": ...}`, not Nest's `{"event","data"}`, so the parser hands
 *     every frame, unparsed, to the gateway's one `@SubscribeMessage(WS_FRAME)` handler; the
 *     session parses and validates it and answers failures with error frames (a parser that
 *     threw would make Nest drop the frame silently).
 *   - Upgrades: the gateway names no port, so its ws server shares the HTTP (Fastify) server and
 *     this adapter owns that server's 'upgrade' listener. Stock WsAdapter destroys the socket of
 *     an unknown path; here it is answered 404 (as a client can tell why), and a socket the
 *     connection guard has already answered (503, over the per-address bound) is left alone.
 *     Plain HTTP requests never reach this listener, so Fastify's routes are unaffected.
 *   - Authentication (UpgradeAuthentication): with RUNNEL_AUTH=on the upgrade request itself is
 *     authenticated before any WebSocket exists — its `Authorization` header (or TLS client
 *     certificate) or a single-use `?ticket=`; a failure is an HTTP answer (401, or 403 for an
 *     Origin not in RUNNEL_ALLOWED_ORIGINS) and the socket closes. The Caller rides on the
 *     request to the gateway (`callerOfUpgrade`).
 *   - Socket errors (a frame over maxPayload, a reset peer) are the client's doing: debug, not
 *     error. Without a listener an 'error' would crash the process.
 */
export class RunnelWsAdapter extends WsAdapter {
  private readonly wsLogger = new Logger('WsGateway');
  private readonly authentication: UpgradeAuthentication;

  constructor(app: INestApplicationContext) {
    super(app, {
      messageParser: (data: unknown) => {
        const isBinary = typeof data !== 'string';
        const frame: InboundFrame = { payload: isBinary ? (data as Buffer) : (data as string), isBinary };
        return { event: WS_FRAME, data: frame };
      },
    });
    this.authentication = new UpgradeAuthentication(
      optional(app, BROKER_CONFIG) as BrokerConfig | undefined,
      optional(app, Authenticator) as Authenticator | undefined,
      optional(app, WsTickets) as WsTickets | undefined,
      optional(app, AuditService) as AuditService | undefined,
    );
  }

  /** Replaces the stock listener (same delegation by path) to answer unknown paths with 404. */
  protected override ensureHttpServerExists(port: number, httpServer: http.Server = http.createServer()): http.Server | undefined {
    if (this.httpServersRegistry.has(port)) return undefined;
    this.httpServersRegistry.set(port, httpServer);
    httpServer.on('upgrade', (request: http.IncomingMessage, socket: Socket, head: Buffer) => {
      // Already answered and ended by an earlier listener (ConnectionGuard's 503).
      if (socket.destroyed || !socket.writable) return;
      const pathname = (request.url ?? '').split('?', 1)[0];
      const servers = (this.wsServersRegistry.get(port) ?? []) as unknown as Array<WebSocketServer & { path: string }>;
      const server = servers.find((candidate) => candidate.path === pathname);
      if (!server) {
        socket.end(NOT_FOUND);
        socket.destroySoon();
        return;
      }
      this.authentication.authenticate(request).then(
        (caller) => {
          if (socket.destroyed || !socket.writable) return;
          upgradeCallers.set(request, caller);
          server.handleUpgrade(request, socket, head, (ws: WebSocket) => server.emit('connection', ws, request));
        },
        (error: unknown) => refuse(socket, error),
      );
    });
    return httpServer;
  }

  override bindErrorHandler(server: WebSocketServer): WebSocketServer {
    server.on('connection', (ws: WebSocket) => ws.on('error', (error: Error) => this.wsLogger.debug(`websocket error: ${error.message}`)));
    server.on('error', (error: Error) => this.wsLogger.error(`websocket server error: ${error.message}`));
    return server;
  }
}

function optional(app: INestApplicationContext, token: unknown): unknown {
  try {
    return app.get(token as string, { strict: false });
  } catch {
    return undefined; // an in-process test without the security module: authentication off
  }
}

/** An upgrade refused before the WebSocket exists: the HTTP status and API.md's error body, then close. */
function refuse(socket: Socket, error: unknown): void {
  if (socket.destroyed || !socket.writable) return;
  const answer = toApiError(error);
  const body = JSON.stringify(answer.toBody());
  const reason = http.STATUS_CODES[answer.status] ?? 'Error';
  const challenge = answer.status === 401 ? 'WWW-Authenticate: Basic realm="runnel", charset="UTF-8"\r\n' : '';
  socket.end(
    `HTTP/1.1 ${answer.status} ${reason}\r\nContent-Type: application/json\r\n${challenge}Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
  socket.destroySoon();
}
