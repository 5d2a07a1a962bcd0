import { BrokerProcess, startBroker } from '../support/broker-process';
import { createTopicOn } from '../support/topic-helpers';
import { bodyOf, rawRequest, statusOf } from './raw-http';

const port = (broker: BrokerProcess): number => Number(new URL(broker.baseUrl).port);

/** Records ever appended to partition 0 (its high watermark). */
async function recordCount(broker: BrokerProcess, topic: string): Promise<number> {
  const response = await fetch(`${broker.baseUrl}/v3/clusters/-/topics/${topic}/partitions/0/records?offset=0`);
  expect(response.status).toBe(200);
  return ((await response.json()) as { high_watermark: number }).high_watermark;
}

describe('HTTP edge: content types, framework errors, CORS, links', () => {
  let broker: BrokerProcess;
  beforeAll(async () => {
    broker = await startBroker({ env: { RUNNEL_CORS_ORIGINS: 'https://app.example' } });
    await createTopicOn(broker, 'edge', 1);
  });
  afterAll(async () => {
    await broker?.stop();
  });

  it('refuses a text/plain POST to /records with 415 naming the accepted types, and appends nothing (CSRF)', async () => {
    const response = await fetch(`${broker.baseUrl}/v3/clusters/-/topics/edge/records`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: JSON.stringify({ value: { type: 'JSON', data: 1 } }),
    });
    expect(response.status).toBe(415);
    const body = (await response.json()) as { error_code: number; message: string };
    expect(body.error_code).toBe(415);
    expect(body.message).toContain('application/json');
    expect(body.message).toContain('application/x-ndjson');
    expect(await recordCount(broker, 'edge')).toBe(0);
  });

  it('answers a body without a content type with 415 and a body naming the accepted types', async () => {
    const text = JSON.stringify({ value: { type: 'JSON', data: 1 } });
    const response = await rawRequest(
      port(broker),
      `POST /v3/clusters/-/topics/edge/records HTTP/1.1\r\nHost: x\r\nContent-Length: ${text.length}\r\nConnection: close\r\n\r\n${text}`,
    );
    expect(statusOf(response)).toBe(415);
    expect(bodyOf(response)).toEqual({ error_code: 415, message: expect.stringContaining('application/vnd.kafka.record-batch') });
  });

  it('answers deeply nested JSON with 400, on a JSON endpoint (40001) and on /records (400, as Confluent)', async () => {
    const deep = '['.repeat(100_000) + ']'.repeat(100_000);
    const create = await fetch(`${broker.baseUrl}/v3/clusters/-/topics`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: `{"topic_name":${deep}}`,
    });
    expect(create.status).toBe(400);
    expect(((await create.json()) as { error_code: number }).error_code).toBe(40001);
    const produce = await fetch(`${broker.baseUrl}/v3/clusters/-/topics/edge/records`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: `{"value":{"type":"JSON","data":${deep}}}`,
    });
    expect(produce.status).toBe(400);
    expect(((await produce.json()) as { error_code: number }).error_code).toBe(400);
    expect(await recordCount(broker, 'edge')).toBe(0);
  });

  it.each([
    ['a malformed header', 'GET /health/live HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n'],
    [
      'a bad Content-Length',
      'POST /v3/clusters/-/topics HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: abc\r\n\r\n',
    ],
    ['a malformed URL', 'GET /v3/clusters/%E0%A4%A HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'],
  ])("answers %s with 400 and {error_code, message}, never Fastify's shape", async (_what, request) => {
    const response = await rawRequest(port(broker), request);
    expect(statusOf(response)).toBe(400);
    const body = bodyOf(response) as Record<string, unknown>;
    expect(body).toEqual({ error_code: 40001, message: expect.any(String) });
    expect(body).not.toHaveProperty('statusCode');
  });

  it('answers an empty JSON body with 400/40001', async () => {
    const response = await rawRequest(
      port(broker),
      'POST /v3/clusters/-/topics HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 0\r\nConnection: close\r\n\r\n',
    );
    expect(statusOf(response)).toBe(400);
    expect(bodyOf(response)).toEqual({ error_code: 40001, message: expect.any(String) });
  });

  it('answers a CORS preflight from an allowed origin with the methods and headers, and others with no grant', async () => {
    const preflight = (origin: string) =>
      fetch(`${broker.baseUrl}/v3/clusters/-/topics/edge/records`, {
        method: 'OPTIONS',
        headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type, idempotency-key' },
      });
    const allowed = await preflight('https://app.example');
    expect(allowed.status).toBe(204);
    expect(allowed.headers.get('access-control-allow-origin')).toBe('https://app.example');
    // Every method the API routes (PUT sets a password or a config, PATCH adds partitions).
    for (const method of ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'])
      expect(allowed.headers.get('access-control-allow-methods')).toContain(method);
    for (const header of ['Content-Type', 'Authorization', 'Idempotency-Key', 'X-Client-Id'])
      expect(allowed.headers.get('access-control-allow-headers')).toContain(header);
    const other = await preflight('https://evil.example');
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
    expect(other.headers.get('access-control-allow-methods')).toBeNull();

    const get = await fetch(`${broker.baseUrl}/v3/clusters`, { headers: { origin: 'https://app.example' } });
    expect(get.headers.get('access-control-allow-origin')).toBe('https://app.example');
    const otherGet = await fetch(`${broker.baseUrl}/v3/clusters`, { headers: { origin: 'https://evil.example' } });
    expect(otherGet.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('routes paths naming a topic of 249 characters (Fastify answered 414 past 100)', async () => {
    const name = 't'.repeat(249);
    await createTopicOn(broker, name, 1);
    expect((await fetch(`${broker.baseUrl}/v3/clusters/-/topics/${name}`)).status).toBe(200);
    expect((await fetch(`${broker.baseUrl}/v3/clusters/-/topics/${name}/configs`)).status).toBe(200);
    expect((await fetch(`${broker.baseUrl}/v3/clusters/-/topics/${name}/partitions/0/records?offset=0`)).status).toBe(200);
  });

  it('answers a path parameter longer than any name with 414 and the error body', async () => {
    const response = await fetch(`${broker.baseUrl}/v3/clusters/-/topics/${'t'.repeat(300)}`);
    expect(response.status).toBe(414);
    expect(await response.json()).toEqual({ error_code: 414, message: expect.any(String) });
  });

  it('builds links from the listener, never from the Host header', async () => {
    const response = await rawRequest(
      port(broker),
      'GET /v3/clusters/-/topics/edge HTTP/1.1\r\nHost: evil.example\r\nConnection: close\r\n\r\n',
    );
    expect(statusOf(response)).toBe(200);
    const body = bodyOf(response) as { metadata: { self: string } };
    expect(body.metadata.self).toBe(`${broker.baseUrl}/v3/clusters/${new URL(body.metadata.self).pathname.split('/')[3]}/topics/edge`);
    expect(response).not.toContain('evil.example');
  });
});

describe('HTTP edge: RUNNEL_ADVERTISED_URL', () => {
  let broker: BrokerProcess | undefined;
  afterEach(async () => {
    await broker?.stop();
  });

  it('is the base of every link', async () => {
    broker = await startBroker({ env: { RUNNEL_ADVERTISED_URL: 'https://broker.example:8443' } });
    const clusters = (await (await fetch(`${broker.baseUrl}/v3/clusters`, { headers: { host: 'evil.example' } })).json()) as {
      metadata: { self: string };
      data: Array<{ topics: { related: string } }>;
    };
    expect(clusters.metadata.self).toBe('https://broker.example:8443/v3/clusters');
    expect(clusters.data[0].topics.related.startsWith('https://broker.example:8443/v3/clusters/')).toBe(true);
  });
});
