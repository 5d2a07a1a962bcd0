import * as fs from 'node:fs';
import * as path from 'node:path';
import { encodeRecordBatch } from '@runnel/protocol';
import { BrokerProcess, makeDataDir, startBroker } from '../support/broker-process';
import { createTopicOn as createTopic } from '../support/topic-helpers';

/**
 * The product's promise: a write acknowledged with acks=all is never lost — not across a clean
 * restart, not across kill -9 in the middle of a produce storm. Real broker processes, real files.
 */
describe('durability (real broker processes)', () => {
  const brokers: BrokerProcess[] = [];
  afterEach(async () => {
    for (const broker of brokers.splice(0)) await broker.stop('SIGKILL');
  });
  const start = async (dataDir: string, env?: Record<string, string>): Promise<BrokerProcess> => {
    const broker = await startBroker({ dataDir, env });
    brokers.push(broker);
    return broker;
  };

  /** Every record of a partition from earliest to the high watermark, as offset → string value. */
  const readAll = async (broker: BrokerProcess, topic: string, partition: number): Promise<Map<number, string>> => {
    const values = new Map<number, string>();
    let offset = 0;
    for (;;) {
      const response = await fetch(
        `${broker.baseUrl}/v3/clusters/-/topics/${topic}/partitions/${partition}/records?offset=${offset}&max_records=5000&format=string`,
      );
      expect(response.status).toBe(200);
      const body = (await response.json()) as {
        data: { offset: number; value: { data: string } }[];
        next_offset: number;
        high_watermark: number;
      };
      for (const record of body.data) values.set(record.offset, record.value.data);
      if (body.next_offset >= body.high_watermark) return values;
      offset = body.next_offset;
    }
  };

  it('keeps topics and records across a clean restart', async () => {
    const dataDir = makeDataDir();
    let broker = await start(dataDir);
    await createTopic(broker, 'kept', 2);
    const entries = Array.from({ length: 300 }, (_, i) => ({ id: i, partition_id: i % 2, value: { type: 'STRING', data: `json-${i}` } }));
    const batch = await fetch(`${broker.baseUrl}/v3/clusters/-/topics/kept/records:batch`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ entries }),
    });
    expect(batch.status).toBe(207);
    expect(((await batch.json()) as { failures: unknown[] }).failures).toEqual([]);
    const binary = encodeRecordBatch({
      records: Array.from({ length: 50 }, (_, i) => ({ timestamp: Date.now(), key: null, value: Buffer.from(`bin-${i}`), headers: [] })),
    });
    const posted = await fetch(`${broker.baseUrl}/v3/clusters/-/topics/kept/partitions/1/batches`, {
      method: 'POST',
      headers: { 'content-type': 'application/vnd.kafka.record-batch' },
      body: binary,
    });
    expect(posted.status).toBe(200);
    const before = [await readAll(broker, 'kept', 0), await readAll(broker, 'kept', 1)];
    expect(before[0].size).toBe(150);
    expect(before[1].size).toBe(200);

    expect(await broker.stop()).toBe(0);
    broker = await start(dataDir);
    expect([await readAll(broker, 'kept', 0), await readAll(broker, 'kept', 1)]).toEqual(before);
    // The restarted broker keeps appending after what it had.
    const next = await fetch(`${broker.baseUrl}/v3/clusters/-/topics/kept/records`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ partition_id: 0, value: { type: 'STRING', data: 'after-restart' } }),
    });
    expect(await next.json()).toMatchObject({ partition_id: 0, offset: 150 });
  });

  it('keeps a records:delete across SIGKILL once the periodic checkpoint has recorded it', async () => {
    const dataDir = makeDataDir();
    let broker = await start(dataDir, { RUNNEL_CHECKPOINT_INTERVAL_MS: '50' });
    await createTopic(broker, 'trimmed', 1);
    const entries = Array.from({ length: 20 }, (_, i) => ({ id: i, value: { type: 'STRING', data: `r${i}` } }));
    await fetch(`${broker.baseUrl}/v3/clusters/-/topics/trimmed/records:batch`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ entries }),
    });
    const deleted = await fetch(`${broker.baseUrl}/v3/clusters/-/topics/trimmed/partitions/0/records:delete`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ before_offset: 12 }),
    });
    expect(await deleted.json()).toMatchObject({ low_watermark: 12 });
    // Wait (bounded) until the checkpoint file on disk says so, then crash.
    const checkpoint = path.join(dataDir, 'log-start-offset-checkpoint');
    for (let i = 0; i < 400 && !(fs.existsSync(checkpoint) && /^trimmed 0 12$/m.test(fs.readFileSync(checkpoint, 'utf8'))); i++) {
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    expect(fs.readFileSync(checkpoint, 'utf8')).toMatch(/^trimmed 0 12$/m);
    await broker.stop('SIGKILL');

    broker = await start(dataDir);
    const partition = (await (await fetch(`${broker.baseUrl}/v3/clusters/-/topics/trimmed/partitions/0`)).json()) as Record<string, number>;
    expect(partition).toMatchObject({ earliest_offset: 12, high_watermark: 20 });
    expect((await fetch(`${broker.baseUrl}/v3/clusters/-/topics/trimmed/partitions/0/records?offset=11`)).status).toBe(416);
  });

  it('never loses an acks=all acknowledged record when killed with SIGKILL mid-produce', async () => {
    const dataDir = makeDataDir();
    let broker = await start(dataDir);
    await createTopic(broker, 'storm', 3);
    const acknowledged = new Map<string, { partition: number; offset: number }>();
    let stop = false;
    let sequence = 0;

    // Several concurrent producers, each sending small acks=all batches until the broker dies.
    const producer = async (id: number): Promise<void> => {
      while (!stop) {
        const entries = Array.from({ length: 20 }, () => {
          const value = `p${id}-${sequence++}`;
          return { id: value, value: { type: 'STRING', data: value } };
        });
        try {
          const response = await fetch(`${broker.baseUrl}/v3/clusters/-/topics/storm/records:batch?acks=all`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ entries }),
          });
          const body = (await response.json()) as { successes: { id: string; partition_id: number; offset: number }[] };
          for (const s of body.successes) acknowledged.set(s.id, { partition: s.partition_id, offset: s.offset });
        } catch {
          return; // the broker is gone: whatever was not answered was not acknowledged
        }
      }
    };
    const producers = Array.from({ length: 6 }, (_, i) => producer(i));
    while (acknowledged.size < 2000) await new Promise((resolve) => setTimeout(resolve, 20));
    await broker.stop('SIGKILL');
    stop = true;
    await Promise.all(producers);

    broker = await start(dataDir);
    const stored = [await readAll(broker, 'storm', 0), await readAll(broker, 'storm', 1), await readAll(broker, 'storm', 2)];
    const lost = [...acknowledged].filter(([value, { partition, offset }]) => stored[partition].get(offset) !== value);
    if (lost.length) {
      console.log(
        'lost',
        lost.length,
        'of',
        acknowledged.size,
        'sizes',
        stored.map((m) => m.size),
        'first',
        lost.slice(0, 3),
        'stored at',
        lost.slice(0, 3).map(([, { partition, offset }]) => stored[partition].get(offset)),
      );
    }
    expect(lost).toEqual([]);
    expect(acknowledged.size).toBeGreaterThanOrEqual(2000);
    // Offsets stay dense: recovery kept a valid prefix of each log, no holes.
    for (const partition of stored) {
      const offsets = [...partition.keys()].sort((a, b) => a - b);
      expect(offsets).toEqual(offsets.map((_, i) => i));
    }
  });
});
