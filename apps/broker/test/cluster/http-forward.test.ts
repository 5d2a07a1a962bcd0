import type { ArgumentsHost } from '@nestjs/common';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { RunnelError } from '../../src/common/errors';
import {
  FORWARD_MARKER_HEADER,
  forwardedRequest,
  installForwardedCallers,
  replayForwarded,
  type ForwardedAnswer,
} from '../../src/cluster/http-forward';
import type { HttpForwarder } from '../../src/cluster/http-forwarder';
import { notCoordinator } from '../../src/groups/coordinator-location';
import { ForwardToCoordinatorFilter } from '../../src/groups/group-forward';
import type { BrokerConfig } from '../../src/config/broker-config';
import { installAuthentication } from '../../src/security/auth-hook';
import type { Authenticator } from '../../src/security/authenticator';
import { callerOf, userCaller } from '../../src/security/caller';

const MAX_BYTES = 64 * 1024;

/**
 * A broker's public app in miniature: the forwarded-caller hook, a route answering who called
 * and whether it was forwarded, a route that is not this broker's (NOT_COORDINATOR naming
 * `coordinatorId`), and the group routes' exception filter with `forwarder`.
 */
function brokerApp(brokerId: number, coordinatorId: number, forwarder: Partial<HttpForwarder>): FastifyInstance {
  const app = Fastify();
  installForwardedCallers(app);
  // Stands in for authentication: a test-only header names the user (a forwarded request already has its caller).
  app.addHook('onRequest', async (request) => {
    const user = request.headers['x-test-user'];
    if (!request.caller && typeof user === 'string') request.caller = userCaller(user, '10.0.0.7', 'cli-1', 'password');
  });
  const filter = new ForwardToCoordinatorFilter(forwarder as HttpForwarder);
  app.setErrorHandler((error, request, reply) => {
    filter.catch(error, hostOf(request, reply));
    return reply;
  });
  app.all('/whoami', async (request, reply) => {
    const caller = callerOf(request);
    void reply.header('retry-after', '3').status(request.method === 'POST' ? 201 : 200);
    return {
      broker: brokerId,
      principal: caller.principal,
      host: caller.host,
      client_id: caller.clientId,
      forwarded: request.forwarded === true,
      body: request.body ?? null,
    };
  });
  app.get('/groups/:group', async (request) => {
    const { group } = request.params as { group: string };
    if (brokerId !== coordinatorId) {
      throw notCoordinator(group, `broker ${brokerId} is not its coordinator`, { brokerId: coordinatorId, url: null, local: false });
    }
    return { group, coordinator: brokerId, principal: callerOf(request).principal };
  });
  return app;
}

function hostOf(request: FastifyRequest, reply: FastifyReply): ArgumentsHost {
  return {
    getType: () => 'http',
    switchToHttp: () => ({ getRequest: () => request, getResponse: () => reply, getNext: () => undefined }),
  } as unknown as ArgumentsHost;
}

/** A forwarder that reaches `target` directly, as the inter-broker route would (frame encoding aside). */
function forwarderTo(brokerId: number, target: () => FastifyInstance, calls: number[]): Partial<HttpForwarder> {
  return {
    enabled: true,
    brokerId,
    forward: async (to, request, caller) => {
      calls.push(to);
      const { params, body } = forwardedRequest(request, caller);
      return replayForwarded(target(), params, body, MAX_BYTES);
    },
  };
}

describe('HTTP forwarding between brokers', () => {
  const apps: FastifyInstance[] = [];
  afterEach(async () => {
    await Promise.all(apps.splice(0).map((app) => app.close()));
  });

  function start(app: FastifyInstance): FastifyInstance {
    apps.push(app);
    return app;
  }

  it('replays a request as the asserted caller and relays status, content type, Retry-After and body', async () => {
    const target = start(brokerApp(2, 2, { enabled: false }));
    const caller = userCaller('alice', '10.1.2.3', 'app-7', 'password');
    // What the first broker sends: built from a request as its Fastify app parsed it.
    const origin = start(Fastify());
    let built: ReturnType<typeof forwardedRequest> | undefined;
    origin.post('/whoami', async (request) => {
      built = forwardedRequest(request, caller);
      return {};
    });
    await origin.inject({ method: 'POST', url: '/whoami?x=1', headers: { 'content-type': 'application/json' }, payload: { a: 1 } });
    const { params, body } = built!;
    expect(params).toMatchObject({ method: 'POST', url: '/whoami?x=1', contentType: 'application/json' });
    const { answer, body: answerBody } = await replayForwarded(target, params, body, MAX_BYTES);
    expect(answer).toEqual<ForwardedAnswer>({ status: 201, contentType: 'application/json; charset=utf-8', retryAfter: '3' });
    expect(JSON.parse(answerBody.toString())).toEqual({
      broker: 2,
      principal: 'User:alice',
      host: '10.1.2.3',
      client_id: 'app-7',
      forwarded: true,
      body: { a: 1 },
    });
  });

  it('refuses a public request that carries the marker header, whatever caller it asserts', async () => {
    const app = start(brokerApp(1, 1, { enabled: false }));
    for (const marker of ['0'.repeat(64), 'anything', '']) {
      const response = await app.inject({
        method: 'GET',
        url: '/whoami',
        headers: {
          [FORWARD_MARKER_HEADER]: marker,
          'x-runnel-forwarded-caller': JSON.stringify({ principal: 'User:admin', user: 'admin', host: 'h', via: 'password' }),
        },
      });
      expect(response.statusCode).toBe(400);
      expect(response.json()).toMatchObject({ error_code: 40001 });
    }
    const asserted = await app.inject({
      method: 'GET',
      url: '/whoami',
      headers: { 'x-runnel-forwarded-caller': '{"principal":"User:admin"}' },
    });
    expect(asserted.statusCode).toBe(400);
  });

  it('with authentication on: a replayed request runs as the asserted caller, a public one must still authenticate', async () => {
    const app = start(Fastify());
    const config = { security: { enabled: true, metricsPublic: false } } as BrokerConfig;
    const refuseAll = {
      authenticate: async () => {
        throw new RunnelError('NOT_AUTHENTICATED', 'credentials needed');
      },
    } as unknown as Authenticator;
    installAuthentication(app, config, () => refuseAll);
    app.get('/whoami', async (request) => ({ principal: callerOf(request).principal, host: callerOf(request).host }));
    expect((await app.inject({ method: 'GET', url: '/whoami' })).statusCode).toBe(401);
    const caller = { principal: 'User:carol', user: 'carol', host: '10.9.8.7', via: 'api-key' as const, keyId: 'k1' };
    const { answer, body } = await replayForwarded(app, { method: 'GET', url: '/whoami', caller }, Buffer.alloc(0), MAX_BYTES);
    expect(answer.status).toBe(200);
    expect(JSON.parse(body.toString())).toEqual({ principal: 'User:carol', host: '10.9.8.7' });
  });

  it('refuses to replay a body over the bound, or a request without a path', async () => {
    const target = start(brokerApp(2, 2, { enabled: false }));
    const caller = { principal: 'User:a', user: 'a', host: 'h', via: 'password' as const };
    await expect(
      replayForwarded(target, { method: 'POST', url: '/whoami', caller }, Buffer.alloc(MAX_BYTES + 1), MAX_BYTES),
    ).rejects.toMatchObject({
      kind: 'TOO_LARGE',
    });
    await expect(
      replayForwarded(target, { method: 'GET', url: 'http://elsewhere/', caller }, Buffer.alloc(0), MAX_BYTES),
    ).rejects.toBeInstanceOf(RunnelError);
    await expect(replayForwarded(target, { method: 'CONNECT', url: '/whoami', caller }, Buffer.alloc(0), MAX_BYTES)).rejects.toBeInstanceOf(
      RunnelError,
    );
  });

  it('answers a call for a group coordinated elsewhere with the coordinator’s own answer', async () => {
    const calls: number[] = [];
    const coordinator = start(brokerApp(2, 2, { enabled: true, brokerId: 2 }));
    const other = start(
      brokerApp(
        1,
        2,
        forwarderTo(1, () => coordinator, calls),
      ),
    );
    const direct = await coordinator.inject({ method: 'GET', url: '/groups/g1', headers: { 'x-test-user': 'bob' } });
    const through = await other.inject({ method: 'GET', url: '/groups/g1', headers: { 'x-test-user': 'bob' } });
    expect(through.statusCode).toBe(200);
    expect(through.json()).toEqual(direct.json());
    expect(through.json()).toEqual({ group: 'g1', coordinator: 2, principal: 'User:bob' });
    expect(calls).toEqual([2]);
  });

  it('forwards at most one hop: a forwarded request that meets NOT_COORDINATOR answers 50003 naming the coordinator', async () => {
    const calls: number[] = [];
    // Broker 2 believes broker 3 coordinates the group; broker 1 believes broker 2 does.
    const second = start(
      brokerApp(
        2,
        3,
        forwarderTo(2, () => second, calls),
      ),
    );
    const first = start(
      brokerApp(
        1,
        2,
        forwarderTo(1, () => second, calls),
      ),
    );
    const response = await first.inject({ method: 'GET', url: '/groups/g1', headers: { 'x-test-user': 'bob' } });
    expect(response.statusCode).toBe(500);
    expect(response.json()).toMatchObject({ error_code: 50003, coordinator: { broker_id: 3, url: null } });
    expect(calls).toEqual([2]);
  });

  it('answers the 50003 error itself when the coordinator cannot be reached, or forwarding is off', async () => {
    const unreachable = start(
      brokerApp(1, 2, {
        enabled: true,
        brokerId: 1,
        forward: () => Promise.reject(new RunnelError('RETRIABLE', 'broker 2 is not reachable')),
      }),
    );
    const failed = await unreachable.inject({ method: 'GET', url: '/groups/g1' });
    expect(failed.statusCode).toBe(500);
    expect(failed.json()).toMatchObject({ error_code: 50003, coordinator: { broker_id: 2 } });
    const singleNode = start(brokerApp(1, 2, { enabled: false, brokerId: 1 }));
    const local = await singleNode.inject({ method: 'GET', url: '/groups/g1' });
    expect(local.json()).toMatchObject({ error_code: 50003 });
  });
});
