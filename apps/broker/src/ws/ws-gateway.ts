import type { IncomingMessage } from 'node:http';
import { BeforeApplicationShutdown, Inject, Logger, Optional } from '@nestjs/common';
import {
  OnGatewayConnection,
  OnGatewayDisconnect,
  OnGatewayInit,
  SubscribeMessage,
  WebSocketGateway,
  WebSocketServer,
} from '@nestjs/websockets';
import type { WebSocket, WebSocketServer as WsServer } from 'ws';
import { ChangeFeed } from '../changes/change-feed.service';
import { MetricsService } from '../metrics/metrics.service';
import { AccessControl } from '../security/access-control.service';
import { anonymousCaller, hostOf } from '../security/caller';
import { QuotaService } from '../security/quota.service';
import { TopicsService } from '../topics/topics.service';
import { OutboundBudget, OutboundConnection } from './outbound-budget';
import { OUTBOUND_BUDGET } from './outbound.module';
import { callerOfUpgrade, InboundFrame, WS_FRAME } from './runnel-ws-adapter';
import { DEFAULT_WS_LIMITS, WsLimits } from './ws-limits';
import type { WsGroups } from './group-member';
import { FrameSink, WsProducer, WsSecurity, WsSession, WsTopics } from './ws-session';

export const WS_PATH = '/v3/ws';
export const WS_PRODUCER = Symbol('WS_PRODUCER');
export const WS_GROUPS = Symbol('WS_GROUPS');
export const WS_LIMITS = Symbol('WS_LIMITS');

/**
 * The thin Nest gateway of API.md "WebSocket": a `@WebSocketGateway` on RunnelWsAdapter
 * (`@nestjs/platform-ws`), naming no port so it shares the broker's HTTP port at /v3/ws; one
 * WsSession per socket. Nest runs the connection lifecycle (handleConnection / handleDisconnect)
 * and hands every inbound frame to `handleFrame`; the session does the rest (parsing, limits,
 * error frames). Outbound frames are written to the `ws` socket directly (the session's sink).
 * The gateway owns what only a real socket has: the inbound frame cap (`maxPayload`; a larger
 * frame leaves the stream unusable, so ws closes it with 1009), pings every `pingIntervalMs`
 * (each pong — or any frame — is a heartbeat of the socket's group members; a peer silent for
 * `idleTimeoutMs` is terminated), slow-consumer closes (1008), and closing every socket (1001)
 * before the HTTP server and the logs shut down. Each session carries the Caller its upgrade was
 * authenticated as (RunnelWsAdapter) and authorizes through the broker's AccessControl.
 */
@WebSocketGateway({
  path: WS_PATH,
  // The default; an injected WS_LIMITS.maxFrameBytes replaces it in afterInit.
  maxPayload: DEFAULT_WS_LIMITS.maxFrameBytes,
  // perMessageDeflate off: records frames are large and CPU is the WS delivery bottleneck.
  perMessageDeflate: false,
})
export class WsGateway implements OnGatewayInit, OnGatewayConnection, OnGatewayDisconnect, BeforeApplicationShutdown {
  private readonly logger = new Logger('WsGateway');
  private readonly limits: WsLimits;
  /** When each socket was last heard from (pong or frame), for the idle timeout. */
  private readonly lastHeard = new WeakMap<WebSocket, number>();
  private readonly sessions = new WeakMap<WebSocket, { session: WsSession; connection?: OutboundConnection }>();
  @WebSocketServer() private readonly server!: WsServer;
  private pingTimer: NodeJS.Timeout | undefined;
  private shuttingDown = false;
  private readonly topicsSeam: WsTopics;

  constructor(
    topics: TopicsService,
    private readonly metrics: MetricsService,
    @Optional() @Inject(WS_PRODUCER) private readonly producer?: WsProducer,
    @Optional() @Inject(WS_LIMITS) limits?: Partial<WsLimits>,
    @Optional() @Inject(WS_GROUPS) private readonly groups?: WsGroups,
    @Optional() @Inject(OUTBOUND_BUDGET) private readonly outbound?: OutboundBudget,
    @Optional() private readonly access?: AccessControl,
    @Optional() private readonly quotas?: QuotaService,
    @Optional() private readonly changes?: ChangeFeed,
  ) {
    this.limits = { ...DEFAULT_WS_LIMITS, ...limits };
    this.topicsSeam = {
      partitionCount: (topic) => topics.get(topic).partitionsCount,
      topicNames: () => topics.partitionCounts().keys(),
      partition: (topic, partition) => topics.partition(topic, partition),
    };
  }

  afterInit(server: WsServer): void {
    // ws reads maxPayload from its options at each upgrade.
    server.options.maxPayload = this.limits.maxFrameBytes;
    this.pingTimer = setInterval(() => this.pingAll(), this.limits.pingIntervalMs);
    this.pingTimer.unref();
  }

  /**
   * Runs before Nest disposes the adapter (which terminates what is left and closes the ws
   * server): every socket gets a 1001 close and its group members are detached, not removed.
   */
  async beforeApplicationShutdown(): Promise<void> {
    this.shuttingDown = true;
    clearInterval(this.pingTimer);
    const closed = [...(this.server?.clients ?? [])].map(
      (socket) =>
        new Promise<void>((resolve) => {
          if (socket.readyState === socket.CLOSED) return resolve();
          socket.once('close', () => resolve());
          this.sessions.get(socket)?.session.close('shutdown');
          socket.close(1001, 'broker shutting down');
          // A peer that does not answer the close handshake must not hold up shutdown.
          setTimeout(() => socket.terminate(), 2000).unref();
        }),
    );
    await Promise.all(closed);
  }

  handleConnection(socket: WebSocket, request: IncomingMessage): void {
    if (this.shuttingDown) {
      socket.close(1001, 'broker shutting down');
      return;
    }
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
    session = new WsSession(
      sink,
      this.topicsSeam,
      this.producer,
      this.metrics,
      this.limits,
      this.groups,
      request.socket.remoteAddress ?? '',
      connection,
      this.securityOf(request),
      this.changes,
    );
    this.sessions.set(socket, { session, connection });
    this.metrics.wsConnectionOpened();
    this.heard(socket);
    socket.on('pong', () => this.heard(socket));
  }

  private securityOf(request: IncomingMessage): WsSecurity | undefined {
    if (!this.access) return undefined;
    const caller = callerOfUpgrade(request) ?? anonymousCaller(hostOf(request.socket.remoteAddress));
    return { caller, access: this.access, quotas: this.quotas };
  }

  /** Every inbound frame (RunnelWsAdapter's parser). Returns nothing: answers are the session's frames. */
  @SubscribeMessage(WS_FRAME)
  handleFrame(socket: WebSocket, frame: InboundFrame): void {
    if (!this.sessions.has(socket)) return;
    this.heard(socket);
    this.sessions.get(socket)!.session.handleFrame(frame.payload, frame.isBinary);
  }

  handleDisconnect(socket: WebSocket): void {
    const entry = this.sessions.get(socket);
    if (!entry) return;
    this.sessions.delete(socket);
    entry.connection?.release();
    entry.session.close();
    this.metrics.wsConnectionClosed();
  }

  /** The peer is alive: renews the idle timeout and its group members' sessions. */
  private heard(socket: WebSocket): void {
    this.lastHeard.set(socket, Date.now());
    this.sessions.get(socket)?.session.heartbeat();
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
    for (const socket of this.server?.clients ?? []) {
      if (now - (this.lastHeard.get(socket) ?? now) > this.limits.idleTimeoutMs) {
        socket.terminate();
        continue;
      }
      socket.ping();
    }
  }
}
