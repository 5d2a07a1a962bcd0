import { Controller, Get, Param, Query, Req } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { advertisedUrl } from '../http/advertised-url';
import { AuditLogService } from './audit-log.service';
import { Caller, CurrentCaller } from './caller';

/** `GET /v3/clusters/{cid}/audit-log?order=&after=&before=&limit=&principal=&outcome=&operation=&resource=` → `{"data": [...], "next": url | null}` (API.md "Security admin"). */
@Controller('v3/clusters')
export class AuditLogController {
  constructor(private readonly auditLog: AuditLogService) {}

  @Get(':cid/audit-log')
  async page(
    @Param('cid') cid: string,
    @Query() query: Record<string, unknown>,
    @CurrentCaller() caller: Caller,
    @Req() req: FastifyRequest,
  ) {
    const page = await this.auditLog.page(caller, cid, query);
    const self = `${advertisedUrl(req)}/v3/clusters/${this.auditLog.cluster}/audit-log`;
    return { data: page.events, next: page.next === undefined ? null : `${self}?${page.next}` };
  }
}
