import { Controller, Get, Header, Param } from '@nestjs/common';
import { MetricsService } from './metrics.service';
import { StatsService, StatsSample } from './stats.service';
import { TopicsService } from '../topics/topics.service';

@Controller()
export class MetricsController {
  constructor(
    private readonly metrics: MetricsService,
    private readonly stats: StatsService,
    private readonly topics: TopicsService,
  ) {}

  /** Prometheus text exposition. */
  @Get('metrics')
  @Header('Content-Type', 'text/plain; version=0.0.4; charset=utf-8')
  scrape(): Promise<string> {
    return this.metrics.registry.metrics();
  }

  /** The rolling in-memory history the console draws its charts from. */
  @Get('v3/clusters/:cid/stats')
  history(@Param('cid') cid: string): { kind: string; resolution_ms: number; window_ms: number; data: StatsSample[] } {
    this.topics.checkCluster(cid);
    return {
      kind: 'KafkaClusterStats',
      resolution_ms: this.stats.resolutionMs,
      window_ms: this.stats.windowMs,
      data: this.stats.samples(),
    };
  }
}
