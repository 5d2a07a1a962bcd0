import { Controller, Get, Inject, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { LogManager } from '@runnel/log';
import { LOG_MANAGER } from '../config/tokens';

/**
 * Liveness: the process answers. Readiness: it can serve clients (logs opened, metadata loaded)
 * and its storage takes writes: after a write failed on a full disk or an I/O error, and until
 * one succeeds again, readiness answers 503 with the reason (API.md's error shape plus
 * `status`), so a load balancer sends producers elsewhere.
 */
export interface ReadyBody {
  status: 'ok' | 'unavailable';
  error_code?: number;
  message?: string;
}

@Controller('health')
export class HealthController {
  constructor(@Inject(LOG_MANAGER) private readonly logs: LogManager) {}

  @Get('live')
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  @Get('ready')
  ready(@Res({ passthrough: true }) reply: FastifyReply): ReadyBody {
    const fault = this.logs.health.fault;
    if (!fault) return { status: 'ok' };
    void reply.status(503);
    const since = new Date(fault.sinceMs).toISOString();
    return {
      status: 'unavailable',
      error_code: 50003,
      message: `KAFKA_STORAGE_ERROR since ${since}: ${fault.operation} failed (${fault.message})`,
    };
  }
}
