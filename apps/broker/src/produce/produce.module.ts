import { Module } from '@nestjs/common';
import { TopicsModule } from '../topics/topics.module';
import { BrokerConfig } from '../config/broker-config';
import { BROKER_CONFIG } from '../config/tokens';
import { BridgeProduceController } from './bridge-produce.controller';
import { BridgeProduceService } from './bridge-produce.service';
import { PRODUCE_CONFIG } from './produce-config';
import { ProduceController } from './produce.controller';
import { ProduceService } from './produce.service';

/**
 * API.md "Produce": HTTP routes here (Confluent v3, and the bridge / v2 `POST /topics/{t}`);
 * ProduceService is exported for the WebSocket gateway.
 */
@Module({
  imports: [TopicsModule],
  controllers: [ProduceController, BridgeProduceController],
  providers: [
    ProduceService,
    BridgeProduceService,
    { provide: PRODUCE_CONFIG, inject: [BROKER_CONFIG], useFactory: (config: BrokerConfig) => config.produce },
  ],
  exports: [ProduceService],
})
export class ProduceModule {}
