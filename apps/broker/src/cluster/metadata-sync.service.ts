import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import type { MetadataChangeRecord } from '@runnel/metadata';
import { ConfigsService } from '../configs/configs.service';
import { AccessControl } from '../security/access-control.service';
import { Authenticator } from '../security/authenticator';
import { QuotaService } from '../security/quota.service';
import { ClusterService } from './cluster.service';

/**
 * Cluster mode: another broker's change to ACLs, quotas, users, API keys or dynamic broker
 * configs reaches this broker's caches as soon as the change log says so — the one place that
 * maps a change kind to the cache it invalidates. (Topics and partitions are the ClusterService's
 * own.) A single node writes through these services itself and never hears a change.
 */
@Injectable()
export class MetadataSyncService implements OnModuleInit {
  private readonly logger = new Logger('Cluster');

  constructor(
    private readonly cluster: ClusterService,
    private readonly access: AccessControl,
    private readonly quotas: QuotaService,
    private readonly authenticator: Authenticator,
    private readonly configs: ConfigsService,
  ) {}

  onModuleInit(): void {
    if (this.cluster.enabled) this.cluster.onMetadataChange((change) => this.apply(change));
  }

  private async apply(change: MetadataChangeRecord): Promise<void> {
    switch (change.kind) {
      case 'acls':
        await this.access.reload();
        break;
      case 'quotas':
        await this.quotas.reload();
        break;
      case 'users':
        if (change.subject) this.authenticator.forgetUser(change.subject);
        break;
      case 'api-keys':
        this.authenticator.forgetApiKeys();
        break;
      case 'broker-configs':
        await this.configs.reload();
        break;
      default:
        return;
    }
    this.logger.debug?.(`applied ${change.kind} change ${change.seq} from the metadata log`);
  }
}
