import { Inject, Injectable } from '@nestjs/common';
import { ApiKeyRecord, MetadataStore, UserNotFoundError } from '@runnel/metadata';
import { newApiKey } from '@runnel/security';
import { badRequest, RunnelError } from '../common/errors';
import { METADATA_STORE } from '../config/tokens';
import { AccessControl } from './access-control.service';
import { auditEntry, AuditService } from './audit.service';
import { Authenticator } from './authenticator';
import type { Caller } from './caller';
import { unknownUser } from './users.service';

/** Keys one user may hold at once (Confluent Cloud's default is 10 per account): the 11th answers 409/40901. */
export const MAX_API_KEYS_PER_USER = 10;
/** The furthest expiry accepted: 10 years ahead (beyond any key rotation policy, and far from Date's limits). */
const MAX_EXPIRY_MS = 10 * 365 * 24 * 3_600_000;
/** ISO-8601 date-time with a zone (`2030-01-01T00:00:00Z`, `...+02:00`, optional fraction). */
const ISO_DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;

export interface ApiKeyView {
  key_id: string;
  user: string;
  created_at: number;
  /** Epoch ms; null: the key does not expire. */
  expires_at: number | null;
}

export interface NewApiKeyView extends ApiKeyView {
  /** The whole bearer token: shown in this answer only, never stored or returned again. */
  secret: string;
}

/**
 * API keys of a user (API.md "Security admin"): `rnl_<id>_<secret>` tokens sent as
 * `Authorization: Bearer`, stored as the SHA-256 of the secret (libs/security api-keys), with an
 * optional expiry. Create and revoke need ALTER on the CLUSTER, lists DESCRIBE on the CLUSTER, as
 * the users endpoints; every change is audited (key id and expiry, never the secret). A revoked key
 * fails at once: the Authenticator forgets remembered keys.
 */
@Injectable()
export class ApiKeysService {
  constructor(
    @Inject(METADATA_STORE) private readonly store: MetadataStore,
    private readonly access: AccessControl,
    private readonly audit: AuditService,
    private readonly authenticator: Authenticator,
  ) {}

  async create(caller: Caller, userName: string, body: unknown): Promise<NewApiKeyView> {
    this.access.requireCluster(caller, 'ALTER');
    const expiresAt = expiryOf(body, Date.now());
    if (!(await this.store.getUser(userName))) throw unknownUser(userName);
    const existing = await this.store.listApiKeys(userName);
    if (existing.length >= MAX_API_KEYS_PER_USER) {
      throw new RunnelError(
        'CONFLICT',
        `user '${userName}' already has ${existing.length} API keys, the most a user may hold: delete one first`,
      );
    }
    const key = newApiKey();
    let record: ApiKeyRecord;
    try {
      record = await this.store.createApiKey({ keyId: key.keyId, userName, secretHash: key.secretHash, expiresAt });
    } catch (error) {
      if (error instanceof UserNotFoundError) throw unknownUser(userName);
      throw error;
    }
    const view = apiKeyView(record);
    await this.audit.record(auditEntry(caller, `USER:${userName}`, 'CREATE_API_KEY', 'SUCCESS', { after: view }));
    return { ...view, secret: key.token };
  }

  async list(caller: Caller, userName: string): Promise<ApiKeyView[]> {
    this.access.requireCluster(caller, 'DESCRIBE');
    if (!(await this.store.getUser(userName))) throw unknownUser(userName);
    return (await this.store.listApiKeys(userName)).map(apiKeyView);
  }

  async delete(caller: Caller, userName: string, keyId: string): Promise<void> {
    this.access.requireCluster(caller, 'ALTER');
    const key = await this.store.getApiKey(keyId);
    // A key of another user is as unknown here as no key: the path names the owner.
    if (!key || key.userName !== userName || !(await this.store.deleteApiKey(keyId))) {
      throw new RunnelError('NOT_FOUND', `user '${userName}' has no API key '${keyId}'`);
    }
    this.authenticator.forgetApiKeys();
    this.access.revoke(userName, keyId);
    await this.audit.record(auditEntry(caller, `USER:${userName}`, 'DELETE_API_KEY', 'SUCCESS', { before: apiKeyView(key) }));
  }
}

function apiKeyView(key: ApiKeyRecord): ApiKeyView {
  return {
    key_id: key.keyId,
    user: key.userName,
    created_at: key.createdAt.getTime(),
    expires_at: key.expiresAt === null ? null : key.expiresAt.getTime(),
  };
}

/** `{"expires_at"?}`: ISO-8601 with a zone or epoch ms, in the future and at most 10 years ahead; absent or null: never. */
function expiryOf(body: unknown, now: number): Date | null {
  if (body === undefined || body === null) return null;
  if (typeof body !== 'object' || Array.isArray(body)) throw badRequest('The body must be a JSON object');
  const b = body as Record<string, unknown>;
  const unknown = Object.keys(b).filter((key) => key !== 'expires_at');
  if (unknown.length > 0) throw badRequest(`Unknown field(s): ${unknown.join(', ')} (allowed: expires_at)`);
  const raw = b.expires_at;
  if (raw === undefined || raw === null) return null;
  let ms: number;
  if (typeof raw === 'number') {
    if (!Number.isSafeInteger(raw)) throw badRequest('expires_at must be an integer of epoch milliseconds or an ISO-8601 date-time');
    ms = raw;
  } else if (typeof raw === 'string' && ISO_DATE_TIME.test(raw)) {
    ms = Date.parse(raw);
    if (Number.isNaN(ms)) throw badRequest(`expires_at '${raw.slice(0, 40)}' is not a valid date-time`);
  } else {
    throw badRequest('expires_at must be epoch milliseconds or an ISO-8601 date-time with a zone, e.g. 2030-01-01T00:00:00Z');
  }
  if (ms <= now) throw badRequest('expires_at must be in the future');
  if (ms > now + MAX_EXPIRY_MS) throw badRequest('expires_at must be at most 10 years ahead');
  return new Date(ms);
}
