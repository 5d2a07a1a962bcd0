import { BrokerProcess, startBroker } from '../support/broker-process';
import { acl, basic, call, until } from './acls-support';

/**
 * `GET /v3/clusters/{cid}/audit-log` on a real broker (auth off: the caller is User:ANONYMOUS):
 * every ACL change is recorded with its before/after bindings, pages follow `next` by id without
 * gaps or repeats (oldest first with `after`, newest first with `order=desc&before`), the exact
 * filters `principal`, `outcome`, `operation`, `resource` apply in the broker and survive paging,
 * bad parameters are 400/40001, and a restart keeps ACLs and audit records.
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

  /** Every record newest first, following `next` links from `first`. */
  const allDesc = async (first: string) => {
    const events = [];
    let url: string | null = first;
    while (url) {
      const page: { status: number; body: { data: { id: number }[]; next: string | null } } = await call('GET', url);
      expect(page.status).toBe(200);
      events.push(...page.body.data);
      url = page.body.next;
    }
    return events as { id: number; operation: string; resource: string; principal: string }[];
  };

  it('pages newest first with order=desc and before: next keeps the order, nothing skipped or repeated', async () => {
    for (let i = 0; i < 5; i++) expect((await call('POST', `${root}/acls`, acl({ principal: `User:desc-${i}` }))).status).toBe(201);
    const everything = await allAfter(0, 1000);
    const newestFirst = [...everything].reverse();

    const first = await call('GET', `${root}/audit-log?order=desc&limit=2`);
    expect(first.status).toBe(200);
    expect(first.body.data).toEqual(newestFirst.slice(0, 2));
    expect(first.body.next).toBe(`${root}/audit-log?order=desc&before=${newestFirst[1].id}&limit=2`);

    // A record appended while a client pages back is newer than its cursor: no page repeats or skips one.
    expect((await call('POST', `${root}/acls`, acl({ principal: 'User:desc-late' }))).status).toBe(201);
    const rest = await allDesc(first.body.next);
    expect([...first.body.data, ...rest].map((e) => e.id)).toEqual(newestFirst.map((e) => e.id));
    // From the newest again, the late record leads.
    const again = await call('GET', `${root}/audit-log?order=desc&limit=1`);
    expect(again.body.data[0]).toMatchObject({
      operation: 'CREATE_ACLS',
      after: expect.arrayContaining([acl({ principal: 'User:desc-late' })]),
    });
    expect(again.body.data[0].id).toBeGreaterThan(newestFirst[0].id);

    // before is exclusive; the oldest page ends with null; order=asc is the default's explicit form.
    const older = await call('GET', `${root}/audit-log?order=desc&before=${newestFirst[2].id}&limit=1`);
    expect(older.body.data).toEqual([newestFirst[3]]);
    const oldest = newestFirst[newestFirst.length - 1];
    expect(await call('GET', `${root}/audit-log?order=desc&before=${oldest.id}`)).toMatchObject({
      status: 200,
      body: { data: [], next: null },
    });
    const last = await call('GET', `${root}/audit-log?order=desc&before=${newestFirst[newestFirst.length - 2].id}&limit=1`);
    expect(last.body).toEqual({ data: [oldest], next: null });
    expect((await call('GET', `${root}/audit-log?order=asc&limit=3`)).body.data).toEqual(everything.slice(0, 3));
  });

  it('filters by operation and resource in either order, and next links keep the filters', async () => {
    expect((await call('POST', `${root}/acls`, acl({ principal: 'User:filtered-0' }))).status).toBe(201);
    expect((await call('POST', `${root}/acls`, acl({ principal: 'User:filtered-1' }))).status).toBe(201);
    const query = (principal: string) =>
      `resource_type=TOPIC&pattern_type=LITERAL&principal=${encodeURIComponent(principal)}&operation=ANY&permission=ANY`;
    expect((await call('DELETE', `${root}/acls?${query('User:filtered-0')}`)).status).toBe(200);
    expect((await call('DELETE', `${root}/acls?${query('User:filtered-1')}`)).status).toBe(200);
    const everything = await allAfter(0, 1000);
    const deletes = everything.filter((e) => e.operation === 'DELETE_ACLS');
    expect(deletes.length).toBeGreaterThanOrEqual(2);

    const first = await call('GET', `${root}/audit-log?operation=DELETE_ACLS&limit=1`);
    expect(first.body.data).toEqual([deletes[0]]);
    expect(first.body.next).toBe(`${root}/audit-log?after=${deletes[0].id}&limit=1&operation=DELETE_ACLS`);
    const ascending = await allDesc(first.body.next);
    expect([...first.body.data, ...ascending]).toEqual(deletes);

    const descending = await allDesc(`${root}/audit-log?order=desc&operation=DELETE_ACLS&resource=ACL&limit=1`);
    expect(descending).toEqual([...deletes].reverse());
    expect(await allDesc(`${root}/audit-log?resource=ACL&operation=CREATE_ACLS&order=desc&limit=3`)).toEqual(
      everything.filter((e) => e.operation === 'CREATE_ACLS').reverse(),
    );
    // Exact match: no prefixes, patterns or case folding.
    for (const filter of ['resource=AC', 'resource=acl', 'operation=DELETE%25', 'principal=User%3AANONYMOU', 'outcome=DENIED']) {
      expect({ filter, body: (await call('GET', `${root}/audit-log?${filter}`)).body }).toEqual({ filter, body: { data: [], next: null } });
    }
    expect((await call('GET', `${root}/audit-log?principal=User%3AANONYMOUS&outcome=SUCCESS&limit=1000`)).body.data).toEqual(everything);
  });

  it('refuses bad order, cursor and filter values with 400/40001', async () => {
    for (const [query, message] of [
      ['order=up', /^order must be asc or desc/],
      ['order=DESC', /^order must be asc or desc/],
      ['order=desc&after=1', /^after cannot be used with order=desc; use before/],
      ['before=5', /^before cannot be used with order=asc; use after/],
      ['order=asc&before=5', /^before cannot be used with order=asc/],
      ['order=desc&before=0', /^before must be an integer from 1/],
      ['order=desc&before=x', /^before must be an integer from 1/],
      ['order=desc&before=-3', /^before must be an integer from 1/],
      ['order=desc&order=asc', /^order must be asc or desc/],
      ['outcome=MAYBE', /^outcome must be one of SUCCESS, DENIED, FAILED/],
      ['outcome=denied', /^outcome must be one of/],
      ['principal=', /^principal must be one non-empty value/],
      ['principal=a&principal=b', /^principal must be one non-empty value/],
      ['operation=', /^operation must be one non-empty value/],
      [`resource=${'r'.repeat(1025)}`, /^resource must be one non-empty value of at most 1024 characters/],
    ] as const) {
      const answer = await call('GET', `${root}/audit-log?${query}`);
      expect({ query, status: answer.status, code: answer.body.error_code }).toEqual({ query, status: 400, code: 40001 });
      expect(answer.body.message).toMatch(message);
    }
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

/**
 * The `principal` and `outcome` filters with authentication on: denials of one user are found by
 * `principal=…&outcome=DENIED&order=desc` (what the console's principal page asks), the admin's
 * own changes by `principal=User:admin`.
 */
describe('audit log filters by principal and outcome (real broker, RUNNEL_AUTH=on)', () => {
  const ADMIN_PASSWORD = 'admin-secret-123';
  const admin = basic('admin', ADMIN_PASSWORD);
  const carol = basic('carol', 'carol-secret-123');
  let broker: BrokerProcess;
  let root: string;
  let self: string;

  beforeAll(async () => {
    broker = await startBroker({ env: { RUNNEL_AUTH: 'on', RUNNEL_ADMIN_PASSWORD: ADMIN_PASSWORD } });
    root = `${broker.baseUrl}/v3/clusters/-`;
    const cid = (await call('GET', `${broker.baseUrl}/v3/clusters`, undefined, admin)).body.data[0].cluster_id;
    self = `${broker.baseUrl}/v3/clusters/${cid}/audit-log`;
  });
  afterAll(async () => {
    await broker?.stop();
  });

  it('answers only the matching records, newest first with order=desc, paged without skips', async () => {
    expect((await call('POST', `${root}/users`, { name: 'carol', password: 'carol-secret-123' }, admin)).status).toBe(201);
    for (let i = 0; i < 3; i++) expect((await call('POST', `${root}/acls`, acl({ resource_name: `c-${i}` }), carol)).status).toBe(403);
    expect((await call('POST', `${root}/acls`, acl({ principal: 'User:carol' }), admin)).status).toBe(201);
    const read = async (query: string) => {
      const answer = await call('GET', `${root}/audit-log?${query}`, undefined, admin);
      expect(answer.status).toBe(200);
      return answer.body as {
        data: { id: number; principal: string; outcome: string; operation: string; resource: string }[];
        next: string | null;
      };
    };
    // Denials are written by the audit writer in the background: wait until all three are there.
    await until(async () => (await read('principal=User%3Acarol&outcome=DENIED&limit=1000')).data.length === 3, 'three denials audited');

    const denials = await read('principal=User%3Acarol&outcome=DENIED&order=desc&limit=100');
    expect(denials.next).toBeNull();
    expect(denials.data.map((e) => [e.principal, e.outcome, e.operation, e.resource])).toEqual([
      ['User:carol', 'DENIED', 'ALTER', 'CLUSTER:kafka-cluster'],
      ['User:carol', 'DENIED', 'ALTER', 'CLUSTER:kafka-cluster'],
      ['User:carol', 'DENIED', 'ALTER', 'CLUSTER:kafka-cluster'],
    ]);
    expect(denials.data[0].id).toBeGreaterThan(denials.data[1].id);
    expect(denials.data[1].id).toBeGreaterThan(denials.data[2].id);

    const page1 = await read('principal=User%3Acarol&outcome=DENIED&order=desc&limit=2');
    expect(page1.data).toEqual(denials.data.slice(0, 2));
    expect(page1.next).toBe(`${self}?order=desc&before=${denials.data[1].id}&limit=2&principal=User%3Acarol&outcome=DENIED`);
    const page2 = await call('GET', page1.next!, undefined, admin);
    expect(page2.body).toEqual({ data: [denials.data[2]], next: null });

    const adminOnly = (await read('principal=User%3Aadmin&order=desc&limit=1000')).data;
    expect(adminOnly.length).toBeGreaterThanOrEqual(2);
    expect(adminOnly.every((e) => e.principal === 'User:admin' && e.outcome === 'SUCCESS')).toBe(true);
    expect(adminOnly[0].operation).toBe('CREATE_ACLS');
    expect((await read('outcome=SUCCESS&principal=User%3Acarol')).data).toEqual([]);
    expect((await read('outcome=DENIED&limit=1000')).data.every((e) => e.outcome === 'DENIED')).toBe(true);
  });
});
