import Ajv2020, { ValidateFunction } from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { encodeRecordBatch } from '@runnel/protocol';
import { BrokerProcess, startBroker } from '../support/broker-process';
import { WsClient } from '../ws/ws-client';
import { OpenApiDocument, OpenApiResponse, readOpenApi } from './openapi-document';

/**
 * Real answers of a real broker process, validated against docs/openapi.json: the status must
 * be one the operation documents, the Content-Type one that response documents, and the body
 * must match its schema (closed objects: a field added, renamed or retyped in the code alone
 * fails). NDJSON answers are validated line by line. A JSON request the broker accepted must
 * match the operation's requestBody schema (the document must not refuse what the broker takes). Fastify ships ajv 8 and ajv-formats;
 * ajv/dist/2020 is the JSON Schema dialect of OpenAPI 3.1. The tests share one topic and run
 * in order, as a user's session would.
 */
const DOC_ID = 'openapi.json';

describe('docs/openapi.json: real answers match the response schemas', () => {
  const doc = readOpenApi();
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  addFormats(ajv);
  ajv.addSchema(doc, DOC_ID);
  let broker: BrokerProcess;
  let B: string;

  beforeAll(async () => {
    broker = await startBroker();
    B = `${broker.baseUrl}/v3/clusters/-`;
  });
  afterAll(async () => {
    await broker?.stop();
  });

  /** Calls the broker and checks the answer against `operation` (e.g. 'GET /v3/clusters/{cluster_id}/topics'). */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- answers are read field by field in the tests
  async function call(operation: string, url: string, init: RequestInit = {}): Promise<{ status: number; body: string; json: () => any }> {
    const [method, specPath] = operation.split(' ');
    const response = await fetch(url, { method, ...init });
    const body = await response.text();
    const problems = conformance(doc, ajv, method.toLowerCase(), specPath, response.status, response.headers.get('content-type'), body);
    // A request the broker accepted must be one the document allows.
    if (response.ok) problems.push(...requestConformance(ajv, method.toLowerCase(), specPath, init, body));
    expect({ operation, status: response.status, problems }).toEqual({ operation, status: response.status, problems: [] });
    return { status: response.status, body, json: () => JSON.parse(body) };
  }
  const post = (body: unknown, contentType = 'application/json'): RequestInit => ({
    method: 'POST',
    headers: { 'content-type': contentType },
    body: typeof body === 'string' || Buffer.isBuffer(body) ? body : JSON.stringify(body),
  });

  it('cluster and topics: list, create, get, configs, partitions, and their errors', async () => {
    expect((await call('GET /v3/clusters', `${broker.baseUrl}/v3/clusters`)).status).toBe(200);
    expect((await call('GET /v3/clusters/{cluster_id}', B)).status).toBe(200);
    expect((await call('GET /v3/clusters/{cluster_id}', `${broker.baseUrl}/v3/clusters/not-this-one`)).status).toBe(404);
    const created = await call(
      'POST /v3/clusters/{cluster_id}/topics',
      `${B}/topics`,
      post({ topic_name: 'docs', partitions_count: 2, configs: [{ name: 'retention.ms', value: '86400000' }] }),
    );
    expect(created.status).toBe(201);
    expect((await call('POST /v3/clusters/{cluster_id}/topics', `${B}/topics`, post({ topic_name: 'docs' }))).json().error_code).toBe(
      40002,
    );
    expect((await call('POST /v3/clusters/{cluster_id}/topics', `${B}/topics`, post({ topic_name: 'bad/name' }))).status).toBe(400);
    const noContentType = { method: 'POST', body: new TextEncoder().encode(JSON.stringify({ topic_name: 'untyped' })) };
    expect((await call('POST /v3/clusters/{cluster_id}/topics', `${B}/topics`, noContentType)).status).toBe(415);
    const badConfig = await call(
      'POST /v3/clusters/{cluster_id}/topics',
      `${B}/topics`,
      post({ topic_name: 'docs2', configs: [{ name: 'retention.ms', value: 'soon' }] }),
    );
    expect(badConfig.json().error_code).toBe(40002);
    expect((await call('GET /v3/clusters/{cluster_id}/topics', `${B}/topics?include_internal=false`)).json().data.length).toBe(1);
    expect(
      (await call('GET /v3/clusters/{cluster_id}/topics', `${B}/topics?include_internal=true&limit=1`)).json().metadata.next,
    ).not.toBeNull();
    expect((await call('GET /v3/clusters/{cluster_id}/topics', `${B}/topics?limit=0`)).status).toBe(400);
    expect((await call('GET /v3/clusters/{cluster_id}/topics/{topic_name}', `${B}/topics/docs`)).json().partitions_count).toBe(2);
    expect((await call('GET /v3/clusters/{cluster_id}/topics/{topic_name}', `${B}/topics/nothing`)).json().error_code).toBe(40403);
    expect((await call('GET /v3/clusters/{cluster_id}/topics/{topic_name}/configs', `${B}/topics/docs/configs`)).status).toBe(200);
    const alter = `${B}/topics/docs/configs:alter`;
    expect(
      (
        await call(
          'POST /v3/clusters/{cluster_id}/topics/{topic_name}/configs:alter',
          alter,
          post({ data: [{ name: 'retention.ms', value: '3600000' }] }),
        )
      ).status,
    ).toBe(204);
    expect(
      (
        await call(
          'POST /v3/clusters/{cluster_id}/topics/{topic_name}/configs:alter',
          alter,
          post({ data: [{ name: 'nope', value: '1' }] }),
        )
      ).status,
    ).toBe(404);
    expect(
      (await call('GET /v3/clusters/{cluster_id}/topics/{topic_name}/partitions', `${B}/topics/docs/partitions`)).json().data.length,
    ).toBe(2);
    expect(
      (await call('GET /v3/clusters/{cluster_id}/topics/{topic_name}/partitions/{partition_id}', `${B}/topics/docs/partitions/1`)).status,
    ).toBe(200);
    expect(
      (await call('GET /v3/clusters/{cluster_id}/topics/{topic_name}/partitions/{partition_id}', `${B}/topics/docs/partitions/x`)).status,
    ).toBe(400);
    expect(
      (await call('GET /v3/clusters/{cluster_id}/topics/{topic_name}/partitions/{partition_id}', `${B}/topics/docs/partitions/7`)).status,
    ).toBe(404);
  });

  it('produce: single record, NDJSON stream, records:batch, binary batches, and errors', async () => {
    const records = `${B}/topics/docs/records`;
    const single = await call(
      'POST /v3/clusters/{cluster_id}/topics/{topic_name}/records',
      records,
      post({ partition_id: 0, key: { type: 'STRING', data: 'k' }, value: { type: 'JSON', data: { n: 1 } } }),
    );
    expect(single.json()).toMatchObject({ error_code: 200, partition_id: 0, offset: 0 });
    const ndjson = [
      '{"partition_id":0,"value":{"type":"STRING","data":"a"}}',
      '{"partition_id":0,"value":{"type":"NOPE"}}',
      '{"partition_id":0,"value":{"type":"STRING","data":"b"}}',
    ].join('\n');
    const streamed = await call(
      'POST /v3/clusters/{cluster_id}/topics/{topic_name}/records',
      records,
      post(`${ndjson}\n`, 'application/x-ndjson'),
    );
    expect(
      streamed.body
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line).error_code),
    ).toEqual([200, 400, 200]);
    const batch = await call(
      'POST /v3/clusters/{cluster_id}/topics/{topic_name}/records:batch',
      `${B}/topics/docs/records:batch`,
      post({
        entries: [
          { id: 'a', partition_id: 1, value: { type: 'STRING', data: 'x' } },
          { id: 2, partition_id: 9 },
        ],
      }),
    );
    expect(batch.status).toBe(207);
    expect(batch.json().failures).toEqual([expect.objectContaining({ id: '2', error_code: 40403 })]);
    const batches = `${B}/topics/docs/partitions/1/batches`;
    const bytes = encodeRecordBatch({ records: [{ timestamp: Date.now(), key: null, value: Buffer.from('bin'), headers: [] }] });
    const appended = await call(
      'POST /v3/clusters/{cluster_id}/topics/{topic_name}/partitions/{partition_id}/batches',
      batches,
      post(bytes, 'application/vnd.kafka.record-batch'),
    );
    expect(appended.json()).toMatchObject({ base_offset: 1, last_offset: 1 });
    expect(
      (
        await call(
          'POST /v3/clusters/{cluster_id}/topics/{topic_name}/partitions/{partition_id}/batches',
          batches,
          post(Buffer.from('not a batch'), 'application/vnd.kafka.record-batch'),
        )
      ).status,
    ).toBe(400);
    expect(
      (await call('POST /v3/clusters/{cluster_id}/topics/{topic_name}/records', `${B}/topics/nothing/records`, post({ value: null })))
        .status,
    ).toBe(404);
  });

  it('consume: JSON and raw reads, 416, offsets, server-sent events', async () => {
    const read = `${B}/topics/docs/partitions/0/records`;
    const records = await call(
      'GET /v3/clusters/{cluster_id}/topics/{topic_name}/partitions/{partition_id}/records',
      `${read}?offset=0&format=json`,
    );
    expect(records.json()).toMatchObject({ next_offset: 3, high_watermark: 3 });
    const raw = await call('GET /v3/clusters/{cluster_id}/topics/{topic_name}/partitions/{partition_id}/records', `${read}?offset=0`, {
      headers: { accept: 'application/vnd.kafka.record-batch' },
    });
    expect(raw.status).toBe(200);
    const outOfRange = await call(
      'GET /v3/clusters/{cluster_id}/topics/{topic_name}/partitions/{partition_id}/records',
      `${read}?offset=99`,
    );
    expect(outOfRange.json()).toMatchObject({ error_code: 416, earliest_offset: 0, high_watermark: 3 });
    expect(
      (await call('GET /v3/clusters/{cluster_id}/topics/{topic_name}/partitions/{partition_id}/records', `${read}?max_records=0`)).status,
    ).toBe(400);
    const offsets = `${B}/topics/docs/partitions/0/offsets`;
    expect(
      (await call('GET /v3/clusters/{cluster_id}/topics/{topic_name}/partitions/{partition_id}/offsets', `${offsets}?at=latest`)).json(),
    ).toEqual({ offset: 3, timestamp: -1 });
    expect(
      (await call('GET /v3/clusters/{cluster_id}/topics/{topic_name}/partitions/{partition_id}/offsets', `${offsets}?at=0`)).json().offset,
    ).toBe(0);
    expect(
      (await call('GET /v3/clusters/{cluster_id}/topics/{topic_name}/partitions/{partition_id}/offsets', `${offsets}?at=soon`)).status,
    ).toBe(400);
    expect((await call('GET /v3/clusters/{cluster_id}/topics/{topic_name}/events', `${B}/topics/docs/events?from=nonsense`)).status).toBe(
      400,
    );

    // The event stream never ends by itself: read its first event, then hang up.
    const controller = new AbortController();
    const response = await fetch(`${B}/topics/docs/events?from=earliest&partitions=0&format=json`, { signal: controller.signal });
    expect(
      problemsOfHead(
        doc,
        'get',
        '/v3/clusters/{cluster_id}/topics/{topic_name}/events',
        response.status,
        response.headers.get('content-type'),
      ),
    ).toEqual([]);
    const reader = response.body!.getReader();
    let text = '';
    while (!/\ndata: .*\n/.test(text)) text += Buffer.from((await reader.read()).value!).toString();
    controller.abort();
    const event = JSON.parse(/\ndata: (.*)\n/.exec(text)![1]);
    const validate = schemaValidator(ajv, '#/components/schemas/ReadRecord');
    expect({ event, errors: validate(event) ? [] : validate.errors }).toEqual({ event, errors: [] });
  });

  it('consumer groups: list, describe, members, lags, lag summary, reset, delete', async () => {
    const groups = `${B}/consumer-groups`;
    expect((await call('GET /v3/clusters/{cluster_id}/consumer-groups/{consumer_group_id}', `${groups}/nobody`)).json().error_code).toBe(
      40404,
    );
    const member = await WsClient.open(broker.baseUrl);
    try {
      member.send({ type: 'subscribe', sub: 's', group: 'docs-group', topic: 'docs', from: 'earliest', credit: 10, auto_commit: false });
      const subscribed = await member.next('subscribed');
      member.send({ type: 'commit', sub: 's', offsets: [{ partition: 0, offset: 1 }], ref: 'c1' });
      await member.next('committed');
      expect((await call('GET /v3/clusters/{cluster_id}/consumer-groups', groups)).json().data.length).toBe(1);
      expect(
        (await call('GET /v3/clusters/{cluster_id}/consumer-groups/{consumer_group_id}', `${groups}/docs-group`)).json().members.length,
      ).toBe(1);
      expect(
        (await call('GET /v3/clusters/{cluster_id}/consumer-groups/{consumer_group_id}/consumers', `${groups}/docs-group/consumers`)).json()
          .data.length,
      ).toBe(1);
      const consumer = `${groups}/docs-group/consumers/${encodeURIComponent(subscribed.member_id)}`;
      expect(
        (await call('GET /v3/clusters/{cluster_id}/consumer-groups/{consumer_group_id}/consumers/{consumer_id}', consumer)).status,
      ).toBe(200);
      const assignments = 'GET /v3/clusters/{cluster_id}/consumer-groups/{consumer_group_id}/consumers/{consumer_id}/assignments';
      expect((await call(assignments, `${consumer}/assignments`)).json().data.length).toBe(2);
      expect(
        (await call(`${assignments}/{topic_name}/partitions/{partition_id}`, `${consumer}/assignments/docs/partitions/0`)).status,
      ).toBe(200);
      expect(
        (await call(`${assignments}/{topic_name}/partitions/{partition_id}`, `${consumer}/assignments/docs/partitions/9`)).status,
      ).toBe(404);
      const lag = 'GET /v3/clusters/{cluster_id}/consumer-groups/{consumer_group_id}/lags/{topic_name}/partitions/{partition_id}';
      expect((await call(lag, `${groups}/docs-group/lags/docs/partitions/1`)).json().consumer_id).toBe(subscribed.member_id);
      expect((await call(lag, `${groups}/docs-group/lags/docs/partitions/9`)).json().error_code).toBe(404);
      const lags = await call('GET /v3/clusters/{cluster_id}/consumer-groups/{consumer_group_id}/lags', `${groups}/docs-group/lags`);
      expect(lags.json().data).toEqual(expect.arrayContaining([expect.objectContaining({ partition_id: 0, current_offset: 1, lag: 2 })]));
      expect(
        (
          await call('GET /v3/clusters/{cluster_id}/consumer-groups/{consumer_group_id}/lag-summary', `${groups}/docs-group/lag-summary`)
        ).json().total_lag,
      ).toBeGreaterThanOrEqual(2);
      const reset = `${groups}/docs-group/offsets:reset`;
      expect(
        (
          await call(
            'POST /v3/clusters/{cluster_id}/consumer-groups/{consumer_group_id}/offsets:reset',
            reset,
            post({ topic: 'docs', to: 'earliest' }),
          )
        ).json().error_code,
      ).toBe(40901);
      expect(
        (await call('DELETE /v3/clusters/{cluster_id}/consumer-groups/{consumer_group_id}', `${groups}/docs-group`, { method: 'DELETE' }))
          .status,
      ).toBe(409);
    } finally {
      member.close();
    }
    const reset = `${groups}/docs-group/offsets:reset`;
    await waitFor(async () => ((await (await fetch(`${groups}/docs-group`)).json()) as { members_count: number }).members_count === 0);
    const dryRun = await call(
      'POST /v3/clusters/{cluster_id}/consumer-groups/{consumer_group_id}/offsets:reset',
      reset,
      post({ topic: 'docs', to: { shift_by: -1 }, dry_run: true }),
    );
    expect(dryRun.json().data).toEqual(
      expect.arrayContaining([expect.objectContaining({ partition_id: 0, previous_offset: 1, new_offset: 0 })]),
    );
    expect(
      (await call('DELETE /v3/clusters/{cluster_id}/consumer-groups/{consumer_group_id}', `${groups}/docs-group`, { method: 'DELETE' }))
        .status,
    ).toBe(204);
  });

  it('operations: health, metrics, stats, docs; then records:delete and topic deletion', async () => {
    expect((await call('GET /health/live', `${broker.baseUrl}/health/live`)).status).toBe(200);
    expect((await call('GET /health/ready', `${broker.baseUrl}/health/ready`)).status).toBe(200);
    expect((await call('GET /metrics', `${broker.baseUrl}/metrics`)).body).toContain('# TYPE');
    expect((await call('GET /v3/clusters/{cluster_id}/stats', `${B}/stats`)).status).toBe(200);
    expect((await call('GET /docs-json', `${broker.baseUrl}/docs-json`)).json()).toEqual(doc);
    const deleteRecords = `${B}/topics/docs/partitions/0/records:delete`;
    const moved = await call(
      'POST /v3/clusters/{cluster_id}/topics/{topic_name}/partitions/{partition_id}/records:delete',
      deleteRecords,
      post({ before_offset: 1 }),
    );
    expect(moved.json()).toMatchObject({ partition_id: 0, low_watermark: 1 });
    expect(
      (
        await call(
          'POST /v3/clusters/{cluster_id}/topics/{topic_name}/partitions/{partition_id}/records:delete',
          deleteRecords,
          post({ before_offset: 99 }),
        )
      ).status,
    ).toBe(400);
    expect((await call('DELETE /v3/clusters/{cluster_id}/topics/{topic_name}', `${B}/topics/docs`, { method: 'DELETE' })).status).toBe(204);
    expect((await call('DELETE /v3/clusters/{cluster_id}/topics/{topic_name}', `${B}/topics/docs`, { method: 'DELETE' })).status).toBe(404);
  });
});

/** Everything about one answer that disagrees with the document; empty when it conforms. */
function conformance(
  doc: OpenApiDocument,
  ajv: Ajv2020,
  method: string,
  specPath: string,
  status: number,
  contentType: string | null,
  body: string,
): string[] {
  const head = problemsOfHead(doc, method, specPath, status, contentType);
  if (head.length > 0) return [...head, `body: ${body.slice(0, 500)}`];
  const { pointer, response } = documentedResponse(doc, method, specPath, status)!;
  const mediaType = mediaTypeOf(contentType);
  if (response.content === undefined) return body === '' ? [] : [`HTTP ${status} documents no body, got: ${body.slice(0, 200)}`];
  if (mediaType !== 'application/json' && mediaType !== 'application/x-ndjson') return [];
  const validate = schemaValidator(ajv, `${pointer}/content/${escapePointer(mediaType)}/schema`);
  const values = mediaType === 'application/json' ? [body] : body.split('\n').filter((line) => line !== '');
  return values.flatMap((text) => {
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      return [`${mediaType} body is not JSON: ${text.slice(0, 200)}`];
    }
    return validate(value) ? [] : [`${text.slice(0, 300)} does not match: ${ajv.errorsText(validate.errors)}`];
  });
}

/**
 * An accepted JSON or NDJSON request body against the operation's requestBody schema. Of an NDJSON
 * stream only the lines the broker accepted count (a refused line has its own error report).
 */
function requestConformance(ajv: Ajv2020, method: string, specPath: string, init: RequestInit, answer: string): string[] {
  const headers = new Headers(init.headers);
  const mediaType = mediaTypeOf(headers.get('content-type'));
  if (typeof init.body !== 'string' || (mediaType !== 'application/json' && mediaType !== 'application/x-ndjson')) return [];
  const validate = schemaValidator(
    ajv,
    `#/paths/${escapePointer(specPath)}/${method}/requestBody/content/${escapePointer(mediaType)}/schema`,
  );
  const reports = answer.split('\n').filter((line) => line !== '');
  const values =
    mediaType === 'application/json'
      ? [init.body]
      : init.body
          .split('\n')
          .filter((line) => line !== '')
          .filter((_, i) => (JSON.parse(reports[i] ?? '{}') as { error_code?: number }).error_code === 200);
  return values.flatMap((text) =>
    validate(JSON.parse(text))
      ? []
      : [`accepted request ${text.slice(0, 300)} does not match the requestBody schema: ${ajv.errorsText(validate.errors)}`],
  );
}

/** Is the status documented for the operation, and the Content-Type for that response? */
function problemsOfHead(doc: OpenApiDocument, method: string, specPath: string, status: number, contentType: string | null): string[] {
  const operation = doc.paths[specPath]?.[method];
  if (operation === undefined) return [`${method.toUpperCase()} ${specPath} is not in the document`];
  const found = documentedResponse(doc, method, specPath, status);
  if (found === undefined) return [`HTTP ${status} is not documented for ${method.toUpperCase()} ${specPath}`];
  const content = found.response.content;
  if (content === undefined) return [];
  const mediaType = mediaTypeOf(contentType);
  return mediaType in content
    ? []
    : [`Content-Type ${contentType} is not documented for HTTP ${status} (${Object.keys(content).join(', ')})`];
}

function documentedResponse(
  doc: OpenApiDocument,
  method: string,
  specPath: string,
  status: number,
): { pointer: string; response: OpenApiResponse } | undefined {
  const entry = doc.paths[specPath]?.[method]?.responses[String(status)];
  if (entry === undefined) return undefined;
  if ('$ref' in entry) {
    const name = entry.$ref.replace('#/components/responses/', '');
    return { pointer: `#/components/responses/${escapePointer(name)}`, response: doc.components.responses[name] };
  }
  return { pointer: `#/paths/${escapePointer(specPath)}/${method}/responses/${status}`, response: entry };
}

const validators = new Map<string, ValidateFunction>();
function schemaValidator(ajv: Ajv2020, pointer: string): ValidateFunction {
  let validate = validators.get(pointer);
  if (validate === undefined) {
    validate = ajv.compile({ $ref: `${DOC_ID}${pointer}` }) as ValidateFunction;
    validators.set(pointer, validate);
  }
  return validate;
}

function mediaTypeOf(contentType: string | null): string {
  return (contentType ?? '').split(';', 1)[0].trim().toLowerCase();
}

function escapePointer(segment: string): string {
  return segment.replace(/~/g, '~0').replace(/\//g, '~1');
}

async function waitFor(condition: () => Promise<boolean>, deadlineMs = 30_000): Promise<void> {
  const deadline = Date.now() + deadlineMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${deadlineMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
