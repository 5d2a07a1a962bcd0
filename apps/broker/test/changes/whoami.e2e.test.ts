import Ajv2020 from 'ajv/dist/2020';
import { readOpenApi } from '../docs/openapi-document';
import { BrokerProcess, startBroker } from '../support/broker-process';
import { ADMIN, basic, bearer, call, createApiKey, createUser, startSecureBroker } from '../security/authentication-support';

/**
 * `GET /v3/auth/whoami` and `POST /v3/auth/permissions` against real brokers: who the caller is
 * with authentication off and on (Basic, API key), and the caller's own permissions answered by
 * the authorizer in the order asked, without the audit DENIED records a refused request leaves.
 */
const ALICE = basic('alice', 'alice-password');
const topicAcl = (name: string, operation: string, permission = 'ALLOW', pattern = 'LITERAL') => ({
  resource_type: 'TOPIC',
  resource_name: name,
  pattern_type: pattern,
  principal: 'User:alice',
  host: '*',
  operation,
  permission,
});

/** Validates a body against a component schema of docs/openapi.json (closed objects: a field the document lacks fails). */
const ajv = new Ajv2020({ strict: false, allErrors: true });
ajv.addSchema(readOpenApi(), 'openapi.json');
function expectSchema(schema: string, body: unknown): void {
  const validate = ajv.getSchema(`openapi.json#/components/schemas/${schema}`)!;
  expect({ valid: validate(body), errors: validate.errors ?? null }).toEqual({ valid: true, errors: null });
}

describe('whoami and permissions with authentication off', () => {
  let broker: BrokerProcess;
  beforeAll(async () => {
    broker = await startBroker();
  });
  afterAll(async () => {
    await broker?.stop();
  });

  it('answers the anonymous caller and that everything is allowed', async () => {
    const who = await call('GET', `${broker.baseUrl}/v3/auth/whoami`);
    expect(who.status).toBe(200);
    expect(who.body).toEqual({ principal: 'User:ANONYMOUS', user: null, auth_enabled: false, super_user: false, via: 'anonymous' });
    expectSchema('ChangesWhoami', who.body);
    const permissions = await call('POST', `${broker.baseUrl}/v3/auth/permissions`, undefined, {
      checks: [
        { resource_type: 'TOPIC', resource_name: 'orders', operation: 'WRITE' },
        { resource_type: 'CLUSTER', operation: 'ALTER' },
      ],
    });
    expect(permissions.status).toBe(200);
    expect(permissions.body).toEqual({
      data: [
        { resource_type: 'TOPIC', resource_name: 'orders', operation: 'WRITE', allowed: true },
        { resource_type: 'CLUSTER', resource_name: 'kafka-cluster', operation: 'ALTER', allowed: true },
      ],
    });
    expectSchema('ChangesPermissionsResponse', permissions.body);
  });
});

describe('whoami and permissions with authentication on', () => {
  let broker: BrokerProcess;
  const url = (path: string) => `${broker.baseUrl}${path}`;
  beforeAll(async () => {
    broker = await startSecureBroker();
    await createUser(broker, 'alice', 'alice-password');
    const acls = [
      topicAcl('orders', 'READ'),
      topicAcl('orders', 'WRITE', 'DENY'),
      topicAcl('pay-', 'WRITE', 'ALLOW', 'PREFIXED'),
      { ...topicAcl('g1', 'READ'), resource_type: 'GROUP' },
    ];
    for (const acl of acls) expect((await call('POST', url('/v3/clusters/-/acls'), ADMIN, acl)).status).toBe(201);
  });
  afterAll(async () => {
    await broker?.stop();
  });

  it('says who a Basic caller is, and whether it is a super user', async () => {
    expect((await call('GET', url('/v3/auth/whoami'), ALICE)).body).toEqual({
      principal: 'User:alice',
      user: 'alice',
      auth_enabled: true,
      super_user: false,
      via: 'basic',
    });
    expect((await call('GET', url('/v3/auth/whoami'), ADMIN)).body).toEqual({
      principal: 'User:admin',
      user: 'admin',
      auth_enabled: true,
      super_user: true,
      via: 'basic',
    });
  });

  it('says who an API-key caller is', async () => {
    const key = await createApiKey(broker, 'alice');
    const who = await call('GET', url('/v3/auth/whoami'), bearer(key.secret));
    expect(who.status).toBe(200);
    expect(who.body).toEqual({ principal: 'User:alice', user: 'alice', auth_enabled: true, super_user: false, via: 'api-key' });
    expectSchema('ChangesWhoami', who.body);
    expect(JSON.stringify(who.body)).not.toContain(key.secret);
  });

  it('answers 401/40101 without credentials or with wrong ones', async () => {
    for (const authorization of [undefined, basic('alice', 'wrong')]) {
      const who = await call('GET', url('/v3/auth/whoami'), authorization);
      expect(who.status).toBe(401);
      expect(who.body).toEqual({ error_code: 40101, message: expect.any(String) });
      const permissions = await call('POST', url('/v3/auth/permissions'), authorization, {
        checks: [{ resource_type: 'TOPIC', resource_name: 'x', operation: 'READ' }],
      });
      expect(permissions.status).toBe(401);
    }
  });

  it("answers the caller's own permissions in the order asked, as the authorizer decides them", async () => {
    const checks = [
      { resource_type: 'TOPIC', resource_name: 'orders', operation: 'READ' },
      { resource_type: 'TOPIC', resource_name: 'orders', operation: 'WRITE' }, // DENY wins
      { resource_type: 'TOPIC', resource_name: 'orders', operation: 'DESCRIBE' }, // implied by READ
      { resource_type: 'TOPIC', resource_name: 'pay-eu', operation: 'WRITE' }, // prefixed ALLOW
      { resource_type: 'TOPIC', resource_name: 'other', operation: 'READ' },
      { resource_type: 'GROUP', resource_name: 'g1', operation: 'READ' },
      { resource_type: 'GROUP', resource_name: 'g2', operation: 'READ' },
      { resource_type: 'CLUSTER', resource_name: 'kafka-cluster', operation: 'ALTER' },
      { resource_type: 'TRANSACTIONAL_ID', resource_name: 'tx', operation: 'WRITE' },
    ];
    expectSchema('ChangesPermissionsRequest', { checks });
    const answer = await call('POST', url('/v3/auth/permissions'), ALICE, { checks });
    expect(answer.status).toBe(200);
    expectSchema('ChangesPermissionsResponse', answer.body);
    expect(answer.body.data).toEqual(
      checks.map((c, i) => ({ ...c, allowed: [true, false, true, true, false, true, false, false, false][i] })),
    );
    // The super user may do everything.
    const asAdmin = await call('POST', url('/v3/auth/permissions'), ADMIN, { checks });
    expect(asAdmin.body.data.map((d: { allowed: boolean }) => d.allowed)).toEqual(checks.map(() => true));
  });

  it('reads enum names case-insensitively and refuses malformed questions with 400/40002', async () => {
    const lower = await call('POST', url('/v3/auth/permissions'), ALICE, {
      checks: [{ resource_type: 'topic', resource_name: 'orders', operation: 'read' }],
    });
    expect(lower.body.data).toEqual([{ resource_type: 'TOPIC', resource_name: 'orders', operation: 'READ', allowed: true }]);
    const one = { resource_type: 'TOPIC', resource_name: 'orders', operation: 'READ' };
    const bad: [unknown, RegExp][] = [
      [{}, /checks/],
      [{ checks: [] }, /1 to 200/],
      [{ checks: Array.from({ length: 201 }, () => one) }, /1 to 200/],
      [{ checks: [{ ...one, resource_type: 'DELEGATION_TOKEN' }] }, /checks\[0\]\.resource_type/],
      [{ checks: [one, { ...one, operation: 'ANY' }] }, /checks\[1\]\.operation/],
      [{ checks: [{ ...one, operation: 7 }] }, /checks\[0\]\.operation/],
      [{ checks: [{ ...one, resource_name: '' }] }, /checks\[0\]\.resource_name/],
      [{ checks: [{ ...one, resource_name: 'x'.repeat(1001) }] }, /checks\[0\]\.resource_name/],
      [{ checks: ['TOPIC'] }, /checks\[0\]\.resource_type/],
      ['[]', /checks/],
    ];
    for (const [body, message] of bad) {
      const answer = await call('POST', url('/v3/auth/permissions'), ALICE, body);
      expect({ body, status: answer.status, error: answer.body }).toEqual({
        body,
        status: 400,
        error: { error_code: 40002, message: expect.stringMatching(message) },
      });
    }
    const full = await call('POST', url('/v3/auth/permissions'), ALICE, { checks: Array.from({ length: 200 }, () => one) });
    expect(full.body.data).toHaveLength(200);
  });

  it('leaves no audit DENIED record for a "no" (a question is not an attempt)', async () => {
    const asked = await call('POST', url('/v3/auth/permissions'), ALICE, {
      checks: [{ resource_type: 'TOPIC', resource_name: 'asked-only', operation: 'DELETE' }],
    });
    expect(asked.body.data[0].allowed).toBe(false);
    // A real attempt afterwards is denied and audited: once its record is there, the question's would be too.
    expect((await call('DELETE', url('/v3/clusters/-/topics/attempted'), ALICE)).status).toBe(403);
    const denials = async () => {
      const log = await call('GET', url('/v3/clusters/-/audit-log?limit=1000'), ADMIN);
      return (log.body.data as { principal: string; resource: string; outcome: string }[]).filter(
        (r) => r.principal === 'User:alice' && r.outcome === 'DENIED',
      );
    };
    const until = Date.now() + 10_000;
    while (!(await denials()).some((r) => r.resource === 'TOPIC:attempted')) {
      if (Date.now() > until) throw new Error('the denied DELETE was never audited');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect((await denials()).map((r) => r.resource)).toEqual(['TOPIC:attempted']);
  });
});
