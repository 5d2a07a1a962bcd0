import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Member } from '../groups/group-support';
import { BrokerProcess, startBroker } from '../support/broker-process';
import { createTopicOn, produceStrings } from '../support/topic-helpers';
import { SpecOperation, SpecValidator, linksIn, readSpec, specOperations } from './confluent-spec';

/**
 * Confluent REST v3 conformance: one test per operation of Confluent's spec (enumerated from the
 * spec itself, so an operation nobody wrote a case for fails by name), against a real broker with
 * real state — topics with records, a consumer group with a WebSocket member that committed.
 * Each request uses the spec's example body where it gives one (adapted to names that exist on a
 * one-node Runnel), and each answer must:
 * - have a status the spec lists for the operation (and the one the case expects: a missing route's
 *   404 is listed for many operations, so it is not enough);
 * - carry a Content-Type the spec declares, and a body that validates against the spec's schema;
 * - link only to URLs that answer 200 (every `self` and `related` is followed).
 * GET operations run under both `/v3` and `/kafka/v3` (Confluent Server's path). The observable
 * effect of each write is read back.
 * The figures (operations passing / total, and what fails where) are printed after the run and
 * written to $TMPDIR/runnel-conformance/summary.{json,txt}.
 */
const spec = readSpec();
const validator = new SpecValidator(spec);
const OPERATIONS = specOperations(spec);
const PREFIXES = ['/v3', '/kafka/v3'];
const SUMMARY_DIR = path.join(os.tmpdir(), 'runnel-conformance');

// Topics of the run; every case reads or writes its own, so cases do not depend on each other's order.
const ORDERS = 'conf-orders'; // 2 partitions, 5 records each, consumed and committed by GROUP
const PRODUCE = 'conf-produce'; // 2 partitions, target of the produce examples
const CONFIGS = 'conf-configs'; // configs altered by the config cases
const GROUP = 'conf-group';
const COMMITTED = [
  { partition: 0, offset: 3 },
  { partition: 1, offset: 5 },
];

interface Request {
  method?: string;
  /** Path after the prefix, e.g. `/clusters/abc/topics`. */
  path: string;
  body?: unknown;
  /** Statuses this request must get (each must also be one the spec lists); default: the spec's 2xx. */
  expect?: number[];
  /** A dry run (`validate_only`) answers the resource it would create: its links are not followed. */
  dryRun?: boolean;
}

interface Answer {
  status: number;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- answers are read field by field
  json: any;
}

/** What one operation's test can do: send checked requests, set state up, and record problems. */
interface OperationRun {
  send(request: Request): Promise<Answer>;
  /** A request that only prepares state (not checked against the spec); a non-2xx answer is a problem. */
  setup(method: string, path: string, body?: unknown): Promise<Answer>;
  check(condition: boolean, problem: string): void;
}

describe("Confluent REST v3 conformance (Confluent's api/v3/openapi.yaml against a real broker)", () => {
  let broker: BrokerProcess;
  let member: Member;
  let cid = '';
  let brokerId = 0;
  const results = new Map<string, string[]>();
  const c = (rest = ''): string => `/clusters/${cid}${rest}`;

  beforeAll(async () => {
    broker = await startBroker();
    const clusters = (await (await fetch(`${broker.baseUrl}/v3/clusters`)).json()) as {
      data: { cluster_id: string; controller?: { related?: string } }[];
    };
    cid = clusters.data[0].cluster_id;
    // The controller link names the broker (`.../brokers/0`); a one-node Runnel is that broker.
    brokerId = Number(/\/brokers\/(\d+)$/.exec(clusters.data[0].controller?.related ?? '')?.[1] ?? 0);
    await createTopicOn(broker, ORDERS, 2);
    await createTopicOn(broker, PRODUCE, 2);
    await createTopicOn(broker, CONFIGS, 1);
    for (const p of [0, 1]) await produceStrings(broker, ORDERS, p, ['a', 'b', 'c', 'd', 'e']);
    member = await Member.join(broker, { group: GROUP, topic: ORDERS, from: 'earliest', auto_commit: false });
    await member.untilOwns(2);
    await member.client.until(() => member.records().length === 10);
    const committed = await member.commit(COMMITTED);
    if (committed.type !== 'committed') throw new Error(`set-up commit failed: ${JSON.stringify(committed)}`);
  }, 120_000);

  afterAll(async () => {
    member?.close();
    await broker?.stop();
    writeSummary(results);
  });

  async function raw(method: string, url: string, body?: unknown): Promise<{ status: number; contentType: string | null; text: string }> {
    const response = await fetch(url, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: response.status, contentType: response.headers.get('content-type'), text: await response.text() };
  }

  /**
   * Follows every link of a body; each must answer 200, except a partition's `reassignment`, which
   * answers 404 while no reassignment runs, as Confluent's does (GetReassignmentAction).
   */
  async function deadLinks(body: unknown): Promise<string[]> {
    const links = linksIn(body);
    const problems: string[] = [];
    for (let i = 0; i < links.length; i += 8) {
      const answers = await Promise.all(links.slice(i, i + 8).map(async (url) => ({ url, status: (await fetch(url)).status })));
      for (const { url, status } of answers) {
        const optional = /\/partitions\/\d+\/reassignment$/.test(url) && status === 404;
        if (status !== 200 && !optional) problems.push(`link ${url} answers ${status}`);
      }
    }
    return problems;
  }

  function runner(operation: SpecOperation, problems: string[]): OperationRun {
    const successes = operation.statuses.filter((s) => /^2\d\d$/.test(s)).map(Number);
    return {
      async send(request) {
        const method = request.method ?? operation.method;
        const prefixes = method === 'GET' ? PREFIXES : PREFIXES.slice(0, 1);
        // The bodies are the spec's examples adapted: the adaptation must still be a request the spec allows.
        if (request.body !== undefined && (request.expect ?? successes).some((status) => status < 300)) {
          problems.push(...validator.checkRequest(operation, request.body).map((p) => `test bug, ${method} ${request.path}: ${p}`));
        }
        let first: Answer | undefined;
        for (const prefix of prefixes) {
          const url = `${broker.baseUrl}${prefix}${request.path}`;
          const answer = await raw(method, url, request.body);
          const where = `${method} ${prefix}${request.path}`;
          const expected = request.expect ?? successes;
          if (!expected.includes(answer.status)) {
            problems.push(`${where}: status ${answer.status}, expected ${expected.join(' or ')}: ${answer.text.slice(0, 200)}`);
          }
          problems.push(
            ...validator.check(operation, answer.status, answer.contentType, answer.text).problems.map((p) => `${where}: ${p}`),
          );
          let json: unknown;
          try {
            json = answer.text ? JSON.parse(answer.text) : undefined;
          } catch {
            json = undefined;
          }
          if (answer.status < 300 && !request.dryRun) problems.push(...(await deadLinks(json)).map((p) => `${where}: ${p}`));
          first ??= { status: answer.status, json };
        }
        return first!;
      },
      async setup(method, setupPath, body) {
        const answer = await raw(method, `${broker.baseUrl}/v3${setupPath}`, body);
        if (answer.status >= 300) problems.push(`set-up ${method} /v3${setupPath}: status ${answer.status}: ${answer.text.slice(0, 200)}`);
        return { status: answer.status, json: answer.text ? JSON.parse(answer.text) : undefined };
      },
      check(condition, problem) {
        if (!condition) problems.push(problem);
      },
    };
  }

  const example = (id: string, name = 'example'): any => structuredClone(OPERATIONS.find((o) => o.id === id)!.requestExamples[name]); // eslint-disable-line @typescript-eslint/no-explicit-any
  const ACL_PRINCIPAL = 'User%3Aconf-alice';
  const aclExample = (): Record<string, string> => ({ ...example('createKafkaAcls'), principal: 'User:conf-alice' });
  const configOf = async (t: OperationRun, configPath: string): Promise<{ value?: string | null; source?: string }> =>
    (await t.setup('GET', configPath)).json ?? {};
  const configValue = async (t: OperationRun, configPath: string): Promise<string | null | undefined> =>
    (await configOf(t, configPath)).value;
  /** Sets a config dynamically, DELETEs it through the checked request, and reads that it is no longer set at that level. */
  const setThenDelete = async (t: OperationRun, configPath: string, dynamicSource: string): Promise<void> => {
    await t.setup('PUT', configPath, { value: 'gzip' });
    await t.send({ path: configPath });
    const after = await configOf(t, configPath);
    t.check(after.source !== dynamicSource, `after DELETE ${configPath} its source is still ${after.source}`);
  };

  /**
   * One case per operation: what a client of the spec would send, and what it would then observe.
   * Example bodies come from the spec's `requestBodies`; only names are adapted (topics that exist,
   * replication factor 1 on one broker).
   */
  const CASES: Record<string, (t: OperationRun) => Promise<void>> = {
    listKafkaClusters: async (t) => {
      const answer = await t.send({ path: '/clusters' });
      t.check(answer.json?.data?.length === 1, 'one cluster is listed');
    },
    getKafkaCluster: async (t) => {
      await t.send({ path: c() });
    },
    listKafkaClusterConfigs: async (t) => {
      await t.setup('PUT', c('/broker-configs/compression.type'), { value: 'gzip' });
      const answer = await t.send({ path: c('/broker-configs') });
      t.check(
        answer.json?.data?.some((x: { name: string }) => x.name === 'compression.type'),
        'the dynamic compression.type is listed',
      );
    },
    updateKafkaClusterConfigs: async (t) => {
      await t.send({ path: c('/broker-configs:alter'), body: example('updateKafkaClusterConfigs') });
      t.check((await configValue(t, c('/broker-configs/compression.type'))) === 'gzip', 'compression.type reads back gzip');
    },
    getKafkaClusterConfig: async (t) => {
      await t.setup('PUT', c('/broker-configs/compression.type'), { value: 'gzip' });
      const answer = await t.send({ path: c('/broker-configs/compression.type') });
      t.check(answer.json?.value === 'gzip', 'compression.type reads gzip');
    },
    updateKafkaClusterConfig: async (t) => {
      await t.send({ path: c('/broker-configs/compression.type'), body: example('updateKafkaClusterConfig') });
      t.check((await configValue(t, c('/broker-configs/compression.type'))) === 'gzip', 'compression.type reads back gzip');
    },
    deleteKafkaClusterConfig: async (t) => {
      await t.setup('PUT', c('/broker-configs/compression.type'), { value: 'gzip' });
      await t.send({ path: c('/broker-configs/compression.type') });
      // Confluent: a cluster config that is not set dynamically is not found.
      const after = await fetch(`${broker.baseUrl}/v3${c('/broker-configs/compression.type')}`);
      t.check(after.status === 404, `after DELETE the cluster config answers ${after.status}, not 404`);
    },
    'GET /clusters/{cluster_id}/brokers': async (t) => {
      const answer = await t.send({ path: c('/brokers') });
      t.check(answer.json?.data?.length === 1 && answer.json.data[0].broker_id === brokerId, `one broker, id ${brokerId}`);
    },
    'GET /clusters/{cluster_id}/brokers/{broker_id}': async (t) => {
      await t.send({ path: c(`/brokers/${brokerId}`) });
    },
    'GET /clusters/{cluster_id}/brokers/-/configs': async (t) => {
      const answer = await t.send({ path: c('/brokers/-/configs') });
      t.check(answer.json?.data?.length > 0, 'broker configs are listed');
    },
    'GET /clusters/{cluster_id}/brokers/{broker_id}/configs': async (t) => {
      const answer = await t.send({ path: c(`/brokers/${brokerId}/configs`) });
      t.check(answer.json?.data?.length > 0, 'broker configs are listed');
    },
    'POST /clusters/{cluster_id}/brokers/{broker_id}/configs:alter': async (t) => {
      await t.send({
        path: c(`/brokers/${brokerId}/configs:alter`),
        body: example('POST /clusters/{cluster_id}/brokers/{broker_id}/configs:alter'),
      });
      t.check((await configValue(t, c(`/brokers/${brokerId}/configs/compression.type`))) === 'gzip', 'compression.type reads back gzip');
    },
    'GET /clusters/{cluster_id}/brokers/{broker_id}/configs/{name}': async (t) => {
      await t.send({ path: c(`/brokers/${brokerId}/configs/compression.type`) });
    },
    'PUT /clusters/{cluster_id}/brokers/{broker_id}/configs/{name}': async (t) => {
      await t.send({
        path: c(`/brokers/${brokerId}/configs/compression.type`),
        body: example('PUT /clusters/{cluster_id}/brokers/{broker_id}/configs/{name}'),
      });
      t.check((await configValue(t, c(`/brokers/${brokerId}/configs/compression.type`))) === 'gzip', 'compression.type reads back gzip');
    },
    'DELETE /clusters/{cluster_id}/brokers/{broker_id}/configs/{name}': async (t) => {
      await setThenDelete(t, c(`/brokers/${brokerId}/configs/compression.type`), 'DYNAMIC_BROKER_CONFIG');
    },
    'GET /clusters/{cluster_id}/brokers/{broker_id}/partition-replicas': async (t) => {
      const answer = await t.send({ path: c(`/brokers/${brokerId}/partition-replicas`) });
      t.check(
        answer.json?.data?.some((r: { topic_name: string }) => r.topic_name === ORDERS),
        `the broker's replicas include ${ORDERS}`,
      );
    },
    listKafkaConsumerGroups: async (t) => {
      const answer = await t.send({ path: c('/consumer-groups') });
      t.check(
        answer.json?.data?.some((g: { consumer_group_id: string }) => g.consumer_group_id === GROUP),
        `${GROUP} is listed`,
      );
    },
    getKafkaConsumerGroup: async (t) => {
      const answer = await t.send({ path: c(`/consumer-groups/${GROUP}`) });
      t.check(answer.json?.state === 'STABLE', `${GROUP} is STABLE`);
    },
    listKafkaConsumers: async (t) => {
      const answer = await t.send({ path: c(`/consumer-groups/${GROUP}/consumers`) });
      t.check(answer.json?.data?.[0]?.consumer_id === member.memberId, 'the member is listed by its member id');
    },
    getKafkaConsumerGroupLagSummary: async (t) => {
      const answer = await t.send({ path: c(`/consumer-groups/${GROUP}/lag-summary`) });
      t.check(answer.json?.total_lag === 2 + 0 && answer.json?.max_lag === 2, 'lags 2 (partition 0: 5 - 3) and 0 (partition 1: 5 - 5)');
    },
    listKafkaConsumerLags: async (t) => {
      const answer = await t.send({ path: c(`/consumer-groups/${GROUP}/lags`) });
      t.check(answer.json?.data?.length === 2, 'a lag per assigned partition');
    },
    getKafkaConsumerLag: async (t) => {
      const answer = await t.send({ path: c(`/consumer-groups/${GROUP}/lags/${ORDERS}/partitions/0`) });
      t.check(
        answer.json?.current_offset === 3 && answer.json?.log_end_offset === 5 && answer.json?.lag === 2,
        'partition 0: committed 3, end 5, lag 2',
      );
    },
    getKafkaConsumer: async (t) => {
      await t.send({ path: c(`/consumer-groups/${GROUP}/consumers/${member.memberId}`) });
    },
    listKafkaConsumerAssignment: async (t) => {
      const answer = await t.send({ path: c(`/consumer-groups/${GROUP}/consumers/${member.memberId}/assignments`) });
      t.check(answer.json?.data?.length === 2, 'the member is assigned both partitions');
    },
    getKafkaConsumerAssignment: async (t) => {
      await t.send({ path: c(`/consumer-groups/${GROUP}/consumers/${member.memberId}/assignments/${ORDERS}/partitions/0`) });
    },
    listKafkaTopics: async (t) => {
      const answer = await t.send({ path: c('/topics') });
      t.check(
        [ORDERS, PRODUCE, CONFIGS].every((name) => answer.json?.data?.some((x: { topic_name: string }) => x.topic_name === name)),
        'every topic of the run is listed in one page',
      );
    },
    createKafkaTopic: async (t) => {
      const dry = { ...example('createKafkaTopic', 'dry_run_create_topic'), topic_name: 'conf-dry-run', replication_factor: 1 };
      // Confluent answers a dry run 200 and a real create 201 (TopicsResourceIntegrationTest).
      await t.send({ path: c('/topics'), body: dry, dryRun: true, expect: [200] });
      const afterDry = await fetch(`${broker.baseUrl}/v3${c('/topics/conf-dry-run')}`);
      t.check(afterDry.status === 404, `validate_only created the topic (GET answers ${afterDry.status})`);
      const uniform = {
        ...example('createKafkaTopic', 'uniform_replication'),
        topic_name: 'conf-created',
        partitions_count: 6,
        replication_factor: 1,
      };
      const created = await t.send({ path: c('/topics'), body: uniform, expect: [201] });
      t.check(created.json?.partitions_count === 6, 'the created topic has 6 partitions');
      const explicit = example('createKafkaTopic', 'explicit_replicas_assignments');
      explicit.topic_name = 'conf-created-explicit';
      explicit.replicas_assignments = { 0: [brokerId], 1: [brokerId], 2: [brokerId] };
      const assigned = await t.send({ path: c('/topics'), body: explicit, expect: [201] });
      t.check(assigned.json?.partitions_count === 3, 'replicas_assignments with 3 keys makes 3 partitions');
      const configs = await t.setup('GET', c('/topics/conf-created/configs/cleanup.policy'));
      t.check(configs.json?.value === 'compact', 'the created topic has cleanup.policy=compact');
      // Confluent's answers to TopicExists and InvalidReplicationFactor: 400 with 40002.
      const exists = await t.send({ path: c('/topics'), body: { topic_name: ORDERS }, expect: [400] });
      t.check(exists.json?.error_code === 40002, `an existing topic answers error_code ${exists.json?.error_code}, not 40002`);
      const tooMany = await t.send({ path: c('/topics'), body: { topic_name: 'conf-rf3', replication_factor: 3 }, expect: [400] });
      t.check(tooMany.json?.error_code === 40002, `replication factor 3 on one broker answers ${tooMany.json?.error_code}, not 40002`);
    },
    getKafkaTopic: async (t) => {
      const answer = await t.send({ path: c(`/topics/${ORDERS}`) });
      t.check(answer.json?.partitions_count === 2, `${ORDERS} has 2 partitions`);
      const unknown = await t.send({ path: c('/topics/conf-nothing'), expect: [404] });
      t.check(unknown.json?.error_code === 40403, `an unknown topic answers error_code ${unknown.json?.error_code}, not 40403`);
    },
    updatePartitionCountKafkaTopic: async (t) => {
      await t.setup('POST', c('/topics'), { topic_name: 'conf-grow', partitions_count: 1 });
      const answer = await t.send({
        path: c('/topics/conf-grow'),
        body: { ...example('updatePartitionCountKafkaTopic'), partitions_count: 3 },
      });
      t.check(answer.json?.partitions_count === 3, 'the answer says 3 partitions');
      const partitions = await t.setup('GET', c('/topics/conf-grow/partitions'));
      t.check(partitions.json?.data?.length === 3, 'the topic lists 3 partitions');
      const shrink = await t.send({ path: c('/topics/conf-grow'), body: { partitions_count: 2 }, expect: [400] });
      t.check(shrink.json?.error_code === 40002, `decreasing partitions answers ${shrink.json?.error_code}, not 40002`);
    },
    deleteKafkaTopic: async (t) => {
      await t.setup('POST', c('/topics'), { topic_name: 'conf-doomed', partitions_count: 1 });
      await t.send({ path: c('/topics/conf-doomed') });
      const after = await fetch(`${broker.baseUrl}/v3${c('/topics/conf-doomed')}`);
      t.check(after.status === 404, `the deleted topic answers ${after.status}, not 404`);
      const again = await t.send({ path: c('/topics/conf-doomed'), expect: [404] });
      t.check(again.json?.error_code === 40403, `deleting an unknown topic answers ${again.json?.error_code}, not 40403`);
    },
    listKafkaTopicConfigs: async (t) => {
      const answer = await t.send({ path: c(`/topics/${ORDERS}/configs`) });
      t.check(
        answer.json?.data?.some((x: { name: string }) => x.name === 'retention.ms'),
        'retention.ms is listed',
      );
    },
    updateKafkaTopicConfigBatch: async (t) => {
      const configPath = c(`/topics/${CONFIGS}/configs/compression.type`);
      await t.send({
        path: c(`/topics/${CONFIGS}/configs:alter`),
        body: example('updateKafkaTopicConfigBatch', 'validate_only_batch_alter_topic_configs'),
      });
      // The topic's compression.type may inherit a broker-level gzip from the broker cases: its source tells.
      t.check((await configOf(t, configPath)).source !== 'DYNAMIC_TOPIC_CONFIG', 'validate_only set compression.type on the topic');
      await t.send({
        path: c(`/topics/${CONFIGS}/configs:alter`),
        body: example('updateKafkaTopicConfigBatch', 'batch_alter_topic_configs'),
      });
      t.check((await configValue(t, configPath)) === 'gzip', 'compression.type reads back gzip');
    },
    getKafkaTopicConfig: async (t) => {
      const answer = await t.send({ path: c(`/topics/${ORDERS}/configs/retention.ms`) });
      t.check(answer.json?.name === 'retention.ms', 'the config is named retention.ms');
    },
    updateKafkaTopicConfig: async (t) => {
      await t.send({ path: c(`/topics/${CONFIGS}/configs/compression.type`), body: example('updateKafkaTopicConfig') });
      t.check((await configValue(t, c(`/topics/${CONFIGS}/configs/compression.type`))) === 'gzip', 'compression.type reads back gzip');
    },
    deleteKafkaTopicConfig: async (t) => {
      await setThenDelete(t, c(`/topics/${CONFIGS}/configs/compression.type`), 'DYNAMIC_TOPIC_CONFIG');
    },
    listKafkaPartitionOffsets: async (t) => {
      const answer = await t.send({ path: c(`/topics/${ORDERS}/partitions/0/offset`) });
      t.check(answer.json?.earliest_offset === 0 && answer.json?.latest_offset === 5, 'partition 0 spans offsets 0..5');
    },
    listKafkaPartitions: async (t) => {
      const answer = await t.send({ path: c(`/topics/${ORDERS}/partitions`) });
      t.check(answer.json?.data?.length === 2, 'two partitions');
    },
    getKafkaPartition: async (t) => {
      const answer = await t.send({ path: c(`/topics/${ORDERS}/partitions/1`) });
      t.check(answer.json?.partition_id === 1, 'partition 1');
      await t.send({ path: c(`/topics/${ORDERS}/partitions/7`), expect: [404] });
    },
    'GET /clusters/{cluster_id}/topics/-/partitions/-/reassignment': async (t) => {
      const answer = await t.send({ path: c('/topics/-/partitions/-/reassignment') });
      t.check(answer.json?.data?.length === 0, 'no reassignment runs on one node');
    },
    'GET /clusters/{cluster_id}/topics/{topic_name}/partitions/-/reassignment': async (t) => {
      const answer = await t.send({ path: c(`/topics/${ORDERS}/partitions/-/reassignment`) });
      t.check(answer.json?.data?.length === 0, 'no reassignment runs on one node');
    },
    'GET /clusters/{cluster_id}/topics/{topic_name}/partitions/{partition_id}/reassignment': async (t) => {
      // Confluent answers 404 for a partition that is not being reassigned (GetReassignmentAction).
      await t.send({ path: c(`/topics/${ORDERS}/partitions/0/reassignment`), expect: [200, 404] });
    },
    'GET /clusters/{cluster_id}/topics/{topic_name}/partitions/{partition_id}/replicas': async (t) => {
      const answer = await t.send({ path: c(`/topics/${ORDERS}/partitions/0/replicas`) });
      t.check(answer.json?.data?.[0]?.broker_id === brokerId && answer.json.data[0].is_leader === true, 'one replica, the leader');
    },
    'GET /clusters/{cluster_id}/topics/{topic_name}/partitions/{partition_id}/replicas/{broker_id}': async (t) => {
      await t.send({ path: c(`/topics/${ORDERS}/partitions/0/replicas/${brokerId}`) });
    },
    listKafkaAllTopicConfigs: async (t) => {
      const answer = await t.send({ path: c('/topics/-/configs') });
      t.check(
        answer.json?.data?.some((x: { topic_name: string }) => x.topic_name === CONFIGS),
        `${CONFIGS}'s configs are listed`,
      );
    },
    produceRecord: async (t) => {
      // The schema-registry examples (AVRO, schema_id, schema_version, subject) need a Schema Registry Runnel does not have.
      const answer = await t.send({ path: c(`/topics/${PRODUCE}/records`), body: example('produceRecord', 'binary_and_json') });
      t.check(answer.json?.error_code === 200 && answer.json?.partition_id === 1, 'delivered to partition 1');
      t.check(
        Date.parse(answer.json?.timestamp) === Date.parse('2021-02-05T19:14:42Z'),
        'the record keeps the ISO timestamp it was sent with',
      );
      const plain = await t.send({ path: c(`/topics/${PRODUCE}/records`), body: example('produceRecord', 'string') });
      t.check(plain.json?.error_code === 200, 'the string example is delivered');
      const unknown = await t.send({ path: c('/topics/conf-nothing/records'), body: example('produceRecord', 'string'), expect: [404] });
      t.check(unknown.json?.error_code === 40403, `producing to an unknown topic answers ${unknown.json?.error_code}, not 40403`);
    },
    // ACLs: the spec's example principal (`principalType:principalName`) becomes a User principal, the only type Runnel has.
    getKafkaAcls: async (t) => {
      await t.setup('POST', c('/acls'), {
        ...aclExample(),
        resource_type: 'TOPIC',
        resource_name: 'conf-',
        pattern_type: 'PREFIXED',
        operation: 'READ',
        permission: 'ALLOW',
      });
      const answer = await t.send({
        path: c(`/acls?resource_type=TOPIC&resource_name=${ORDERS}&pattern_type=MATCH&principal=${ACL_PRINCIPAL}`),
      });
      t.check(
        answer.json?.data?.some(
          (a: { resource_name: string; pattern_type: string }) => a.resource_name === 'conf-' && a.pattern_type === 'PREFIXED',
        ),
        `the conf- prefix is listed as matching ${ORDERS}`,
      );
      await t.send({ path: c('/acls?resource_type=UNKNOWN'), expect: [400] });
    },
    createKafkaAcls: async (t) => {
      await t.send({ path: c('/acls'), body: aclExample(), expect: [201] });
      const listed = await t.setup('GET', c(`/acls?resource_type=CLUSTER&principal=${ACL_PRINCIPAL}&operation=DESCRIBE&permission=DENY`));
      t.check(listed.json?.data?.length === 1, 'the created ACL is listed');
      // The spec's example of a 400: a CLUSTER resource not named kafka-cluster (Kafka's InvalidRequest, 40002).
      const misnamed = await t.send({ path: c('/acls'), body: { ...aclExample(), resource_name: 'conf-cluster' }, expect: [400] });
      t.check(misnamed.json?.error_code === 40002, `a misnamed CLUSTER answers error_code ${misnamed.json?.error_code}, not 40002`);
    },
    batchCreateKafkaAcls: async (t) => {
      const body = example('batchCreateKafkaAcls');
      for (const entry of body.data) entry.principal = 'User:conf-batch';
      await t.send({ path: c('/acls:batch'), body, expect: [201] });
      const listed = await t.setup('GET', c('/acls?principal=User%3Aconf-batch'));
      t.check(listed.json?.data?.length === 2, `both ACLs of the batch are listed (${listed.json?.data?.length})`);
    },
    deleteKafkaAcls: async (t) => {
      const keep = { ...aclExample(), principal: 'User:conf-keep' };
      const doomed = { ...aclExample(), principal: 'User:conf-doomed' };
      await t.setup('POST', c('/acls:batch'), { data: [keep, doomed] });
      const answer = await t.send({
        path: c(
          '/acls?resource_type=CLUSTER&resource_name=kafka-cluster&pattern_type=LITERAL&principal=User%3Aconf-doomed&operation=DESCRIBE&permission=DENY',
        ),
      });
      t.check(answer.json?.data?.length === 1 && answer.json.data[0].principal === 'User:conf-doomed', 'the deleted ACL is answered');
      const left = await t.setup('GET', c('/acls?resource_type=CLUSTER&principal=User%3Aconf-keep'));
      t.check(left.json?.data?.length === 1, 'the other ACL on the cluster is still there');
      // The spec's example of a 400: no resource_type (a DELETE without filters must not remove everything).
      const unfiltered = await t.send({ path: c('/acls'), expect: [400] });
      t.check(
        unfiltered.json?.error_code === 400,
        `a DELETE without resource_type answers error_code ${unfiltered.json?.error_code}, not 400`,
      );
    },
    produceRecordsBatch: async (t) => {
      const answer = await t.send({ path: c(`/topics/${PRODUCE}/records:batch`), body: example('produceRecordsBatch', 'string_batch') });
      t.check(answer.json?.successes?.map((s: { id: string }) => s.id).join() === '1,2', 'both entries succeed, by id');
    },
  };

  it('has a case for every operation of the spec, and no case for an operation the spec lacks', () => {
    expect(Object.keys(CASES).sort()).toEqual(OPERATIONS.map((o) => o.id).sort());
  });

  for (const operation of OPERATIONS) {
    it(operation.id, async () => {
      const problems: string[] = [];
      results.set(operation.id, problems);
      const run = CASES[operation.id];
      if (!run) problems.push('no conformance case for this operation');
      else {
        try {
          await run(runner(operation, problems));
        } catch (error) {
          problems.push(`threw: ${(error as Error).message}`);
        }
      }
      expect(problems).toEqual([]);
    });
  }
});

function writeSummary(results: Map<string, string[]>): void {
  const passing = [...results.values()].filter((p) => p.length === 0).length;
  const lines = [
    `Confluent REST v3 conformance: ${passing}/${OPERATIONS.length} operations pass`,
    ...OPERATIONS.map((o) => {
      const problems = results.get(o.id);
      if (!problems) return `  ?    ${o.id} (not run)`;
      if (problems.length === 0) return `  ok   ${o.id}`;
      return [`  FAIL ${o.id}`, ...condense(problems).map((p) => `         ${p}`)].join('\n');
    }),
  ];
  fs.mkdirSync(SUMMARY_DIR, { recursive: true });
  fs.writeFileSync(path.join(SUMMARY_DIR, 'summary.txt'), `${lines.join('\n')}\n`);
  fs.writeFileSync(
    path.join(SUMMARY_DIR, 'summary.json'),
    JSON.stringify({ passing, total: OPERATIONS.length, operations: Object.fromEntries(results) }, null, 2),
  );
  console.log(lines.join('\n'));
}

/** One line per distinct problem: `/kafka/v3` folded into `/v3`, list indices into `*`, repeats counted. */
function condense(problems: string[]): string[] {
  const counts = new Map<string, number>();
  for (const problem of problems) {
    const key = problem
      .replace(/^(\w+) \/kafka\/v3\//, '$1 /v3/')
      .replace(/\/(data|successes|failures)\/\d+/g, '/$1/*')
      .replace(/http:\/\/127\.0\.0\.1:\d+/g, '')
      .replace(/\/clusters\/[\w-]{22}/g, '/clusters/{cid}')
      .replace(/member-[0-9a-f-]{36}/g, '{member}');
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return [...counts].map(([problem, n]) => (n > 1 ? `${problem} (x${n})` : problem));
}
