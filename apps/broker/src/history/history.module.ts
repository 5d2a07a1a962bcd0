import { Module } from '@nestjs/common';
import { GroupsModule } from '../groups/groups.module';
import { TopicsModule } from '../topics/topics.module';
import { HistoryController } from './history.controller';
import { HistoryService } from './history.service';
import { SummariesService } from './summaries.service';

/** The console's history (sampler, persisted store) and its list views; after topics and groups, which it reads. */
@Module({
  imports: [TopicsModule, GroupsModule],
  controllers: [HistoryController],
  providers: [HistoryService, SummariesService],
})
export class HistoryModule {}
