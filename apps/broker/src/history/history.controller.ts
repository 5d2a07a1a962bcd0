import { Controller, Get, Param, Query, Req, UseFilters } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { HttpForwarder } from '../cluster/http-forwarder';
import { RunnelError } from '../common/errors';
import { ForwardToCoordinatorFilter } from '../groups/group-forward';
import { CurrentCaller, type Caller } from '../security/caller';
import { SummariesService, groupSummaryList, groupSummaryPageOf } from './summaries.service';
import { mergePages } from './summary-pages';

type RawQuery = Record<string, string | string[] | undefined>;

/** The console's list views and history charts (contracts §3); each route is one service call. */
@Controller('v3/clusters/:cid')
export class HistoryController {
  constructor(
    private readonly summaries: SummariesService,
    private readonly forwarder: HttpForwarder,
  ) {}

  @Get('topic-summaries')
  topicSummaries(@Param('cid') cid: string, @Query() query: RawQuery, @CurrentCaller() caller: Caller) {
    return this.summaries.topicSummaries(caller, cid, query);
  }

  /**
   * In cluster mode every broker summarises the groups it coordinates: the answer merges every
   * live broker's page (a broker that does not answer fails it 50003, never a partial list).
   */
  @Get('consumer-group-summaries')
  async groupSummaries(@Param('cid') cid: string, @Query() query: RawQuery, @CurrentCaller() caller: Caller, @Req() req: FastifyRequest) {
    const local = this.summaries.groupSummaryPage(caller, cid, query);
    if (req.forwarded) return groupSummaryList(local.page, true);
    if (!this.forwarder.enabled) return groupSummaryList(local.page);
    const remote = await this.forwarder.gather<Parameters<typeof groupSummaryPageOf>[0]>(req, caller, 'consumer group summaries');
    const parts = remote.map((list) => {
      try {
        return groupSummaryPageOf(list);
      } catch (error) {
        throw new RunnelError('RETRIABLE', `a broker answered unreadable consumer group summaries (${(error as Error).message}); retry`);
      }
    });
    return groupSummaryList(mergePages([local.page, ...parts], local.query));
  }

  @Get('topics/:topic/stats')
  topicStats(@Param('cid') cid: string, @Param('topic') topic: string, @Query() query: RawQuery, @CurrentCaller() caller: Caller) {
    return this.summaries.topicStats(caller, cid, topic, query);
  }

  /** A group coordinated by another broker: answered there (its history is sampled there). */
  @Get('consumer-groups/:group/lag-history')
  @UseFilters(ForwardToCoordinatorFilter)
  lagHistory(@Param('cid') cid: string, @Param('group') group: string, @Query() query: RawQuery, @CurrentCaller() caller: Caller) {
    return this.summaries.lagHistory(caller, cid, group, query);
  }
}
