import { Inject, Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import type { AuditRecord, MetadataStore } from '@runnel/metadata';
import { badRequest, RunnelError } from '../common/errors';
import { BrokerConfig } from '../config/broker-config';
import { BROKER_CONFIG, METADATA_STORE } from '../config/tokens';
import { AccessControl } from './access-control.service';
import type { AuditOutcome } from './audit.service';
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
  /** The query string of the next page in the same order and with the same filters, when more records follow. */
  next: string | undefined;
}

/** The values `outcome=` may filter by (AuditService writes no others). */
export const AUDIT_OUTCOMES: readonly AuditOutcome[] = ['SUCCESS', 'DENIED', 'FAILED'];
const FILTERS = ['principal', 'outcome', 'operation', 'resource'] as const;
/** Longer than any principal, resource or operation the broker records. */
const MAX_FILTER_LENGTH = 1024;

/**
 * Reading the audit log (needs DESCRIBE on the cluster) and its retention: records older than
 * RUNNEL_AUDIT_RETENTION_MS are deleted at start and then periodically (an unref'd timer, so it
 * never holds the process open). Records are paged by id, oldest first (`after` = the last id a
 * client has seen) or with `order=desc` newest first (`before` = the last id seen), so a page never
 * skips or repeats a record while new ones are appended. `principal`, `outcome`, `operation` and
 * `resource` filter by exact value in the store's query (each column is indexed).
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

  /** `GET .../audit-log?order=&after=&before=&limit=&principal=&outcome=&operation=&resource=`. */
  async page(caller: Caller, cid: string, query: Record<string, unknown>): Promise<AuditPage> {
    this.access.requireCluster(caller, 'DESCRIBE');
    if (cid !== '-' && cid !== this.clusterId) throw new RunnelError('NOT_FOUND', `cluster '${cid}' not found`);
    const order = orderParam(query);
    const limit = integerParam(query, 'limit', DEFAULT_AUDIT_PAGE, 1, MAX_AUDIT_PAGE);
    // `after` continues an oldest-first read, `before` a newest-first one; the other is refused, not ignored.
    const [cursorName, wrongName] = order === 'asc' ? (['after', 'before'] as const) : (['before', 'after'] as const);
    if (query[wrongName] !== undefined) throw badRequest(`${wrongName} cannot be used with order=${order}; use ${cursorName}`);
    const cursor = integerParam(query, cursorName, 0, order === 'asc' ? 0 : 1, Number.MAX_SAFE_INTEGER);
    const filters: Partial<Record<(typeof FILTERS)[number], string>> = {};
    for (const name of FILTERS) filters[name] = filterParam(query, name);
    if (filters.outcome !== undefined && !(AUDIT_OUTCOMES as readonly string[]).includes(filters.outcome)) {
      throw badRequest(`outcome must be one of ${AUDIT_OUTCOMES.join(', ')}`);
    }
    const records = await this.store.listAudit({ order, cursor, limit: limit + 1, ...filters });
    const events = records.slice(0, limit).map(toEvent);
    if (records.length <= limit) return { events, next: undefined };
    const next = new URLSearchParams();
    if (order === 'desc') next.set('order', 'desc');
    next.set(cursorName, String(events[events.length - 1].id));
    next.set('limit', String(limit));
    for (const name of FILTERS) if (filters[name] !== undefined) next.set(name, filters[name]);
    return { events, next: next.toString() };
  }
}

function orderParam(query: Record<string, unknown>): 'asc' | 'desc' {
  const raw = query.order;
  if (raw === undefined || raw === 'asc') return 'asc';
  if (raw === 'desc') return 'desc';
  throw badRequest('order must be asc or desc');
}

function filterParam(query: Record<string, unknown>, name: string): string | undefined {
  const raw = query[name];
  if (raw === undefined) return undefined;
  if (typeof raw !== 'string' || raw.length === 0 || raw.length > MAX_FILTER_LENGTH) {
    throw badRequest(`${name} must be one non-empty value of at most ${MAX_FILTER_LENGTH} characters`);
  }
  return raw;
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
