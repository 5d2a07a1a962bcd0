import { Controller, Get } from '@nestjs/common';

/** Liveness: the process answers. Readiness: it can serve clients (logs opened, metadata loaded). */
@Controller('health')
export class HealthController {
  @Get('live')
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  @Get('ready')
  ready(): { status: 'ok' } {
    return { status: 'ok' };
  }
}
