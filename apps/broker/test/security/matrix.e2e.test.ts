import { encodeRecordBatch } from '@runnel/protocol';
import { BrokerProcess } from '../support/broker-process';
import { AclSpec, Answer, Who, admin, as, basic, call, createUser, startSecureBroker, withAcls } from '../support/acl-helpers';

/**
 * The ACL matrix (issue #10 "Tests and proof"): every operation of every HTTP surface — REST v3,
 * the bridge/v2 produce, server-sent events and the HTTP consumer API — against every ACL
 * situation Kafka's StandardAuthorizer distinguishes, on one real broker with RUNNEL_AUTH=on.
 * Each case creates its own resources as the super user, puts its ACLs in force through the
 * public ACL endpoint, acts as the case's principal, and asserts what that user sees (status,
 * error_code) and, on a denial, that nothing happened (no record appended, topic not deleted,
 * config not changed...). The ACLs are removed after each case.
 */
type ResourceType = 'TOPIC' | 'GROUP' | 'CLUSTER';

interface Names {
  topic: string;
  group: string;
  /** A topic that does not exist yet (creates). */
  newTopic: string;
  /** What a PREFIXED binding of the case names: a prefix of the topic and group names. */
  prefix: string;
}

interface MatrixOperation {
  name: string;
  surface: 'REST' | 'SSE' | 'bridge' | 'HTTP consumer';
  resource: ResourceType;
  operation: string;
  /** The resource the ACLs under test name (default: the topic, the group or the cluster). */
  target?: (n: Names) => string;
  /** Bindings the caller needs on other resources, so the one under test decides. */
  extras?: (n: Names) => { resource: ResourceType; name: string; operation: string }[];
  /** Prepares the case's resources as the super user. */
  setup: (n: Names) => Promise<void>;
  act: (n: Names, who: Who) => Promise<Answer>;
  allowedStatus: number;
  /** What the super user observes of the resource: unchanged after a denial, changed after a success when `changes`. */
  observe?: (n: Names) => Promise<unknown>;
  changes?: boolean;
}

interface Situation {
  name: string;
  allowed: boolean;
  who: Who;
  acls: (type: ResourceType, name: string, prefix: string, operation: string) => AclSpec[];
  /** Kafka accepts only the LITERAL `kafka-cluster` binding on the CLUSTER: prefixed and `*` ones cannot exist there. */
  literalOnly?: boolean;
}

const ALICE = 'alice';
const acl = (
  type: ResourceType,
  name: string,
  pattern: 'LITERAL' | 'PREFIXED',
  principal: string,
  operation: string,
  permission: 'ALLOW' | 'DENY',
): AclSpec => ({ resource_type: type, resource_name: name, pattern_type: pattern, principal, operation, permission });

const SITUATIONS: Situation[] = [
  { name: 'ALLOW literal', allowed: true, who: as(ALICE), acls: (t, n, _p, o) => [acl(t, n, 'LITERAL', `User:${ALICE}`, o, 'ALLOW')] },
  {
    name: 'ALLOW prefixed',
    allowed: true,
    who: as(ALICE),
    acls: (t, _n, p, o) => [acl(t, p, 'PREFIXED', `User:${ALICE}`, o, 'ALLOW')],
    literalOnly: true,
  },
  {
    name: "ALLOW literal '*'",
    allowed: true,
    who: as(ALICE),
    acls: (t, _n, _p, o) => [acl(t, '*', 'LITERAL', `User:${ALICE}`, o, 'ALLOW')],
    literalOnly: true,
  },
  {
    // The operation ALLOWed and DENYed: prefixed where the resource type has prefixes; on the cluster, for User:*.
    name: 'DENY beats ALLOW',
    allowed: false,
    who: as(ALICE),
    acls: (t, n, p, o) => [
      acl(t, n, 'LITERAL', `User:${ALICE}`, o, 'ALLOW'),
      t === 'CLUSTER' ? acl(t, n, 'LITERAL', 'User:*', o, 'DENY') : acl(t, p, 'PREFIXED', `User:${ALICE}`, o, 'DENY'),
    ],
  },
  { name: 'User:* principal', allowed: true, who: as(ALICE), acls: (t, n, _p, o) => [acl(t, n, 'LITERAL', 'User:*', o, 'ALLOW')] },
  {
    // The caller's host is its socket's address: the test connects from 127.0.0.1.
    name: 'ALLOW from its host',
    allowed: true,
    who: as(ALICE),
    acls: (t, n, _p, o) => [{ ...acl(t, n, 'LITERAL', `User:${ALICE}`, o, 'ALLOW'), host: '127.0.0.1' }],
  },
  {
    name: 'ALLOW from another host',
    allowed: false,
    who: as(ALICE),
    acls: (t, n, _p, o) => [{ ...acl(t, n, 'LITERAL', `User:${ALICE}`, o, 'ALLOW'), host: '10.9.8.7' }],
  },
  { name: 'super user', allowed: true, who: admin, acls: () => [] },
  { name: 'no ACL', allowed: false, who: as(ALICE), acls: () => [] },
];

let broker: BrokerProcess;
let brokerId: number;
const v3 = (path: string): string => `/v3/clusters/-${path}`;
const record = { value: { type: 'JSON', data: { n: 1 } } };

async function asAdmin(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<Answer> {
  const answer = await call(broker, admin, method, path, body, headers);
  if (answer.status >= 300) throw new Error(`${method} ${path} as admin: ${answer.status} ${answer.text}`);
  return answer;
}

async function topicWithRecords(n: Names, records = 3): Promise<void> {
  await asAdmin('POST', v3('/topics'), { topic_name: n.topic, partitions_count: 1 });
  if (records > 0)
    await asAdmin('POST', v3(`/topics/${n.topic}/records:batch`), {
      entries: [...Array(records).keys()].map((i) => ({ id: String(i), ...record })),
    });
}

/** A group with offsets committed (offsets:reset creates it, as Kafka's tool does). */
async function groupOn(n: Names): Promise<void> {
  await topicWithRecords(n);
  await asAdmin('POST', v3(`/consumer-groups/${n.group}/offsets:reset`), { topic: n.topic, to: 'latest' });
}

const latestOffset = async (n: Names) => (await asAdmin('GET', v3(`/topics/${n.topic}/partitions/0/offsets?at=latest`))).body.offset;
const earliestOffset = async (n: Names) => (await asAdmin('GET', v3(`/topics/${n.topic}/partitions/0/offsets?at=earliest`))).body.offset;
const statusOf = async (path: string) => (await call(broker, admin, 'GET', path)).status;
const topicConfig = async (n: Names, name: string) => (await asAdmin('GET', v3(`/topics/${n.topic}/configs/${name}`))).body.value;
const committed = async (n: Names) =>
  (await asAdmin('GET', v3(`/consumer-groups/${n.group}/lags`))).body.data.map((l: { current_offset: number }) => l.current_offset);

/** Opens a server-sent event stream and answers its status (and the JSON error when it is not a stream), then closes it. */
async function openEvents(path: string, who: Who): Promise<Answer> {
  const abort = new AbortController();
  const response = await fetch(`${broker.baseUrl}${path}`, { headers: { authorization: basic(who) }, signal: abort.signal });
  if (response.status === 200) {
    abort.abort();
    return { status: 200, headers: response.headers, text: '', body: undefined };
  }
  const text = await response.text();
  return { status: response.status, headers: response.headers, text, body: JSON.parse(text) };
}

/** Creates an HTTP consumer instance as `who` (READ on the group); answers its base path. */
async function consumerOf(n: Names, who: Who): Promise<{ answer: Answer; base: string }> {
  const answer = await call(
    broker,
    who,
    'POST',
    `/consumers/${n.group}`,
    { format: 'json', 'auto.offset.reset': 'earliest' },
    {
      'content-type': 'application/vnd.kafka.v2+json',
    },
  );
  const base = answer.status === 200 ? new URL(answer.body.base_uri).pathname : '';
  return { answer, base };
}

const OPERATIONS: MatrixOperation[] = [
  // ---- produce: WRITE on the topic, on every route ----
  {
    name: 'produce POST records',
    surface: 'REST',
    resource: 'TOPIC',
    operation: 'WRITE',
    setup: (n) => topicWithRecords(n),
    act: (n, who) => call(broker, who, 'POST', v3(`/topics/${n.topic}/records`), record),
    allowedStatus: 200,
    observe: latestOffset,
    changes: true,
  },
  {
    name: 'produce POST records:batch',
    surface: 'REST',
    resource: 'TOPIC',
    operation: 'WRITE',
    setup: (n) => topicWithRecords(n),
    act: (n, who) => call(broker, who, 'POST', v3(`/topics/${n.topic}/records:batch`), { entries: [{ id: 'a', ...record }] }),
    allowedStatus: 207,
    observe: latestOffset,
    changes: true,
  },
  {
    name: 'produce POST partitions/0/batches (binary)',
    surface: 'REST',
    resource: 'TOPIC',
    operation: 'WRITE',
    setup: (n) => topicWithRecords(n),
    act: (n, who) =>
      call(
        broker,
        who,
        'POST',
        v3(`/topics/${n.topic}/partitions/0/batches`),
        encodeRecordBatch({ records: [{ timestamp: Date.now(), key: null, value: Buffer.from('x'), headers: [] }] }),
        { 'content-type': 'application/vnd.kafka.record-batch' },
      ),
    allowedStatus: 200,
    observe: latestOffset,
    changes: true,
  },
  {
    name: 'produce POST /topics/{t} (bridge, v2)',
    surface: 'bridge',
    resource: 'TOPIC',
    operation: 'WRITE',
    setup: (n) => topicWithRecords(n),
    act: (n, who) =>
      call(
        broker,
        who,
        'POST',
        `/topics/${n.topic}`,
        { records: [{ value: { n: 1 } }] },
        { 'content-type': 'application/vnd.kafka.json.v2+json' },
      ),
    allowedStatus: 200,
    observe: latestOffset,
    changes: true,
  },
  // ---- reads: READ on the topic ----
  {
    name: 'read GET partitions/0/records',
    surface: 'REST',
    resource: 'TOPIC',
    operation: 'READ',
    setup: (n) => topicWithRecords(n),
    act: (n, who) => call(broker, who, 'GET', v3(`/topics/${n.topic}/partitions/0/records?offset=0`)),
    allowedStatus: 200,
  },
  {
    name: 'read GET partitions/0/records (raw batches)',
    surface: 'REST',
    resource: 'TOPIC',
    operation: 'READ',
    setup: (n) => topicWithRecords(n),
    act: (n, who) =>
      call(broker, who, 'GET', v3(`/topics/${n.topic}/partitions/0/records?offset=0`), undefined, {
        accept: 'application/vnd.kafka.record-batch',
      }),
    allowedStatus: 200,
  },
  {
    name: 'offset lookup GET partitions/0/offsets',
    surface: 'REST',
    resource: 'TOPIC',
    operation: 'READ',
    setup: (n) => topicWithRecords(n),
    act: (n, who) => call(broker, who, 'GET', v3(`/topics/${n.topic}/partitions/0/offsets?at=earliest`)),
    allowedStatus: 200,
  },
  {
    name: 'event stream GET events',
    surface: 'SSE',
    resource: 'TOPIC',
    operation: 'READ',
    setup: (n) => topicWithRecords(n),
    act: (n, who) => openEvents(v3(`/topics/${n.topic}/events?from=earliest`), who),
    allowedStatus: 200,
  },
  // ---- describe: DESCRIBE on the topic ----
  {
    name: 'topic GET',
    surface: 'REST',
    resource: 'TOPIC',
    operation: 'DESCRIBE',
    setup: (n) => topicWithRecords(n, 0),
    act: (n, who) => call(broker, who, 'GET', v3(`/topics/${n.topic}`)),
    allowedStatus: 200,
  },
  {
    name: 'partitions GET',
    surface: 'REST',
    resource: 'TOPIC',
    operation: 'DESCRIBE',
    setup: (n) => topicWithRecords(n, 0),
    act: (n, who) => call(broker, who, 'GET', v3(`/topics/${n.topic}/partitions`)),
    allowedStatus: 200,
  },
  {
    name: 'partition offset GET',
    surface: 'REST',
    resource: 'TOPIC',
    operation: 'DESCRIBE',
    setup: (n) => topicWithRecords(n, 0),
    act: (n, who) => call(broker, who, 'GET', v3(`/topics/${n.topic}/partitions/0/offset`)),
    allowedStatus: 200,
  },
  // ---- topic admin ----
  {
    name: 'topic create (CREATE on the topic)',
    surface: 'REST',
    resource: 'TOPIC',
    operation: 'CREATE',
    target: (n) => n.newTopic,
    setup: async () => undefined,
    act: (n, who) => call(broker, who, 'POST', v3('/topics'), { topic_name: n.newTopic, partitions_count: 1 }),
    allowedStatus: 201,
    observe: (n) => statusOf(v3(`/topics/${n.newTopic}`)),
    changes: true,
  },
  {
    name: 'topic create (CREATE on the cluster)',
    surface: 'REST',
    resource: 'CLUSTER',
    operation: 'CREATE',
    setup: async () => undefined,
    act: (n, who) => call(broker, who, 'POST', v3('/topics'), { topic_name: n.newTopic, partitions_count: 1 }),
    allowedStatus: 201,
    observe: (n) => statusOf(v3(`/topics/${n.newTopic}`)),
    changes: true,
  },
  {
    name: 'topic DELETE',
    surface: 'REST',
    resource: 'TOPIC',
    operation: 'DELETE',
    setup: (n) => topicWithRecords(n, 0),
    act: (n, who) => call(broker, who, 'DELETE', v3(`/topics/${n.topic}`)),
    allowedStatus: 204,
    observe: (n) => statusOf(v3(`/topics/${n.topic}`)),
    changes: true,
  },
  {
    name: 'partitions PATCH (add partitions)',
    surface: 'REST',
    resource: 'TOPIC',
    operation: 'ALTER',
    setup: (n) => topicWithRecords(n, 0),
    act: (n, who) => call(broker, who, 'PATCH', v3(`/topics/${n.topic}`), { partitions_count: 2 }),
    allowedStatus: 200,
    observe: async (n) => (await asAdmin('GET', v3(`/topics/${n.topic}`))).body.partitions_count,
    changes: true,
  },
  {
    name: 'records:delete',
    surface: 'REST',
    resource: 'TOPIC',
    operation: 'DELETE',
    setup: (n) => topicWithRecords(n),
    act: (n, who) => call(broker, who, 'POST', v3(`/topics/${n.topic}/partitions/0/records:delete`), { before_offset: 2 }),
    allowedStatus: 200,
    observe: earliestOffset,
    changes: true,
  },
  // ---- topic configs ----
  {
    name: 'topic configs GET',
    surface: 'REST',
    resource: 'TOPIC',
    operation: 'DESCRIBE_CONFIGS',
    setup: (n) => topicWithRecords(n, 0),
    act: (n, who) => call(broker, who, 'GET', v3(`/topics/${n.topic}/configs`)),
    allowedStatus: 200,
  },
  {
    name: 'topic config GET one',
    surface: 'REST',
    resource: 'TOPIC',
    operation: 'DESCRIBE_CONFIGS',
    setup: (n) => topicWithRecords(n, 0),
    act: (n, who) => call(broker, who, 'GET', v3(`/topics/${n.topic}/configs/retention.ms`)),
    allowedStatus: 200,
  },
  {
    name: 'topic configs:alter',
    surface: 'REST',
    resource: 'TOPIC',
    operation: 'ALTER_CONFIGS',
    setup: (n) => topicWithRecords(n, 0),
    act: (n, who) =>
      call(broker, who, 'POST', v3(`/topics/${n.topic}/configs:alter`), { data: [{ name: 'retention.ms', value: '123456789' }] }),
    allowedStatus: 204,
    observe: (n) => topicConfig(n, 'retention.ms'),
    changes: true,
  },
  {
    name: 'topic config PUT',
    surface: 'REST',
    resource: 'TOPIC',
    operation: 'ALTER_CONFIGS',
    setup: (n) => topicWithRecords(n, 0),
    act: (n, who) => call(broker, who, 'PUT', v3(`/topics/${n.topic}/configs/retention.ms`), { value: '123456789' }),
    allowedStatus: 204,
    observe: (n) => topicConfig(n, 'retention.ms'),
    changes: true,
  },
  {
    name: 'topic config DELETE (reset)',
    surface: 'REST',
    resource: 'TOPIC',
    operation: 'ALTER_CONFIGS',
    setup: async (n) => {
      await topicWithRecords(n, 0);
      await asAdmin('PUT', v3(`/topics/${n.topic}/configs/retention.ms`), { value: '123456789' });
    },
    act: (n, who) => call(broker, who, 'DELETE', v3(`/topics/${n.topic}/configs/retention.ms`)),
    allowedStatus: 204,
    observe: (n) => topicConfig(n, 'retention.ms'),
    changes: true,
  },
  // ---- consumer groups (REST admin) ----
  {
    name: 'consumer group GET',
    surface: 'REST',
    resource: 'GROUP',
    operation: 'DESCRIBE',
    setup: groupOn,
    act: (n, who) => call(broker, who, 'GET', v3(`/consumer-groups/${n.group}`)),
    allowedStatus: 200,
  },
  {
    name: 'consumer group consumers GET',
    surface: 'REST',
    resource: 'GROUP',
    operation: 'DESCRIBE',
    setup: groupOn,
    act: (n, who) => call(broker, who, 'GET', v3(`/consumer-groups/${n.group}/consumers`)),
    allowedStatus: 200,
  },
  {
    name: 'consumer group lags GET',
    surface: 'REST',
    resource: 'GROUP',
    operation: 'DESCRIBE',
    extras: (n) => [{ resource: 'TOPIC', name: n.topic, operation: 'DESCRIBE' }],
    setup: groupOn,
    act: (n, who) => call(broker, who, 'GET', v3(`/consumer-groups/${n.group}/lags`)),
    allowedStatus: 200,
  },
  {
    name: 'consumer group lag-summary GET',
    surface: 'REST',
    resource: 'GROUP',
    operation: 'DESCRIBE',
    extras: (n) => [{ resource: 'TOPIC', name: n.topic, operation: 'DESCRIBE' }],
    setup: groupOn,
    act: (n, who) => call(broker, who, 'GET', v3(`/consumer-groups/${n.group}/lag-summary`)),
    allowedStatus: 200,
  },
  {
    name: 'offsets:reset (READ on the group)',
    surface: 'REST',
    resource: 'GROUP',
    operation: 'READ',
    extras: (n) => [{ resource: 'TOPIC', name: n.topic, operation: 'READ' }],
    setup: groupOn,
    act: (n, who) => call(broker, who, 'POST', v3(`/consumer-groups/${n.group}/offsets:reset`), { topic: n.topic, to: 'earliest' }),
    allowedStatus: 200,
    observe: committed,
    changes: true,
  },
  {
    name: 'offsets:reset (READ on the topic)',
    surface: 'REST',
    resource: 'TOPIC',
    operation: 'READ',
    extras: (n) => [{ resource: 'GROUP', name: n.group, operation: 'READ' }],
    setup: groupOn,
    act: (n, who) => call(broker, who, 'POST', v3(`/consumer-groups/${n.group}/offsets:reset`), { topic: n.topic, to: 'earliest' }),
    allowedStatus: 200,
    observe: committed,
    changes: true,
  },
  {
    name: 'consumer group DELETE',
    surface: 'REST',
    resource: 'GROUP',
    operation: 'DELETE',
    setup: groupOn,
    act: (n, who) => call(broker, who, 'DELETE', v3(`/consumer-groups/${n.group}`)),
    allowedStatus: 204,
    observe: (n) => statusOf(v3(`/consumer-groups/${n.group}`)),
    changes: true,
  },
  // ---- HTTP consumer instances (REST v2 / bridge) ----
  {
    name: 'consumer instance create',
    surface: 'HTTP consumer',
    resource: 'GROUP',
    operation: 'READ',
    setup: (n) => topicWithRecords(n, 0),
    act: async (n, who) => (await consumerOf(n, who)).answer,
    allowedStatus: 200,
  },
  {
    name: 'consumer subscribe (READ on the topic)',
    surface: 'HTTP consumer',
    resource: 'TOPIC',
    operation: 'READ',
    extras: (n) => [{ resource: 'GROUP', name: n.group, operation: 'READ' }],
    setup: (n) => topicWithRecords(n),
    act: async (n, who) => {
      const { base } = await consumerOf(n, who);
      return call(broker, who, 'POST', `${base}/subscription`, { topics: [n.topic] }, { 'content-type': 'application/vnd.kafka.v2+json' });
    },
    allowedStatus: 204,
  },
  {
    name: 'consumer assign and poll (READ on the topic)',
    surface: 'HTTP consumer',
    resource: 'TOPIC',
    operation: 'READ',
    extras: (n) => [{ resource: 'GROUP', name: n.group, operation: 'READ' }],
    setup: (n) => topicWithRecords(n),
    act: async (n, who) => {
      const { base } = await consumerOf(n, who);
      const assigned = await call(
        broker,
        who,
        'POST',
        `${base}/assignments`,
        { partitions: [{ topic: n.topic, partition: 0 }] },
        {
          'content-type': 'application/vnd.kafka.v2+json',
        },
      );
      if (assigned.status !== 204) return assigned;
      const polled = await call(broker, who, 'GET', `${base}/records?timeout=2000`, undefined, {
        accept: 'application/vnd.kafka.json.v2+json',
      });
      // The records themselves: an allowed poll returns what the topic holds.
      if (polled.status === 200) expect(polled.body).toHaveLength(3);
      return polled;
    },
    allowedStatus: 200,
  },
  // ---- broker and cluster configs: DESCRIBE_CONFIGS / ALTER_CONFIGS on the cluster ----
  {
    name: 'broker configs GET',
    surface: 'REST',
    resource: 'CLUSTER',
    operation: 'DESCRIBE_CONFIGS',
    setup: async () => undefined,
    act: (_n, who) => call(broker, who, 'GET', v3('/brokers/-/configs')),
    allowedStatus: 200,
  },
  {
    name: 'cluster configs GET',
    surface: 'REST',
    resource: 'CLUSTER',
    operation: 'DESCRIBE_CONFIGS',
    setup: async () => undefined,
    act: (_n, who) => call(broker, who, 'GET', v3('/broker-configs')),
    allowedStatus: 200,
  },
  {
    name: 'cluster config PUT',
    surface: 'REST',
    resource: 'CLUSTER',
    operation: 'ALTER_CONFIGS',
    setup: async () => undefined,
    // A value no earlier case set (the case's index), so a success is seen.
    act: (n, who) =>
      call(broker, who, 'PUT', v3('/broker-configs/log.cleaner.backoff.ms'), { value: String(10_000 + Number(n.topic.split('-')[1])) }),
    allowedStatus: 204,
    observe: async () => {
      const answer = await call(broker, admin, 'GET', v3('/broker-configs/log.cleaner.backoff.ms'));
      return answer.status === 200 ? answer.body.value : null;
    },
    changes: true,
  },
  {
    name: 'broker configs:alter',
    surface: 'REST',
    resource: 'CLUSTER',
    operation: 'ALTER_CONFIGS',
    setup: async () => undefined,
    act: (_n, who) =>
      call(broker, who, 'POST', v3(`/brokers/${brokerId}/configs:alter`), { data: [{ name: 'log.cleaner.backoff.ms', value: '16000' }] }),
    allowedStatus: 204,
  },
];

interface Case {
  op: MatrixOperation;
  situation: Situation;
  index: number;
}

const CASES: Case[] = OPERATIONS.flatMap((op, o) =>
  SITUATIONS.map((situation, s) => ({ op, situation, index: o * 100 + s })).filter(
    (c) => c.op.resource !== 'CLUSTER' || !c.situation.literalOnly,
  ),
);

function namesOf(c: Case): Names {
  const prefix = `mx-${c.index}-`;
  return { topic: `${prefix}t`, group: `${prefix}g`, newTopic: `${prefix}new`, prefix };
}

function aclsOf(c: Case, n: Names): AclSpec[] {
  if (c.situation.who === admin) return [];
  const target = c.op.target?.(n) ?? (c.op.resource === 'TOPIC' ? n.topic : c.op.resource === 'GROUP' ? n.group : 'kafka-cluster');
  const prefix = c.op.resource === 'CLUSTER' ? 'kafka-' : n.prefix;
  const extras = (c.op.extras?.(n) ?? []).map((e) => acl(e.resource, e.name, 'LITERAL', `User:${ALICE}`, e.operation, 'ALLOW'));
  return [...c.situation.acls(c.op.resource, target, prefix, c.op.operation), ...extras];
}

beforeAll(async () => {
  broker = await startSecureBroker();
  await createUser(broker, ALICE);
  brokerId = (await asAdmin('GET', v3('/brokers'))).body.data[0].broker_id;
}, 60_000);

afterAll(async () => {
  await broker?.stop();
});

const SUMMARY =
  `ACL matrix: ${CASES.length} cases = ${OPERATIONS.length} operations (REST, SSE, bridge, HTTP consumers) × ` +
  `${SITUATIONS.length} ACL situations (prefixed and '*' do not exist on the CLUSTER)`;

describe(SUMMARY, () => {
  it.each(CASES.map((c) => [`${c.op.surface} ${c.op.name} [${c.op.operation} on ${c.op.resource}] × ${c.situation.name}`, c] as const))(
    '%s',
    async (_title, c) => {
      const n = namesOf(c);
      await c.op.setup(n);
      const before = await c.op.observe?.(n);
      const answer = await withAcls(broker, aclsOf(c, n), () => c.op.act(n, c.situation.who));
      if (c.situation.allowed) {
        expect({ status: answer.status, text: answer.text.slice(0, 300) }).toEqual({
          status: c.op.allowedStatus,
          text: expect.any(String),
        });
        if (c.op.observe && c.op.changes) expect(await c.op.observe(n)).not.toEqual(before);
      } else {
        expect({ status: answer.status, error_code: answer.body?.error_code }).toEqual({ status: 403, error_code: 40301 });
        if (c.op.observe) expect(await c.op.observe(n)).toEqual(before);
      }
    },
    30_000,
  );
});
