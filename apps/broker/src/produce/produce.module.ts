import { Module } from '@nestjs/common';
import { TopicsModule } from '../topics/topics.module';
import { PRODUCE_CONFIG, loadProduceConfig } from './produce-config';
import { ProduceController } from './produce.controller';
import { ProduceService } from './produce.service';

/** API.md "Produce": HTTP routes here; ProduceService is exported for the WebSocket gateway. */
@Module({
  imports: [TopicsModule],
  controllers: [ProduceController],
  providers: [ProduceService, { provide: PRODUCE_CONFIG, useFactory: () => loadProduceConfig(process.env) }],
  exports: [ProduceService],
})
export class ProduceModule {}
