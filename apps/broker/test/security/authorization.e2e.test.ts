import { BrokerProcess } from '../support/broker-process';
import {
  AclSpec,
  Answer,
  Who,
  admin,
  as,
  basic,
  call,
  createAcls,
  createUser,
  deleteAcls,
  eventually,
  startSecureBroker,
  withAcls,
} from '../support/acl-helpers';

/**
 * Authorization rules beyond the matrix, on one real broker with RUNNEL_AUTH=on: existence does
 * not leak (40301 before 40403), lists hold only what the caller may DESCRIBE and are filtered
 * before paging, a revoked READ ends an open event stream, HTTP consumer instances belong to their
 * creator, a pattern subscription takes only readable topics, and internal topics keep their rules.
 */
let broker: BrokerProcess;
const v3 = (path: string): string => `/v3/clusters/-${path}`;
const alice = as('alice');
const bob = as('bob');
const V2 = { 'content-type': 'application/vnd.kafka.v2+json' };

const allow = (
  resource_type: AclSpec['resource_type'],
  resource_name: string,
  operation: string,
  principal = 'User:alice',
  pattern_type: AclSpec['pattern_type'] = 'LITERAL',
): AclSpec => ({ resource_type, resource_name, pattern_type, principal, operation, permission: 'ALLOW' });

async function asAdmin(method: string, path: string, body?: unknown): Promise<Answer> {
  const answer = await call(broker, admin, method, path, body);
  if (answer.status >= 300) throw new Error(`${method} ${path} as admin: ${answer.status} ${answer.text}`);
  return answer;
}

const deny = (resource_type: AclSpec['resource_type'], resource_name: string, operation: string): AclSpec => ({
  ...allow(resource_type, resource_name, operation),
  permission: 'DENY',
});

const errorOf = (answer: Answer) => ({ status: answer.status, error_code: answer.body?.error_code });
const DENIED = { status: 403, error_code: 40301 };

beforeAll(async () => {
  broker = await startSecureBroker();
  await createUser(broker, 'alice');
  await createUser(broker, 'bob');
  for (const topic of [
    'secret',
    'lf-0',
    'lf-1',
    'lf-2',
    'lf-3',
    'lf-4',
    'lf-5',
    'lf-6',
    'lf-7',
    'lf-8',
    'lf-9',
    'pat-a',
    'pat-b',
    'pat-c',
  ]) {
    await asAdmin('POST', v3('/topics'), { topic_name: topic, partitions_count: 1 });
  }
  await asAdmin('POST', v3('/topics/pat-a/records'), { value: { type: 'STRING', data: 'a' } });
  for (const group of ['g-0', 'g-1', 'g-2', 'g-3', 'g-4', 'g-5']) {
    await asAdmin('POST', v3(`/consumer-groups/${group}/offsets:reset`), { topic: 'lf-0', to: 'earliest' });
  }
}, 60_000);

afterAll(async () => {
  await broker?.stop();
});

describe('existence does not leak: access is checked before existence', () => {
  it('a topic the caller may not DESCRIBE answers 40301 whether it exists or not; one it may DESCRIBE but that is missing, 40403', async () => {
    expect(errorOf(await call(broker, alice, 'GET', v3('/topics/secret')))).toEqual(DENIED);
    expect(errorOf(await call(broker, alice, 'GET', v3('/topics/no-such-topic')))).toEqual(DENIED);
    expect(errorOf(await call(broker, alice, 'GET', v3('/topics/no-such-topic/partitions')))).toEqual(DENIED);
    expect(errorOf(await call(broker, alice, 'GET', v3('/topics/no-such-topic/configs')))).toEqual(DENIED);
    expect(errorOf(await call(broker, alice, 'DELETE', v3('/topics/no-such-topic')))).toEqual(DENIED);
    await withAcls(broker, [allow('TOPIC', 'no-such-topic', 'DESCRIBE')], async () => {
      expect(errorOf(await call(broker, alice, 'GET', v3('/topics/no-such-topic')))).toEqual({ status: 404, error_code: 40403 });
    });
  });

  it('produce and reads: 40301 without WRITE / READ, 40403 for a missing topic the caller may write or read', async () => {
    const record = { value: { type: 'STRING', data: 'x' } };
    expect(errorOf(await call(broker, alice, 'POST', v3('/topics/no-such-topic/records'), record))).toEqual(DENIED);
    expect(errorOf(await call(broker, alice, 'GET', v3('/topics/no-such-topic/partitions/0/records')))).toEqual(DENIED);
    expect(errorOf(await call(broker, alice, 'GET', v3('/topics/no-such-topic/events')))).toEqual(DENIED);
    await withAcls(
      broker,
      [allow('TOPIC', 'no-such-', 'WRITE', 'User:alice', 'PREFIXED'), allow('TOPIC', 'no-such-', 'READ', 'User:alice', 'PREFIXED')],
      async () => {
        expect(errorOf(await call(broker, alice, 'POST', v3('/topics/no-such-topic/records'), record))).toEqual({
          status: 404,
          error_code: 40403,
        });
        expect(errorOf(await call(broker, alice, 'GET', v3('/topics/no-such-topic/partitions/0/records')))).toEqual({
          status: 404,
          error_code: 40403,
        });
        expect(errorOf(await call(broker, alice, 'GET', v3('/topics/no-such-topic/events')))).toEqual({ status: 404, error_code: 40403 });
      },
    );
  });

  it('WRITE (and READ) imply DESCRIBE, as in Kafka: a producer may see the topic it writes to', async () => {
    await withAcls(broker, [allow('TOPIC', 'secret', 'WRITE')], async () => {
      const answer = await call(broker, alice, 'GET', v3('/topics/secret'));
      expect({ status: answer.status, topic_name: answer.body.topic_name }).toEqual({ status: 200, topic_name: 'secret' });
      expect(errorOf(await call(broker, alice, 'GET', v3('/topics/secret/configs')))).toEqual(DENIED);
    });
  });

  it('a consumer group the caller may not DESCRIBE answers 40301 whether it exists or not; a missing one it may, 40404', async () => {
    expect(errorOf(await call(broker, alice, 'GET', v3('/consumer-groups/g-0')))).toEqual(DENIED);
    expect(errorOf(await call(broker, alice, 'GET', v3('/consumer-groups/no-such-group')))).toEqual(DENIED);
    expect(errorOf(await call(broker, alice, 'DELETE', v3('/consumer-groups/no-such-group')))).toEqual(DENIED);
    await withAcls(broker, [allow('GROUP', 'no-such-group', 'DESCRIBE')], async () => {
      expect(errorOf(await call(broker, alice, 'GET', v3('/consumer-groups/no-such-group')))).toEqual({ status: 404, error_code: 40404 });
    });
  });
});

describe('lists hold only what the caller may DESCRIBE, filtered before paging', () => {
  const visible = ['lf-1', 'lf-4', 'lf-7', 'lf-8', 'lf-9'];
  const acls = visible.map((topic) => allow('TOPIC', topic, 'DESCRIBE'));

  /** Follows `next` links from `path` as `who`, answering each page's names. */
  async function pages(who: Who, path: string, nameOf: (item: Record<string, unknown>) => string): Promise<string[][]> {
    const seen: string[][] = [];
    let next: string | null = path;
    while (next !== null) {
      const answer = await call(broker, who, 'GET', next);
      expect(answer.status).toBe(200);
      seen.push(answer.body.data.map(nameOf));
      const link: string | null | undefined = answer.body.metadata?.next;
      next = link ? new URL(link).pathname + new URL(link).search : null;
    }
    return seen;
  }

  it('topics: a page of 2 holds 2 visible topics, pages continue after the last one, hidden topics never shorten a page', async () => {
    await withAcls(broker, acls, async () => {
      expect(await pages(alice, v3('/topics?limit=2'), (t) => t.topic_name as string)).toEqual([
        ['lf-1', 'lf-4'],
        ['lf-7', 'lf-8'],
        ['lf-9'],
      ]);
      const all = await call(broker, alice, 'GET', v3('/topics'));
      expect(all.body.data.map((t: { topic_name: string }) => t.topic_name)).toEqual(visible);
    });
    const none = await call(broker, bob, 'GET', v3('/topics'));
    expect({ status: none.status, data: none.body.data }).toEqual({ status: 200, data: [] });
  });

  it('topic configs of every topic (/topics/-/configs): only the topics the caller may DESCRIBE_CONFIGS, paged after filtering', async () => {
    await withAcls(
      broker,
      [allow('TOPIC', 'lf-', 'DESCRIBE_CONFIGS', 'User:alice', 'PREFIXED'), allow('TOPIC', 'lf-3', 'DESCRIBE_CONFIGS')],
      async () => {
        await withAcls(broker, [deny('TOPIC', 'lf-2', 'DESCRIBE_CONFIGS')], async () => {
          const seen = await pages(alice, v3('/topics/-/configs?limit=4'), (c) => c.topic_name as string);
          const topicsPerPage = seen.map((page) => [...new Set(page)]);
          expect(topicsPerPage).toEqual([['lf-0', 'lf-1', 'lf-3', 'lf-4'], ['lf-5', 'lf-6', 'lf-7', 'lf-8'], ['lf-9']]);
        });
      },
    );
  });

  it('consumer groups: only those the caller may DESCRIBE, paged after filtering', async () => {
    await withAcls(
      broker,
      [allow('GROUP', 'g-1', 'DESCRIBE'), allow('GROUP', 'g-3', 'DESCRIBE'), allow('GROUP', 'g-5', 'READ')],
      async () => {
        expect(await pages(alice, v3('/consumer-groups?limit=2'), (g) => g.consumer_group_id as string)).toEqual([['g-1', 'g-3'], ['g-5']]);
        const all = await call(broker, alice, 'GET', v3('/consumer-groups'));
        expect(all.body.data.map((g: { consumer_group_id: string }) => g.consumer_group_id)).toEqual(['g-1', 'g-3', 'g-5']);
      },
    );
  });

  it("a broker's partition replicas: only those of the topics the caller may DESCRIBE; brokers themselves are shown to any user", async () => {
    const brokers = await call(broker, bob, 'GET', v3('/brokers'));
    expect(brokers.status).toBe(200);
    const brokerId = brokers.body.data[0].broker_id;
    await withAcls(broker, [allow('TOPIC', 'lf-4', 'DESCRIBE')], async () => {
      const replicas = await call(broker, alice, 'GET', v3(`/brokers/${brokerId}/partition-replicas`));
      expect(replicas.body.data.map((r: { topic_name: string }) => r.topic_name)).toEqual(['lf-4']);
    });
  });
});

describe('an ACL change reaches open event streams', () => {
  it('a revoked READ ends an open server-sent event stream with event: error 40301', async () => {
    const read = allow('TOPIC', 'pat-a', 'READ');
    await createAcls(broker, [read]);
    let revoked = false;
    const abort = new AbortController();
    try {
      const response = await fetch(`${broker.baseUrl}${v3('/topics/pat-a/events?from=earliest')}`, {
        headers: { authorization: basic(alice) },
        signal: abort.signal,
      });
      expect(response.status).toBe(200);
      const reader = response.body!.getReader();
      let text = '';
      const readUntil = async (marker: string): Promise<void> => {
        while (!text.includes(marker)) {
          const { value, done } = await reader.read();
          if (done) throw new Error(`stream ended before ${JSON.stringify(marker)}: ${text}`);
          text += Buffer.from(value).toString('utf8');
        }
      };
      await readUntil('data: {'); // the record: READ is in force
      await deleteAcls(broker, [read]);
      revoked = true;
      await readUntil('event: error');
      await readUntil('\n\n');
      const error = JSON.parse(/event: error\ndata: (.*)\n/.exec(text)![1]);
      expect(error.error_code).toBe(40301);
      expect((await reader.read()).done).toBe(true); // the stream ended
    } finally {
      abort.abort();
      if (!revoked) await deleteAcls(broker, [read]);
    }
  }, 30_000);
});

describe('HTTP consumer instances', () => {
  it('belong to the principal that created them: to another one with READ on the group they do not exist (40403)', async () => {
    await withAcls(broker, [allow('GROUP', 'shared', 'READ'), allow('GROUP', 'shared', 'READ', 'User:bob')], async () => {
      const created = await call(broker, alice, 'POST', '/consumers/shared', { name: 'alices', format: 'json' }, V2);
      expect(created.status).toBe(200);
      const base = new URL(created.body.base_uri).pathname;
      expect(errorOf(await call(broker, bob, 'GET', `${base}/subscription`))).toEqual({ status: 404, error_code: 40403 });
      expect(errorOf(await call(broker, bob, 'DELETE', base))).toEqual({ status: 404, error_code: 40403 });
      expect((await call(broker, alice, 'GET', `${base}/subscription`)).status).toBe(200);
      expect((await call(broker, alice, 'DELETE', base)).status).toBe(204);
    });
  });

  it('without READ on the group, every request answers 40301, whether the instance exists or not', async () => {
    expect(errorOf(await call(broker, alice, 'POST', '/consumers/other', { format: 'json' }, V2))).toEqual(DENIED);
    expect(errorOf(await call(broker, alice, 'GET', '/consumers/other/instances/nobody/records'))).toEqual(DENIED);
  });

  it('a topic_pattern subscribes to the matching topics the caller may READ, and none is 40301', async () => {
    await withAcls(
      broker,
      [allow('GROUP', 'pattern-group', 'READ'), allow('TOPIC', 'pat-a', 'READ'), allow('TOPIC', 'pat-c', 'READ')],
      async () => {
        const created = await call(broker, alice, 'POST', '/consumers/pattern-group', { name: 'p', format: 'json' }, V2);
        const base = new URL(created.body.base_uri).pathname;
        expect((await call(broker, alice, 'POST', `${base}/subscription`, { topic_pattern: 'pat-.*' }, V2)).status).toBe(204);
        const subscription = await call(broker, alice, 'GET', `${base}/subscription`);
        expect(subscription.body.topics.sort()).toEqual(['pat-a', 'pat-c']);
        expect(errorOf(await call(broker, alice, 'POST', `${base}/subscription`, { topic_pattern: 'lf-.*' }, V2))).toEqual(DENIED);
        expect(errorOf(await call(broker, alice, 'POST', `${base}/subscription`, { topics: ['pat-a', 'pat-b'] }, V2))).toEqual(DENIED);
        await call(broker, alice, 'DELETE', base);
      },
    );
  });
});

describe('internal topics keep their rules', () => {
  it('not even a super user may delete, produce to or alter __consumer_offsets (40301); it may describe it', async () => {
    expect(errorOf(await call(broker, admin, 'DELETE', v3('/topics/__consumer_offsets')))).toEqual(DENIED);
    expect(
      errorOf(await call(broker, admin, 'POST', v3('/topics/__consumer_offsets/records'), { value: { type: 'STRING', data: 'x' } })),
    ).toEqual(DENIED);
    expect((await call(broker, admin, 'GET', v3('/topics/__consumer_offsets'))).status).toBe(200);
  });
});

describe('the audit log', () => {
  interface AuditRecord {
    principal: string;
    resource: string;
    operation: string;
    outcome: string;
    before?: unknown;
    after?: unknown;
  }

  /** Every audit record, oldest first (paged by `after`), as admin. */
  async function auditLog(): Promise<AuditRecord[]> {
    const records: (AuditRecord & { id: number })[] = [];
    for (;;) {
      const after = records.length === 0 ? '' : `&after=${records[records.length - 1].id}`;
      const page = await asAdmin('GET', v3(`/audit-log?limit=500${after}`));
      records.push(...page.body.data);
      if (page.body.data.length < 500) return records;
    }
  }

  it('records the admin changes of topics, configs, records and groups with who made them and the values before and after', async () => {
    await withAcls(
      broker,
      [allow('TOPIC', 'audited', 'ALL', 'User:alice', 'PREFIXED'), allow('GROUP', 'audited', 'ALL', 'User:alice', 'PREFIXED')],
      async () => {
        const steps: [string, string, unknown?][] = [
          ['POST', v3('/topics'), { topic_name: 'audited-t', partitions_count: 1 }],
          ['PATCH', v3('/topics/audited-t'), { partitions_count: 2 }],
          ['PUT', v3('/topics/audited-t/configs/retention.ms'), { value: '3600000' }],
          ['POST', v3('/topics/audited-t/records'), { partition_id: 0, value: { type: 'STRING', data: 'x' } }],
          ['POST', v3('/topics/audited-t/partitions/0/records:delete'), { before_offset: 1 }],
          ['POST', v3('/consumer-groups/audited-g/offsets:reset'), { topic: 'audited-t', to: 'latest' }],
          ['DELETE', v3('/consumer-groups/audited-g')],
          ['DELETE', v3('/topics/audited-t')],
        ];
        for (const [method, path, body] of steps) expect((await call(broker, alice, method, path, body)).status).toBeLessThan(300);
      },
    );
    const mine = (await auditLog()).filter((r) => r.principal === 'User:alice' && /audited/.test(r.resource) && r.outcome === 'SUCCESS');
    expect(mine.map((r) => `${r.operation} ${r.resource}`)).toEqual([
      'CREATE_TOPIC TOPIC:audited-t',
      'CREATE_PARTITIONS TOPIC:audited-t',
      'ALTER_CONFIGS TOPIC:audited-t',
      'DELETE_RECORDS TOPIC:audited-t',
      'RESET_OFFSETS GROUP:audited-g',
      'DELETE_GROUP GROUP:audited-g',
      'DELETE_TOPIC TOPIC:audited-t',
    ]);
    expect(mine[1]).toMatchObject({ before: { partitions_count: 1 }, after: { partitions_count: 2 } });
    expect(mine[2]).toMatchObject({ before: {}, after: { 'retention.ms': '3600000' } });
    expect(mine[3]).toMatchObject({ before: { partition_id: 0, low_watermark: 0 }, after: { partition_id: 0, low_watermark: 1 } });
  });

  it('records a cluster-wide config change with the dynamic configs before and after', async () => {
    await withAcls(broker, [allow('CLUSTER', 'kafka-cluster', 'ALTER_CONFIGS')], async () => {
      expect((await call(broker, alice, 'PUT', v3('/broker-configs/log.cleaner.backoff.ms'), { value: '20000' })).status).toBe(204);
    });
    const change = (await auditLog()).find((r) => r.principal === 'User:alice' && r.resource === 'CLUSTER:kafka-cluster');
    expect(change).toMatchObject({ operation: 'ALTER_CONFIGS', outcome: 'SUCCESS', after: { 'log.cleaner.backoff.ms': '20000' } });
    expect(change?.before).not.toHaveProperty('log.cleaner.backoff.ms', '20000');
  });

  it('records each authorization denial with the principal, resource and operation', async () => {
    expect(errorOf(await call(broker, bob, 'DELETE', v3('/topics/secret')))).toEqual(DENIED);
    const denied = async () =>
      (await auditLog()).some(
        (r) => r.principal === 'User:bob' && r.resource === 'TOPIC:secret' && r.operation === 'DELETE' && r.outcome === 'DENIED',
      );
    await eventually(denied, 10_000, 'the audit record of the denial');
    expect((await call(broker, admin, 'GET', v3('/topics/secret'))).status).toBe(200);
  });
});
