import { Module } from '@nestjs/common';
import { TopicsModule } from '../topics/topics.module';
import { OutboundModule } from '../ws/outbound.module';
import { ConsumeController } from './consume.controller';
import { EventStreamService } from './event-stream.service';
import { FetchService } from './fetch.service';

/** Stateless reads (REST records, raw batches, offset lookups) and server-sent event streams. */
@Module({
  imports: [TopicsModule, OutboundModule],
  controllers: [ConsumeController],
  providers: [FetchService, EventStreamService],
  exports: [FetchService],
})
export class ConsumeModule {}
