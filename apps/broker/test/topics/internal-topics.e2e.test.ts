import { encodeRecordBatch } from '@runnel/protocol';
import { BrokerProcess, makeDataDir, startBroker } from '../support/broker-process';
import { GROUP_ENV, Member, createTopic, eventually, produce, range, rest } from '../groups/group-support';
import { WsClient } from '../ws/ws-client';

/**
 * Internal topics (`__` prefix, created by the broker) refuse every client mutation with
 * 403/40301, on every path: produce (JSON, NDJSON, records:batch, binary batches, WebSocket),
 * records:delete, configs:alter, topic delete, and creating a `__` name. A group's committed
 * offsets, kept in `__consumer_offsets`, are intact after all of it and a restart.
 */
describe('broker process: internal topics refuse client mutations', () => {
  let broker: BrokerProcess | undefined;
  const sockets: WsClient[] = [];
  afterEach(async () => {
    for (const s of sockets.splice(0)) s.close();
    await broker?.stop('SIGKILL');
    broker = undefined;
  });

  const OFFSETS = '/topics/__consumer_offsets';

  async function raw(method: string, path: string, contentType: string, body: string | Buffer): Promise<{ status: number; body: any }> {
    const response = await fetch(`${broker!.baseUrl}/v3/clusters/-${path}`, { method, headers: { 'content-type': contentType }, body });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : undefined };
  }

  function expectRefused(answer: { status: number; body: any }, what: string): void {
    expect({ what, status: answer.status, error_code: answer.body?.error_code }).toEqual({ what, status: 403, error_code: 40301 });
    expect(answer.body.message).toMatch(/is internal: clients may not/);
  }

  it('refuses produce, records:delete, configs, delete and __ creation; committed offsets survive a restart', async () => {
    const dataDir = makeDataDir();
    broker = await startBroker({ dataDir, env: GROUP_ENV });
    await createTopic(broker, 'orders', 2);
    for (let p = 0; p < 2; p++) await produce(broker, 'orders', p, range(10));
    const member = await Member.join(broker, { group: 'billing', topic: 'orders', from: 'earliest', auto_commit: false });
    sockets.push(member.client);
    await member.client.untilRecords('g', 20);
    expect(
      await member.commit([
        { partition: 0, offset: 4 },
        { partition: 1, offset: 7 },
      ]),
    ).toMatchObject({ type: 'committed' });
    member.close();
    await eventually(
      () => rest(broker!, 'GET', '/consumer-groups/billing'),
      (r) => r.status === 200 && r.body.state === 'EMPTY',
    );
    const partitions = (await rest(broker, 'GET', `${OFFSETS}/partitions`)).body.data as { partition_id: number; high_watermark: number }[];
    expect(partitions.some((p) => p.high_watermark > 0)).toBe(true);
    const configsBefore = (await rest(broker, 'GET', `${OFFSETS}/configs`)).body.data;

    // Produce, on every path.
    expectRefused(await rest(broker, 'POST', `${OFFSETS}/records`, { value: { type: 'STRING', data: 'x' } }), 'JSON record');
    const ndjson = '{"value":{"type":"STRING","data":"a"}}\n{"value":{"type":"STRING","data":"b"}}\n';
    expectRefused(await raw('POST', `${OFFSETS}/records`, 'application/x-ndjson', ndjson), 'NDJSON records');
    expectRefused(
      await rest(broker, 'POST', `${OFFSETS}/records:batch`, { entries: [{ id: 'a', value: { type: 'STRING', data: 'x' } }] }),
      'records:batch',
    );
    const batch = encodeRecordBatch({ records: [{ timestamp: Date.now(), key: null, value: Buffer.from('x'), headers: [] }] });
    expectRefused(await raw('POST', `${OFFSETS}/partitions/0/batches`, 'application/vnd.kafka.record-batch', batch), 'binary batch');
    const ws = await WsClient.open(broker.baseUrl);
    sockets.push(ws);
    ws.send({ type: 'produce', ref: 'p1', topic: '__consumer_offsets', records: [{ value: { type: 'STRING', data: 'x' } }] });
    const wsAnswer = await ws.until(() => ws.frames.some((f) => f.ref === 'p1')).then(() => ws.frames.find((f) => f.ref === 'p1')!);
    expect(wsAnswer).toMatchObject({ type: 'error', ref: 'p1', error_code: 40301 });

    // records:delete on every partition, configs (set and delete), the topic itself.
    for (const p of partitions) {
      expectRefused(
        await rest(broker, 'POST', `${OFFSETS}/partitions/${p.partition_id}/records:delete`, { before_offset: p.high_watermark }),
        'records:delete',
      );
    }
    expectRefused(
      await rest(broker, 'POST', `${OFFSETS}/configs:alter`, { data: [{ name: 'retention.ms', value: '1' }] }),
      'configs:alter SET',
    );
    expectRefused(
      await rest(broker, 'POST', `${OFFSETS}/configs:alter`, { data: [{ name: 'cleanup.policy', operation: 'DELETE' }] }),
      'configs:alter DELETE',
    );
    expectRefused(await rest(broker, 'DELETE', OFFSETS), 'topic delete');

    // A client may not create a topic under the broker's `__` prefix, existing or not.
    expectRefused(await rest(broker, 'POST', '/topics', { topic_name: '__consumer_offsets' }), 'create __consumer_offsets');
    expectRefused(await rest(broker, 'POST', '/topics', { topic_name: '__mine' }), 'create __mine');
    expect((await rest(broker, 'GET', '/topics/__mine')).status).toBe(404);

    // Nothing changed: no record deleted, none of the refused records appended (the broker's own
    // group records may still arrive after the group went EMPTY, so the end is not compared), the
    // same configs, and after a restart the same committed offsets.
    const after = (await rest(broker, 'GET', `${OFFSETS}/partitions`)).body.data as {
      partition_id: number;
      earliest_offset: number;
      high_watermark: number;
    }[];
    for (const p of partitions) {
      const now = after.find((a) => a.partition_id === p.partition_id)!;
      expect({ partition: p.partition_id, earliest: now.earliest_offset }).toEqual({ partition: p.partition_id, earliest: 0 });
      expect(now.high_watermark).toBeGreaterThanOrEqual(p.high_watermark);
      const read = await rest(broker, 'GET', `${OFFSETS}/partitions/${p.partition_id}/records?offset=0&max_records=10000&format=string`);
      expect(read.status).toBe(200);
      const values = (read.body.data as { value: { data: string } | null }[]).map((r) => r.value?.data);
      expect(values.filter((v) => v === 'x' || v === 'a' || v === 'b')).toEqual([]);
    }
    expect((await rest(broker, 'GET', `${OFFSETS}/configs`)).body.data).toEqual(configsBefore);
    expect(await broker.stop()).toBe(0);
    broker = await startBroker({ dataDir, env: GROUP_ENV });
    const lags = await rest(broker, 'GET', '/consumer-groups/billing/lags');
    expect(lags.status).toBe(200);
    expect(lags.body.data.map((l: any) => [l.partition_id, l.current_offset, l.lag])).toEqual([
      [0, 4, 6],
      [1, 7, 3],
    ]);
  });
});
