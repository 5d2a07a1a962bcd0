import { Module } from '@nestjs/common';
import { TopicsModule } from '../topics/topics.module';
import { BrokerConfig } from '../config/broker-config';
import { BROKER_CONFIG } from '../config/tokens';
import { PRODUCE_CONFIG } from './produce-config';
import { ProduceController } from './produce.controller';
import { ProduceService } from './produce.service';

/** API.md "Produce": HTTP routes here; ProduceService is exported for the WebSocket gateway. */
@Module({
  imports: [TopicsModule],
  controllers: [ProduceController],
  providers: [ProduceService, { provide: PRODUCE_CONFIG, inject: [BROKER_CONFIG], useFactory: (config: BrokerConfig) => config.produce }],
  exports: [ProduceService],
})
export class ProduceModule {}
