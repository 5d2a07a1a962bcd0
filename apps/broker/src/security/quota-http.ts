import { BeforeApplicationShutdown, Injectable, OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance, FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify';
import { RunnelError } from '../common/errors';
import { MetricsService } from '../metrics/metrics.service';
import { Caller, callerOf } from './caller';
import { QuotaService } from './quota.service';

export const THROTTLE_TIME_HEADER = 'X-Runnel-Throttle-Time-Ms';

/** Reads (Kafka's Fetch): GET routes whose answer counts against consumer_byte_rate, and the query parameter of their long-poll wait. */
const READS: ReadonlyMap<string, string> = new Map([
  ['/v3/clusters/:cid/topics/:topic/partitions/:p/records', 'timeout_ms'],
  ['/consumers/:group/instances/:name/records', 'timeout'],
]);
/** Produce routes (Kafka's Produce): POST routes whose body counts against producer_byte_rate (v3, raw batches, v2 / bridge). */
const PRODUCE =
  /^\/v3\/clusters\/:cid\/topics\/:topic\/(records(::?batch)?|partitions\/:p\/batches)$|^\/topics\/:topic(\/partitions\/:p)?$/;

export type QuotaRouteKind = 'produce' | 'read' | 'other';

/** Which byte quota a route's traffic counts against (Fastify's route pattern, e.g. `/topics/:topic`). */
export function quotaRouteKind(method: string, route: string): QuotaRouteKind {
  if (method === 'POST' && PRODUCE.test(route)) return 'produce';
  if (method === 'GET' && READS.has(route)) return 'read';
  return 'other';
}

interface RequestQuota {
  caller: Caller | undefined;
  kind: QuotaRouteKind;
  /** The socket's bytesRead when the request began: the body's size when no Content-Length says it. */
  bytesReadAtStart: number;
  refused: boolean;
}

/**
 * Quotas on every HTTP route, once, at the edge (Kafka's ClientQuotaManager as the broker applies
 * it to Produce and Fetch):
 *   - a produce request (POST .../records, records:batch, raw batches, v2 / bridge produce)
 *     counts its body's bytes against producer_byte_rate (Content-Length, else the bytes its
 *     socket read: chunked NDJSON streams); a read (records GET, raw batch reads, HTTP consumer
 *     polls) counts its answer's bytes against consumer_byte_rate; as in Kafka, where byte
 *     quotas apply to Produce and Fetch only, other routes (admin) count only against
 *     request_percentage, which every request counts its handler time against (quotas.ts
 *     explains that model);
 *   - the answer is served, then held back by the throttle time, with X-Runnel-Throttle-Time-Ms
 *     (on every answer to a caller some quota applies to; 0 when within it), as Kafka delays a
 *     throttled response;
 *   - before the work: when the caller already owes a delay and the one it would get (counting a
 *     declared body) is longer than RUNNEL_QUOTA_MAX_DELAY_MS, 429/42901 with Retry-After (the
 *     delay owed) instead; a caller within its quota is always served;
 *   - long reads return less: a consumer over its quota has its long-poll wait set to 0 (it gets
 *     what is there at once), and every read of a caller with a consumer quota asks for at most
 *     the quota's bytes over the minimum window (Kafka's getMaxValueInQuotaWindow).
 * Answers that stream (SSE hijacks its reply) are not counted here: those paths call QuotaService.
 * `/health/*` is never throttled. Pending delays end at shutdown so they cannot hold it up.
 */
@Injectable()
export class QuotaHttpEnforcer implements OnModuleInit, BeforeApplicationShutdown {
  private readonly states = new WeakMap<FastifyRequest, RequestQuota>();
  private readonly waiting = new Set<() => void>();
  private delayedCount = 0;
  private refusedCount = 0;

  constructor(
    private readonly adapterHost: HttpAdapterHost,
    private readonly quotas: QuotaService,
    private readonly metrics: MetricsService,
  ) {}

  onModuleInit(): void {
    this.metrics.counterFrom(
      'runnel_quota_delayed_answers_total',
      'HTTP answers held back by a quota throttle time',
      () => this.delayedCount,
    );
    this.metrics.counterFrom(
      'runnel_quota_refused_requests_total',
      'HTTP requests answered 429/42901 because the quota delay would pass RUNNEL_QUOTA_MAX_DELAY_MS',
      () => this.refusedCount,
    );
    this.metrics.gaugeFrom(
      'runnel_quota_sensors',
      'Quota rate sensors held (per user / client id and kind)',
      () => this.quotas.manager.sensorCount,
    );
    const fastify = this.adapterHost.httpAdapter?.getInstance<FastifyInstance>();
    if (!fastify) return;
    fastify.addHook('onRequest', (request, _reply, done) => {
      // No quota at all (the usual case): nothing to measure, no state per request.
      if (!this.quotas.manager.configured) return done();
      this.states.set(request, { caller: undefined, kind: 'other', bytesReadAtStart: request.raw.socket?.bytesRead ?? 0, refused: false });
      done();
    });
    fastify.addHook('preHandler', (request, reply, done) => this.admit(request, reply, done));
    fastify.addHook('onSend', (request, reply, payload) => this.throttle(request, reply, payload));
  }

  beforeApplicationShutdown(): void {
    for (const release of this.waiting) release();
    this.waiting.clear();
  }

  private admit(request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction): void {
    const state = this.states.get(request);
    if (state === undefined || request.url.startsWith('/health/')) return done();
    const caller = callerOf(request);
    if (!this.quotas.appliesTo(caller)) return done();
    state.caller = caller;
    state.kind = quotaRouteKind(request.method, request.routeOptions.url ?? '');
    const owedMs = this.quotas.refusalDelayMs(caller, state.kind, declaredBytes(request));
    if (owedMs > 0) {
      state.refused = true;
      this.refusedCount++;
      const error = new RunnelError(
        'THROTTLED',
        `${caller.principal}${caller.clientId === undefined ? '' : ` (client id '${caller.clientId}')`} is over its quota: retry in ${owedMs} ms`,
      );
      void reply
        .status(error.status)
        .header('content-type', 'application/json')
        .header('retry-after', String(Math.max(1, Math.ceil(owedMs / 1000))))
        .header(THROTTLE_TIME_HEADER, String(owedMs))
        .send(error.toBody());
      return;
    }
    if (state.kind === 'read') this.limitRead(request, caller);
    done();
  }

  /** Long reads return less: no wait while over the quota, and no more than the quota's window of bytes. */
  private limitRead(request: FastifyRequest, caller: Caller): void {
    const waitParam = READS.get(request.routeOptions.url ?? '')!;
    const query = request.query as Record<string, unknown>;
    const budget = this.quotas.readBudget(caller);
    if (budget.throttleMs > 0) query[waitParam] = '0';
    if (Number.isFinite(budget.maxBytes)) {
      const cap = Math.max(1, Math.floor(budget.maxBytes));
      const asked = query.max_bytes;
      // An invalid max_bytes is left for the route to refuse.
      if (asked === undefined || (typeof asked === 'string' && /^\d+$/.test(asked) && Number(asked) > cap)) query.max_bytes = String(cap);
    }
  }

  private async throttle(request: FastifyRequest, reply: FastifyReply, payload: unknown): Promise<unknown> {
    const state = this.states.get(request);
    const caller = state?.caller;
    if (state === undefined || caller === undefined || state.refused) return payload;
    let throttleMs = this.quotas.recordRequestTime(caller, reply.elapsedTime);
    if (state.kind === 'produce') {
      const produced = declaredBytes(request) || Math.max(0, (request.raw.socket?.bytesRead ?? 0) - state.bytesReadAtStart);
      throttleMs = Math.max(throttleMs, this.quotas.recordProduce(caller, produced));
    } else if (state.kind === 'read') {
      throttleMs = Math.max(throttleMs, this.quotas.recordConsume(caller, payloadBytes(payload)));
    }
    const delayMs = Math.min(throttleMs, this.quotas.maxDelayMs);
    void reply.header(THROTTLE_TIME_HEADER, String(delayMs));
    if (delayMs > 0) {
      this.delayedCount++;
      await this.sleep(delayMs);
    }
    return payload;
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const release = (): void => {
        clearTimeout(timer);
        this.waiting.delete(release);
        resolve();
      };
      const timer = setTimeout(release, ms);
      this.waiting.add(release);
    });
  }
}

function declaredBytes(request: FastifyRequest): number {
  const declared = Number(request.headers['content-length']);
  return Number.isSafeInteger(declared) && declared > 0 ? declared : 0;
}

function payloadBytes(payload: unknown): number {
  if (typeof payload === 'string') return Buffer.byteLength(payload);
  if (Buffer.isBuffer(payload)) return payload.length;
  return 0;
}
