import { DynamicModule, Module } from '@nestjs/common';
import { BrokerConfig } from './config/broker-config';
import { BROKER_CONFIG } from './config/tokens';
import { HealthController } from './health/health.controller';

@Module({})
export class AppModule {
  static forRoot(config: BrokerConfig): DynamicModule {
    return {
      module: AppModule,
      controllers: [HealthController],
      providers: [{ provide: BROKER_CONFIG, useValue: config }],
    };
  }
}
