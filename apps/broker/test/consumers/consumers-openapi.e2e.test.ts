import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { createTopic, produce } from '../groups/group-support';
import { readOpenApi } from '../docs/openapi-document';
import { BrokerProcess, startBroker } from '../support/broker-process';
import { BINARY_V2, JSON_V2, V2, getWithBody } from './consumer-support';

/**
 * Every HTTP consumer operation's real answers against docs/openapi.json, including the v2
 * media types the shared response check does not read: the status must be documented, the
 * Content-Type one that response documents, the body valid against its (closed) schema, and an
 * accepted request body valid against the requestBody schema.
 */
const DOC_ID = 'openapi.json';
const INSTANCE = '/consumers/{group_name}/instances/{instance}';

describe('docs/openapi.json: HTTP consumer answers match their schemas', () => {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- JSON answers are read field by field
  const doc = readOpenApi() as any;
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  addFormats(ajv);
  ajv.addSchema(doc, DOC_ID);
  let broker: BrokerProcess;
  beforeAll(async () => {
    broker = await startBroker();
  });
  afterAll(async () => {
    await broker?.stop();
  });

  const pointer = (...segments: string[]): string => '#/' + segments.map((s) => s.replace(/~/g, '~0').replace(/\//g, '~1')).join('/');

  async function check(
    operation: string,
    url: string,
    body?: unknown,
    headers: Record<string, string> = {},
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- JSON answers are read field by field
  ): Promise<{ status: number; json: any }> {
    const [method, specPath] = operation.split(' ');
    const m = method.toLowerCase();
    let status: number;
    let text: string;
    let contentType: string | null;
    if (method === 'GET' && body !== undefined) {
      const answer = await getWithBody(broker, url, body);
      status = answer.status;
      text = JSON.stringify(answer.body);
      contentType = V2;
    } else {
      const response = await fetch(`${broker.baseUrl}${url}`, {
        method,
        headers: body === undefined ? headers : { 'content-type': V2, ...headers },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      status = response.status;
      text = await response.text();
      contentType = response.headers.get('content-type');
    }
    const problems: string[] = [];
    const response = doc.paths[specPath]?.[m]?.responses?.[String(status)];
    if (!response) problems.push(`HTTP ${status} is not documented for ${operation}`);
    else {
      const resolved = response.$ref ? doc.components.responses[response.$ref.split('/').pop()] : response;
      const base = response.$ref
        ? pointer('components', 'responses', response.$ref.split('/').pop())
        : pointer('paths', specPath, m, 'responses', String(status));
      if (resolved.content === undefined) {
        if (text !== '') problems.push(`HTTP ${status} documents no body, got ${text}`);
      } else {
        const mediaType = (contentType ?? '').split(';')[0].trim();
        if (!(mediaType in resolved.content)) problems.push(`Content-Type ${contentType} not documented for ${status}`);
        else {
          const validate = ajv.compile({ $ref: `${DOC_ID}${base}/content/${mediaType.replace(/~/g, '~0').replace(/\//g, '~1')}/schema` });
          if (!validate(JSON.parse(text))) problems.push(`${text.slice(0, 300)}: ${ajv.errorsText(validate.errors)}`);
        }
      }
    }
    if (status < 300 && body !== undefined) {
      const validate = ajv.compile({ $ref: `${DOC_ID}${pointer('paths', specPath, m, 'requestBody', 'content', V2, 'schema')}` });
      if (!validate(body)) problems.push(`request ${JSON.stringify(body)}: ${ajv.errorsText(validate.errors)}`);
    }
    expect({ operation, status, problems }).toEqual({ operation, status, problems: [] });
    return { status, json: text ? JSON.parse(text) : undefined };
  }

  it('create, subscribe, poll (both formats), seek, commit, offsets, assignments, delete, and their errors', async () => {
    await createTopic(broker, 'doc-t', 2);
    await produce(broker, 'doc-t', 0, ['{"a":1}', '2']);
    const create = 'POST /consumers/{group_name}';
    const created = await check(create, '/consumers/doc-g', {
      name: 'bin',
      format: 'binary',
      'auto.offset.reset': 'earliest',
      'enable.auto.commit': false,
    });
    expect(created.status).toBe(200);
    await check(create, '/consumers/doc-g', { name: 'js', format: 'json', 'auto.offset.reset': 'earliest', 'auto.commit.enable': 'false' });
    expect((await check(create, '/consumers/doc-g', { name: 'bin' })).status).toBe(409);
    expect((await check(create, '/consumers/doc-g', { format: 'avro' })).status).toBe(422);
    const bin = '/consumers/doc-g/instances/bin';
    const js = '/consumers/doc-g/instances/js';
    expect((await check(`POST ${INSTANCE}/subscription`, `${bin}/subscription`, { topics: ['doc-t'] })).status).toBe(204);
    expect((await check(`POST ${INSTANCE}/subscription`, `${bin}/subscription`, { nothing: true })).status).toBe(422);
    expect((await check(`GET ${INSTANCE}/subscription`, `${bin}/subscription`)).json).toEqual({ topics: ['doc-t'] });
    expect((await check(`GET ${INSTANCE}/assignments`, `${bin}/assignments`)).json.partitions).toHaveLength(2);
    const polled = await check(`GET ${INSTANCE}/records`, `${bin}/records?timeout=3000`, undefined, { accept: BINARY_V2 });
    expect(polled.json.length).toBeGreaterThan(0);
    expect((await check(`GET ${INSTANCE}/records`, `${bin}/records`, undefined, { accept: JSON_V2 })).status).toBe(406);
    expect((await check(`GET ${INSTANCE}/records`, `${bin}/records?timeout=x`, undefined, { accept: BINARY_V2 })).status).toBe(400);
    const edge = { partitions: [{ topic: 'doc-t', partition: 0 }] };
    expect((await check(`POST ${INSTANCE}/positions/beginning`, `${bin}/positions/beginning`, edge)).status).toBe(204);
    expect((await check(`POST ${INSTANCE}/positions/end`, `${bin}/positions/end`, edge)).status).toBe(204);
    const seek = { offsets: [{ topic: 'doc-t', partition: 0, offset: 1 }] };
    expect((await check(`POST ${INSTANCE}/positions`, `${bin}/positions`, seek)).status).toBe(204);
    const notOwned = { offsets: [{ topic: 'doc-t', partition: 7, offset: 1 }] };
    expect((await check(`POST ${INSTANCE}/positions`, `${bin}/positions`, notOwned)).status).toBe(404);
    expect(
      (await check(`POST ${INSTANCE}/offsets`, `${bin}/offsets`, { offsets: [{ topic: 'doc-t', partition: 0, offset: 1, metadata: 'm' }] }))
        .status,
    ).toBe(204);
    expect((await check(`POST ${INSTANCE}/offsets`, `${bin}/offsets`)).status).toBe(204);
    expect((await check(`GET ${INSTANCE}/offsets`, `${bin}/offsets`)).json.offsets.length).toBeGreaterThan(0);
    expect((await check(`GET ${INSTANCE}/offsets`, `${bin}/offsets`, edge)).json.offsets).toHaveLength(1);
    expect((await check(`POST ${INSTANCE}/assignments`, `${bin}/assignments`, edge)).status).toBe(409);
    expect((await check(`DELETE ${INSTANCE}/subscription`, `${bin}/subscription`)).status).toBe(204);
    expect((await check(`POST ${INSTANCE}/assignments`, `${js}/assignments`, edge)).status).toBe(204);
    expect(
      (await check(`POST ${INSTANCE}/assignments`, `${js}/assignments`, { partitions: [{ topic: 'nope', partition: 0 }] })).status,
    ).toBe(404);
    const jsonPoll = await check(`GET ${INSTANCE}/records`, `${js}/records?timeout=3000`, undefined, { accept: JSON_V2 });
    // Manually assigned, it starts at the group's commit (1, by `bin`).
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- JSON answers are read field by field
    expect(jsonPoll.json.map((r: any) => r.value)).toEqual([2]);
    expect((await check(`DELETE ${INSTANCE}`, bin)).status).toBe(204);
    expect((await check(`DELETE ${INSTANCE}`, js)).status).toBe(204);
    expect((await check(`DELETE ${INSTANCE}`, js)).status).toBe(404);
    expect((await check(`GET ${INSTANCE}/records`, `${js}/records`)).status).toBe(404);
  });
});
