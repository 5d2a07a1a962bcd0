import { Module } from '@nestjs/common';
import { ProduceModule } from '../produce/produce.module';
import { ProduceService } from '../produce/produce.service';
import { TopicsModule } from '../topics/topics.module';
import { WS_PRODUCER, WsGateway } from './ws-gateway';

/** The WebSocket gateway (API.md "WebSocket"), sharing the broker's HTTP port at /v3/ws. */
@Module({
  imports: [TopicsModule, ProduceModule],
  providers: [WsGateway, { provide: WS_PRODUCER, useExisting: ProduceService }],
})
export class WsModule {}
