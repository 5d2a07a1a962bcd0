import { Module } from '@nestjs/common';
import { GroupConfig } from '../groups/group-config';
import { GROUP_CONFIG } from '../groups/group-tokens';
import { GroupsModule } from '../groups/groups.module';
import { GroupsService } from '../groups/groups.service';
import { ProduceModule } from '../produce/produce.module';
import { ProduceService } from '../produce/produce.service';
import { TopicsModule } from '../topics/topics.module';
import { WS_GROUPS, WS_LIMITS, WS_PRODUCER, WsGateway } from './ws-gateway';

/** The WebSocket gateway (API.md "WebSocket"), sharing the broker's HTTP port at /v3/ws. */
@Module({
  imports: [TopicsModule, ProduceModule, GroupsModule],
  providers: [
    WsGateway,
    { provide: WS_PRODUCER, useExisting: ProduceService },
    { provide: WS_GROUPS, inject: [GroupsService], useFactory: (groups: GroupsService) => groups.wsGroups },
    {
      provide: WS_LIMITS,
      inject: [GROUP_CONFIG],
      useFactory: (config: GroupConfig) => ({ pingIntervalMs: config.wsPingIntervalMs, idleTimeoutMs: config.wsIdleTimeoutMs }),
    },
  ],
})
export class WsModule {}
