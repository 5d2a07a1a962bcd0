import { BeforeApplicationShutdown, Inject, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import type { MetadataStore, NewAuditRecord } from '@runnel/metadata';
import { METADATA_STORE } from '../config/tokens';
import { MetricsService } from '../metrics/metrics.service';
import type { Caller } from './caller';

export type AuditOutcome = 'SUCCESS' | 'DENIED' | 'FAILED';

export interface AuditEntry {
  /** Who: the caller (principal and source address), or for a failed authentication the name it claimed. */
  principal: string;
  source: string;
  /** What: `TOPIC:orders`, `GROUP:billing`, `CLUSTER:kafka-cluster`, `USER:alice`, `ACL`, `QUOTA:user=alice`... */
  resource: string;
  /** The action: a Kafka operation (READ, WRITE...) for denials, or an admin action (CREATE_TOPIC, ALTER_CONFIGS, DELETE_ACLS...). */
  operation: string;
  outcome: AuditOutcome;
  /** The state before and after an admin change (JSON-serialisable; never a secret). */
  before?: unknown;
  after?: unknown;
}

/** Events waiting to be written at most; past it, unawaited events (denials, failed logins) are dropped and counted. */
const MAX_PENDING = 10_000;
const FLUSH_INTERVAL_MS = 200;

/**
 * The audit log (DESIGN.md "Security"): admin changes, authentication failures and authorization
 * denials, in the metadata store. Admin paths await `record` (the change is answered once its
 * record is written); denials and failed logins use `note`, batched every 200 ms and bounded, so
 * a client hammering a forbidden resource cannot grow memory or the store without limit.
 */
@Injectable()
export class AuditService implements OnModuleInit, BeforeApplicationShutdown {
  private readonly logger = new Logger('Audit');
  private pending: NewAuditRecord[] = [];
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> = Promise.resolve();
  private droppedCount = 0;

  constructor(
    @Inject(METADATA_STORE) private readonly store: MetadataStore,
    private readonly metrics: MetricsService,
  ) {}

  onModuleInit(): void {
    this.metrics.counterFrom(
      'runnel_audit_records_dropped_total',
      'Denial and failed-authentication audit records dropped because the audit queue was full',
      () => this.droppedCount,
    );
  }

  /** Writes one record now (admin changes): resolves once stored. */
  async record(entry: AuditEntry): Promise<void> {
    await this.store.appendAudit([toRecord(entry)]);
  }

  /** Queues one record (denials, failed authentications); written within FLUSH_INTERVAL_MS. */
  note(entry: AuditEntry): void {
    if (this.pending.length >= MAX_PENDING) {
      if (this.droppedCount++ % 1000 === 0)
        this.logger.warn(`audit queue full: ${this.droppedCount} denial/failure records dropped so far`);
      return;
    }
    this.pending.push(toRecord(entry));
    this.timer ??= setTimeout(() => void this.flush(), FLUSH_INTERVAL_MS);
  }

  /** Writes what is queued (also before shutdown). */
  flush(): Promise<void> {
    this.timer = undefined;
    const batch = this.pending;
    this.pending = [];
    if (batch.length === 0) return this.flushing;
    this.flushing = this.flushing
      .then(() => this.store.appendAudit(batch))
      .catch((error: unknown) => this.logger.error(`could not write ${batch.length} audit records: ${(error as Error).message}`));
    return this.flushing;
  }

  async beforeApplicationShutdown(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    await this.flush();
  }
}

export function auditEntry(
  caller: Caller,
  resource: string,
  operation: string,
  outcome: AuditOutcome,
  change?: { before?: unknown; after?: unknown },
): AuditEntry {
  return { principal: caller.principal, source: caller.host, resource, operation, outcome, ...change };
}

function toRecord(entry: AuditEntry): NewAuditRecord {
  return {
    principal: entry.principal,
    source: entry.source,
    resource: entry.resource,
    operation: entry.operation,
    outcome: entry.outcome,
    before: entry.before === undefined ? null : JSON.stringify(entry.before),
    after: entry.after === undefined ? null : JSON.stringify(entry.after),
  };
}
