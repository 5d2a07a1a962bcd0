import * as http from 'node:http';
import type { Socket } from 'node:net';
import { INestApplicationContext, Logger } from '@nestjs/common';
import { WsAdapter } from '@nestjs/platform-ws';
import type { WebSocket, WebSocketServer } from 'ws';

/** The one message name of the broker's gateway: every inbound frame, whatever its `type`. */
export const WS_FRAME = 'frame';

/** What the gateway's `@SubscribeMessage(WS_FRAME)` handler receives: the frame as ws delivered it. */
export interface InboundFrame {
  /** A text frame's text, or a binary frame's bytes (refused by the session with an error frame). */
  payload: string | Buffer;
  isBinary: boolean;
}

const NOT_FOUND = 'HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n';

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
 *   - Socket errors (a frame over maxPayload, a reset peer) are the client's doing: debug, not
 *     error. Without a listener an 'error' would crash the process.
 */
export class RunnelWsAdapter extends WsAdapter {
  private readonly wsLogger = new Logger('WsGateway');

  constructor(app: INestApplicationContext) {
    super(app, {
      messageParser: (data: unknown) => {
        const isBinary = typeof data !== 'string';
        const frame: InboundFrame = { payload: isBinary ? (data as Buffer) : (data as string), isBinary };
        return { event: WS_FRAME, data: frame };
      },
    });
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
      server.handleUpgrade(request, socket, head, (ws: WebSocket) => server.emit('connection', ws, request));
    });
    return httpServer;
  }

  override bindErrorHandler(server: WebSocketServer): WebSocketServer {
    server.on('connection', (ws: WebSocket) => ws.on('error', (error: Error) => this.wsLogger.debug(`websocket error: ${error.message}`)));
    server.on('error', (error: Error) => this.wsLogger.error(`websocket server error: ${error.message}`));
    return server;
  }
}
