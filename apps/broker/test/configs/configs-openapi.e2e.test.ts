import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { BrokerProcess, startBroker } from '../support/broker-process';
import { readOpenApi } from '../docs/openapi-document';

/**
 * The config routes' real answers against docs/openapi.json: each status is one the operation
 * documents, and each JSON body matches that response's schema (closed objects, so a field the
 * code adds alone fails). Requests the broker accepts must match the documented request body.
 */
describe('config routes: real answers match docs/openapi.json', () => {
  const doc = readOpenApi() as unknown as { paths: Record<string, Record<string, any>>; components: any };
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  addFormats(ajv);
  ajv.addSchema(doc, 'openapi.json');
  let broker: BrokerProcess | undefined;
  afterAll(async () => {
    await broker?.stop();
  });

  const pointer = (...parts: string[]) => parts.map((p) => p.replace(/~/g, '~0').replace(/\//g, '~1')).join('/');
  const resolve = (node: any): any =>
    node?.$ref
      ? resolve(
          node.$ref
            .slice(2)
            .split('/')
            .reduce((n: any, k: string) => n[k], doc),
        )
      : node;

  async function call(specPath: string, method: string, url: string, body?: unknown): Promise<{ status: number; json: any }> {
    const response = await fetch(url, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    const operation = doc.paths[specPath]?.[method.toLowerCase()];
    expect({ specPath, method, documented: operation !== undefined }).toEqual({ specPath, method, documented: true });
    const documented = resolve(operation.responses[String(response.status)]);
    expect({ specPath, method, status: response.status, documented: documented !== undefined }).toEqual({
      specPath,
      method,
      status: response.status,
      documented: true,
    });
    const problems: string[] = [];
    if (documented.content) {
      const responseRef = operation.responses[String(response.status)].$ref as string | undefined;
      const base = responseRef
        ? responseRef
        : `openapi.json#/${pointer('paths', specPath, method.toLowerCase(), 'responses', String(response.status))}`;
      const validate = ajv.getSchema(`${base.startsWith('#') ? `openapi.json${base}` : base}/content/application~1json/schema`)!;
      if (!validate(JSON.parse(text))) problems.push(`${text.slice(0, 300)}: ${ajv.errorsText(validate.errors)}`);
    } else if (text !== '') {
      problems.push(`HTTP ${response.status} documents no body, got ${text.slice(0, 200)}`);
    }
    if (response.ok && body !== undefined) {
      const validate = ajv.getSchema(
        `openapi.json#/${pointer('paths', specPath, method.toLowerCase(), 'requestBody', 'content', 'application/json', 'schema')}`,
      )!;
      if (!validate(body)) problems.push(`request ${JSON.stringify(body)}: ${ajv.errorsText(validate.errors)}`);
    }
    expect({ specPath, method, status: response.status, problems }).toEqual({ specPath, method, status: response.status, problems: [] });
    return { status: response.status, json: text ? JSON.parse(text) : undefined };
  }

  it('topic, broker and cluster configs, and their errors', async () => {
    broker = await startBroker();
    const B = `${broker.baseUrl}/v3/clusters/-`;
    const C = '/v3/clusters/{cluster_id}';
    expect(
      (await fetch(`${B}/topics`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"topic_name":"docs"}' }))
        .status,
    ).toBe(201);

    expect((await call(`${C}/topics/{topic_name}/configs`, 'GET', `${B}/topics/docs/configs`)).status).toBe(200);
    expect((await call(`${C}/topics/{topic_name}/configs`, 'GET', `${B}/topics/nothing/configs`)).json.error_code).toBe(40403);
    expect((await call(`${C}/topics/-/configs`, 'GET', `${B}/topics/-/configs`)).status).toBe(200);
    expect((await call(`${C}/topics/-/configs`, 'GET', `${B}/topics/-/configs?limit=1`)).json.metadata.next).toContain('page_token=');
    expect((await call(`${C}/topics/-/configs`, 'GET', `${B}/topics/-/configs?limit=0`)).status).toBe(400);
    const alter = `${C}/topics/{topic_name}/configs:alter`;
    expect(
      (await call(alter, 'POST', `${B}/topics/docs/configs:alter`, { data: [{ name: 'retention.ms', value: '3600000' }] })).status,
    ).toBe(204);
    expect(
      (
        await call(alter, 'POST', `${B}/topics/docs/configs:alter`, {
          validate_only: true,
          data: [{ name: 'cleanup.policy', operation: 'DELETE' }],
        })
      ).status,
    ).toBe(204);
    expect(
      (await call(alter, 'POST', `${B}/topics/docs/configs:alter`, { data: [{ name: 'retention.ms', value: 'x' }] })).json.error_code,
    ).toBe(40002);
    expect((await call(alter, 'POST', `${B}/topics/docs/configs:alter`, { data: [{ name: 'nope', value: '1' }] })).status).toBe(404);
    const single = `${C}/topics/{topic_name}/configs/{name}`;
    expect((await call(single, 'PUT', `${B}/topics/docs/configs/segment.jitter.ms`, { value: '100' })).status).toBe(204);
    expect((await call(single, 'GET', `${B}/topics/docs/configs/segment.jitter.ms`)).json.value).toBe('100');
    expect((await call(single, 'DELETE', `${B}/topics/docs/configs/segment.jitter.ms`)).status).toBe(204);
    expect((await call(single, 'GET', `${B}/topics/docs/configs/nope`)).status).toBe(404);
    expect((await call(single, 'PUT', `${B}/topics/docs/configs/preallocate`, { value: 'maybe' })).status).toBe(400);

    expect((await call(`${C}/brokers/{broker_id}/configs`, 'GET', `${B}/brokers/0/configs`)).status).toBe(200);
    expect((await call(`${C}/brokers/{broker_id}/configs`, 'GET', `${B}/brokers/9/configs`)).status).toBe(404);
    expect((await call(`${C}/brokers/-/configs`, 'GET', `${B}/brokers/-/configs`)).status).toBe(200);
    const brokerAlter = `${C}/brokers/{broker_id}/configs:alter`;
    const example = {
      data: [
        { name: 'max.connections', operation: 'DELETE' },
        { name: 'compression.type', value: 'gzip' },
      ],
    };
    expect((await call(brokerAlter, 'POST', `${B}/brokers/0/configs:alter`, example)).status).toBe(204);
    expect((await call(brokerAlter, 'POST', `${B}/brokers/0/configs:alter`, { data: [{ name: 'broker.id', value: '2' }] })).status).toBe(
      400,
    );
    const brokerSingle = `${C}/brokers/{broker_id}/configs/{name}`;
    expect((await call(brokerSingle, 'PUT', `${B}/brokers/0/configs/log.retention.ms`, { value: '7200000' })).status).toBe(204);
    expect((await call(brokerSingle, 'GET', `${B}/brokers/0/configs/log.retention.ms`)).json.source).toBe('DYNAMIC_BROKER_CONFIG');
    expect((await call(brokerSingle, 'DELETE', `${B}/brokers/0/configs/log.retention.ms`)).status).toBe(204);
    expect((await call(brokerSingle, 'GET', `${B}/brokers/0/configs/nope`)).status).toBe(404);

    expect((await call(`${C}/broker-configs`, 'GET', `${B}/broker-configs`)).status).toBe(200);
    expect((await call(`${C}/broker-configs:alter`, 'POST', `${B}/broker-configs:alter`, example)).status).toBe(204);
    const clusterSingle = `${C}/broker-configs/{name}`;
    expect((await call(clusterSingle, 'GET', `${B}/broker-configs/compression.type`)).json.source).toBe('DYNAMIC_DEFAULT_BROKER_CONFIG');
    expect((await call(clusterSingle, 'PUT', `${B}/broker-configs/log.retention.ms`, { value: '100000' })).status).toBe(204);
    expect((await call(clusterSingle, 'DELETE', `${B}/broker-configs/log.retention.ms`)).status).toBe(204);
    expect((await call(clusterSingle, 'GET', `${B}/broker-configs/log.retention.ms`)).status).toBe(404);
    expect((await call(`${C}/broker-configs`, 'GET', `${B}/broker-configs`)).json.data).toHaveLength(1);
  });
});
