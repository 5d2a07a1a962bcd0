import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Partition, ReplicaFetchRequest, ReplicaFetchResponse } from '@runnel/replication';
import { RunnelError } from '../../common/errors';
import { parseAuthHeaders, verifySignature, type CallerIdentity } from './auth';
import { FrameError, encodeFrame } from './frame';
import { PartitionRoutes } from './partition-routes';
import { ROUTE_PREFIX, type FetchCodec, type InterBrokerConfig, type InterBrokerLogger, type SecretProvider } from './types';
import { errorToWire } from './wire-errors';

/**
 * The inter-broker listener (plain node:http on `host`:`cluster.interBrokerPort`, apart from the
 * public port, which has no replica route at all): `POST /internal/v1/<route>`.
 *
 * Every request is authenticated (auth.ts) before any handler runs; anything else is answered
 * 401. Bounds: request bodies over `maxBodyBytes` → 413 (by Content-Length before reading, else
 * as soon as the count passes it), more than `maxConcurrent` requests in flight → 503, request
 * receipt bounded by `requestTimeoutMs`, every handler by `handlerTimeoutMs` (long polls are
 * capped at `maxWaitMs`, below it). Answers: 200 with the route's frame (frame.ts) or codec
 * bytes; 409 with a frame `{error: WireError}` for a refusal the caller rethrows as is.
 *
 * Concurrency: handlers run concurrently; `close()` stops accepting, aborts long polls and
 * closes idle and active connections.
 */
export interface InterBrokerLimits {
  maxBodyBytes: number;
  maxConcurrent: number;
  requestTimeoutMs: number;
  handlerTimeoutMs: number;
  /** Cap on every long poll (partition-states, wait-for-data, replica-fetch's maxWaitMs). */
  maxWaitMs: number;
  keepAliveTimeoutMs: number;
}

export const DEFAULT_INTER_BROKER_LIMITS: InterBrokerLimits = {
  maxBodyBytes: 64 * 1024 * 1024,
  maxConcurrent: 512,
  requestTimeoutMs: 60_000,
  handlerTimeoutMs: 60_000,
  maxWaitMs: 30_000,
  keepAliveTimeoutMs: 30_000,
};

export interface InterBrokerServerDeps {
  config: InterBrokerConfig;
  secret: SecretProvider;
  /** The partition as this broker holds it (leader or follower), or undefined. */
  localPartition: (topic: string, partition: number) => Partition | undefined;
  /** ReplicaManager.handleReplicaFetch; without it (or the codec) replica-fetch answers NOT_FOUND. */
  handleReplicaFetch?: (request: ReplicaFetchRequest) => Promise<ReplicaFetchResponse>;
  fetchCodec?: FetchCodec;
  log: InterBrokerLogger;
  limits?: Partial<InterBrokerLimits>;
}

export interface RouteCall {
  caller: CallerIdentity;
  body: Buffer;
  /** Aborted when the caller goes away or the server closes. */
  signal: AbortSignal;
}

export type RouteHandler = (call: RouteCall) => Promise<Buffer[]>;

export class InterBrokerServer {
  readonly limits: InterBrokerLimits;
  private readonly server: http.Server;
  private readonly routes = new Map<string, RouteHandler>();
  private readonly closing = new AbortController();
  private inFlight = 0;
  private refusedSinceLog = 0;
  private refusedLoggedAtMs = 0;

  constructor(private readonly deps: InterBrokerServerDeps) {
    this.limits = { ...DEFAULT_INTER_BROKER_LIMITS, ...deps.limits };
    const partitions = new PartitionRoutes(deps.localPartition, this.limits.maxWaitMs);
    for (const [name, handler] of Object.entries(partitions.handlers())) this.routes.set(name, handler);
    const { handleReplicaFetch, fetchCodec } = deps;
    if (handleReplicaFetch && fetchCodec) {
      this.routes.set('replica-fetch', async ({ body, caller }) => {
        let request: ReplicaFetchRequest;
        try {
          request = fetchCodec.decodeFetchRequest(body);
        } catch (error) {
          throw new FrameError(`replica fetch request does not decode: ${(error as Error).message}`);
        }
        // A broker fetches as itself: the signed identity and the request's replica must agree.
        if (request.replicaId !== caller.brokerId || request.brokerEpoch !== caller.brokerEpoch) {
          throw new FrameError(
            `replica ${request.replicaId} (epoch ${request.brokerEpoch}) fetched with the credentials of broker ${caller.brokerId} (epoch ${caller.brokerEpoch})`,
          );
        }
        request.maxWaitMs = Math.max(0, Math.min(request.maxWaitMs, this.limits.maxWaitMs));
        const response = await handleReplicaFetch(request);
        return fetchCodec.encodeFetchResponseChunks
          ? fetchCodec.encodeFetchResponseChunks(response)
          : [fetchCodec.encodeFetchResponse(response)];
      });
    }
    this.server = http.createServer((req, res) => this.onRequest(req, res));
    this.server.requestTimeout = this.limits.requestTimeoutMs;
    this.server.headersTimeout = Math.min(this.limits.requestTimeoutMs, 20_000);
    this.server.keepAliveTimeout = this.limits.keepAliveTimeoutMs;
    this.server.maxHeadersCount = 32;
    this.server.on('clientError', (_error, socket) => socket.destroy());
  }

  /** Listens on config.host:cluster.interBrokerPort (port 0: any free port; see `address`). */
  async listen(): Promise<void> {
    const port = this.deps.config.cluster?.interBrokerPort;
    if (port === undefined) throw new Error('the inter-broker listener needs cluster mode (RUNNEL_METADATA_URL)');
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, this.deps.config.host, () => {
        this.server.off('error', reject);
        resolve();
      });
    });
  }

  /** The bound address (host:port), once listening. */
  get address(): string {
    const address = this.server.address() as AddressInfo;
    return address.family === 'IPv6' ? `[${address.address}]:${address.port}` : `${address.address}:${address.port}`;
  }

  /** Extra routes (tests, later features); a name already taken is a bug. */
  addRoute(name: string, handler: RouteHandler): void {
    if (this.routes.has(name)) throw new Error(`inter-broker route ${name} is already defined`);
    this.routes.set(name, handler);
  }

  async close(): Promise<void> {
    this.closing.abort();
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeIdleConnections();
    // Long polls have just been aborted and answer at once; give in-flight answers a moment.
    const deadline = setTimeout(() => this.server.closeAllConnections(), 2_000);
    deadline.unref();
    await closed;
    clearTimeout(deadline);
  }

  private onRequest(req: http.IncomingMessage, res: http.ServerResponse): void {
    this.handle(req, res).catch((error: unknown) => {
      this.deps.log.error(`inter-broker request failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
      if (!res.headersSent) reply(res, 500, json({ error: 'internal error' }));
      else res.destroy();
    });
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const path = (req.url ?? '').split('?')[0];
    const name = path.startsWith(ROUTE_PREFIX) ? path.slice(ROUTE_PREFIX.length) : '';
    const handler = this.routes.get(name);
    if (req.method !== 'POST' || !handler) return discard(req, res, 404, { error: 'no such inter-broker route' });
    const auth = parseAuthHeaders(req.headers);
    if (!auth) return this.refuse(req, res, 'missing or malformed credentials');
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > this.limits.maxBodyBytes) return discard(req, res, 413, { error: `body over ${this.limits.maxBodyBytes} bytes` });
    if (this.closing.signal.aborted) return discard(req, res, 503, { error: 'the broker is stopping' });
    if (this.inFlight >= this.limits.maxConcurrent) {
      return discard(req, res, 503, { error: `more than ${this.limits.maxConcurrent} inter-broker requests in flight` });
    }
    this.inFlight++;
    const call = new AbortController();
    const onClose = (): void => {
      if (!res.writableFinished) call.abort();
    };
    res.on('close', onClose);
    const onClosing = (): void => call.abort();
    this.closing.signal.addEventListener('abort', onClosing, { once: true });
    try {
      const body = await readBody(req, this.limits.maxBodyBytes);
      if (body === undefined) return discard(req, res, 413, { error: `body over ${this.limits.maxBodyBytes} bytes` });
      const secret = await this.deps.secret();
      if (!verifySignature(secret, 'POST', path, auth, body)) return this.refuse(req, res, 'bad signature');
      let chunks: Buffer[];
      let status = 200;
      try {
        chunks = await withTimeout(handler({ caller: auth.caller, body, signal: call.signal }), this.limits.handlerTimeoutMs, name);
      } catch (error) {
        status = 409;
        chunks = encodeFrame({ error: errorToWire(error) });
      }
      if (res.destroyed) return;
      // Stopping: let the connection go with this answer instead of idling until the close deadline.
      if (this.closing.signal.aborted) res.setHeader('connection', 'close');
      reply(res, status, chunks);
    } finally {
      this.inFlight--;
      this.closing.signal.removeEventListener('abort', onClosing);
    }
  }

  private refuse(req: http.IncomingMessage, res: http.ServerResponse, why: string): void {
    // Counted and logged at most every 10 s: a scanner must not flood the log.
    this.refusedSinceLog++;
    const now = Date.now();
    if (now - this.refusedLoggedAtMs >= 10_000) {
      this.deps.log.warn(
        `inter-broker listener refused ${this.refusedSinceLog} unauthenticated request(s); latest from ${req.socket.remoteAddress ?? '?'}: ${why}`,
      );
      this.refusedSinceLog = 0;
      this.refusedLoggedAtMs = now;
    }
    discard(req, res, 401, { error: 'inter-broker authentication required' });
  }
}

function json(value: unknown): Buffer[] {
  return [Buffer.from(JSON.stringify(value))];
}

function reply(res: http.ServerResponse, status: number, chunks: Buffer[]): void {
  const length = chunks.reduce((sum, chunk) => sum + chunk.length, 0);
  res.writeHead(status, { 'content-type': 'application/octet-stream', 'content-length': length });
  for (const chunk of chunks) res.write(chunk);
  res.end();
}

/** Answers without reading the body; the connection closes so an unread body cannot poison it. */
function discard(req: http.IncomingMessage, res: http.ServerResponse, status: number, body: unknown): void {
  res.setHeader('connection', 'close');
  reply(res, status, json(body));
  req.resume();
}

async function readBody(req: http.IncomingMessage, maxBytes: number): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    total += chunk.length;
    if (total > maxBytes) return undefined;
    chunks.push(chunk);
  }
  return chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, total);
}

function withTimeout<T>(work: Promise<T>, timeoutMs: number, name: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new RunnelError('RETRIABLE', `REQUEST_TIMED_OUT: the leader did not finish ${name} within ${timeoutMs} ms; retry`)),
      timeoutMs,
    );
    work.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}
