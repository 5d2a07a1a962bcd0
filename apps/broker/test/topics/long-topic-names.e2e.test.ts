import * as fs from 'node:fs';
import { BrokerProcess, makeDataDir, startBroker } from '../support/broker-process';
import { WsClient } from '../ws/ws-client';

/**
 * A topic name may be as long as Kafka allows (249 characters): whatever the broker lets a client
 * create, every route serves — create, produce, read (JSON, WebSocket), configs, partitions, delete —
 * and its partition directory `<topic>-<partition>` fits a 255-byte file name.
 */
describe('broker process: 249-character topic names', () => {
  let broker: BrokerProcess | undefined;
  const sockets: WsClient[] = [];
  afterEach(async () => {
    for (const s of sockets.splice(0)) s.close();
    await broker?.stop('SIGKILL');
    broker = undefined;
  });

  async function call(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
    const response = await fetch(`${broker!.baseUrl}/v3/clusters/-${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : undefined };
  }

  it('creates, produces to, reads, configures and deletes a topic with a 249-character name', async () => {
    const dataDir = makeDataDir();
    broker = await startBroker({ dataDir });
    const name = 'a'.repeat(200) + '.b_c-' + 'z'.repeat(44);
    expect(name).toHaveLength(249);

    expect((await call('POST', '/topics', { topic_name: name, partitions_count: 2 })).status).toBe(201);
    expect(fs.readdirSync(dataDir)).toEqual(expect.arrayContaining([`${name}-0`, `${name}-1`]));
    expect(await call('GET', `/topics/${name}`)).toMatchObject({ status: 200, body: { topic_name: name, partitions_count: 2 } });

    const produced = await call('POST', `/topics/${name}/records`, { partition_id: 1, value: { type: 'STRING', data: 'hello' } });
    expect(produced).toMatchObject({ status: 200, body: { error_code: 200, partition_id: 1, offset: 0 } });
    const read = await call('GET', `/topics/${name}/partitions/1/records?offset=0&format=string`);
    expect(read.status).toBe(200);
    expect(read.body.data.map((r: any) => r.value)).toEqual([{ type: 'STRING', data: 'hello' }]);
    expect(await call('GET', `/topics/${name}/partitions/1`)).toMatchObject({ status: 200, body: { high_watermark: 1 } });

    const ws = await WsClient.open(broker.baseUrl);
    sockets.push(ws);
    ws.send({ type: 'subscribe', sub: 's', topic: name, partitions: [1], from: 'earliest', credit: 10, format: 'string' });
    await ws.until(() => ws.records('s').length === 1 || ws.of('error').length > 0);
    expect(ws.of('error')).toEqual([]);
    expect(ws.records('s')[0]).toMatchObject({ offset: 0, value: { type: 'STRING', data: 'hello' } });

    expect((await call('POST', `/topics/${name}/configs:alter`, { data: [{ name: 'retention.ms', value: '3600000' }] })).status).toBe(204);
    const configs = await call('GET', `/topics/${name}/configs`);
    expect(configs.body.data.find((c: any) => c.name === 'retention.ms')).toMatchObject({ value: '3600000', is_default: false });

    expect((await call('DELETE', `/topics/${name}`)).status).toBe(204);
    expect(await call('GET', `/topics/${name}`)).toMatchObject({ status: 404, body: { error_code: 40403 } });
    expect(fs.readdirSync(dataDir).filter((entry) => entry.startsWith('aaaa'))).toEqual([]);
    expect((await call('POST', '/topics', { topic_name: name, partitions_count: 1 })).status).toBe(201);
  });

  it('refuses at create a long name whose partition directory would not fit a file name', async () => {
    broker = await startBroker();
    const name = 'n'.repeat(249);
    const refused = await call('POST', '/topics', { topic_name: name, partitions_count: 100_001 });
    expect(refused).toMatchObject({ status: 400, body: { error_code: 40001 } });
    expect(refused.body.message).toMatch(/255/);
    expect((await call('GET', `/topics/${name}`)).status).toBe(404);
  });
});
