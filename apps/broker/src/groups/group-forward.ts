import { ArgumentsHost, Catch, ExceptionFilter, Injectable } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { HttpForwarder } from '../cluster/http-forwarder';
import { sendForwardedAnswer } from '../cluster/http-forward';
import { HttpExceptionFilter } from '../common/http-exception.filter';
import { callerOf } from '../security/caller';
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
    this.forwarder.forward(named.broker_id, request, callerOf(request)).then(
      ({ answer, body }) => sendForwardedAnswer(reply, answer, body),
      () => this.fallback.catch(exception, host),
    );
  }
}
