import { BrokerProcess, makeDataDir, startBroker } from '../support/broker-process';
import { GROUP_ENV, Member, createTopic, eventually, rest } from './group-support';

/**
 * `__consumer_offsets` is compacted like any compacted topic: under a storm of commits it keeps
 * the latest offset per (group, topic, partition), and the compacted topic still restores every
 * group's latest offsets after a restart.
 */
describe('broker process: compaction of __consumer_offsets under a commit storm', () => {
  let broker: BrokerProcess | undefined;
  let member: Member | undefined;
  afterEach(async () => {
    member?.close();
    await broker?.stop('SIGKILL');
  });

  it('keeps only the latest commits and restores them after a restart', async () => {
    const dataDir = makeDataDir();
    const env = {
      ...GROUP_ENV,
      RUNNEL_OFFSETS_TOPIC_PARTITIONS: '1',
      RUNNEL_OFFSETS_TOPIC_SEGMENT_BYTES: '16384',
      RUNNEL_LOG_CLEANER_BACKOFF_MS: '100',
    };
    broker = await startBroker({ dataDir, env });
    await createTopic(broker, 'storm', 4);
    member = await Member.join(broker, { group: 'stormers', topic: 'storm', auto_commit: false });
    const COMMITS = 2000;
    const WINDOW = 64;
    // Pipelined commit frames, each moving all 4 partitions on: 8,000 offset records.
    let sent = 0;
    const client = member.client;
    const answered = (): number => client.of('committed', 'g').length + client.of('error', 'g').length;
    while (sent < COMMITS) {
      while (sent < COMMITS && sent - answered() < WINDOW) {
        sent++;
        client.send({ type: 'commit', sub: 'g', offsets: [0, 1, 2, 3].map((partition) => ({ partition, offset: sent * 10 + partition })) });
      }
      await client.until(() => sent - answered() < WINDOW || answered() === sent);
    }
    await client.until(() => answered() === COMMITS);
    expect(client.of('error', 'g')).toEqual([]);

    // The cleaner compacts the closed segments: far fewer records than were written remain.
    const readable = async (): Promise<number> => {
      let offset = 0;
      let count = 0;
      for (;;) {
        const r = await rest(broker!, 'GET', `/topics/__consumer_offsets/partitions/0/records?offset=${offset}&max_records=5000`);
        count += r.body.data.length;
        if (r.body.next_offset >= r.body.high_watermark) return count;
        offset = r.body.next_offset;
      }
    };
    const remaining = await eventually(readable, (n) => n < 1000, 60_000);
    expect(remaining).toBeLessThan(1000);

    const lags = await rest(broker, 'GET', '/consumer-groups/stormers/lags');
    expect(lags.body.data.map((l: any) => l.current_offset)).toEqual([0, 1, 2, 3].map((p) => COMMITS * 10 + p));

    member.close();
    member = undefined;
    await broker.stop('SIGKILL');
    broker = await startBroker({ dataDir, env });
    const restored = await rest(broker, 'GET', '/consumer-groups/stormers/lags');
    expect(restored.body.data.map((l: any) => l.current_offset)).toEqual([0, 1, 2, 3].map((p) => COMMITS * 10 + p));
  });
});
