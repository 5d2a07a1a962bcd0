import { AclBinding, Authorizer, invalidBinding } from '@runnel/security';

const acl = (over: Partial<AclBinding>): AclBinding => ({
  resourceType: 'TOPIC',
  resourceName: 'orders',
  patternType: 'LITERAL',
  principal: 'User:alice',
  host: '*',
  operation: 'READ',
  permission: 'ALLOW',
  ...over,
});

const topic = (name: string) => ({ type: 'TOPIC' as const, name });

describe('Authorizer (Kafka StandardAuthorizer semantics)', () => {
  const options = { superUsers: ['User:admin'], allowEveryoneIfNoAclFound: false };

  it('allows a super user with no binding at all', () => {
    const decision = new Authorizer(options).authorize('User:admin', '10.0.0.1', 'DELETE', topic('orders'));
    expect(decision).toEqual({ allowed: true, decidedBy: { kind: 'SUPER_USER' } });
  });

  it('denies by default and says no binding names the resource', () => {
    expect(new Authorizer(options).authorize('User:alice', '10.0.0.1', 'READ', topic('orders'))).toEqual({
      allowed: false,
      decidedBy: { kind: 'DEFAULT', reason: 'NO_ACL_FOR_RESOURCE' },
    });
  });

  it('allows everyone on a resource no binding names when allowEveryoneIfNoAclFound, but not once one does', () => {
    const open = new Authorizer({ ...options, allowEveryoneIfNoAclFound: true });
    expect(open.allowed('User:bob', 'h', 'WRITE', topic('orders'))).toBe(true);
    open.setBindings([acl({ principal: 'User:alice' })]);
    expect(open.authorize('User:bob', 'h', 'WRITE', topic('orders'))).toEqual({
      allowed: false,
      decidedBy: { kind: 'DEFAULT', reason: 'NO_MATCHING_ALLOW' },
    });
  });

  it('matches LITERAL by exact name, LITERAL * for every name and PREFIXED by prefix', () => {
    const authorizer = new Authorizer(options, [
      acl({ resourceName: 'orders' }),
      acl({ resourceName: 'pay.', patternType: 'PREFIXED', principal: 'User:bob' }),
      acl({ resourceName: '*', principal: 'User:carol' }),
    ]);
    expect(authorizer.allowed('User:alice', 'h', 'READ', topic('orders'))).toBe(true);
    expect(authorizer.allowed('User:alice', 'h', 'READ', topic('orders2'))).toBe(false);
    expect(authorizer.allowed('User:bob', 'h', 'READ', topic('pay.eu'))).toBe(true);
    expect(authorizer.allowed('User:bob', 'h', 'READ', topic('pay'))).toBe(false);
    expect(authorizer.allowed('User:carol', 'h', 'READ', topic('anything'))).toBe(true);
  });

  it('lets a matching DENY win over any ALLOW and names it', () => {
    const deny = acl({ permission: 'DENY', host: '10.0.0.9' });
    const authorizer = new Authorizer(options, [acl({ operation: 'ALL', principal: 'User:*' }), deny]);
    expect(authorizer.authorize('User:alice', '10.0.0.9', 'READ', topic('orders'))).toEqual({
      allowed: false,
      decidedBy: { kind: 'ACL', acl: deny },
    });
    expect(authorizer.allowed('User:alice', '10.0.0.8', 'READ', topic('orders'))).toBe(true);
  });

  it('implies DESCRIBE from READ/WRITE/DELETE/ALTER and DESCRIBE_CONFIGS from ALTER_CONFIGS, for ALLOW only', () => {
    for (const operation of ['READ', 'WRITE', 'DELETE', 'ALTER'] as const) {
      expect(new Authorizer(options, [acl({ operation })]).allowed('User:alice', 'h', 'DESCRIBE', topic('orders'))).toBe(true);
    }
    expect(new Authorizer(options, [acl({ operation: 'CREATE' })]).allowed('User:alice', 'h', 'DESCRIBE', topic('orders'))).toBe(false);
    expect(
      new Authorizer(options, [acl({ operation: 'ALTER_CONFIGS' })]).allowed('User:alice', 'h', 'DESCRIBE_CONFIGS', topic('orders')),
    ).toBe(true);
    const denyRead = new Authorizer(options, [acl({ operation: 'ALL' }), acl({ operation: 'READ', permission: 'DENY' })]);
    expect(denyRead.allowed('User:alice', 'h', 'DESCRIBE', topic('orders'))).toBe(true);
    expect(denyRead.allowed('User:alice', 'h', 'READ', topic('orders'))).toBe(false);
  });

  it('forgets cached decisions when the bindings change', () => {
    const authorizer = new Authorizer(options, [acl({})]);
    expect(authorizer.allowed('User:alice', 'h', 'READ', topic('orders'))).toBe(true);
    authorizer.setBindings([]);
    expect(authorizer.allowed('User:alice', 'h', 'READ', topic('orders'))).toBe(false);
  });

  it("refuses bindings Kafka refuses: operations a resource type does not have, a cluster not named 'kafka-cluster', PREFIXED '*'", () => {
    expect(invalidBinding(acl({}))).toBeUndefined();
    expect(invalidBinding(acl({ resourceType: 'GROUP', operation: 'WRITE' }))).toMatch(/not valid for resource type GROUP/);
    expect(invalidBinding(acl({ resourceType: 'CLUSTER', resourceName: 'x', operation: 'ALTER' }))).toMatch(/kafka-cluster/);
    expect(invalidBinding(acl({ patternType: 'PREFIXED', resourceName: '*' }))).toMatch(/PREFIXED/);
    expect(invalidBinding(acl({ principal: 'alice' }))).toMatch(/User:/);
  });
});
