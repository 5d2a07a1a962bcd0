import { AclBinding, Operation, Resource, ResourceType, WILDCARD, WILDCARD_PRINCIPAL } from './acl';

/**
 * What decided an authorization: a super user, one binding (the DENY that matched, or the ALLOW
 * that granted), or the default when no binding granted (deny; allow only when
 * `allowEveryoneIfNoAclFound` and no binding names the resource at all, as Kafka).
 */
export type DecidedBy =
  { kind: 'SUPER_USER' } | { kind: 'ACL'; acl: AclBinding } | { kind: 'DEFAULT'; reason: 'NO_ACL_FOR_RESOURCE' | 'NO_MATCHING_ALLOW' };

export interface Decision {
  allowed: boolean;
  decidedBy: DecidedBy;
}

export interface AuthorizerOptions {
  /** Principals (`User:name`) allowed everything, before any binding is looked at. */
  superUsers: readonly string[];
  /** Kafka's `allow.everyone.if.no.acl.found`: allow when no binding names the resource at all. */
  allowEveryoneIfNoAclFound: boolean;
  /** Decisions remembered between binding changes (per principal, host, operation, resource). */
  maxCachedDecisions?: number;
}

/** ALLOW of these also grants the key operation (Kafka's implied operations); DENY never implies. */
const IMPLIED_BY: Partial<Record<Operation, ReadonlySet<Operation>>> = {
  DESCRIBE: new Set<Operation>(['DESCRIBE', 'READ', 'WRITE', 'DELETE', 'ALTER', 'ALL']),
  DESCRIBE_CONFIGS: new Set<Operation>(['DESCRIBE_CONFIGS', 'ALTER_CONFIGS', 'ALL']),
};

/** The bindings of one resource type, indexed by how their pattern matches a name. */
class TypeIndex {
  readonly literal = new Map<string, AclBinding[]>();
  readonly wildcard: AclBinding[] = [];
  readonly prefixed = new Map<string, AclBinding[]>();
  /** Lengths of the prefixes present, so a lookup tries only those. */
  readonly prefixLengths = new Set<number>();

  add(binding: AclBinding): void {
    if (binding.patternType === 'PREFIXED') {
      push(this.prefixed, binding.resourceName, binding);
      this.prefixLengths.add(binding.resourceName.length);
    } else if (binding.resourceName === WILDCARD) {
      this.wildcard.push(binding);
    } else {
      push(this.literal, binding.resourceName, binding);
    }
  }

  /** Every binding whose pattern names `name`: its LITERAL, the `*` LITERAL, each PREFIXED prefix of it. */
  matching(name: string): AclBinding[] {
    const found: AclBinding[] = [...(this.literal.get(name) ?? []), ...this.wildcard];
    for (const length of this.prefixLengths) {
      if (length > name.length) continue;
      const bindings = this.prefixed.get(name.slice(0, length));
      if (bindings) found.push(...bindings);
    }
    return found;
  }
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

/**
 * Kafka's StandardAuthorizer decision, in one function that also says why:
 *   1. a super user is allowed;
 *   2. any DENY binding that matches (principal or `User:*`, host or `*`, the operation or ALL) denies;
 *   3. an ALLOW binding that matches — the operation, ALL, or one implying it (READ, WRITE, DELETE
 *      and ALTER imply DESCRIBE; ALTER_CONFIGS implies DESCRIBE_CONFIGS) — allows;
 *   4. otherwise deny, unless `allowEveryoneIfNoAclFound` and no binding names the resource.
 * Decisions are cached until the bindings or options change, so the produce path pays a map lookup.
 */
export class Authorizer {
  private indexes = new Map<ResourceType, TypeIndex>();
  private superUsers: ReadonlySet<string>;
  private allowEveryoneIfNoAclFound: boolean;
  private readonly cache = new Map<string, Decision>();
  private readonly maxCached: number;

  constructor(options: AuthorizerOptions, bindings: readonly AclBinding[] = []) {
    this.superUsers = new Set(options.superUsers);
    this.allowEveryoneIfNoAclFound = options.allowEveryoneIfNoAclFound;
    this.maxCached = options.maxCachedDecisions ?? 100_000;
    this.setBindings(bindings);
  }

  /** Replaces every binding at once (a reload from the metadata store). */
  setBindings(bindings: readonly AclBinding[]): void {
    const indexes = new Map<ResourceType, TypeIndex>();
    for (const binding of bindings) {
      let index = indexes.get(binding.resourceType);
      if (!index) indexes.set(binding.resourceType, (index = new TypeIndex()));
      index.add(binding);
    }
    this.indexes = indexes;
    this.cache.clear();
  }

  setSuperUsers(superUsers: readonly string[]): void {
    this.superUsers = new Set(superUsers);
    this.cache.clear();
  }

  allowed(principal: string, host: string, operation: Operation, resource: Resource): boolean {
    return this.authorize(principal, host, operation, resource).allowed;
  }

  authorize(principal: string, host: string, operation: Operation, resource: Resource): Decision {
    const key = `${principal}\u0000${host}\u0000${operation}\u0000${resource.type}\u0000${resource.name}`;
    const cached = this.cache.get(key);
    if (cached) return cached;
    const decision = this.decide(principal, host, operation, resource);
    if (this.cache.size >= this.maxCached) this.cache.clear();
    this.cache.set(key, decision);
    return decision;
  }

  private decide(principal: string, host: string, operation: Operation, resource: Resource): Decision {
    if (this.superUsers.has(principal)) return { allowed: true, decidedBy: { kind: 'SUPER_USER' } };
    const bindings = this.indexes.get(resource.type)?.matching(resource.name) ?? [];
    const implying = IMPLIED_BY[operation];
    let allow: AclBinding | undefined;
    for (const binding of bindings) {
      if (binding.principal !== principal && binding.principal !== WILDCARD_PRINCIPAL) continue;
      if (binding.host !== host && binding.host !== WILDCARD) continue;
      if (binding.permission === 'DENY') {
        if (binding.operation === operation || binding.operation === 'ALL')
          return { allowed: false, decidedBy: { kind: 'ACL', acl: binding } };
      } else if (
        allow === undefined &&
        (binding.operation === operation || binding.operation === 'ALL' || implying?.has(binding.operation))
      ) {
        allow = binding;
      }
    }
    if (allow) return { allowed: true, decidedBy: { kind: 'ACL', acl: allow } };
    if (bindings.length === 0) {
      return { allowed: this.allowEveryoneIfNoAclFound, decidedBy: { kind: 'DEFAULT', reason: 'NO_ACL_FOR_RESOURCE' } };
    }
    return { allowed: false, decidedBy: { kind: 'DEFAULT', reason: 'NO_MATCHING_ALLOW' } };
  }
}
