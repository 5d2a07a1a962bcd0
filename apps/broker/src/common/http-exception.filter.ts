import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { storageFailure } from '../storage/storage-errors';
import { ErrorBody, RunnelError } from './errors';

/**
 * Renders every error as API.md's `{"error_code","message"}` body. RunnelError maps directly;
 * Nest/Fastify HTTP errors (unknown route, unparsable JSON, body over the limit) map by status;
 * anything else is a bug: logged here, answered 50001 without internals.
 */
@Catch()
export class HttpExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('HttpExceptionFilter');

  catch(exception: unknown, host: ArgumentsHost): void {
    if (host.getType() !== 'http') return;
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    const { status, body, retryAfterSeconds } = this.toResponse(exception);
    if (reply.sent || reply.raw.headersSent) {
      // A streamed response already started: the error was reported in-stream or the client left.
      reply.raw.destroy();
      return;
    }
    if (retryAfterSeconds !== undefined) void reply.header('Retry-After', String(retryAfterSeconds));
    void reply.status(status).header('content-type', 'application/json').send(body);
  }

  toResponse(exception: unknown): { status: number; body: ErrorBody; retryAfterSeconds?: number } {
    if (exception instanceof RunnelError) {
      return { status: exception.status, body: exception.toBody(), retryAfterSeconds: exception.extra.retryAfterSeconds };
    }
    const storage = storageFailure(exception);
    if (storage) return { status: storage.status, body: storage.toBody() };
    const status = httpStatusOf(exception);
    if (status !== undefined && status < 500) {
      const code = status === 400 ? 40001 : status === 413 ? 41301 : status;
      return { status, body: { error_code: code, message: messageOf(exception, status) } };
    }
    this.logger.error(exception instanceof Error ? (exception.stack ?? exception.message) : String(exception));
    return { status: 500, body: { error_code: 50001, message: 'Internal server error' } };
  }
}

function httpStatusOf(exception: unknown): number | undefined {
  if (exception instanceof HttpException) return exception.getStatus();
  const status = (exception as { statusCode?: unknown })?.statusCode;
  return typeof status === 'number' ? status : undefined;
}

function messageOf(exception: unknown, status: number): string {
  if (status === 404) return 'HTTP 404 Not Found';
  if (status === 413) return 'Request body is larger than the broker accepts';
  if (exception instanceof HttpException) {
    const response = exception.getResponse();
    if (typeof response === 'object' && response !== null && 'message' in response) {
      const message = (response as { message: unknown }).message;
      return Array.isArray(message) ? message.join('; ') : String(message);
    }
    return exception.message;
  }
  return exception instanceof Error ? exception.message : `HTTP ${status}`;
}
