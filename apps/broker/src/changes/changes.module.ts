import { Module } from '@nestjs/common';
import { GroupsModule } from '../groups/groups.module';
import { TopicsModule } from '../topics/topics.module';
import { ChangeFeed } from './change-feed.service';

/** The metadata change stream's feed; the WebSocket gateway opens watches on it. */
@Module({
  imports: [TopicsModule, GroupsModule],
  providers: [ChangeFeed],
  exports: [ChangeFeed],
})
export class ChangesModule {}
