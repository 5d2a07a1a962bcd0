import { BrokerProcess, startBroker } from '../support/broker-process';
import { acl, Answer, basic, call, until } from './acls-support';

/**
 * ACL admin, acls:check and the audit log with authentication on (a real broker, RUNNEL_AUTH=on):
 * a user without ACLs gets 40301 on all of them (and the denial is audited), DESCRIBE on the
 * cluster lets a user read ACLs and the audit log, ALTER lets it change ACLs; a change applies to
 * the next request, and removing one of a user's ACLs leaves the others in force.
 */
describe('ACL admin with authentication on (real broker)', () => {
  const ADMIN_PASSWORD = 'admin-secret-123';
  const ALICE_PASSWORD = 'alice-secret-123';
  let broker: BrokerProcess;
  let root: string;
  const admin = basic('admin', ADMIN_PASSWORD);
  const alice = basic('alice', ALICE_PASSWORD);

  beforeAll(async () => {
    broker = await startBroker({ env: { RUNNEL_AUTH: 'on', RUNNEL_ADMIN_PASSWORD: ADMIN_PASSWORD } });
    root = `${broker.baseUrl}/v3/clusters/-`;
    expect((await call('POST', `${root}/users`, { name: 'alice', password: ALICE_PASSWORD }, admin)).status).toBe(201);
  });
  afterAll(async () => {
    await broker?.stop();
  });

  const clusterAcl = (operation: string) =>
    acl({ resource_type: 'CLUSTER', resource_name: 'kafka-cluster', principal: 'User:alice', operation });
  const deleteQuery = (operation: string) =>
    `resource_type=CLUSTER&resource_name=kafka-cluster&pattern_type=LITERAL&principal=User%3Aalice&operation=${operation}&permission=ALLOW`;
  const check = 'acls:check?principal=User%3Aalice&resource_type=TOPIC&resource_name=orders&operation=READ';
  /** The six calls, each as `alice` would make it. */
  const asAlice = (): Promise<Answer>[] => [
    call('GET', `${root}/acls`, undefined, alice),
    call('POST', `${root}/acls`, acl({ principal: 'User:alice', resource_name: 'mine' }), alice),
    call('POST', `${root}/acls:batch`, { data: [acl({ principal: 'User:alice', resource_name: 'mine' })] }, alice),
    call('DELETE', `${root}/acls?resource_type=ANY&pattern_type=ANY&operation=ANY&permission=ANY`, undefined, alice),
    call('GET', `${root}/${check}`, undefined, alice),
    call('GET', `${root}/audit-log`, undefined, alice),
  ];
  const statuses = async (answers: Promise<Answer>[]) =>
    (await Promise.all(answers)).map((a) => `${a.status}/${a.body?.error_code ?? '-'}`);

  it('without credentials every route answers 401/40101', async () => {
    for (const path of ['acls', check, 'audit-log']) {
      expect(await call('GET', `${root}/${path}`)).toMatchObject({ status: 401, body: { error_code: 40101 } });
    }
    expect((await call('POST', `${root}/acls`, acl())).status).toBe(401);
  });

  it('a user without ACLs gets 40301 on every ACL and audit route, and each denial is audited', async () => {
    expect(await statuses(asAlice())).toEqual(['403/40301', '403/40301', '403/40301', '403/40301', '403/40301', '403/40301']);
    const denied = await call('POST', `${root}/acls`, acl(), alice);
    expect(denied.body.message).toBe("User:alice is not authorized to ALTER CLUSTER 'kafka-cluster'");
    expect((await call('GET', `${root}/acls`, undefined, admin)).body.data).toEqual([]);
    await until(async () => {
      const events = (await call('GET', `${root}/audit-log?limit=1000`, undefined, admin)).body.data;
      return events.some(
        (e: Record<string, unknown>) =>
          e.principal === 'User:alice' && e.outcome === 'DENIED' && e.operation === 'ALTER' && e.resource === 'CLUSTER:kafka-cluster',
      );
    }, 'the denial in the audit log');
  });

  it('DESCRIBE on the cluster reads ACLs, checks and the audit log; ALTER changes ACLs; a change applies to the next request', async () => {
    expect((await call('POST', `${root}/acls`, clusterAcl('DESCRIBE'), admin)).status).toBe(201);
    expect(await statuses(asAlice())).toEqual(['200/-', '403/40301', '403/40301', '403/40301', '200/-', '200/-']);

    expect((await call('POST', `${root}/acls`, clusterAcl('ALTER'), admin)).status).toBe(201);
    const created = await call('POST', `${root}/acls`, acl({ principal: 'User:alice', resource_name: 'mine' }), alice);
    expect(created.status).toBe(201);
    // Removing one of alice's two cluster ACLs (ALTER) leaves the other (DESCRIBE) in force.
    const removed = await call('DELETE', `${root}/acls?${deleteQuery('ALTER')}`, undefined, admin);
    expect(removed.body.data.map((d: { operation: string }) => d.operation)).toEqual(['ALTER']);
    expect((await call('POST', `${root}/acls`, acl({ principal: 'User:alice', resource_name: 'more' }), alice)).status).toBe(403);
    expect(
      (await call('GET', `${root}/acls?principal=User%3Aalice`, undefined, alice)).body.data.map((d: { operation: string }) => d.operation),
    ).toEqual(['READ', 'DESCRIBE']);

    // The audit log names who changed what.
    const events = (await call('GET', `${root}/audit-log?limit=1000`, undefined, alice)).body.data as Record<string, unknown>[];
    const changes = events.filter((e) => e.resource === 'ACL').map((e) => `${e.principal} ${e.operation}`);
    expect(changes).toEqual(['User:admin CREATE_ACLS', 'User:admin CREATE_ACLS', 'User:alice CREATE_ACLS', 'User:admin DELETE_ACLS']);
    await call('DELETE', `${root}/acls?${deleteQuery('DESCRIBE')}`, undefined, admin);
    expect(await statuses(asAlice().slice(0, 1))).toEqual(['403/40301']);
  });

  it('acls:check answers the live decision with authorization on: super user, ACL, default', async () => {
    const ask = async (params: string) => (await call('GET', `${root}/acls:check?${params}`, undefined, admin)).body;
    expect(await ask('principal=User%3Aadmin&resource_type=TOPIC&resource_name=orders&operation=DELETE')).toMatchObject({
      allowed: true,
      authorization_enabled: true,
      decided_by: { kind: 'SUPER_USER' },
    });
    const mine = await ask('principal=User%3Aalice&resource_type=TOPIC&resource_name=mine&operation=DESCRIBE');
    expect(mine).toMatchObject({ allowed: true, decided_by: { kind: 'ACL', acl: { resource_name: 'mine', operation: 'READ' } } });
    expect(mine).not.toHaveProperty('if_enabled');
    expect(await ask('principal=User%3Aalice&resource_type=TOPIC&resource_name=orders&operation=READ')).toMatchObject({
      allowed: false,
      decided_by: { kind: 'DEFAULT', reason: 'NO_ACL_FOR_RESOURCE' },
    });
  });
});
