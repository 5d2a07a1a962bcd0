import { Inject, Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import type { AuditRecord, MetadataStore } from '@runnel/metadata';
import { badRequest, RunnelError } from '../common/errors';
import { BrokerConfig } from '../config/broker-config';
import { BROKER_CONFIG, METADATA_STORE } from '../config/tokens';
import { AccessControl } from './access-control.service';
import type { Caller } from './caller';

export const DEFAULT_AUDIT_PAGE = 100;
export const MAX_AUDIT_PAGE = 1000;
/** The retention trim runs every tenth of the retention, between these bounds. */
const MIN_TRIM_INTERVAL_MS = 1_000;
const MAX_TRIM_INTERVAL_MS = 3_600_000;

/** One audit record as `GET .../audit-log` answers it; `before` / `after` are the JSON they were written as. */
export interface AuditEvent {
  id: number;
  time: number;
  principal: string;
  source: string;
  resource: string;
  operation: string;
  outcome: string;
  before?: unknown;
  after?: unknown;
}

export interface AuditPage {
  events: AuditEvent[];
  /** The id to continue after, when more records follow. */
  nextAfter: number | undefined;
  limit: number;
}

/**
 * Reading the audit log (needs DESCRIBE on the cluster) and its retention: records older than
 * RUNNEL_AUDIT_RETENTION_MS are deleted at start and then periodically (an unref'd timer, so it
 * never holds the process open). Records are paged by id, oldest first: `after` is the last id a
 * client has seen, so a page never skips or repeats a record while new ones are appended.
 */
@Injectable()
export class AuditLogService implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger('AuditLog');
  private clusterId = '';
  private timer: NodeJS.Timeout | undefined;
  private trimming: Promise<void> = Promise.resolve();

  constructor(
    @Inject(BROKER_CONFIG) private readonly config: BrokerConfig,
    @Inject(METADATA_STORE) private readonly store: MetadataStore,
    private readonly access: AccessControl,
  ) {}

  async onModuleInit(): Promise<void> {
    this.clusterId = await this.store.clusterId();
    const retentionMs = this.config.security.auditRetentionMs;
    const intervalMs = Math.min(Math.max(Math.floor(retentionMs / 10), MIN_TRIM_INTERVAL_MS), MAX_TRIM_INTERVAL_MS);
    await this.trim();
    this.timer = setInterval(() => void this.trim(), intervalMs);
    this.timer.unref();
  }

  async onModuleDestroy(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.trimming;
  }

  get cluster(): string {
    return this.clusterId;
  }

  /** Deletes the records older than the retention; a failure is logged and retried at the next tick. */
  trim(): Promise<void> {
    this.trimming = this.trimming.then(async () => {
      try {
        const deleted = await this.store.trimAudit(new Date(Date.now() - this.config.security.auditRetentionMs));
        if (deleted > 0) this.logger.log(`audit log: ${deleted} records past retention deleted`);
      } catch (error) {
        this.logger.error(`audit log trim failed: ${(error as Error).message}`);
      }
    });
    return this.trimming;
  }

  /** `GET .../audit-log?after=&limit=`. */
  async page(caller: Caller, cid: string, query: Record<string, unknown>): Promise<AuditPage> {
    this.access.requireCluster(caller, 'DESCRIBE');
    if (cid !== '-' && cid !== this.clusterId) throw new RunnelError('NOT_FOUND', `cluster '${cid}' not found`);
    const after = integerParam(query, 'after', 0, 0, Number.MAX_SAFE_INTEGER);
    const limit = integerParam(query, 'limit', DEFAULT_AUDIT_PAGE, 1, MAX_AUDIT_PAGE);
    const records = await this.store.listAudit(after, limit + 1);
    const events = records.slice(0, limit).map(toEvent);
    return { events, nextAfter: records.length > limit ? events[events.length - 1].id : undefined, limit };
  }
}

function integerParam(query: Record<string, unknown>, name: string, fallback: number, min: number, max: number): number {
  const raw = query[name];
  if (raw === undefined) return fallback;
  if (typeof raw !== 'string' || !/^\d{1,16}$/.test(raw)) throw badRequest(`${name} must be an integer from ${min} to ${max}`);
  const value = Number(raw);
  if (value < min || value > max) throw badRequest(`${name} must be an integer from ${min} to ${max}`);
  return value;
}

export function toEvent(record: AuditRecord): AuditEvent {
  const event: AuditEvent = {
    id: record.id,
    time: record.time.getTime(),
    principal: record.principal,
    source: record.source,
    resource: record.resource,
    operation: record.operation,
    outcome: record.outcome,
  };
  if (record.before !== null) event.before = parseStored(record.before);
  if (record.after !== null) event.after = parseStored(record.after);
  return event;
}

/** Values are stored as JSON by AuditService; anything else (written by hand) is answered as the text it is. */
function parseStored(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
