import { Global, Module } from '@nestjs/common';
import { BrokerConfig } from '../config/broker-config';
import { BROKER_CONFIG } from '../config/tokens';
import { AccessControl } from './access-control.service';
import { AuditService } from './audit.service';
import { Authenticator } from './authenticator';
import { QuotaService } from './quota.service';
import { UsersController } from './users.controller';
import { UsersService } from './users.service';
import { WsTickets } from './ws-tickets';
import { TopicsModule } from '../topics/topics.module';

/**
 * DESIGN.md "Security" in the broker: authentication, the one authorizer (AccessControl), quotas,
 * WebSocket tickets and the audit log, for every other module to inject.
 */
@Global()
@Module({
  imports: [TopicsModule],
  controllers: [UsersController],
  providers: [
    UsersService,
    AuditService,
    AccessControl,
    Authenticator,
    QuotaService,
    {
      provide: WsTickets,
      useFactory: (config: BrokerConfig) => new WsTickets(config.security.wsTicketTtlMs),
      inject: [BROKER_CONFIG],
    },
  ],
  exports: [AuditService, AccessControl, Authenticator, QuotaService, WsTickets],
})
export class SecurityModule {}
