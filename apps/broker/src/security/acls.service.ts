import { Inject, Injectable } from '@nestjs/common';
import type { MetadataStore } from '@runnel/metadata';
import { AclBinding, bindingKey, Decision, filterMatches } from '@runnel/security';
import { RunnelError } from '../common/errors';
import { METADATA_STORE } from '../config/tokens';
import { TopicsService } from '../topics/topics.service';
import { AccessControl, toBinding } from './access-control.service';
import { bindingFields } from './acl-resources';
import { AclCheckQuery, parseAclCheck, parseAclFilter, parseCreateAcl, parseCreateAclBatch, ParsedAclFilter } from './acl-requests';
import { AuditService, auditEntry } from './audit.service';
import type { Caller } from './caller';

/** Bindings the broker stores at most (every one is in memory, indexed by the authorizer). */
export const MAX_ACLS = 100_000;

/**
 * ACL administration (Confluent REST v3 `acls`, `acls:batch`) and `acls:check`. Changing ACLs
 * needs ALTER on the cluster, reading them DESCRIBE, as Kafka's CreateAcls / DeleteAcls /
 * DescribeAcls. Every change is stored (one transaction), then the authorizer reloads — so it
 * applies to every connection before the answer — then it is audited with the bindings before
 * and after (in the API's field names). Changes run one at a time: a DELETE removes exactly the
 * bindings its filter matched in the store at that moment, never more (removing one of several
 * ACLs leaves the others in force, the lesson of Kafka's CVE-2024-27309).
 */
@Injectable()
export class AclsService {
  private changes: Promise<unknown> = Promise.resolve();

  constructor(
    @Inject(METADATA_STORE) private readonly store: MetadataStore,
    private readonly access: AccessControl,
    private readonly audit: AuditService,
    private readonly topics: TopicsService,
  ) {}

  get cluster(): string {
    return this.topics.clusterId;
  }

  /** `GET .../acls`: the stored bindings the filter selects. */
  list(caller: Caller, cid: string, query: Record<string, unknown>): { filter: ParsedAclFilter; bindings: AclBinding[] } {
    this.authorize(caller, cid, 'DESCRIBE');
    const filter = parseAclFilter(query, false);
    const selects = filter.filter;
    return { filter, bindings: selects === undefined ? [] : this.access.acls.map(toBinding).filter((b) => filterMatches(selects, b)) };
  }

  /** `POST .../acls` (one CreateAclRequestData) or `POST .../acls:batch` (a list): all of them are stored, or none. */
  async create(caller: Caller, cid: string, body: unknown, batch: boolean): Promise<AclBinding[]> {
    this.authorize(caller, cid, 'ALTER');
    const requested = batch ? parseCreateAclBatch(body) : [parseCreateAcl(body)];
    const unique = [...new Map(requested.map((b) => [bindingKey(b), b])).values()];
    if (unique.length === 0) return [];
    return this.serialized('CREATE_ACLS', caller, async () => {
      const stored = new Set(this.access.acls.map((r) => bindingKey(toBinding(r))));
      const existing = unique.filter((b) => stored.has(bindingKey(b)));
      const fresh = unique.filter((b) => !stored.has(bindingKey(b)));
      if (stored.size + fresh.length > MAX_ACLS) {
        throw new RunnelError('KAFKA_BAD_REQUEST', `the broker stores at most ${MAX_ACLS} ACLs (${stored.size} stored)`);
      }
      if (fresh.length > 0) {
        await this.store.createAcls(fresh);
        await this.access.reload();
      }
      await this.audit.record(
        auditEntry(caller, 'ACL', 'CREATE_ACLS', 'SUCCESS', { before: existing.map(bindingFields), after: unique.map(bindingFields) }),
      );
      return unique;
    });
  }

  /** `DELETE .../acls`: removes exactly the bindings the filter matches; answers them. */
  async delete(caller: Caller, cid: string, query: Record<string, unknown>): Promise<AclBinding[]> {
    this.authorize(caller, cid, 'ALTER');
    const { filter } = parseAclFilter(query, true);
    if (filter === undefined) return [];
    return this.serialized('DELETE_ACLS', caller, async () => {
      const matched = (await this.store.listAcls()).filter((r) => filterMatches(filter, toBinding(r)));
      if (matched.length === 0) return [];
      const deleted = (await this.store.deleteAcls(matched.map((r) => r.id))).map(toBinding);
      await this.access.reload();
      await this.audit.record(auditEntry(caller, 'ACL', 'DELETE_ACLS', 'SUCCESS', { before: deleted.map(bindingFields), after: [] }));
      return deleted;
    });
  }

  /** `GET .../acls:check`: the authorizer's decision for a question, and what made it. */
  check(caller: Caller, cid: string, raw: Record<string, unknown>): { query: AclCheckQuery; decision: Decision; enabled: boolean } {
    this.authorize(caller, cid, 'DESCRIBE');
    const query = parseAclCheck(raw);
    const decision = this.access.explain(query.principal, query.host, query.operation, query.resourceType, query.resourceName);
    return { query, decision, enabled: this.access.enabled };
  }

  /** Authorization first (a caller without it learns nothing, not even whether the cluster id is right), then the cluster. */
  authorize(caller: Caller, cid: string, operation: 'ALTER' | 'DESCRIBE'): void {
    this.access.requireCluster(caller, operation);
    this.topics.checkCluster(cid);
  }

  /**
   * Runs one change after the previous one. A change the store could not make (not a refusal of
   * the request) is audited as FAILED: queued, since the store may be what is failing.
   */
  private serialized<T>(operation: string, caller: Caller, change: () => Promise<T>): Promise<T> {
    const run = this.changes.then(change, change).catch((error: unknown) => {
      if (!(error instanceof RunnelError && error.status < 500)) {
        this.audit.note(auditEntry(caller, 'ACL', operation, 'FAILED'));
      }
      throw error;
    });
    this.changes = run.catch(() => undefined);
    return run;
  }
}
