import { Controller, Get, Inject, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { LogManager } from '@runnel/log';
import { LOG_MANAGER } from '../config/tokens';
import { Authenticator } from '../security/authenticator';

/**
 * Liveness: the process answers. Readiness: it can serve clients (logs opened, metadata loaded)
 * and its storage takes writes: after a write failed on a full disk or an I/O error, and until
 * one succeeds again, readiness answers 503 with the reason (API.md's error shape plus
 * `status`), so a load balancer sends producers elsewhere. `warnings` names settings an operator
 * should know about without making the broker unready (authentication off).
 */
export interface ReadyBody {
  status: 'ok' | 'unavailable';
  error_code?: number;
  message?: string;
  warnings?: string[];
}

@Controller('health')
export class HealthController {
  constructor(
    @Inject(LOG_MANAGER) private readonly logs: LogManager,
    private readonly authenticator: Authenticator,
  ) {}

  @Get('live')
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  @Get('ready')
  ready(@Res({ passthrough: true }) reply: FastifyReply): ReadyBody {
    const fault = this.logs.health.fault;
    const warnings = this.authenticator.warnings;
    const withWarnings = warnings.length > 0 ? { warnings } : {};
    if (!fault) return { status: 'ok', ...withWarnings };
    void reply.status(503);
    const since = new Date(fault.sinceMs).toISOString();
    return {
      status: 'unavailable',
      error_code: 50003,
      message: `KAFKA_STORAGE_ERROR since ${since}: ${fault.operation} failed (${fault.message})`,
      ...withWarnings,
    };
  }
}
