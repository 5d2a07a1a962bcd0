import { Module } from '@nestjs/common';
import { TopicsModule } from '../topics/topics.module';
import { BrokerConfig } from '../config/broker-config';
import { BROKER_CONFIG } from '../config/tokens';
import { GroupAdminService } from './group-admin.service';
import { GroupListFanOut } from './group-forward';
import { GROUP_CONFIG } from './group-tokens';
import { GroupsController } from './groups.controller';
import { GroupsService } from './groups.service';

/** Consumer groups: the coordinator over `__consumer_offsets`, its REST admin API; WsModule uses GroupsService for members. */
@Module({
  imports: [TopicsModule],
  controllers: [GroupsController],
  providers: [
    { provide: GROUP_CONFIG, inject: [BROKER_CONFIG], useFactory: (config: BrokerConfig) => config.groups },
    GroupsService,
    GroupAdminService,
    GroupListFanOut,
  ],
  exports: [GroupsService, GROUP_CONFIG],
})
export class GroupsModule {}
