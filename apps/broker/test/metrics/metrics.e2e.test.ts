import { BrokerProcess, startBroker } from '../support/broker-process';

describe('operations endpoints (real broker process)', () => {
  let broker: BrokerProcess | undefined;
  afterEach(async () => {
    await broker?.stop();
    broker = undefined;
  });

  it('serves Prometheus metrics, the stats history and the OpenAPI document', async () => {
    // 3 partitions of __consumer_offsets plus the 2 of topic m.
    broker = await startBroker({ env: { RUNNEL_OFFSETS_TOPIC_PARTITIONS: '3' } });
    await fetch(`${broker.baseUrl}/v3/clusters/-/topics`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ topic_name: 'm', partitions_count: 2 }),
    });
    const metrics = await fetch(`${broker.baseUrl}/metrics`);
    expect(metrics.status).toBe(200);
    expect(metrics.headers.get('content-type')).toContain('text/plain');
    const text = await metrics.text();
    expect(text).toMatch(/^runnel_partitions 5$/m);
    expect(text).toMatch(/^runnel_consumer_groups 0$/m);
    expect(text).toMatch(/^runnel_log_cleaner_runs_total \d+$/m);
    expect(text).toMatch(/^runnel_log_size_bytes\{topic="m"\} 0$/m);
    expect(text).toContain('runnel_http_request_duration_seconds_bucket');
    expect(text).toContain('route="/v3/clusters/:cid/topics"');

    const stats = await fetch(`${broker.baseUrl}/v3/clusters/-/stats`);
    expect(stats.status).toBe(200);
    expect(await stats.json()).toMatchObject({
      kind: 'KafkaClusterStats',
      resolution_ms: 10000,
      window_ms: 3600000,
      data: expect.any(Array),
    });

    const docs = await fetch(`${broker.baseUrl}/docs-json`);
    expect(docs.status).toBe(200);
    const document = (await docs.json()) as { openapi: string; paths: Record<string, unknown> };
    expect(document.openapi).toMatch(/^3\./);
    expect(Object.keys(document.paths)).toContain('/v3/clusters/{cluster_id}/topics');
  });
});
