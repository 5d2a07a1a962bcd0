import { Module } from '@nestjs/common';
import { ChangeFeed } from '../changes/change-feed.service';
import { GroupConfig } from '../groups/group-config';
import { GROUP_CONFIG } from '../groups/group-tokens';
import { GroupsModule } from '../groups/groups.module';
import { GroupsService } from '../groups/groups.service';
import { ProduceModule } from '../produce/produce.module';
import { ProduceService } from '../produce/produce.service';
import { BrokerConfig } from '../config/broker-config';
import { BROKER_CONFIG } from '../config/tokens';
import { TopicsModule } from '../topics/topics.module';
import { OutboundModule } from './outbound.module';
import { WS_GROUPS, WS_LIMITS, WS_PRODUCER, WsGateway } from './ws-gateway';

/** The WebSocket gateway (API.md "WebSocket"), sharing the broker's HTTP port at /v3/ws. */
@Module({
  imports: [TopicsModule, ProduceModule, GroupsModule, OutboundModule],
  providers: [
    WsGateway,
    // The metadata change stream's feed lives with its only transport; a module of its own would
    // change the module distances Nest orders onModuleInit by (groups must load after topics).
    ChangeFeed,
    { provide: WS_PRODUCER, useExisting: ProduceService },
    { provide: WS_GROUPS, inject: [GroupsService], useFactory: (groups: GroupsService) => groups.wsGroups },
    {
      provide: WS_LIMITS,
      inject: [GROUP_CONFIG, BROKER_CONFIG],
      useFactory: (config: GroupConfig, broker: BrokerConfig) => ({
        pingIntervalMs: config.wsPingIntervalMs,
        idleTimeoutMs: config.wsIdleTimeoutMs,
        bufferedBytesHigh: broker.maxBufferedBytesPerConnection,
      }),
    },
  ],
})
export class WsModule {}
