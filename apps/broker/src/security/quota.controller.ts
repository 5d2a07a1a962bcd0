import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query, Req } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { advertisedUrl } from '../http/advertised-url';
import { Caller, CurrentCaller } from './caller';
import { QuotaService } from './quota.service';

/** API.md "Security admin" (Quotas): each route is one QuotaService call (CLUSTER DESCRIBE / ALTER). */
@Controller('v3/clusters')
export class QuotaController {
  constructor(private readonly quotas: QuotaService) {}

  @Get(':cid/quotas')
  list(@Param('cid') cid: string, @CurrentCaller() caller: Caller, @Req() req: FastifyRequest) {
    return this.quotas.list(cid, caller, `${advertisedUrl(req)}/v3/clusters/${cid}/quotas`);
  }

  @Post(':cid/quotas')
  @HttpCode(200)
  alter(@Param('cid') cid: string, @CurrentCaller() caller: Caller, @Body() body: unknown) {
    return this.quotas.alter(cid, caller, body);
  }

  @Delete(':cid/quotas')
  remove(@Param('cid') cid: string, @CurrentCaller() caller: Caller, @Query() query: Record<string, unknown>) {
    return this.quotas.remove(cid, caller, query);
  }

  @Get(':cid/quotas/effective')
  effective(@Param('cid') cid: string, @CurrentCaller() caller: Caller, @Query() query: Record<string, unknown>) {
    return this.quotas.effective(cid, caller, query);
  }
}
