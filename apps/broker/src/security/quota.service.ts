import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import type { MetadataStore } from '@runnel/metadata';
import { ClientQuotaManager, QUOTA_KINDS, QuotaKind, QuotaValues } from '@runnel/security';
import { BrokerConfig } from '../config/broker-config';
import { BROKER_CONFIG, METADATA_STORE } from '../config/tokens';
import { RunnelError } from '../common/errors';
import { TopicsService } from '../topics/topics.service';
import { listResource } from '../common/rest-v3';
import { AccessControl } from './access-control.service';
import { AuditService, auditEntry } from './audit.service';
import type { Caller } from './caller';
import { entityResource, parseCallerQuery, parseEntityQuery, parseQuotaAlteration, quotaItem, usageJson } from './quota-requests';

/**
 * Client quotas (Kafka's ClientQuotaManager, libs/security quotas.ts): byte rates and request
 * time per user / client id, measured over a sliding window; a caller over its quota is delayed
 * by the throttle time. HTTP answers are throttled at the edge (quota-http.ts); paths that stream
 * (WebSocket delivery, SSE, WS produce) call `recordConsume` / `recordProduce` with the bytes
 * they moved and pause for the answer's milliseconds. The quotas live in the metadata store,
 * loaded at start; an admin change is stored, audited and applied at once (alterations run one
 * at a time, so memory always holds what the store holds last).
 */
@Injectable()
export class QuotaService implements OnModuleInit {
  readonly manager: ClientQuotaManager;
  private alterations: Promise<unknown> = Promise.resolve();

  constructor(
    @Inject(BROKER_CONFIG) private readonly config: BrokerConfig,
    @Inject(METADATA_STORE) private readonly store: MetadataStore,
    private readonly access: AccessControl,
    private readonly audit: AuditService,
    private readonly topics: TopicsService,
  ) {
    this.manager = new ClientQuotaManager({ windowCount: config.security.quotas.windowCount, windowMs: config.security.quotas.windowMs });
  }

  async onModuleInit(): Promise<void> {
    await this.reload();
  }

  /** Re-reads every quota from the metadata store (at start; in cluster mode after another broker changed one). */
  async reload(): Promise<void> {
    const records = await this.store.listQuotas();
    this.manager.setAll(records.map((record) => ({ entity: record.entity, values: knownValues(record.values) })));
  }

  /** A throttle longer than this answers 429/42901 with Retry-After instead (RUNNEL_QUOTA_MAX_DELAY_MS). */
  get maxDelayMs(): number {
    return this.config.security.quotas.maxDelayMs;
  }

  /** Records `bytes` produced by `caller`; returns how long to pause it (ms, 0 = not throttled). */
  recordProduce(caller: Caller, bytes: number): number {
    return this.manager.record('producer_byte_rate', caller.user, caller.clientId ?? '', bytes);
  }

  /** Records `bytes` delivered to `caller`; returns how long to pause its delivery (ms). */
  recordConsume(caller: Caller, bytes: number): number {
    return this.manager.record('consumer_byte_rate', caller.user, caller.clientId ?? '', bytes);
  }

  /** Records `ms` of request handling for `caller` (request_percentage: ms / 10 percent-seconds); returns its throttle. */
  recordRequestTime(caller: Caller, ms: number): number {
    return this.manager.record('request_percentage', caller.user, caller.clientId ?? '', ms / 10);
  }

  /**
   * Whether to refuse a request before doing it (nothing is recorded): when the caller owes a
   * delay already and the delay it would get, counting this produce's `requestBytes`, is longer
   * than RUNNEL_QUOTA_MAX_DELAY_MS. A caller within its quota is always served, however large
   * its request (as Kafka serves it and throttles after), so a request larger than the quota
   * allows cannot be refused forever. Answers the delay owed now (for Retry-After), or 0 to serve.
   */
  refusalDelayMs(caller: Caller, kind: 'produce' | 'read' | 'other', requestBytes: number): number {
    const clientId = caller.clientId ?? '';
    const requestMs = this.manager.peek('request_percentage', caller.user, clientId);
    let owedMs = requestMs;
    let withRequestMs = requestMs;
    if (kind === 'produce') {
      owedMs = Math.max(owedMs, this.manager.peek('producer_byte_rate', caller.user, clientId));
      withRequestMs = Math.max(withRequestMs, this.manager.peek('producer_byte_rate', caller.user, clientId, requestBytes));
    } else if (kind === 'read') {
      owedMs = Math.max(owedMs, this.manager.peek('consumer_byte_rate', caller.user, clientId));
      withRequestMs = owedMs;
    }
    return owedMs > 0 && withRequestMs > this.maxDelayMs ? owedMs : 0;
  }

  /** The consumer's current throttle (ms) and the most bytes one read may return under its quota (Infinity: no quota). */
  readBudget(caller: Caller): { throttleMs: number; maxBytes: number } {
    const clientId = caller.clientId ?? '';
    return {
      throttleMs: this.manager.peek('consumer_byte_rate', caller.user, clientId),
      maxBytes: this.manager.maxValueInWindow('consumer_byte_rate', caller.user, clientId),
    };
  }

  /** Whether a quota of any kind applies to `caller` (none: its answers carry no throttle header). */
  appliesTo(caller: Caller): boolean {
    return this.manager.hasQuota(caller.user, caller.clientId ?? '');
  }

  // --- admin (API.md "Security admin": Quotas) ---

  /** Every entity's quotas, by user then client id (as the store orders them). */
  list(cid: string, caller: Caller, self: string) {
    this.checkCluster(cid);
    this.access.requireCluster(caller, 'DESCRIBE');
    const data = this.manager
      .list()
      .sort((a, b) => compare(a.entity.user, b.entity.user) || compare(a.entity.clientId, b.entity.clientId))
      .map((record) => quotaItem(record.entity, record.values));
    return listResource('RunnelQuotaList', self, data);
  }

  async alter(cid: string, caller: Caller, body: unknown) {
    this.checkCluster(cid);
    this.access.requireCluster(caller, 'ALTER');
    const { entity, set, remove } = parseQuotaAlteration(body);
    return this.serially(async () => {
      const before = this.manager.get(entity) ?? {};
      const after = knownValues(await this.store.alterQuotas(entity, set, remove));
      this.manager.set(entity, after);
      await this.audit.record(auditEntry(caller, entityResource(entity), 'ALTER_QUOTAS', 'SUCCESS', { before, after }));
      return quotaItem(entity, after);
    });
  }

  /** Removes every quota of one entity; answers what was removed (404 when it had none). */
  async remove(cid: string, caller: Caller, query: Record<string, unknown>) {
    this.checkCluster(cid);
    this.access.requireCluster(caller, 'ALTER');
    const entity = parseEntityQuery(query);
    return this.serially(async () => {
      const before = this.manager.get(entity);
      if (before === undefined) throw new RunnelError('NOT_FOUND', `No quota is set for ${entityResource(entity).slice('QUOTA:'.length)}`);
      await this.store.alterQuotas(entity, {}, [...QUOTA_KINDS]);
      this.manager.set(entity, {});
      await this.audit.record(auditEntry(caller, entityResource(entity), 'DELETE_QUOTAS', 'SUCCESS', { before, after: {} }));
      return quotaItem(entity, before);
    });
  }

  effective(cid: string, caller: Caller, query: Record<string, unknown>) {
    this.checkCluster(cid);
    this.access.requireCluster(caller, 'DESCRIBE');
    const { user, clientId } = parseCallerQuery(query);
    return usageJson(user, clientId, this.manager.usage(user, clientId));
  }

  private checkCluster(cid: string): void {
    this.topics.checkCluster(cid);
  }

  private serially<T>(work: () => Promise<T>): Promise<T> {
    const next = this.alterations.then(work, work);
    this.alterations = next.catch(() => undefined);
    return next;
  }
}

const compare = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

function knownValues(values: Record<string, number>): QuotaValues {
  const known: QuotaValues = {};
  for (const kind of QUOTA_KINDS) if (values[kind] !== undefined) known[kind as QuotaKind] = values[kind];
  return known;
}
