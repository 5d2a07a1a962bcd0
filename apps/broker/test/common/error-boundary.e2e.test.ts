import { BrokerProcess, startBroker } from '../support/broker-process';
import { createTopicOn, produceStrings } from '../support/topic-helpers';
import { WsClient } from '../ws/ws-client';

/**
 * One error boundary: the same failure answers the same error_code, message and fields over
 * HTTP and WebSocket; one partition-id parser answers the same way on every route.
 */
describe('broker process: one error boundary for every transport', () => {
  let broker: BrokerProcess;
  const sockets: WsClient[] = [];
  beforeAll(async () => {
    broker = await startBroker();
  });
  afterAll(async () => {
    for (const s of sockets.splice(0)) s.close();
    await broker?.stop();
  });

  async function call(
    method: string,
    path: string,
    body?: unknown,
    contentType = 'application/json',
  ): Promise<{ status: number; body: any }> {
    const response = await fetch(`${broker.baseUrl}/v3/clusters/-${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': contentType },
      body: body === undefined ? undefined : Buffer.isBuffer(body) ? body : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : undefined };
  }

  it('a WebSocket 416 carries the readable range as HTTP does', async () => {
    await createTopicOn(broker, 'range', 1);
    await produceStrings(broker, 'range', 0, ['a', 'b', 'c', 'd', 'e']);
    expect(await call('POST', '/topics/range/partitions/0/records:delete', { before_offset: 3 })).toMatchObject({
      status: 200,
      body: { low_watermark: 3 },
    });

    const http = await call('GET', '/topics/range/partitions/0/records?offset=1');
    expect(http).toMatchObject({ status: 416, body: { error_code: 416, earliest_offset: 3, high_watermark: 5 } });

    const ws = await WsClient.open(broker.baseUrl);
    sockets.push(ws);
    ws.send({ type: 'subscribe', sub: 's', topic: 'range', partitions: [0], from: { offset: 1 }, credit: 10 });
    const frame = await ws.next('error', 1, 's');
    expect(frame).toEqual({ type: 'error', sub: 's', error_code: 416, message: http.body.message, earliest_offset: 3, high_watermark: 5 });
  });

  it('parses partition ids one way on every route: past int32 is a bad request, not an unknown partition', async () => {
    await createTopicOn(broker, 'ids', 1);
    const tooBig = '2147483648';
    const answers = [
      await call('GET', `/topics/ids/partitions/${tooBig}`),
      await call('GET', `/topics/ids/partitions/${tooBig}/records`),
      await call('POST', `/topics/ids/partitions/${tooBig}/records:delete`, { before_offset: 0 }),
      await call('POST', `/topics/ids/partitions/${tooBig}/batches`, Buffer.from('x'), 'application/vnd.kafka.record-batch'),
      await call('GET', `/topics/ids/events?partitions=${tooBig}`),
    ];
    expect(answers.map((a) => [a.status, a.body.error_code])).toEqual(answers.map(() => [400, 40001]));
    // A well-formed id the topic does not have: Confluent's 404/404 on the v3 partition resource,
    // 40403 on Runnel's own read route.
    expect((await call('GET', '/topics/ids/partitions/1')).body.error_code).toBe(404);
    expect((await call('GET', '/topics/ids/partitions/1/records')).body.error_code).toBe(40403);
  });
});
