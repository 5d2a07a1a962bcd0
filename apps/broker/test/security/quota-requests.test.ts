import { DEFAULT_ENTITY } from '@runnel/security';
import { quotaRouteKind } from '../../src/security/quota-http';
import { entityJson, entityResource, parseCallerQuery, parseEntityQuery, parseQuotaAlteration } from '../../src/security/quota-requests';

describe('quota requests (API.md "Security admin": Quotas)', () => {
  it('reads entity members as a name, null (<default>) or absent (not part)', () => {
    expect(parseQuotaAlteration({ entity: { user: 'alice', client_id: null }, producer_byte_rate: 10, request_percentage: null })).toEqual({
      entity: { user: 'alice', clientId: DEFAULT_ENTITY },
      set: { producer_byte_rate: 10 },
      remove: ['request_percentage'],
    });
    expect(parseQuotaAlteration({ entity: { client_id: 'app' }, consumer_byte_rate: 0 }).entity).toEqual({ user: '', clientId: 'app' });
  });

  it('writes entities back in the same shape and names them in the audit log', () => {
    expect(entityJson({ user: DEFAULT_ENTITY, clientId: '' })).toEqual({ user: null });
    expect(entityJson({ user: 'u', clientId: 'c' })).toEqual({ user: 'u', client_id: 'c' });
    expect(entityResource({ user: 'u', clientId: DEFAULT_ENTITY })).toBe('QUOTA:user=u,client_id=<default>');
  });

  it('takes <default> in query strings, where null cannot be written', () => {
    expect(parseEntityQuery({ user: '<default>' })).toEqual({ user: DEFAULT_ENTITY, clientId: '' });
    expect(parseEntityQuery({ client_id: 'app' })).toEqual({ user: '', clientId: 'app' });
  });

  it('defaults the effective user to ANONYMOUS and the client id to none', () => {
    expect(parseCallerQuery({})).toEqual({ user: 'ANONYMOUS', clientId: '' });
    expect(parseCallerQuery({ user: 'bob', client_id: 'x' })).toEqual({ user: 'bob', clientId: 'x' });
  });

  it('refuses with 400/40002', () => {
    for (const bad of [null, { entity: { user: 'a' }, producer_byte_rate: 2 ** 53 }, { entity: { user: 'a' }, request_percentage: NaN }]) {
      expect(() => parseQuotaAlteration(bad)).toThrow(expect.objectContaining({ kind: 'KAFKA_BAD_REQUEST' }));
    }
  });
});

describe('quotaRouteKind: which byte quota a route counts against', () => {
  it.each([
    ['POST', '/v3/clusters/:cid/topics/:topic/records', 'produce'],
    ['POST', '/v3/clusters/:cid/topics/:topic/records::batch', 'produce'],
    ['POST', '/v3/clusters/:cid/topics/:topic/partitions/:p/batches', 'produce'],
    ['POST', '/topics/:topic', 'produce'],
    ['POST', '/topics/:topic/partitions/:p', 'produce'],
    ['GET', '/v3/clusters/:cid/topics/:topic/partitions/:p/records', 'read'],
    ['GET', '/consumers/:group/instances/:name/records', 'read'],
    ['POST', '/v3/clusters/:cid/topics', 'other'],
    ['POST', '/v3/clusters/:cid/quotas', 'other'],
    ['GET', '/v3/clusters/:cid/topics', 'other'],
    ['GET', '/v3/clusters/:cid/topics/:topic/events', 'other'],
  ])('%s %s → %s', (method, route, kind) => {
    expect(quotaRouteKind(method, route)).toBe(kind);
  });
});
