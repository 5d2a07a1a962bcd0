import { Inject, Module, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { BrokerConfig } from '../config/broker-config';
import { BROKER_CONFIG } from '../config/tokens';
import { MetricsService } from '../metrics/metrics.service';
import { OutboundBudget } from './outbound-budget';

export const OUTBOUND_BUDGET = Symbol('OUTBOUND_BUDGET');

/** The one OutboundBudget shared by the WebSocket gateway and the SSE streams, with its metrics. */
@Module({
  providers: [
    {
      provide: OUTBOUND_BUDGET,
      inject: [BROKER_CONFIG, MetricsService],
      useFactory: (config: BrokerConfig, metrics: MetricsService) => {
        const budget = new OutboundBudget({
          connectionBytesMax: config.maxBufferedBytesPerConnection,
          totalBytesMax: config.maxBufferedBytesTotal,
          slowConsumerTimeoutMs: config.slowConsumerTimeoutMs,
        });
        metrics.gaugeFrom(
          'runnel_outbound_buffered_bytes',
          'Bytes queued for WebSocket/SSE clients and not yet taken by the kernel',
          () => budget.stats().unsentBytes,
        );
        metrics.gaugeFrom(
          'runnel_outbound_buffered_bytes_peak',
          'Highest runnel_outbound_buffered_bytes since start',
          () => budget.stats().unsentBytesPeak,
        );
        metrics.counterFrom(
          'runnel_slow_consumer_closes_total',
          'WebSocket/SSE connections closed as slow consumers',
          () => budget.stats().slowConsumerCloses,
        );
        return budget;
      },
    },
  ],
  exports: [OUTBOUND_BUDGET],
})
export class OutboundModule implements OnModuleInit, OnApplicationShutdown {
  constructor(@Inject(OUTBOUND_BUDGET) private readonly budget: OutboundBudget) {}

  onModuleInit(): void {
    this.budget.start();
  }

  onApplicationShutdown(): void {
    this.budget.stop();
  }
}
