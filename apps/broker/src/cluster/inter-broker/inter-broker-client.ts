import * as http from 'node:http';
import type { ReplicaFetchRequest, ReplicaFetchResponse } from '@runnel/replication';
import { RunnelError } from '../../common/errors';
import type { ClusterView } from '../cluster-view';
import { signRequest, type CallerIdentity } from './auth';
import { decodeFrame, encodeFrame } from './frame';
import {
  ROUTE_PREFIX,
  type FetchCodec,
  type InterBrokerConfig,
  type InterBrokerLogger,
  type InterBrokerRoute,
  type SecretProvider,
} from './types';
import { errorFromWire, type WireError } from './wire-errors';

/**
 * Calls other brokers' inter-broker listeners (inter-broker-server.ts), signed as this broker.
 *
 * One keep-alive `http.Agent` for all brokers (bounded sockets per broker and in total); every
 * connection leaves from `config.host` when it names one address (not 0.0.0.0 / ::), so a node's
 * links can be cut by source address. Addresses come from `ClusterView.broker(id).interBrokerAddress`
 * at each call, so a broker that moved is found again.
 *
 * Failures: a refusal the leader sent (409) is rethrown as the leader threw it (wire-errors.ts);
 * an unreachable broker, a timeout, an oversized or malformed answer is a retriable RunnelError
 * naming the broker. Every call is bounded by `timeoutMs` and may be aborted by `signal`.
 */
export interface InterBrokerClientLimits {
  /** Default per-call bound (the whole exchange). */
  timeoutMs: number;
  maxResponseBytes: number;
  maxSocketsPerBroker: number;
  maxSocketsTotal: number;
  /** Calls to one broker in flight or queued for a socket; more are refused (retriable) instead of queueing without bound. */
  maxPendingPerBroker: number;
}

export const DEFAULT_INTER_BROKER_CLIENT_LIMITS: InterBrokerClientLimits = {
  timeoutMs: 30_000,
  maxResponseBytes: 128 * 1024 * 1024,
  maxSocketsPerBroker: 64,
  maxSocketsTotal: 1024,
  maxPendingPerBroker: 2048,
};

export interface InterBrokerClientDeps {
  config: Pick<InterBrokerConfig, 'host'>;
  /** This broker's id and current broker epoch (the epoch changes when it re-registers). */
  identity: () => CallerIdentity;
  secret: SecretProvider;
  clusterView: Pick<ClusterView, 'broker'>;
  fetchCodec?: FetchCodec;
  log: InterBrokerLogger;
  limits?: Partial<InterBrokerClientLimits>;
}

export interface CallOptions {
  timeoutMs?: number;
  signal?: AbortSignal;
}

export class InterBrokerClient {
  readonly limits: InterBrokerClientLimits;
  private readonly agent: http.Agent;
  private readonly localAddress: string | undefined;
  private readonly pending = new Map<number, number>();

  constructor(private readonly deps: InterBrokerClientDeps) {
    this.limits = { ...DEFAULT_INTER_BROKER_CLIENT_LIMITS, ...deps.limits };
    const host = deps.config.host;
    this.localAddress = host === '0.0.0.0' || host === '::' || host === '' ? undefined : host;
    this.agent = new http.Agent({
      keepAlive: true,
      keepAliveMsecs: 10_000,
      maxSockets: this.limits.maxSocketsPerBroker,
      maxTotalSockets: this.limits.maxSocketsTotal,
      maxFreeSockets: 16,
      // Below the server's keepAliveTimeout, so the client never reuses a socket the server is closing.
      timeout: 20_000,
    });
  }

  /** One framed call: `params` as the JSON header, `body` as raw bytes; answers the leader's frame. */
  async call<T>(
    brokerId: number,
    route: InterBrokerRoute,
    params: unknown,
    body?: Buffer,
    options: CallOptions = {},
  ): Promise<{ params: T; body: Buffer }> {
    const answer = await this.exchange(brokerId, route, Buffer.concat(encodeFrame(params, body)), options);
    try {
      return decodeFrame<T>(answer);
    } catch (error) {
      throw new RunnelError(
        'RETRIABLE',
        `broker ${brokerId} answered ${route} with a malformed frame (${(error as Error).message}); retry`,
      );
    }
  }

  /** The replica fetcher's transport (ReplicaFetcherManager's `transport`): bounded by the request's maxWaitMs plus the call timeout. */
  async replicaFetch(leaderId: number, request: ReplicaFetchRequest, options: CallOptions = {}): Promise<ReplicaFetchResponse> {
    const codec = this.deps.fetchCodec;
    if (!codec) throw new Error('InterBrokerClient was built without the fetch codec');
    const timeoutMs = options.timeoutMs ?? request.maxWaitMs + this.limits.timeoutMs;
    const answer = await this.exchange(leaderId, 'replica-fetch', codec.encodeFetchRequest(request), { ...options, timeoutMs });
    try {
      return codec.decodeFetchResponse(answer);
    } catch (error) {
      throw new RunnelError(
        'RETRIABLE',
        `broker ${leaderId} answered replica-fetch with bytes that do not decode (${(error as Error).message}); retry`,
      );
    }
  }

  /** Closes idle keep-alive sockets; calls in flight finish or fail. */
  close(): void {
    this.agent.destroy();
  }

  private async exchange(brokerId: number, route: InterBrokerRoute, body: Buffer, options: CallOptions): Promise<Buffer> {
    const pending = this.pending.get(brokerId) ?? 0;
    if (pending >= this.limits.maxPendingPerBroker) {
      throw new RunnelError('RETRIABLE', `more than ${this.limits.maxPendingPerBroker} calls to broker ${brokerId} are pending; retry`);
    }
    this.pending.set(brokerId, pending + 1);
    try {
      return await this.exchangeOnce(brokerId, route, body, options);
    } finally {
      const left = (this.pending.get(brokerId) ?? 1) - 1;
      if (left > 0) this.pending.set(brokerId, left);
      else this.pending.delete(brokerId);
    }
  }

  private async exchangeOnce(brokerId: number, route: InterBrokerRoute, body: Buffer, options: CallOptions): Promise<Buffer> {
    const broker = this.deps.clusterView.broker(brokerId);
    if (!broker) throw new RunnelError('RETRIABLE', `broker ${brokerId} is not registered (yet); retry`);
    const target = parseAddress(broker.interBrokerAddress);
    if (!target) throw new RunnelError('RETRIABLE', `broker ${brokerId} registered an unusable inter-broker address; retry`);
    const path = ROUTE_PREFIX + route;
    const headers = signRequest(await this.deps.secret(), 'POST', path, this.deps.identity(), body);
    const timeoutMs = options.timeoutMs ?? this.limits.timeoutMs;
    const where = `broker ${brokerId} (${broker.interBrokerAddress})`;
    const { status, answer } = await new Promise<{ status: number; answer: Buffer }>((resolve, reject) => {
      let settled = false;
      const fail = (error: Error): void => {
        if (settled) return;
        settled = true;
        cleanup();
        req.destroy();
        reject(error);
      };
      const onAbort = (): void => fail(new RunnelError('RETRIABLE', `${route} to ${where} was cancelled`));
      const timer = setTimeout(
        () => fail(new RunnelError('RETRIABLE', `${where} did not answer ${route} within ${timeoutMs} ms; retry`)),
        timeoutMs,
      );
      const cleanup = (): void => {
        clearTimeout(timer);
        options.signal?.removeEventListener('abort', onAbort);
      };
      const req = http.request({
        agent: this.agent,
        host: target.host,
        port: target.port,
        localAddress: this.localAddress,
        method: 'POST',
        path,
        headers: { ...headers, 'content-type': 'application/octet-stream', 'content-length': body.length },
      });
      req.on('error', (error: NodeJS.ErrnoException) =>
        fail(new RunnelError('RETRIABLE', `${where} is unreachable for ${route} (${error.code ?? error.message}); retry`)),
      );
      req.on('response', (res) => {
        const chunks: Buffer[] = [];
        let total = 0;
        res.on('data', (chunk: Buffer) => {
          total += chunk.length;
          if (total > this.limits.maxResponseBytes) {
            fail(new RunnelError('RETRIABLE', `${where} answered ${route} with more than ${this.limits.maxResponseBytes} bytes`));
            return;
          }
          chunks.push(chunk);
        });
        res.on('error', (error) =>
          fail(new RunnelError('RETRIABLE', `${where} broke off its answer to ${route} (${error.message}); retry`)),
        );
        res.on('end', () => {
          if (settled) return;
          settled = true;
          cleanup();
          resolve({ status: res.statusCode ?? 0, answer: Buffer.concat(chunks, total) });
        });
      });
      if (options.signal?.aborted) return onAbort();
      options.signal?.addEventListener('abort', onAbort, { once: true });
      req.end(body);
    });
    if (status === 200) return answer;
    if (status === 409) {
      let wire: WireError;
      try {
        wire = decodeFrame<{ error: WireError }>(answer).params.error;
      } catch {
        throw new RunnelError('RETRIABLE', `${where} refused ${route} with an unreadable answer; retry`);
      }
      throw errorFromWire(wire);
    }
    if (status === 401) {
      this.deps.log.error(
        `${where} refused this broker's inter-broker credentials (${route}): do the brokers share one metadata database?`,
      );
    }
    throw new RunnelError('RETRIABLE', `${where} answered ${route} with HTTP ${status}; retry`);
  }
}

/** host:port or [v6]:port. */
export function parseAddress(address: string): { host: string; port: number } | undefined {
  const match = /^(?:\[([^\]]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(address);
  if (!match) return undefined;
  const port = Number(match[3]);
  return port > 0 && port < 65536 ? { host: match[1] ?? match[2], port } : undefined;
}
