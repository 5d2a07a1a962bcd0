import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { BeforeApplicationShutdown, Inject, Injectable, Logger, OnApplicationBootstrap, Optional } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { WebSocket, WebSocketServer } from 'ws';
import { MetricsService } from '../metrics/metrics.service';
import { TopicsService } from '../topics/topics.service';
import { OutboundBudget } from './outbound-budget';
import { OUTBOUND_BUDGET } from './outbound.module';
import { DEFAULT_WS_LIMITS, WsLimits } from './ws-limits';
import type { WsGroups } from './group-member';
import { FrameSink, WsProducer, WsSession, WsTopics } from './ws-session';

export const WS_PATH = '/v3/ws';
export const WS_PRODUCER = Symbol('WS_PRODUCER');
export const WS_GROUPS = Symbol('WS_GROUPS');
export const WS_LIMITS = Symbol('WS_LIMITS');

/**
 * The thin Nest/network adapter of API.md "WebSocket": a `ws` server on the broker's own HTTP
 * port (upgrade requests for /v3/ws), one WsSession per socket. It owns what only a real socket
 * has: the inbound frame cap (`maxPayload`; a larger frame leaves the stream unusable, so ws
 * closes it with 1009), pings every `pingIntervalMs` (each pong — or any frame — is a heartbeat
 * of the socket's group members; a peer silent for `idleTimeoutMs` is terminated), and closing
 * every socket (1001) before the HTTP server and the logs shut down.
 */
@Injectable()
export class WsGateway implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('WsGateway');
  private readonly limits: WsLimits;
  /** When each socket was last heard from (pong or frame), for the idle timeout. */
  private readonly lastHeard = new WeakMap<WebSocket, number>();
  private readonly sessions = new WeakMap<WebSocket, WsSession>();
  private wss: WebSocketServer | undefined;
  private server: Server | undefined;
  private pingTimer: NodeJS.Timeout | undefined;
  private readonly topicsSeam: WsTopics;

  constructor(
    private readonly adapterHost: HttpAdapterHost,
    topics: TopicsService,
    private readonly metrics: MetricsService,
    @Optional() @Inject(WS_PRODUCER) private readonly producer?: WsProducer,
    @Optional() @Inject(WS_LIMITS) limits?: Partial<WsLimits>,
    @Optional() @Inject(WS_GROUPS) private readonly groups?: WsGroups,
    @Optional() @Inject(OUTBOUND_BUDGET) private readonly outbound?: OutboundBudget,
  ) {
    this.limits = { ...DEFAULT_WS_LIMITS, ...limits };
    this.topicsSeam = {
      partitionCount: (topic) => topics.get(topic).partitionsCount,
      partition: (topic, partition) => topics.partition(topic, partition),
    };
  }

  onApplicationBootstrap(): void {
    this.server = this.adapterHost.httpAdapter.getHttpServer() as Server;
    // perMessageDeflate off: records frames are large and CPU is the WS delivery bottleneck.
    this.wss = new WebSocketServer({ noServer: true, maxPayload: this.limits.maxFrameBytes, perMessageDeflate: false });
    this.server.on('upgrade', this.onUpgrade);
    this.pingTimer = setInterval(() => this.pingAll(), this.limits.pingIntervalMs);
    this.pingTimer.unref();
  }

  async beforeApplicationShutdown(): Promise<void> {
    clearInterval(this.pingTimer);
    this.server?.off('upgrade', this.onUpgrade);
    const wss = this.wss;
    if (!wss) return;
    const closed = [...wss.clients].map(
      (socket) =>
        new Promise<void>((resolve) => {
          socket.once('close', () => resolve());
          this.sessions.get(socket)?.close('shutdown');
          socket.close(1001, 'broker shutting down');
          // A peer that does not answer the close handshake must not hold up shutdown.
          setTimeout(() => socket.terminate(), 2000).unref();
        }),
    );
    await Promise.all(closed);
    await new Promise<void>((resolve) => wss.close(() => resolve()));
  }

  private readonly onUpgrade = (request: IncomingMessage, socket: Duplex, head: Buffer): void => {
    const path = (request.url ?? '').split('?', 1)[0];
    if (path !== WS_PATH) {
      // The broker serves WebSockets at WS_PATH only (the connection guard's upgrade listener only
      // counts): refuse any other path cleanly rather than leave the socket open.
      socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    this.wss!.handleUpgrade(request, socket, head, (ws) => this.onConnection(ws, request.socket.remoteAddress ?? ''));
  };

  private onConnection(socket: WebSocket, clientHost: string): void {
    const sink: FrameSink = {
      // binary: false: records frames arrive as UTF-8 Buffers but are JSON text frames.
      send: (text, done) => socket.send(text, { binary: false }, done),
      get bufferedAmount() {
        return socket.bufferedAmount;
      },
      pause: () => socket.pause(),
      resume: () => socket.resume(),
    };
    let session: WsSession | undefined;
    const connection = this.outbound?.register({
      get unsentBytes() {
        return socket.bufferedAmount;
      },
      closeSlow: (reason) => this.closeSlow(socket, reason),
      wake: () => session?.wake(),
    });
    session = new WsSession(sink, this.topicsSeam, this.producer, this.metrics, this.limits, this.groups, clientHost, connection);
    this.sessions.set(socket, session);
    this.metrics.wsConnectionOpened();
    const heard = (): void => {
      this.lastHeard.set(socket, Date.now());
      session.heartbeat();
    };
    heard();
    socket.on('pong', heard);
    socket.on('message', (data, isBinary) => {
      heard();
      session.handleFrame(data as Buffer, isBinary);
    });
    // Without a listener an 'error' (bad frame, frame over maxPayload, reset) would crash the process.
    socket.on('error', (error) => this.logger.debug(`websocket error: ${error.message}`));
    socket.once('close', () => {
      connection?.release();
      session.close();
      this.metrics.wsConnectionClosed();
    });
  }

  /**
   * 1008 with the reason; the close frame queues behind what the client has not read, so the
   * socket is terminated if the client has not read up to it within the budget's close grace.
   */
  private closeSlow(socket: WebSocket, reason: string): void {
    this.logger.warn(`closing WebSocket: ${reason}`);
    socket.close(1008, reason.slice(0, 120));
    setTimeout(() => socket.terminate(), this.outbound?.closeGraceMs ?? 0).unref();
  }

  private pingAll(): void {
    const now = Date.now();
    for (const socket of this.wss?.clients ?? []) {
      if (now - (this.lastHeard.get(socket) ?? now) > this.limits.idleTimeoutMs) {
        socket.terminate();
        continue;
      }
      socket.ping();
    }
  }
}
