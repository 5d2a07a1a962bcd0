import { Module } from '@nestjs/common';
import { ConsumeModule } from '../consume/consume.module';
import { TopicsModule } from '../topics/topics.module';
import { SearchController } from './search.controller';
import { SearchReader } from './search-reader';
import { SearchService } from './search.service';

/** Broker-side search: records:estimate and records:search, read through one bounded SearchReader. */
@Module({
  imports: [TopicsModule, ConsumeModule],
  controllers: [SearchController],
  providers: [SearchService, SearchReader],
})
export class SearchModule {}
