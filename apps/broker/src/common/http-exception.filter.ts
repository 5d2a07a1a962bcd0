import { ArgumentsHost, Catch, ExceptionFilter } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { ErrorBody, toApiError } from './errors';

/**
 * Renders every error as API.md's `{"error_code","message"}` body, mapped by `toApiError` (the
 * one error boundary, shared with the WebSocket, SSE and NDJSON paths; it logs every 500).
 */
@Catch()
export class HttpExceptionFilter implements ExceptionFilter {
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
    const error = toApiError(exception);
    return { status: error.status, body: error.toBody(), retryAfterSeconds: error.extra.retryAfterSeconds };
  }
}
