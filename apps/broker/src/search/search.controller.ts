import { Body, Controller, Get, Param, Post, Query, Req, Res } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Query as QueryParams } from '../consume/consume-params';
import { CurrentCaller, type Caller } from '../security/caller';
import { TopicsService } from '../topics/topics.service';
import { SearchService } from './search.service';

/** Broker-side search (contracts §4, docs/openapi.json): each route maps to one service call. */
@ApiTags('search')
@Controller('v3/clusters')
export class SearchController {
  constructor(
    private readonly topics: TopicsService,
    private readonly search: SearchService,
  ) {}

  @Get(':cid/topics/:topic/records::estimate')
  @ApiOperation({ summary: 'Offsets and stored bytes of a range of a topic, per partition' })
  estimate(@Param('cid') cid: string, @Param('topic') topic: string, @Query() query: QueryParams, @CurrentCaller() caller: Caller) {
    this.topics.checkCluster(cid);
    return this.search.estimate(caller, topic, query);
  }

  /** Validates everything and takes a search slot first (errors answer as JSON), then streams NDJSON. */
  @Post(':cid/topics/:topic/records::search')
  @ApiOperation({ summary: 'Search records with a filter evaluated in the broker; NDJSON stream of estimate, matches, progress, done' })
  async searchRecords(
    @Param('cid') cid: string,
    @Param('topic') topic: string,
    @Body() body: unknown,
    @Req() req: FastifyRequest,
    @Res() reply: FastifyReply,
    @CurrentCaller() caller: Caller,
  ): Promise<void> {
    this.topics.checkCluster(cid);
    const planned = await this.search.plan(caller, topic, body);
    reply.hijack();
    this.search.run(planned, req.raw, reply.raw);
  }
}
