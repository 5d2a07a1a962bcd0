import { DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { ClusterModule } from './cluster/cluster.module';
import { MetadataSyncService } from './cluster/metadata-sync.service';
import { ClusterRoutesModule } from './cluster/cluster-routes.module';
import { HttpExceptionFilter } from './common/http-exception.filter';
import { BrokerConfig } from './config/broker-config';
import { BROKER_CONFIG } from './config/tokens';
import { ConfigsModule } from './configs/configs.module';
import { ConsumeModule } from './consume/consume.module';
import { ConsumersModule } from './consumers/consumers.module';
import { GroupsModule } from './groups/groups.module';
import { HealthController } from './health/health.controller';
import { HistoryModule } from './history/history.module';
import { MetricsModule } from './metrics/metrics.module';
import { ProduceModule } from './produce/produce.module';
import { SearchModule } from './search/search.module';
import { SecurityModule } from './security/security.module';
import { StorageModule } from './storage/storage.module';
import { TopicsModule } from './topics/topics.module';
import { WsModule } from './ws/ws.module';

@Module({})
export class AppModule {
  static forRoot(config: BrokerConfig): DynamicModule {
    return {
      module: AppModule,
      global: true,
      imports: [
        StorageModule,
        ClusterModule,
        SecurityModule,
        MetricsModule,
        TopicsModule,
        ClusterRoutesModule,
        ConfigsModule,
        GroupsModule,
        ProduceModule,
        ConsumeModule,
        ConsumersModule,
        WsModule,
        HistoryModule,
        SearchModule,
      ],
      controllers: [HealthController],
      providers: [
        { provide: BROKER_CONFIG, useValue: config },
        { provide: APP_FILTER, useClass: HttpExceptionFilter },
        MetadataSyncService,
      ],
      exports: [BROKER_CONFIG],
    };
  }
}
