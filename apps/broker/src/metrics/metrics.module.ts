import { Global, Module, OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance } from 'fastify';
import { TopicsModule } from '../topics/topics.module';
import { MetricsController } from './metrics.controller';
import { MetricsService } from './metrics.service';
import { StatsService } from './stats.service';

@Global()
@Module({
  imports: [TopicsModule],
  controllers: [MetricsController],
  providers: [MetricsService, StatsService],
  exports: [MetricsService],
})
export class MetricsModule implements OnModuleInit {
  constructor(
    private readonly adapterHost: HttpAdapterHost,
    private readonly metrics: MetricsService,
  ) {}

  /** Request latency for every route, labelled by the route pattern (bounded cardinality). */
  onModuleInit(): void {
    const fastify = this.adapterHost.httpAdapter?.getInstance<FastifyInstance>();
    if (!fastify) return;
    fastify.addHook('onResponse', (request, reply, done) => {
      this.metrics.requestSeconds.observe(
        { method: request.method, route: request.routeOptions.url ?? 'unmatched', status: String(reply.statusCode) },
        reply.elapsedTime / 1000,
      );
      done();
    });
  }
}
