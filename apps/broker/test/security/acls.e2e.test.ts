import { BrokerProcess, startBroker } from '../support/broker-process';
import { acl, Acl, aclData, aclsSelf, call, filterQuery } from './acls-support';

/**
 * Confluent REST v3 ACL administration on a real broker with authentication off (every admin
 * call is allowed then): statuses, bodies and filters as Confluent's AclsResource and its
 * integration test answer them, the delete-one-of-N rule, and every kind of bad input.
 */
describe('ACL admin: GET/POST/DELETE /v3/clusters/{cid}/acls and acls:batch (real broker, auth off)', () => {
  let broker: BrokerProcess;
  let cid: string;
  let root: string;

  beforeAll(async () => {
    broker = await startBroker();
    cid = (await call('GET', `${broker.baseUrl}/v3/clusters`)).body.data[0].cluster_id;
    root = `${broker.baseUrl}/v3/clusters/${cid}`;
  });
  afterAll(async () => {
    await broker?.stop();
  });

  const list = async (query = ''): Promise<Acl[]> => {
    const answer = await call('GET', `${root}/acls${query ? `?${query}` : ''}`);
    expect(answer.status).toBe(200);
    return answer.body.data.map(({ kind: _k, metadata: _m, cluster_id: _c, ...fields }: Record<string, unknown>) => fields);
  };
  const removeAll = async (): Promise<void> => {
    const answer = await call('DELETE', `${root}/acls?resource_type=ANY&pattern_type=ANY&operation=ANY&permission=ANY`);
    expect(answer.status).toBe(200);
    expect(await list()).toEqual([]);
  };
  const create = async (binding: Acl): Promise<void> => {
    const answer = await call('POST', `${root}/acls`, binding);
    expect({ status: answer.status, body: answer.body }).toEqual({ status: 201, body: undefined });
  };

  beforeEach(removeAll);

  it("creates an ACL (201, no body, Location naming it) and lists it as Confluent's AclData", async () => {
    const alice = acl({ resource_name: '*', principal: 'User:alice' });
    const created = await call('POST', `${root}/acls`, alice);
    expect(created.status).toBe(201);
    expect(created.body).toBeUndefined();
    expect(created.headers.get('location')).toBe(aclsSelf(root, alice));
    expect(created.headers.get('location')).toContain('principal=User%3Aalice&host=*');

    const answer = await call('GET', `${root}/acls`);
    expect(answer).toMatchObject({
      status: 200,
      body: {
        kind: 'KafkaAclList',
        metadata: {
          self: `${root}/acls?resource_type=ANY&resource_name=&pattern_type=ANY&principal=&host=&operation=ANY&permission=ANY`,
          next: null,
        },
        data: [aclData(root, cid, alice)],
      },
    });
    // Each ACL's self is a search that finds exactly it.
    expect((await call('GET', answer.body.data[0].metadata.self)).body.data).toEqual([aclData(root, cid, alice)]);
    // Creating the same binding again is no change (Kafka's CreateAcls is idempotent).
    await create(alice);
    expect(await list()).toEqual([alice]);
  });

  it("lists with Confluent's filters: exact fields, ANY, MATCH (literal, '*' and prefixes), case-insensitive enums, sorted as Confluent", async () => {
    const bindings = [
      acl({ resource_name: 'topic-1', principal: 'User:carol' }),
      acl({ resource_name: '*', principal: 'User:alice' }),
      acl({ resource_name: 'topic-', pattern_type: 'PREFIXED', principal: 'User:bob', host: '1.2.3.4', operation: 'WRITE' }),
      acl({ resource_name: 'top', pattern_type: 'PREFIXED', principal: 'User:bob', permission: 'DENY', operation: 'ALL' }),
      acl({ resource_name: 'other', principal: 'User:alice' }),
      acl({ resource_type: 'GROUP', resource_name: 'topic-1', principal: 'User:alice' }),
      acl({ resource_type: 'CLUSTER', resource_name: 'kafka-cluster', principal: 'User:ops', operation: 'ALTER' }),
    ];
    expect((await call('POST', `${root}/acls:batch`, { data: bindings })).status).toBe(201);

    // Confluent's integration test: MATCH topic-1 finds the '*' literal and the topic- prefix (and here top, and the literal).
    const match = await call('GET', `${root}/acls?resource_type=topic&resource_name=topic-1&pattern_type=match`);
    expect(match.body.metadata.self).toBe(
      `${root}/acls?resource_type=TOPIC&resource_name=topic-1&pattern_type=MATCH&principal=&host=&operation=ANY&permission=ANY`,
    );
    expect(match.body.data.map((d: Acl) => [d.resource_name, d.pattern_type, d.principal])).toEqual([
      ['*', 'LITERAL', 'User:alice'],
      ['top', 'PREFIXED', 'User:bob'],
      ['topic-', 'PREFIXED', 'User:bob'],
      ['topic-1', 'LITERAL', 'User:carol'],
    ]);
    // ANY with a name: that exact name, either pattern type, any resource type.
    expect((await list('resource_name=topic-1')).map((b) => `${b.resource_type}:${b.principal}`)).toEqual([
      'TOPIC:User:carol',
      'GROUP:User:alice',
    ]);
    expect((await list('resource_type=TOPIC&pattern_type=PREFIXED')).map((b) => b.resource_name)).toEqual(['top', 'topic-']);
    expect((await list(filterQuery({ principal: 'User:alice' }))).map((b) => `${b.resource_type}:${b.resource_name}`)).toEqual([
      'TOPIC:*',
      'TOPIC:other',
      'GROUP:topic-1',
    ]);
    expect((await list('host=1.2.3.4')).map((b) => b.resource_name)).toEqual(['topic-']);
    expect((await list('permission=deny')).map((b) => b.resource_name)).toEqual(['top']);
    expect((await list('operation=ALTER')).map((b) => b.resource_type)).toEqual(['CLUSTER']);
    // An operation filter is exact (ALL is not "every operation" in a filter; ANY is).
    expect(await list('operation=READ&principal=User%3Abob')).toEqual([]);
    expect(await list('resource_type=DELEGATION_TOKEN')).toEqual([]);
    // Sorted by resource type (declaration order: TOPIC, GROUP, CLUSTER), then name, pattern, principal...
    expect((await list()).map((b) => `${b.resource_type}:${b.resource_name}`)).toEqual([
      'TOPIC:*',
      'TOPIC:other',
      'TOPIC:top',
      'TOPIC:topic-',
      'TOPIC:topic-1',
      'GROUP:topic-1',
      'CLUSTER:kafka-cluster',
    ]);
  });

  it('DELETE removes exactly what its filter matches and answers those bindings; one of several ACLs on a resource leaves the others', async () => {
    const read = acl({ principal: 'User:alice', operation: 'READ' });
    const write = acl({ principal: 'User:alice', operation: 'WRITE' });
    const bobRead = acl({ principal: 'User:bob', operation: 'READ' });
    const deny = acl({ principal: 'User:mallory', operation: 'ALL', permission: 'DENY' });
    expect((await call('POST', `${root}/acls:batch`, { data: [read, write, bobRead, deny] })).status).toBe(201);

    // Confluent's integration test deletes by an ACL's own self URL.
    const deleted = await call('DELETE', aclsSelf(root, write));
    expect(deleted).toMatchObject({ status: 200, body: { data: [aclData(root, cid, write)] } });
    expect(await list()).toEqual([read, bobRead, deny]);
    // ...and the remaining ones still decide: alice may READ, bob may READ, mallory is denied.
    const check = async (principal: string, operation: string) =>
      (
        await call(
          'GET',
          `${root}/acls:check?${filterQuery({ principal, resource_type: 'TOPIC', resource_name: 'orders', operation } as never)}`,
        )
      ).body.if_enabled;
    expect(await check('User:alice', 'READ')).toMatchObject({ allowed: true, decided_by: { kind: 'ACL', acl: aclData(root, cid, read) } });
    expect(await check('User:alice', 'WRITE')).toMatchObject({
      allowed: false,
      decided_by: { kind: 'DEFAULT', reason: 'NO_MATCHING_ALLOW' },
    });
    expect(await check('User:bob', 'READ')).toMatchObject({ allowed: true });
    expect(await check('User:mallory', 'READ')).toMatchObject({
      allowed: false,
      decided_by: { kind: 'ACL', acl: aclData(root, cid, deny) },
    });

    // A filter matching nothing deletes nothing.
    const none = await call(
      'DELETE',
      `${root}/acls?resource_type=TOPIC&resource_name=orders&pattern_type=PREFIXED&operation=ANY&permission=ANY`,
    );
    expect(none).toMatchObject({ status: 200, body: { data: [] } });
    expect(await list()).toHaveLength(3);

    // A filter on the principal removes that principal's bindings only.
    const bob = await call(
      'DELETE',
      `${root}/acls?resource_type=TOPIC&pattern_type=LITERAL&principal=User%3Abob&operation=ANY&permission=ANY`,
    );
    expect(bob.body.data).toEqual([aclData(root, cid, bobRead)]);
    expect(await list()).toEqual([read, deny]);

    // MATCH in a DELETE: everything that applies to the topic.
    expect(
      (await call('POST', `${root}/acls`, acl({ resource_name: 'ord', pattern_type: 'PREFIXED', principal: 'User:zed' }))).status,
    ).toBe(201);
    expect((await call('POST', `${root}/acls`, acl({ resource_name: 'elsewhere', principal: 'User:zed' }))).status).toBe(201);
    const matched = await call(
      'DELETE',
      `${root}/acls?resource_type=TOPIC&resource_name=orders&pattern_type=MATCH&operation=ANY&permission=ANY`,
    );
    expect(matched.body.data.map((d: Acl) => `${d.resource_name}/${d.principal}/${d.operation}`)).toEqual([
      'ord/User:zed/READ',
      'orders/User:alice/READ',
      'orders/User:mallory/ALL',
    ]);
    expect((await list()).map((b) => b.resource_name)).toEqual(['elsewhere']);
  });

  it('DELETE needs resource_type, pattern_type, operation and permission (400, Confluent KREST-4113): no filter never removes everything', async () => {
    await create(acl());
    const missing = await call('DELETE', `${root}/acls`);
    expect(missing).toMatchObject({ status: 400, body: { error_code: 400, message: 'resource_type cannot be unspecified or UNKNOWN' } });
    for (const [query, message] of [
      ['resource_type=ANY', 'pattern_type cannot be unspecified or UNKNOWN'],
      ['resource_type=ANY&pattern_type=ANY', 'operation cannot be unspecified or UNKNOWN'],
      ['resource_type=ANY&pattern_type=ANY&operation=ANY', 'permission cannot be unspecified or UNKNOWN'],
      ['resource_type=UNKNOWN&pattern_type=ANY&operation=ANY&permission=ANY', 'resource_type cannot be unspecified or UNKNOWN'],
      ['resource_type=teapot&pattern_type=ANY&operation=ANY&permission=ANY', expect.stringContaining('resource_type must be one of')],
      [
        'resource_type=ANY&pattern_type=ANY&operation=ANY&permission=ANY&resource_name=a&resource_name=b',
        'resource_name must be given once',
      ],
    ] as const) {
      expect({ query, answer: await call('DELETE', `${root}/acls?${query}`) }).toMatchObject({
        query,
        answer: { status: 400, body: { error_code: 400, message } },
      });
    }
    expect(await list()).toEqual([acl()]);
  });

  it('GET refuses UNKNOWN and values outside the enums (400), and long texts', async () => {
    for (const [query, message] of [
      ['resource_type=UNKNOWN', 'resource_type cannot be UNKNOWN'],
      ['pattern_type=unknown', 'pattern_type cannot be UNKNOWN'],
      ['operation=UNKNOWN', 'operation cannot be UNKNOWN'],
      ['permission=UNKNOWN', 'permission cannot be UNKNOWN'],
      ['resource_type=teapot', expect.stringContaining('resource_type must be one of UNKNOWN, ANY, TOPIC')],
      ['pattern_type=EXACT', expect.stringContaining('pattern_type must be one of')],
      ['operation=FLY', expect.stringContaining('operation must be one of')],
      ['permission=MAYBE', expect.stringContaining('permission must be one of')],
      [`principal=${'x'.repeat(1001)}`, 'principal must have at most 1000 characters'],
      ['host=a&host=b', 'host must be given once'],
    ] as const) {
      expect({ query, answer: await call('GET', `${root}/acls?${query}`) }).toMatchObject({
        query,
        answer: { status: 400, body: { error_code: 400, message } },
      });
    }
  });

  it('POST refuses what Confluent refuses (400/400) and what Kafka refuses (400/40002); nothing is stored', async () => {
    const cases: [body: unknown, errorCode: number, message: unknown][] = [
      ['null', 400, expect.stringContaining('Data is required')],
      [[acl()], 400, expect.stringContaining('Data is required')],
      [{ ...acl(), resource_type: undefined }, 400, 'resource_type is required'],
      [{ ...acl(), host: 7 }, 400, 'host must be a string'],
      [acl({ resource_type: 'ANY' }), 400, 'resource_type cannot be ANY'],
      [acl({ resource_type: 'UNKNOWN' }), 400, 'resource_type cannot be ANY'],
      [acl({ pattern_type: 'MATCH' }), 400, 'pattern_type cannot be MATCH'],
      [acl({ pattern_type: 'ANY' }), 400, 'pattern_type cannot be ANY'],
      [acl({ operation: 'ANY' }), 400, 'operation cannot be ANY'],
      [acl({ permission: 'ANY' }), 400, 'permission cannot be ANY'],
      [acl({ operation: 'FLY' }), 400, expect.stringContaining('operation must be one of')],
      // Kafka's InvalidRequestException, Confluent's 40002.
      [
        acl({ resource_type: 'CLUSTER', resource_name: 'orders', operation: 'ALTER' }),
        40002,
        "a CLUSTER resource is named 'kafka-cluster'",
      ],
      [
        acl({ resource_type: 'CLUSTER', resource_name: 'kafka-cluster', operation: 'READ' }),
        40002,
        expect.stringContaining('operation READ is not valid for resource type CLUSTER'),
      ],
      [
        acl({ resource_type: 'GROUP', operation: 'WRITE' }),
        40002,
        expect.stringContaining('operation WRITE is not valid for resource type GROUP'),
      ],
      [acl({ resource_type: 'DELEGATION_TOKEN' }), 40002, expect.stringContaining('resource_type must be one of TOPIC')],
      [acl({ principal: 'alice' }), 40002, "principal must be 'User:<name>' or 'User:*'"],
      [acl({ principal: 'Group:admins' }), 40002, "principal must be 'User:<name>' or 'User:*'"],
      [acl({ resource_name: '*', pattern_type: 'PREFIXED' }), 40002, expect.stringContaining('a PREFIXED pattern cannot be')],
      [acl({ resource_name: '' }), 40002, 'resource_name must not be empty'],
      [acl({ resource_name: 'x'.repeat(256) }), 40002, 'resource_name must have at most 255 characters'],
      [acl({ host: '' }), 40002, "host must be an address or '*'"],
    ];
    for (const [body, errorCode, message] of cases) {
      expect({ body, answer: await call('POST', `${root}/acls`, body) }).toMatchObject({
        body,
        answer: { status: 400, body: { error_code: errorCode, message } },
      });
    }
    const notJson = await call('POST', `${root}/acls`, '{"resource_type":');
    expect(notJson.status).toBe(400);
    expect(await list()).toEqual([]);
  });

  it('acls:batch stores all of its ACLs or none, and is bounded', async () => {
    const good = acl({ principal: 'User:one' });
    const bad = await call('POST', `${root}/acls:batch`, { data: [good, acl({ resource_type: 'GROUP', operation: 'WRITE' })] });
    expect(bad).toMatchObject({
      status: 400,
      body: { error_code: 40002, message: expect.stringMatching(/^data\[1\]\.operation WRITE is not valid/) },
    });
    expect(await list()).toEqual([]);
    for (const body of [{}, { data: 'x' }, null, { data: Array.from({ length: 1001 }, () => good) }]) {
      expect((await call('POST', `${root}/acls:batch`, body)).body.error_code).toBe(400);
    }
    expect(await list()).toEqual([]);
    // Duplicates inside a batch are one binding; an empty batch is no change.
    expect((await call('POST', `${root}/acls:batch`, { data: [good, good] })).status).toBe(201);
    expect((await call('POST', `${root}/acls:batch`, { data: [] })).status).toBe(201);
    expect(await list()).toEqual([good]);
  });

  it('concurrent creates and deletes each apply whole: every delete removes only its own binding', async () => {
    const users = Array.from({ length: 20 }, (_, i) => `User:u${i}`);
    const created = await Promise.all(users.map((principal) => call('POST', `${root}/acls`, acl({ principal }))));
    expect(created.map((a) => a.status)).toEqual(users.map(() => 201));
    const doomed = users.filter((_, i) => i % 2 === 0);
    const answers = await Promise.all([
      ...doomed.map((principal) =>
        call(
          'DELETE',
          `${root}/acls?resource_type=TOPIC&pattern_type=LITERAL&principal=${encodeURIComponent(principal)}&operation=ANY&permission=ANY`,
        ),
      ),
      ...users.map((principal) => call('POST', `${root}/acls`, acl({ principal, operation: 'WRITE' }))),
    ]);
    expect(answers.slice(0, doomed.length).map((a) => a.body.data.map((d: Acl) => `${d.principal} ${d.operation}`))).toEqual(
      doomed.map((principal) => expect.arrayContaining([`${principal} READ`])),
    );
    const left = (await list()).map((b) => `${b.principal} ${b.operation}`);
    // A delete runs before or after a concurrent create of its principal's WRITE, never through it.
    for (const principal of users) {
      if (doomed.includes(principal)) expect(left).not.toContain(`${principal} READ`);
      else expect(left).toEqual(expect.arrayContaining([`${principal} READ`, `${principal} WRITE`]));
    }
  });

  it("an unknown cluster is 404; '-' is this cluster; /kafka/v3 serves the same", async () => {
    await create(acl());
    for (const [method, path] of [
      ['GET', '/acls'],
      ['DELETE', '/acls?resource_type=ANY&pattern_type=ANY&operation=ANY&permission=ANY'],
      ['GET', '/acls:check?principal=User%3Aa&resource_type=TOPIC&resource_name=t&operation=READ'],
    ]) {
      expect(await call(method, `${broker.baseUrl}/v3/clusters/nothing${path}`)).toMatchObject({ status: 404, body: { error_code: 404 } });
    }
    expect((await call('POST', `${broker.baseUrl}/v3/clusters/nothing/acls`, acl())).status).toBe(404);
    expect((await call('GET', `${broker.baseUrl}/v3/clusters/-/acls`)).body.data).toHaveLength(1);
    expect((await call('GET', `${broker.baseUrl}/kafka/v3/clusters/${cid}/acls`)).body.data).toEqual([aclData(root, cid, acl())]);
  });
});
