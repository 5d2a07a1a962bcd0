import { ArgumentsHost, Catch, ExceptionFilter, Injectable } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { HttpForwarder } from '../cluster/http-forwarder';
import { sendForwardedAnswer } from '../cluster/http-forward';
import { RunnelError } from '../common/errors';
import { HttpExceptionFilter } from '../common/http-exception.filter';
import { callerOf, type Caller } from '../security/caller';
import { coordinatorNamedBy } from './coordinator-location';

/**
 * A group REST call made on a broker that does not coordinate the group (NOT_COORDINATOR naming
 * another broker) is answered by the coordinator: forwarded there once, as its caller, and its
 * answer (success or error) is this broker's answer. A request that was itself forwarded, or one
 * the coordinator cannot be reached for, answers the 50003 error as is.
 */
@Catch()
@Injectable()
export class ForwardToCoordinatorFilter implements ExceptionFilter {
  private readonly fallback = new HttpExceptionFilter();

  constructor(private readonly forwarder: HttpForwarder) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const named = coordinatorNamedBy(exception);
    if (host.getType() !== 'http' || !named) return this.fallback.catch(exception, host);
    const request = host.switchToHttp().getRequest<FastifyRequest>();
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    if (request.forwarded || !this.forwarder.enabled || named.broker_id === this.forwarder.brokerId) {
      return this.fallback.catch(exception, host);
    }
    this.forwarder
      .forward(named.broker_id, request, callerOf(request))
      .then(
        ({ answer, body }) => sendForwardedAnswer(reply, answer, body),
        () => this.fallback.catch(exception, host),
      )
      // Never an unhandled rejection: an answer that cannot be sent ends the connection.
      .catch(() => reply.raw.destroy());
  }
}

/** One broker's page of the group list (its answer to a forwarded list request). */
export interface GroupListPart {
  data: { consumer_group_id: string }[];
  /** The broker has more groups after its page. */
  more: boolean;
}

/**
 * The cluster's page of groups from every broker's own page: sorted by group id (as one broker
 * sorts them), the first `limit` of the union; more after it when the union or any broker had more.
 */
export function mergeGroupLists<T extends { consumer_group_id: string }>(
  parts: { data: T[]; more: boolean }[],
  limit: number | undefined,
): { data: T[]; more: boolean } {
  const all = parts.flatMap((part) => part.data).sort((a, b) => compareIds(a.consumer_group_id, b.consumer_group_id));
  if (limit === undefined) return { data: all, more: false };
  return { data: all.slice(0, limit), more: all.length > limit || parts.some((part) => part.more) };
}

function compareIds(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * The group list in cluster mode: every broker lists only the groups it coordinates, so the list
 * asks every other live broker for its own page (the same request, forwarded: each answers its own part) and
 * merges. A broker that does not answer makes the list fail 50003 (retriable), never partial.
 */
@Injectable()
export class GroupListFanOut {
  constructor(private readonly forwarder: HttpForwarder) {}

  /** Fan out this request: cluster mode, and not itself forwarded by another broker. */
  applies(request: FastifyRequest): boolean {
    return this.forwarder.enabled && !request.forwarded;
  }

  /** The other live brokers' pages for this request. */
  async remoteParts(request: FastifyRequest, caller: Caller): Promise<GroupListPart[]> {
    const lists = await this.forwarder.gather<{ data?: unknown; metadata?: { next?: string | null } }>(request, caller, 'consumer groups');
    return lists.map((list) => {
      if (!Array.isArray(list.data)) throw new RunnelError('RETRIABLE', 'a broker answered a consumer group list without data; retry');
      return { data: list.data as GroupListPart['data'], more: (list.metadata?.next ?? null) !== null };
    });
  }
}
