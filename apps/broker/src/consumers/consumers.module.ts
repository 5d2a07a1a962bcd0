import { Module } from '@nestjs/common';
import { GroupsModule } from '../groups/groups.module';
import { TopicsModule } from '../topics/topics.module';
import { ConsumersController } from './consumers.controller';
import { ConsumersService } from './consumers.service';

/** HTTP consumer instances (Confluent REST v2 / Strimzi bridge): members of the coordinator's groups. */
@Module({
  imports: [TopicsModule, GroupsModule],
  controllers: [ConsumersController],
  providers: [ConsumersService],
})
export class ConsumersModule {}
