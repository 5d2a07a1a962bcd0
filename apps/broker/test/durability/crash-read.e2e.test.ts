import { BrokerProcess, makeDataDir, startBroker } from '../support/broker-process';

/**
 * Issue #8 item 6: kill -9 during acks=all writes to a topic of many small segments (64 KiB),
 * restart, and read across the end of the log (offset 2000, max_records=1500, HW past 3,300),
 * on the first start, from every 100th offset. Checkpoints every 100 ms put the recovery point in
 * the middle of the log, so the start recovers segments past it while trusting the indexes of the
 * segments before it; with the default 60 s nothing was checkpointed and every segment is recovered. The report was a 500 to such a read; on this code it has not reproduced
 * (also not with binary, compressed and multi-record batches, JSON values, reads and produces
 * racing the first start, or several crashes in a row): this test keeps the scenario covered.
 */
describe('reads after a crash mid-load (real broker processes)', () => {
  const brokers: BrokerProcess[] = [];
  afterEach(async () => {
    for (const broker of brokers.splice(0)) await broker.stop('SIGKILL');
  });
  let checkpointIntervalMs = '100';
  const start = async (dataDir: string): Promise<BrokerProcess> => {
    const broker = await startBroker({ dataDir, env: { RUNNEL_CHECKPOINT_INTERVAL_MS: checkpointIntervalMs } });
    brokers.push(broker);
    return broker;
  };

  // 100 ms: the recovery point lies mid-log; 60 s (the default): the whole log is recovered.
  it.each(['100', '60000'])(
    'reads through the end of the log on the first start after kill -9 (checkpoints every %s ms)',
    async (interval) => {
      checkpointIntervalMs = interval;
      const dataDir = makeDataDir();
      const broker = await start(dataDir);
      const created = await fetch(`${broker.baseUrl}/v3/clusters/-/topics`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ topic_name: 'crashy', partitions_count: 1, configs: [{ name: 'segment.bytes', value: '65536' }] }),
      });
      expect(created.status).toBe(201);

      // Producers keep going (acks=all, one small request each) until ~3,300 records are
      // acknowledged; the kill lands while requests are still in flight.
      const target = 3300;
      let acknowledged = 0;
      let stopping = false;
      const producer = async (id: number): Promise<void> => {
        for (let i = 0; !stopping; i++) {
          try {
            const response = await fetch(`${broker.baseUrl}/v3/clusters/-/topics/crashy/records?acks=all`, {
              method: 'POST',
              headers: { 'content-type': 'application/json' },
              body: JSON.stringify({
                partition_id: 0,
                key: { type: 'STRING', data: `p${id}` },
                value: { type: 'STRING', data: `${id}-${i}-${'x'.repeat(150)}` },
              }),
            });
            if (response.status === 200) acknowledged++;
            await response.arrayBuffer();
          } catch {
            return; // the broker is gone
          }
        }
      };
      const producers = Array.from({ length: 16 }, (_, id) => producer(id));
      const deadline = Date.now() + 60_000;
      while (acknowledged < target && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
      expect(acknowledged).toBeGreaterThanOrEqual(target);
      await broker.stop('SIGKILL');
      stopping = true;
      await Promise.all(producers);

      const restarted = await start(dataDir);
      const range = await fetch(
        `${restarted.baseUrl}/v3/clusters/-/topics/crashy/partitions/0/records?offset=0&max_records=1&format=string`,
      );
      const first = (await range.json()) as { high_watermark: number };
      expect(first.high_watermark).toBeGreaterThanOrEqual(target);
      // Every read from every offset reaches the end of the log (in particular 2000 with max 1500).
      for (let offset = 0; offset < first.high_watermark; offset += 100) {
        const response = await fetch(
          `${restarted.baseUrl}/v3/clusters/-/topics/crashy/partitions/0/records?offset=${offset}&max_records=1500&format=string`,
        );
        const body = (await response.json()) as { data: { offset: number }[]; next_offset: number };
        expect({ offset, status: response.status, body: response.status === 200 ? 'ok' : body }).toEqual({
          offset,
          status: 200,
          body: 'ok',
        });
        expect(body.data[0].offset).toBe(offset);
        expect(body.next_offset).toBe(Math.min(first.high_watermark, offset + 1500));
      }
    },
    120_000,
  );
});
