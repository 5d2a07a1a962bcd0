import { BrokerProcess, startBroker } from '../../../apps/broker/test/support/broker-process';
import { Admin, ConsumedRecord, Consumer, Producer } from '@runnel/client';

/**
 * The SDK against the real broker: 10,000 keyed records through the Producer's binary path,
 * read back over the WebSocket in two halves, the second resuming from the first's cursor.
 */
describe('client against the broker', () => {
  let broker: BrokerProcess;
  const consumers: Consumer[] = [];
  beforeAll(async () => {
    broker = await startBroker();
  });
  afterAll(async () => {
    for (const c of consumers) await c.close();
    await broker?.stop();
  });

  it('produces 10,000 keyed records and consumes them all back, resuming from a cursor', async () => {
    await new Admin({ baseUrl: broker.baseUrl }).createTopic('sdk-e2e', { partitions: 3 });

    const producer = new Producer({ baseUrl: broker.baseUrl, topic: 'sdk-e2e', lingerMs: 2, batchBytes: 64 * 1024 });
    const total = 10_000;
    const sent = await Promise.all(
      Array.from({ length: total }, (_, i) =>
        producer.send({ key: `key-${i % 37}`, value: JSON.stringify({ i }), headers: { n: String(i) } }),
      ),
    );
    await producer.close();
    // Offsets per partition are dense from 0, and one key always lands on one partition.
    const perPartition = new Map<number, number[]>();
    const partitionOfKey = new Map<string, number>();
    sent.forEach((m, i) => {
      const list = perPartition.get(m.partition) ?? [];
      list.push(m.offset);
      perPartition.set(m.partition, list);
      const key = `key-${i % 37}`;
      expect(partitionOfKey.get(key) ?? m.partition).toBe(m.partition);
      partitionOfKey.set(key, m.partition);
    });
    for (const offsets of perPartition.values()) expect([...offsets].sort((a, b) => a - b)).toEqual(offsets.map((_, i) => i));

    const seen = new Map<string, ConsumedRecord>();
    const take = (r: ConsumedRecord): void => void seen.set(`${r.partition}/${r.offset}`, r);

    const first = new Consumer({ baseUrl: broker.baseUrl, topic: 'sdk-e2e', from: 'earliest', credit: 500, format: 'json' });
    consumers.push(first);
    let n = 0;
    for await (const record of first) {
      take(record);
      if (++n === 4000) break;
    }
    const cursor = first.cursor;
    expect(cursor).toEqual(expect.any(String));

    const second = new Consumer({ baseUrl: broker.baseUrl, topic: 'sdk-e2e', from: { cursor: cursor! }, credit: 1000, format: 'json' });
    consumers.push(second);
    const lastOffset = new Map<number, number>();
    for await (const record of second) {
      // Resuming never goes backwards past the cursor within the stream, and order holds per partition.
      expect(record.offset).toBeGreaterThan(lastOffset.get(record.partition) ?? -1);
      lastOffset.set(record.partition, record.offset);
      take(record);
      if (seen.size === total) break;
    }

    expect(seen.size).toBe(total);
    for (const m of sent) expect(seen.has(`${m.partition}/${m.offset}`)).toBe(true);
    const values = [...seen.values()].map((r) => (r.value!.data as { i: number }).i).sort((a, b) => a - b);
    expect(values).toEqual(Array.from({ length: total }, (_, i) => i));
    // Each key's records come back in the order they were sent.
    const byKey = new Map<string, number[]>();
    for (const r of [...seen.values()].sort((a, b) => a.partition - b.partition || a.offset - b.offset)) {
      const i = (r.value!.data as { i: number }).i;
      expect(r.key).toEqual({ type: 'STRING', data: `key-${i % 37}` }); // format=json: UTF-8 that is not JSON is STRING
      expect(Buffer.from(r.headers[0].value!, 'base64').toString()).toBe(String(i));
      const list = byKey.get(`key-${i % 37}`) ?? [];
      list.push(i);
      byKey.set(`key-${i % 37}`, list);
    }
    for (const list of byKey.values()) expect(list).toEqual([...list].sort((a, b) => a - b));
  }, 120_000);
});
