import { BrokerProcess, startBroker } from '../support/broker-process';
import { acl, aclData, call } from './acls-support';

/**
 * `GET /v3/clusters/{cid}/acls:check` on a real broker with authentication off: everything is
 * allowed then (`authorization_enabled: false`), and `if_enabled` says what the same authorizer
 * decides once RUNNEL_AUTH is on — super user, the DENY or ALLOW binding, or the default.
 */
describe('acls:check: what decides an authorization (real broker, auth off)', () => {
  let broker: BrokerProcess;
  let cid: string;
  let root: string;

  beforeAll(async () => {
    broker = await startBroker({ env: { RUNNEL_SUPER_USERS: 'User:admin;User:ops' } });
    cid = (await call('GET', `${broker.baseUrl}/v3/clusters`)).body.data[0].cluster_id;
    root = `${broker.baseUrl}/v3/clusters/${cid}`;
    const bindings = [
      acl({ resource_name: 'orders', principal: 'User:alice', operation: 'READ' }),
      acl({ resource_name: 'orders', principal: 'User:alice', host: '10.0.0.9', operation: 'READ', permission: 'DENY' }),
      acl({ resource_name: 'pay-', pattern_type: 'PREFIXED', principal: 'User:bob', operation: 'WRITE' }),
      acl({ resource_name: 'pay-secret', principal: 'User:*', operation: 'ALL', permission: 'DENY' }),
      acl({ resource_name: '*', principal: 'User:carol', operation: 'DESCRIBE' }),
      acl({ resource_type: 'GROUP', resource_name: 'billing', principal: 'User:alice', operation: 'READ' }),
      acl({ resource_type: 'CLUSTER', resource_name: 'kafka-cluster', principal: 'User:dave', operation: 'ALTER' }),
    ];
    expect((await call('POST', `${root}/acls:batch`, { data: bindings })).status).toBe(201);
  });
  afterAll(async () => {
    await broker?.stop();
  });

  const check = async (params: Record<string, string>) => {
    const answer = await call('GET', `${root}/acls:check?${new URLSearchParams(params)}`);
    expect(answer.status).toBe(200);
    return answer.body;
  };
  const topic = (principal: string, resource_name: string, operation: string, host?: string) =>
    check({ principal, resource_type: 'TOPIC', resource_name, operation, ...(host ? { host } : {}) });

  it('answers allowed with authorization off, and what the authorizer would decide with it on', async () => {
    expect(await topic('User:alice', 'orders', 'READ')).toEqual({
      allowed: true,
      authorization_enabled: false,
      decided_by: { kind: 'DEFAULT', reason: 'AUTHORIZATION_DISABLED' },
      if_enabled: { allowed: true, decided_by: { kind: 'ACL', acl: aclData(root, cid, acl({ principal: 'User:alice' })) } },
      principal: 'User:alice',
      host: '*',
      resource_type: 'TOPIC',
      resource_name: 'orders',
      operation: 'READ',
    });
  });

  it.each([
    // [principal, resource, operation, host, allowed, decided by]
    ['a super user, with no ACL at all', 'User:ops', 'anything', 'DELETE', undefined, true, { kind: 'SUPER_USER' }],
    [
      'the ALLOW binding',
      'User:alice',
      'orders',
      'READ',
      '10.0.0.1',
      true,
      { kind: 'ACL', acl: { permission: 'ALLOW', principal: 'User:alice' } },
    ],
    [
      'a DENY for that host wins over the ALLOW',
      'User:alice',
      'orders',
      'READ',
      '10.0.0.9',
      false,
      { kind: 'ACL', acl: { permission: 'DENY', host: '10.0.0.9' } },
    ],
    [
      'READ implies DESCRIBE (ALLOW only)',
      'User:alice',
      'orders',
      'DESCRIBE',
      undefined,
      true,
      { kind: 'ACL', acl: { operation: 'READ' } },
    ],
    ['no ALLOW for the operation', 'User:alice', 'orders', 'WRITE', undefined, false, { kind: 'DEFAULT', reason: 'NO_MATCHING_ALLOW' }],
    [
      'a PREFIXED binding',
      'User:bob',
      'pay-in',
      'WRITE',
      undefined,
      true,
      { kind: 'ACL', acl: { pattern_type: 'PREFIXED', resource_name: 'pay-' } },
    ],
    [
      'a User:* DENY of ALL beats the prefix',
      'User:bob',
      'pay-secret',
      'WRITE',
      undefined,
      false,
      { kind: 'ACL', acl: { principal: 'User:*', operation: 'ALL' } },
    ],
    [
      "the '*' literal names every topic",
      'User:carol',
      'whatever',
      'DESCRIBE',
      undefined,
      true,
      { kind: 'ACL', acl: { resource_name: '*' } },
    ],
    ['DESCRIBE does not imply READ', 'User:carol', 'whatever', 'READ', undefined, false, { kind: 'DEFAULT', reason: 'NO_MATCHING_ALLOW' }],
  ] as const)('%s', async (_name, principal, resource, operation, host, allowed, decidedBy) => {
    const answer = await topic(principal, resource, operation, host);
    expect(answer.if_enabled).toMatchObject({ allowed, decided_by: decidedBy });
    expect(answer.allowed).toBe(true);
  });

  it('GROUP and CLUSTER resources (CLUSTER is named kafka-cluster by default); the default when no binding names the resource', async () => {
    const group = await check({ principal: 'User:alice', resource_type: 'group', resource_name: 'billing', operation: 'read' });
    expect(group.if_enabled).toMatchObject({ allowed: true, decided_by: { kind: 'ACL', acl: { resource_type: 'GROUP' } } });
    // No binding names this group (the '*' literal above is for topics): the default denies.
    const unnamed = await check({ principal: 'User:alice', resource_type: 'GROUP', resource_name: 'nobody-has-acls', operation: 'READ' });
    expect(unnamed.if_enabled).toEqual({ allowed: false, decided_by: { kind: 'DEFAULT', reason: 'NO_ACL_FOR_RESOURCE' } });
    const cluster = await check({ principal: 'User:dave', resource_type: 'CLUSTER', operation: 'DESCRIBE' });
    expect(cluster).toMatchObject({
      resource_name: 'kafka-cluster',
      if_enabled: { allowed: true, decided_by: { acl: { operation: 'ALTER' } } },
    });
  });

  it('refuses every bad parameter with 400/40001 and a message', async () => {
    const base = { principal: 'User:alice', resource_type: 'TOPIC', resource_name: 'orders', operation: 'READ' };
    const cases: [Record<string, string | undefined>, string][] = [
      [{ principal: undefined }, 'principal is required'],
      [{ principal: 'alice' }, "principal must be 'User:<name>'"],
      [{ resource_type: undefined }, 'resource_type is required'],
      [{ resource_type: 'ANY' }, 'resource_type must be one of TOPIC, GROUP, CLUSTER, TRANSACTIONAL_ID'],
      [{ resource_name: undefined }, 'resource_name is required'],
      [{ resource_name: 'x'.repeat(256) }, 'resource_name must have at most 255 characters'],
      [{ resource_type: 'CLUSTER', resource_name: 'orders', operation: 'ALTER' }, "a CLUSTER resource is named 'kafka-cluster'"],
      [{ operation: undefined }, 'operation is required'],
      [
        { operation: 'FLY' },
        'operation must be one of UNKNOWN, ANY, ALL, READ, WRITE, CREATE, DELETE, ALTER, DESCRIBE, CLUSTER_ACTION, DESCRIBE_CONFIGS, ALTER_CONFIGS, IDEMPOTENT_WRITE',
      ],
      [{ operation: 'ALL' }, expect.stringContaining('operation ALL is not checked on resource type TOPIC') as unknown as string],
      [{ operation: 'ANY' }, expect.stringContaining('operation ANY is not checked') as unknown as string],
      [
        { resource_type: 'GROUP', operation: 'WRITE' },
        expect.stringContaining(
          'operation WRITE is not checked on resource type GROUP (one of READ, DESCRIBE, DELETE)',
        ) as unknown as string,
      ],
      [{ host: 'h'.repeat(256) }, 'host must have at most 255 characters'],
    ];
    for (const [change, message] of cases) {
      const params = Object.entries({ ...base, ...change }).filter((e): e is [string, string] => e[1] !== undefined);
      const answer = await call('GET', `${root}/acls:check?${new URLSearchParams(params)}`);
      expect({ change, answer: { status: answer.status, body: answer.body } }).toEqual({
        change,
        answer: { status: 400, body: { error_code: 40001, message } },
      });
    }
    const twice = await call(
      'GET',
      `${root}/acls:check?principal=User%3Aa&principal=User%3Ab&resource_type=TOPIC&resource_name=t&operation=READ`,
    );
    expect(twice).toMatchObject({ status: 400, body: { error_code: 40001, message: 'principal must be given once' } });
  });

  it('RUNNEL_ALLOW_EVERYONE_IF_NO_ACL_FOUND=on allows a resource no binding names, and only that', async () => {
    const open = await startBroker({ env: { RUNNEL_ALLOW_EVERYONE_IF_NO_ACL_FOUND: 'on' } });
    try {
      const base = `${open.baseUrl}/v3/clusters/-`;
      expect((await call('POST', `${base}/acls`, acl({ resource_name: 'guarded', principal: 'User:alice' }))).status).toBe(201);
      const ask = async (resource: string) =>
        (await call('GET', `${base}/acls:check?principal=User%3Abob&resource_type=TOPIC&resource_name=${resource}&operation=READ`)).body
          .if_enabled;
      expect(await ask('free')).toEqual({ allowed: true, decided_by: { kind: 'DEFAULT', reason: 'NO_ACL_FOR_RESOURCE' } });
      expect(await ask('guarded')).toEqual({ allowed: false, decided_by: { kind: 'DEFAULT', reason: 'NO_MATCHING_ALLOW' } });
    } finally {
      await open.stop();
    }
  });
});
