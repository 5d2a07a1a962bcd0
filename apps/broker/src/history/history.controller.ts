import { Controller, Get, Param, Query } from '@nestjs/common';
import { CurrentCaller, type Caller } from '../security/caller';
import { SummariesService } from './summaries.service';

type RawQuery = Record<string, string | string[] | undefined>;

/** The console's list views and history charts (contracts §3); each route is one service call. */
@Controller('v3/clusters/:cid')
export class HistoryController {
  constructor(private readonly summaries: SummariesService) {}

  @Get('topic-summaries')
  topicSummaries(@Param('cid') cid: string, @Query() query: RawQuery, @CurrentCaller() caller: Caller) {
    return this.summaries.topicSummaries(caller, cid, query);
  }

  @Get('consumer-group-summaries')
  groupSummaries(@Param('cid') cid: string, @Query() query: RawQuery, @CurrentCaller() caller: Caller) {
    return this.summaries.groupSummaries(caller, cid, query);
  }

  @Get('topics/:topic/stats')
  topicStats(@Param('cid') cid: string, @Param('topic') topic: string, @Query() query: RawQuery, @CurrentCaller() caller: Caller) {
    return this.summaries.topicStats(caller, cid, topic, query);
  }

  @Get('consumer-groups/:group/lag-history')
  lagHistory(@Param('cid') cid: string, @Param('group') group: string, @Query() query: RawQuery, @CurrentCaller() caller: Caller) {
    return this.summaries.lagHistory(caller, cid, group, query);
  }
}
