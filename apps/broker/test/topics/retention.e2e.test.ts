import { BrokerProcess, startBroker } from '../support/broker-process';

describe('scheduled retention (real broker process)', () => {
  let broker: BrokerProcess | undefined;
  afterEach(async () => {
    await broker?.stop();
    broker = undefined;
  });

  const post = (url: string, body: unknown) =>
    fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

  const partition0 = async (topic: string) =>
    (await (await fetch(`${broker!.baseUrl}/v3/clusters/-/topics/${topic}/partitions/0`)).json()) as {
      earliest_offset: number;
      high_watermark: number;
    };

  /** Waits (bounded, on what a user observes) until the log start offset moves past 0. */
  const waitForLogStartToMove = async (topic: string): Promise<{ earliest_offset: number; high_watermark: number }> => {
    for (let attempt = 0; attempt < 600; attempt++) {
      const state = await partition0(topic);
      if (state.earliest_offset > 0) return state;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error(`log start offset of ${topic} never moved`);
  };

  it('deletes old closed segments by retention.bytes and retention.ms, never the active one, and not for compact topics', async () => {
    broker = await startBroker({ env: { RUNNEL_RETENTION_CHECK_INTERVAL_MS: '100' } });
    const topics = `${broker.baseUrl}/v3/clusters/-/topics`;
    const small = [{ name: 'segment.bytes', value: '1024' }];
    expect((await post(topics, { topic_name: 'by-bytes', configs: [...small, { name: 'retention.bytes', value: '2048' }] })).status).toBe(
      201,
    );
    expect((await post(topics, { topic_name: 'by-time', configs: [...small, { name: 'retention.ms', value: '60000' }] })).status).toBe(201);
    expect(
      (
        await post(topics, {
          topic_name: 'compacted',
          configs: [...small, { name: 'retention.ms', value: '60000' }, { name: 'cleanup.policy', value: 'compact' }],
        })
      ).status,
    ).toBe(201);

    const hourAgo = Date.now() - 3_600_000;
    for (const topic of ['compacted', 'by-bytes', 'by-time']) {
      for (let i = 0; i < 40; i++) {
        const entries = Array.from({ length: 5 }, (_, j) => ({
          id: j,
          partition_id: 0,
          timestamp: hourAgo,
          value: { type: 'STRING', data: `${topic}-${i}-${j}-`.padEnd(100, 'x') },
        }));
        expect((await post(`${topics}/${topic}/records:batch`, { entries })).status).toBe(207);
      }
    }

    const bytes = await waitForLogStartToMove('by-bytes');
    expect(bytes.earliest_offset).toBeLessThan(bytes.high_watermark);
    const time = await waitForLogStartToMove('by-time');
    expect(time.earliest_offset).toBeLessThan(time.high_watermark);
    // A read below the new start is answered 416 with the range.
    const gone = await fetch(`${topics}/by-time/partitions/0/records?offset=0`);
    expect(gone.status).toBe(416);
    // The compact-only topic was written first, so the pass that trimmed by-time saw it too: it keeps everything.
    expect(await partition0('compacted')).toEqual(expect.objectContaining({ earliest_offset: 0, high_watermark: 200 }));
  });
});
