import { BrokerProcess, startBroker } from '../support/broker-process';
import { acl, call } from './acls-support';

/**
 * `GET /v3/clusters/{cid}/audit-log` on a real broker (auth off: the caller is User:ANONYMOUS):
 * every ACL change is recorded with its before/after bindings, pages follow `next` by id without
 * gaps or repeats, bad parameters are 400/40001, and a restart keeps ACLs and audit records.
 */
describe('audit log: ACL changes recorded, paged, kept across a restart (real broker)', () => {
  let broker: BrokerProcess;
  let root: string;

  beforeAll(async () => {
    broker = await startBroker();
    const cid = (await call('GET', `${broker.baseUrl}/v3/clusters`)).body.data[0].cluster_id;
    root = `${broker.baseUrl}/v3/clusters/${cid}`;
  });
  afterAll(async () => {
    await broker?.stop();
  });

  /** Every record after `after`, following `next` links page by page. */
  const allAfter = async (after = 0, limit = 1000) => {
    const events = [];
    let url: string | null = `${root}/audit-log?after=${after}&limit=${limit}`;
    while (url) {
      const page: { status: number; body: { data: unknown[]; next: string | null } } = await call('GET', url);
      expect(page.status).toBe(200);
      events.push(...page.body.data);
      url = page.body.next;
    }
    return events as { id: number; time: number; operation: string; before?: unknown; after?: unknown }[];
  };
  const lastId = async (): Promise<number> => (await allAfter()).reduce((max, e) => Math.max(max, e.id), 0);

  it('records each ACL create and delete: principal, time, source, resource, operation, outcome, before and after', async () => {
    const start = await lastId();
    const alice = acl({ principal: 'User:alice' });
    const bob = acl({ principal: 'User:bob', operation: 'WRITE' });
    const t0 = Date.now();
    expect((await call('POST', `${root}/acls`, alice)).status).toBe(201);
    expect((await call('POST', `${root}/acls:batch`, { data: [alice, bob] })).status).toBe(201);
    expect(
      (await call('DELETE', `${root}/acls?resource_type=TOPIC&pattern_type=LITERAL&principal=User%3Abob&operation=ANY&permission=ANY`))
        .status,
    ).toBe(200);
    // A delete that matches nothing changes nothing and is not recorded.
    expect((await call('DELETE', `${root}/acls?resource_type=GROUP&pattern_type=ANY&operation=ANY&permission=ANY`)).status).toBe(200);
    const t1 = Date.now();

    const events = await allAfter(start);
    expect(events).toEqual([
      {
        id: expect.any(Number),
        time: expect.any(Number),
        principal: 'User:ANONYMOUS',
        source: '127.0.0.1',
        resource: 'ACL',
        operation: 'CREATE_ACLS',
        outcome: 'SUCCESS',
        before: [],
        after: [alice],
      },
      expect.objectContaining({ operation: 'CREATE_ACLS', before: [alice], after: [alice, bob] }),
      expect.objectContaining({ operation: 'DELETE_ACLS', resource: 'ACL', before: [bob], after: [] }),
    ]);
    for (const event of events) {
      expect(event.time).toBeGreaterThanOrEqual(t0 - 1000);
      expect(event.time).toBeLessThanOrEqual(t1 + 1000);
    }
    expect(events[0].id).toBeLessThan(events[1].id);
    expect(events[1].id).toBeLessThan(events[2].id);
  });

  it('pages by id with after and limit: next links until null, no record skipped or repeated', async () => {
    for (let i = 0; i < 5; i++) expect((await call('POST', `${root}/acls`, acl({ principal: `User:pager-${i}` }))).status).toBe(201);
    const everything = await allAfter(0, 1000);
    expect(everything.length).toBeGreaterThanOrEqual(5);
    const paged = await allAfter(0, 2);
    expect(paged.map((e) => e.id)).toEqual(everything.map((e) => e.id));

    const first = await call('GET', `${root}/audit-log?limit=2`);
    expect(first.body.data.map((e: { id: number }) => e.id)).toEqual(everything.slice(0, 2).map((e) => e.id));
    expect(first.body.next).toBe(`${root}/audit-log?after=${everything[1].id}&limit=2`);
    const tail = await call('GET', `${root}/audit-log?after=${everything[everything.length - 2].id}&limit=1`);
    expect(tail.body).toEqual({ data: [everything[everything.length - 1]], next: null });
    // A full last page says null: there is nothing after it.
    const exact = await call('GET', `${root}/audit-log?after=${everything[everything.length - 3].id}&limit=2`);
    expect(exact.body.next).toBeNull();
    expect(await call('GET', `${root}/audit-log?after=${everything[everything.length - 1].id}`)).toMatchObject({
      status: 200,
      body: { data: [], next: null },
    });
    // The default page is at most 100 records.
    expect((await call('GET', `${root}/audit-log`)).body.data.length).toBe(Math.min(100, everything.length));
  });

  it('refuses bad parameters with 400/40001, an unknown cluster with 404', async () => {
    for (const query of [
      'after=-1',
      'after=x',
      'after=1.5',
      'limit=0',
      'limit=1001',
      'limit=a',
      'limit=1&limit=2',
      `after=${'9'.repeat(17)}`,
    ]) {
      const answer = await call('GET', `${root}/audit-log?${query}`);
      expect({ query, status: answer.status, code: answer.body.error_code }).toEqual({ query, status: 400, code: 40001 });
      expect(answer.body.message).toMatch(/^(after|limit) must be an integer from/);
    }
    expect(await call('GET', `${broker.baseUrl}/v3/clusters/nothing/audit-log`)).toMatchObject({ status: 404, body: { error_code: 404 } });
    expect((await call('GET', `${broker.baseUrl}/v3/clusters/-/audit-log?limit=1`)).status).toBe(200);
  });

  it('a restart keeps the ACLs (and the authorizer decides by them) and the audit records', async () => {
    const kept = acl({ resource_name: 'kept', principal: 'User:keeper' });
    expect((await call('POST', `${root}/acls`, kept)).status).toBe(201);
    const aclsBefore = (await call('GET', `${root}/acls`)).body.data;
    const auditBefore = await allAfter();

    await broker.stop();
    broker = await startBroker({ dataDir: broker.dataDir });
    root = root.replace(/^http:\/\/[^/]+/, broker.baseUrl);

    const aclsAfter = (await call('GET', `${root}/acls`)).body.data;
    expect(aclsAfter.map((d: Record<string, unknown>) => ({ ...d, metadata: undefined }))).toEqual(
      aclsBefore.map((d: Record<string, unknown>) => ({ ...d, metadata: undefined })),
    );
    expect(await allAfter()).toEqual(auditBefore);
    const check = await call('GET', `${root}/acls:check?principal=User%3Akeeper&resource_type=TOPIC&resource_name=kept&operation=READ`);
    expect(check.body.if_enabled).toMatchObject({ allowed: true, decided_by: { kind: 'ACL', acl: { principal: 'User:keeper' } } });
  });
});
