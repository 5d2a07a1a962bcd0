import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { advertisedUrl } from '../http/advertised-url';
import { aclCheckBody, AclClusterRef, aclList, aclsUrl, bindingFields, deletedAcls } from './acl-resources';
import { AclsService } from './acls.service';
import { Caller, CurrentCaller } from './caller';

/**
 * Confluent REST v3 "ACL (v3)": `GET/POST/DELETE /v3/clusters/{cid}/acls`, `POST .../acls:batch`,
 * with the spec's statuses (201 without a body for both creates, 200 with the deleted bindings),
 * and Runnel's `GET .../acls:check`, which explains a decision of the authorizer.
 */
@Controller('v3/clusters')
export class AclsController {
  constructor(private readonly acls: AclsService) {}

  @Get(':cid/acls')
  list(@Param('cid') cid: string, @Query() query: Record<string, unknown>, @CurrentCaller() caller: Caller, @Req() req: FastifyRequest) {
    const { filter, bindings } = this.acls.list(caller, cid, query);
    return aclList(this.ref(req), filter.echo, bindings);
  }

  /** 201 and, as Confluent, a Location naming the created binding; no body. */
  @Post(':cid/acls')
  @HttpCode(201)
  async create(
    @Param('cid') cid: string,
    @Body() body: unknown,
    @CurrentCaller() caller: Caller,
    @Req() req: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<void> {
    const [binding] = await this.acls.create(caller, cid, body, false);
    void reply.header('location', aclsUrl(this.ref(req), bindingFields(binding)));
  }

  /** The spec answers 201 (Confluent's proxy itself answers 204). */
  @Post(':cid/acls::batch')
  @HttpCode(201)
  async createBatch(@Param('cid') cid: string, @Body() body: unknown, @CurrentCaller() caller: Caller): Promise<void> {
    await this.acls.create(caller, cid, body, true);
  }

  @Delete(':cid/acls')
  async delete(
    @Param('cid') cid: string,
    @Query() query: Record<string, unknown>,
    @CurrentCaller() caller: Caller,
    @Req() req: FastifyRequest,
  ) {
    return deletedAcls(this.ref(req), await this.acls.delete(caller, cid, query));
  }

  @Get(':cid/acls::check')
  check(@Param('cid') cid: string, @Query() query: Record<string, unknown>, @CurrentCaller() caller: Caller, @Req() req: FastifyRequest) {
    const { query: question, decision, enabled } = this.acls.check(caller, cid, query);
    return aclCheckBody(this.ref(req), question, decision, enabled);
  }

  private ref(req: FastifyRequest): AclClusterRef {
    return { url: `${advertisedUrl(req)}/v3/clusters/${this.acls.cluster}`, clusterId: this.acls.cluster };
  }
}
