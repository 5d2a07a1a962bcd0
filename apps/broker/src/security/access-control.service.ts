import { Inject, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { AclBinding, Authorizer, CLUSTER_RESOURCE_NAME, Decision, Operation, ResourceType } from '@runnel/security';
import type { AclRecord, MetadataStore } from '@runnel/metadata';
import { BrokerConfig } from '../config/broker-config';
import { BROKER_CONFIG, METADATA_STORE } from '../config/tokens';
import { RunnelError } from '../common/errors';
import { AuditService } from './audit.service';
import { Caller, currentAuthentication } from './caller';

export type AccessListener = () => void;

/** Revocations remembered at most (each deleted user or key until then); far more than sessions can outlive. */
const MAX_REVOKED = 100_000;

/**
 * The one authorizer every transport goes through (REST, WebSocket, SSE, HTTP consumers, the
 * console and CLI through them): services call `require` before they act, lists go through
 * `filter` before paging. With authentication off everything is allowed (Kafka without an
 * authorizer). Decisions come from libs/security's Authorizer over the ACLs of the metadata
 * store, reloaded after every ACL change; listeners (open WebSocket subscriptions) hear of each
 * change so a revoked READ ends what it guarded.
 */
@Injectable()
export class AccessControl implements OnModuleInit {
  private readonly logger = new Logger('AccessControl');
  readonly authorizer: Authorizer;
  private readonly listeners = new Set<AccessListener>();
  private records: AclRecord[] = [];
  /** Deleted users and API keys → the authentication number at deletion: sessions authenticated up to it are over. */
  private readonly revokedUsers = new Map<string, number>();
  private readonly revokedKeys = new Map<string, number>();

  constructor(
    @Inject(BROKER_CONFIG) private readonly config: BrokerConfig,
    @Inject(METADATA_STORE) private readonly store: MetadataStore,
    private readonly audit: AuditService,
  ) {
    this.authorizer = new Authorizer({
      superUsers: config.security.superUsers,
      allowEveryoneIfNoAclFound: config.security.allowEveryoneIfNoAclFound,
    });
  }

  async onModuleInit(): Promise<void> {
    await this.reload();
  }

  /** Authentication and authorization are on (RUNNEL_AUTH). */
  get enabled(): boolean {
    return this.config.security.enabled;
  }

  /** The stored bindings with their ids, as last loaded. */
  get acls(): readonly AclRecord[] {
    return this.records;
  }

  /** Reloads the bindings from the metadata store and tells every listener; call after any ACL change. */
  async reload(): Promise<void> {
    this.records = await this.store.listAcls();
    this.authorizer.setBindings(this.records.map(toBinding));
    this.notify();
  }

  /**
   * Ends what a deleted user (or, with `keyId`, a deleted API key) had open: every session
   * authenticated before now is denied from here on, and the listeners re-check at once, so an
   * open WebSocket subscription or event stream ends with 40301. Sessions authenticated later (a
   * user created again under the same name) are not affected.
   */
  revoke(user: string, keyId?: string): void {
    const revoked = keyId === undefined ? this.revokedUsers : this.revokedKeys;
    revoked.delete(keyId ?? user);
    revoked.set(keyId ?? user, currentAuthentication());
    if (revoked.size > MAX_REVOKED) revoked.delete(revoked.keys().next().value as string);
    this.notify();
  }

  private isRevoked(caller: Caller): boolean {
    const authentication = caller.authentication ?? 0;
    const user = this.revokedUsers.get(caller.user);
    if (user !== undefined && authentication <= user) return true;
    const key = caller.keyId === undefined ? undefined : this.revokedKeys.get(caller.keyId);
    return key !== undefined && authentication <= key;
  }

  private notify(): void {
    for (const listener of this.listeners) {
      try {
        listener();
      } catch (error) {
        this.logger.error(`ACL change listener failed: ${(error as Error).message}`);
      }
    }
  }

  /** Registers a listener for ACL changes; returns its removal. */
  onChange(listener: AccessListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** The authorizer's decision and what made it, as if authentication were on (acls:check). */
  explain(principal: string, host: string, operation: Operation, type: ResourceType, name: string): Decision {
    return this.authorizer.authorize(principal, host, operation, { type, name });
  }

  allows(caller: Caller, operation: Operation, type: ResourceType, name: string): boolean {
    if (!this.enabled) return true;
    if ((this.revokedUsers.size > 0 || this.revokedKeys.size > 0) && this.isRevoked(caller)) return false;
    return this.authorizer.allowed(caller.principal, caller.host, operation, { type, name });
  }

  /** `require` on the one CLUSTER resource (`kafka-cluster`): the admin of users, keys, ACLs, quotas, configs and the audit log. */
  requireCluster(caller: Caller, operation: Operation): void {
    this.require(caller, operation, 'CLUSTER', CLUSTER_RESOURCE_NAME);
  }

  /** Throws 403/40301 (and audits the denial) unless `caller` may perform `operation` on the resource. */
  require(caller: Caller, operation: Operation, type: ResourceType, name: string): void {
    if (this.allows(caller, operation, type, name)) return;
    this.audit.note({ principal: caller.principal, source: caller.host, resource: `${type}:${name}`, operation, outcome: 'DENIED' });
    throw notAuthorized(caller, operation, type, name);
  }
}

export function notAuthorized(caller: Caller, operation: Operation, type: ResourceType, name: string): RunnelError {
  return new RunnelError('NOT_AUTHORIZED', `${caller.principal} is not authorized to ${operation} ${type} '${name}'`);
}

export function toBinding(record: AclRecord): AclBinding {
  return {
    resourceType: record.resourceType as ResourceType,
    resourceName: record.resourceName,
    patternType: record.patternType as AclBinding['patternType'],
    principal: record.principal,
    host: record.host,
    operation: record.operation as Operation,
    permission: record.permission as AclBinding['permission'],
  };
}
