import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { RunnelError } from '../common/errors';
import { BrokerConfig } from '../config/broker-config';
import { BROKER_CONFIG } from '../config/tokens';
import type { Caller } from '../security/caller';
import { ClusterService } from './cluster.service';
import { decodeFrame, encodeFrame } from './inter-broker';
import { HTTP_FORWARD_ROUTE, forwardedRequest, replayForwarded, type ForwardedAnswer, type ForwardedRequest } from './http-forward';

/**
 * Forwards public HTTP requests to other brokers (http-forward.ts) and serves the ones they
 * forward here. Inert on a single node: `enabled` is false and no route is served.
 */
@Injectable()
export class HttpForwarder implements OnApplicationBootstrap {
  private readonly logger = new Logger('HttpForwarder');

  constructor(
    private readonly adapterHost: HttpAdapterHost,
    private readonly cluster: ClusterService,
    @Inject(BROKER_CONFIG) private readonly config: BrokerConfig,
  ) {}

  /** Cluster mode, joined: forwarding is possible. */
  get enabled(): boolean {
    return this.cluster.interBroker() !== undefined;
  }

  get brokerId(): number {
    return this.cluster.brokerId;
  }

  /** Brokers alive now (the fan-out's targets), this one included. */
  liveBrokerIds(): number[] {
    return this.cluster.view
      .brokers()
      .filter((broker) => broker.alive && broker.state !== 'STOPPED')
      .map((broker) => broker.brokerId);
  }

  onApplicationBootstrap(): void {
    const channel = this.cluster.interBroker();
    const fastify = this.adapterHost.httpAdapter?.getInstance<FastifyInstance>();
    if (!channel || !fastify) return;
    channel.server.addRoute(HTTP_FORWARD_ROUTE, async ({ body: frame }) => {
      const { params, body } = decodeFrame<ForwardedRequest>(frame);
      const { answer, body: answerBody } = await replayForwarded(fastify, params, body, this.config.maxRequestBytes);
      return encodeFrame(answer, answerBody);
    });
  }

  /**
   * A fan-out: `request` forwarded to every other live broker (each answers its own part), each answer's JSON body
   * (what `what` names, for errors). A broker that cannot be reached, answers another status than
   * 200 or unreadable JSON fails the whole call RETRIABLE (50003): a cluster-wide list is never
   * silently partial.
   */
  async gather<T>(request: FastifyRequest, caller: Caller, what: string): Promise<T[]> {
    const others = this.liveBrokerIds().filter((id) => id !== this.brokerId);
    return Promise.all(
      others.map(async (brokerId) => {
        let answer: ForwardedAnswer;
        let body: Buffer;
        try {
          ({ answer, body } = await this.forward(brokerId, request, caller));
        } catch (error) {
          throw new RunnelError('RETRIABLE', `broker ${brokerId} did not list its ${what} (${(error as Error).message}); retry`);
        }
        if (answer.status !== 200)
          throw new RunnelError('RETRIABLE', `broker ${brokerId} answered its ${what} with HTTP ${answer.status}; retry`);
        try {
          return JSON.parse(body.toString('utf8')) as T;
        } catch (error) {
          throw new RunnelError('RETRIABLE', `broker ${brokerId} answered unreadable ${what} (${(error as Error).message}); retry`);
        }
      }),
    );
  }

  /**
   * Forwards `request` (authenticated as `caller`) to broker `brokerId` and resolves its answer.
   * The receiving broker answers with its own part only (it never forwards again). Fails RETRIABLE when the
   * broker cannot be reached or answers more than RUNNEL_MAX_REQUEST_BYTES.
   */
  async forward(brokerId: number, request: FastifyRequest, caller: Caller): Promise<{ answer: ForwardedAnswer; body: Buffer }> {
    const channel = this.cluster.interBroker();
    if (!channel) throw new RunnelError('RETRIABLE', 'this broker is not part of a cluster');
    const { params, body } = forwardedRequest(request, caller);
    if (body.length > this.config.maxRequestBytes) {
      throw new RunnelError('TOO_LARGE', `the request body is larger than ${this.config.maxRequestBytes} bytes`);
    }
    try {
      const answer = await channel.client.call<ForwardedAnswer>(brokerId, HTTP_FORWARD_ROUTE, params, body);
      if (typeof answer.params?.status !== 'number') throw new Error('the answer has no status');
      return { answer: answer.params, body: answer.body };
    } catch (error) {
      this.logger.warn(`forwarding ${request.method} ${request.url} to broker ${brokerId} failed: ${(error as Error).message}`);
      throw error;
    }
  }
}
