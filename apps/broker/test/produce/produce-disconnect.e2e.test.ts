import * as http from 'node:http';
import { BrokerProcess, startBroker } from '../support/broker-process';

/** A producer that vanishes mid-stream must not corrupt the log or disturb the broker. */
describe('streamed produce with a client that disconnects (real broker process)', () => {
  let broker: BrokerProcess | undefined;
  afterEach(async () => {
    await broker?.stop();
    broker = undefined;
  });

  it('keeps only whole records, keeps offsets dense and keeps serving', async () => {
    broker = await startBroker();
    const base = `${broker.baseUrl}/v3/clusters/-/topics`;
    await fetch(base, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ topic_name: 'cut' }) });

    const url = new URL(`${base}/cut/records`);
    const reports: string[] = [];
    await new Promise<void>((resolve) => {
      const request = http.request(
        {
          host: url.hostname,
          port: url.port,
          path: url.pathname,
          method: 'POST',
          headers: { 'content-type': 'application/x-ndjson', 'transfer-encoding': 'chunked' },
        },
        (response) => {
          response.setEncoding('utf8');
          response.on('data', (chunk: string) => {
            reports.push(...chunk.split('\n').filter(Boolean));
            // Once the first records are acknowledged, send half a record and vanish.
            if (reports.length >= 3 && !request.destroyed) {
              request.write('{"value":{"type":"STRING","data":"half');
              setImmediate(() => request.destroy());
            }
          });
          response.on('error', () => resolve());
          response.on('close', () => resolve());
        },
      );
      request.on('error', () => resolve());
      for (let i = 0; i < 3; i++) request.write(`${JSON.stringify({ value: { type: 'STRING', data: `whole-${i}` } })}\n`);
    });
    expect(reports.slice(0, 3).map((line) => JSON.parse(line).offset)).toEqual([0, 1, 2]);

    // The broker keeps serving, and the next record continues the log right after the whole ones.
    expect((await fetch(`${broker.baseUrl}/health/live`)).status).toBe(200);
    const next = await fetch(`${base}/cut/records`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ value: { type: 'STRING', data: 'after' } }),
    });
    expect(await next.json()).toMatchObject({ offset: 3 });
    const read = await fetch(`${base}/cut/partitions/0/records?offset=0&format=string`);
    const body = (await read.json()) as { data: { offset: number; value: { data: string } }[] };
    expect(body.data.map((r) => [r.offset, r.value.data])).toEqual([
      [0, 'whole-0'],
      [1, 'whole-1'],
      [2, 'whole-2'],
      [3, 'after'],
    ]);
  });
});
