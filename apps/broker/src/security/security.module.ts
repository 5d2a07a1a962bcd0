import { Global, Module } from '@nestjs/common';
import { BrokerConfig } from '../config/broker-config';
import { BROKER_CONFIG } from '../config/tokens';
import { AccessControl } from './access-control.service';
import { AclsController } from './acls.controller';
import { AclsService } from './acls.service';
import { ApiKeysController } from './api-keys.controller';
import { ApiKeysService } from './api-keys.service';
import { AuditLogController } from './audit-log.controller';
import { AuditLogService } from './audit-log.service';
import { AuditService } from './audit.service';
import { Authenticator } from './authenticator';
import { QuotaController } from './quota.controller';
import { QuotaHttpEnforcer } from './quota-http';
import { QuotaService } from './quota.service';
import { UsersController } from './users.controller';
import { UsersService } from './users.service';
import { WsTicketController } from './ws-ticket.controller';
import { WhoamiController } from './whoami.controller';
import { WhoamiService } from './whoami.service';
import { WsTickets } from './ws-tickets';
import { TopicsModule } from '../topics/topics.module';

/**
 * DESIGN.md "Security" in the broker: authentication, the one authorizer (AccessControl), quotas,
 * WebSocket tickets and the audit log, for every other module to inject.
 */
@Global()
@Module({
  imports: [TopicsModule],
  controllers: [
    UsersController,
    ApiKeysController,
    WsTicketController,
    AclsController,
    AuditLogController,
    QuotaController,
    WhoamiController,
  ],
  providers: [
    UsersService,
    ApiKeysService,
    AclsService,
    AuditLogService,
    QuotaHttpEnforcer,
    AuditService,
    AccessControl,
    Authenticator,
    QuotaService,
    WhoamiService,
    {
      provide: WsTickets,
      useFactory: (config: BrokerConfig) => new WsTickets(config.security.wsTicketTtlMs),
      inject: [BROKER_CONFIG],
    },
  ],
  exports: [AuditService, AccessControl, Authenticator, QuotaService, WsTickets],
})
export class SecurityModule {}
