import type { MetadataStore, UserRecord } from '@runnel/metadata';
import { loadBrokerConfig } from '../../src/config/broker-config';
import type { AccessControl } from '../../src/security/access-control.service';
import type { AuditEntry, AuditService } from '../../src/security/audit.service';
import type { Authenticator } from '../../src/security/authenticator';
import { userCaller } from '../../src/security/caller';
import { MAX_USERS, UsersService } from '../../src/security/users.service';

/** UsersService alone over an in-memory stand-in of the store's users. */
function setup(count: number) {
  const users: UserRecord[] = Array.from({ length: count }, (_, i) => ({ name: `u${i}`, createdAt: new Date(), credentials: [] }));
  const store = {
    listUsers: async () => users,
    createUser: async (name: string, credentials: UserRecord['credentials']) => {
      const user = { name, createdAt: new Date(), credentials };
      users.push(user);
      return user;
    },
  } as unknown as MetadataStore;
  const access = { requireCluster: () => undefined, revoke: () => undefined } as unknown as AccessControl;
  const recorded: AuditEntry[] = [];
  const audit = { record: async (entry: AuditEntry) => void recorded.push(entry) } as unknown as AuditService;
  const service = new UsersService(loadBrokerConfig({ RUNNEL_AUTH: 'on' }, 20_000), store, access, audit, {} as Authenticator);
  return { service, users, recorded };
}

const admin = userCaller('admin', '10.0.0.9', undefined, 'password');

describe('UsersService', () => {
  it('holds at most MAX_USERS users: the next create answers 409/40901 and stores nothing', async () => {
    const t = setup(MAX_USERS - 1);
    await t.service.create(admin, { name: 'last', password: 'last-password' });
    expect(t.recorded).toEqual([expect.objectContaining({ operation: 'CREATE_USER', resource: 'USER:last', outcome: 'SUCCESS' })]);
    await expect(t.service.create(admin, { name: 'one-too-many', password: 'long-enough' })).rejects.toMatchObject({
      kind: 'CONFLICT',
      status: 409,
      errorCode: 40901,
    });
    expect(t.users).toHaveLength(MAX_USERS);
    expect(JSON.stringify(t.recorded)).not.toContain('last-password');
  });
});
