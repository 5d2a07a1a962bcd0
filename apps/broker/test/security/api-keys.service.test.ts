import type { ApiKeyRecord, MetadataStore } from '@runnel/metadata';
import { RunnelError } from '../../src/common/errors';
import type { AccessControl } from '../../src/security/access-control.service';
import { ApiKeysService } from '../../src/security/api-keys.service';
import type { AuditEntry, AuditService } from '../../src/security/audit.service';
import type { Authenticator } from '../../src/security/authenticator';
import { userCaller } from '../../src/security/caller';

/** ApiKeysService alone: what it stores, audits and forgets, over in-memory stand-ins. */
function setup() {
  const keys = new Map<string, ApiKeyRecord>();
  const store = {
    getUser: async (name: string) => (name === 'app' ? { name, createdAt: new Date(), credentials: [] } : null),
    listApiKeys: async (userName: string) => [...keys.values()].filter((k) => k.userName === userName),
    createApiKey: async (key: Omit<ApiKeyRecord, 'createdAt'>) => {
      const record = { ...key, createdAt: new Date() };
      keys.set(key.keyId, record);
      return record;
    },
    getApiKey: async (keyId: string) => keys.get(keyId) ?? null,
    deleteApiKey: async (keyId: string) => keys.delete(keyId),
  } as unknown as MetadataStore;
  const required: string[] = [];
  const revoked: string[] = [];
  const access = {
    requireCluster: (_caller: unknown, operation: string) => required.push(`${operation} CLUSTER`),
    revoke: (user: string, keyId?: string) => revoked.push(`${user}/${keyId}`),
  } as unknown as AccessControl;
  const recorded: AuditEntry[] = [];
  const audit = { record: async (entry: AuditEntry) => void recorded.push(entry) } as unknown as AuditService;
  let forgotten = 0;
  const authenticator = { forgetApiKeys: () => forgotten++ } as unknown as Authenticator;
  const service = new ApiKeysService(store, access, audit, authenticator);
  return { service, keys, required, revoked, recorded, forgotten: () => forgotten };
}

const admin = userCaller('admin', '10.0.0.9', undefined, 'password');

describe('ApiKeysService', () => {
  it('stores only the hash, audits the creation without the secret, and needs ALTER on the CLUSTER', async () => {
    const t = setup();
    const created = await t.service.create(admin, 'app', { expires_at: Date.now() + 60_000 });
    const stored = t.keys.get(created.key_id)!;
    const secretPart = created.secret.split('_').slice(2).join('_');
    expect(JSON.stringify(stored)).not.toContain(secretPart);
    expect(stored.secretHash).toMatch(/^[0-9a-f]{64}$/);
    expect(t.required).toEqual(['ALTER CLUSTER']);
    expect(t.recorded).toEqual([
      expect.objectContaining({
        principal: 'User:admin',
        source: '10.0.0.9',
        resource: 'USER:app',
        operation: 'CREATE_API_KEY',
        outcome: 'SUCCESS',
      }),
    ]);
    expect(JSON.stringify(t.recorded)).not.toContain(secretPart);
  });

  it('revokes: deletes, forgets remembered keys, ends the sessions the key opened and audits; lists need DESCRIBE', async () => {
    const t = setup();
    const created = await t.service.create(admin, 'app', {});
    expect(await t.service.list(admin, 'app')).toEqual([expect.objectContaining({ key_id: created.key_id, expires_at: null })]);
    await t.service.delete(admin, 'app', created.key_id);
    expect(t.keys.size).toBe(0);
    expect(t.forgotten()).toBe(1);
    expect(t.revoked).toEqual([`app/${created.key_id}`]);
    expect(t.required).toEqual(['ALTER CLUSTER', 'DESCRIBE CLUSTER', 'ALTER CLUSTER']);
    expect(t.recorded.map((e) => e.operation)).toEqual(['CREATE_API_KEY', 'DELETE_API_KEY']);
    await expect(t.service.delete(admin, 'app', created.key_id)).rejects.toBeInstanceOf(RunnelError);
    expect(t.forgotten()).toBe(1);
  });
});
