import { Injectable } from '@nestjs/common';
import { CLUSTER_RESOURCE_NAME, OPERATIONS, Operation, RESOURCE_TYPES, ResourceType } from '@runnel/security';
import { RunnelError } from '../common/errors';
import { AccessControl } from './access-control.service';
import { ANONYMOUS_USER, Caller } from './caller';

/** Checks one `POST /v3/auth/permissions` may ask. */
export const MAX_PERMISSION_CHECKS = 200;
/** A resource name longer than this names nothing Runnel stores (topic names stop at 249, group ids at 255). */
const MAX_RESOURCE_NAME = 1000;

export interface WhoamiView {
  principal: string;
  /** Null for the anonymous caller (authentication off). */
  user: string | null;
  auth_enabled: boolean;
  super_user: boolean;
  via: 'anonymous' | 'basic' | 'api-key' | 'certificate' | 'ticket';
}

export interface PermissionCheck {
  resource_type: ResourceType;
  resource_name: string;
  operation: Operation;
}

export interface PermissionAnswer extends PermissionCheck {
  allowed: boolean;
}

const badRequest = (message: string): RunnelError => new RunnelError('KAFKA_BAD_REQUEST', message);

/**
 * The caller's own identity and permissions, for a console that shows what its user may do
 * (contracts §1). Every answer comes from the broker's one authorizer: `allows`, exactly the
 * decision a request would get, and `explain` for whether a super user decided. These are
 * questions, not attempts: a "no" is not a denial and leaves no audit record.
 */
@Injectable()
export class WhoamiService {
  constructor(private readonly access: AccessControl) {}

  whoami(caller: Caller): WhoamiView {
    const anonymous = caller.via === 'anonymous';
    return {
      principal: caller.principal,
      user: anonymous && caller.user === ANONYMOUS_USER ? null : caller.user,
      auth_enabled: this.access.enabled,
      super_user:
        this.access.enabled &&
        this.access.explain(caller.principal, caller.host, 'ALTER', 'CLUSTER', CLUSTER_RESOURCE_NAME).decidedBy.kind === 'SUPER_USER',
      via: caller.via === 'password' ? 'basic' : caller.via,
    };
  }

  /** `{"checks":[...]}` (1..200) → each check with `allowed`, in the order asked. */
  permissions(caller: Caller, body: unknown): PermissionAnswer[] {
    return parseChecks(body).map((check) => ({
      ...check,
      allowed: this.access.allows(caller, check.operation, check.resource_type, check.resource_name),
    }));
  }
}

export function parseChecks(body: unknown): PermissionCheck[] {
  const checks = (body as { checks?: unknown } | null | undefined)?.checks;
  if (typeof body !== 'object' || body === null || !Array.isArray(checks) || checks.length === 0 || checks.length > MAX_PERMISSION_CHECKS) {
    throw badRequest(`body must be {"checks": [...]} with 1 to ${MAX_PERMISSION_CHECKS} {"resource_type","resource_name","operation"}`);
  }
  return checks.map((entry: unknown, i) => {
    const e = (typeof entry === 'object' && entry !== null ? entry : {}) as Record<string, unknown>;
    const type = upper(e.resource_type);
    if (!RESOURCE_TYPES.includes(type as ResourceType)) {
      throw badRequest(`checks[${i}].resource_type must be one of ${RESOURCE_TYPES.join(', ')}`);
    }
    const operation = upper(e.operation);
    if (!OPERATIONS.includes(operation as Operation)) throw badRequest(`checks[${i}].operation must be one of ${OPERATIONS.join(', ')}`);
    let name = e.resource_name;
    if (type === 'CLUSTER' && (name === undefined || name === null || name === '')) name = CLUSTER_RESOURCE_NAME;
    if (typeof name !== 'string' || name.length === 0 || name.length > MAX_RESOURCE_NAME) {
      throw badRequest(`checks[${i}].resource_name must be a string of 1 to ${MAX_RESOURCE_NAME} characters`);
    }
    return { resource_type: type as ResourceType, resource_name: name, operation: operation as Operation };
  });
}

/** Enum names are read case-insensitively, as the ACL endpoints read them. */
function upper(value: unknown): string {
  return typeof value === 'string' ? value.toUpperCase() : '';
}
