import { GROUP_ENV, createTopic, eventually, produce, range } from '../groups/group-support';
import { BrokerProcess, makeDataDir, startBroker } from '../support/broker-process';
import { Instance, call, text } from './consumer-support';

/**
 * HTTP consumer instances over time: commits that outlive a broker restart, auto-commit on
 * rebalance, and idle instances that expire and hand their partitions on.
 */
describe('broker process: HTTP consumer lifecycle', () => {
  const brokers: BrokerProcess[] = [];
  afterEach(async () => {
    for (const broker of brokers.splice(0)) await broker.stop();
  });
  async function start(dataDir: string, env: Record<string, string> = {}): Promise<BrokerProcess> {
    const broker = await startBroker({ dataDir, env: { ...GROUP_ENV, ...env } });
    brokers.push(broker);
    return broker;
  }

  it('a commit made over HTTP survives a restart: a new instance resumes at it', async () => {
    const dataDir = makeDataDir();
    const first = await start(dataDir);
    await createTopic(first, 'resume', 1);
    await produce(first, 'resume', 0, range(10));
    const reader = await Instance.create(first, 'resume-g', { 'auto.offset.reset': 'earliest', 'enable.auto.commit': false });
    await reader.call('POST', '/subscription', { topics: ['resume'] });
    expect((await reader.pollUntil(10)).map((r) => r.offset)).toEqual(range(10).map((_, i) => i));
    expect((await reader.call('POST', '/offsets', { offsets: [{ topic: 'resume', partition: 0, offset: 4 }] })).status).toBe(204);
    await first.stop(); // the instance leaves without committing more (auto-commit is off)
    brokers.splice(0);

    const second = await start(dataDir);
    // Instances live in memory: the old one is gone.
    const again = new Instance(second, 'resume-g', reader.name, 'binary');
    expect((await again.call('GET', '/assignments')).status).toBe(404);
    const resumed = await Instance.create(second, 'resume-g', { 'auto.offset.reset': 'earliest' });
    await resumed.call('POST', '/subscription', { topics: ['resume'] });
    const records = await resumed.pollUntil(6);
    expect(records.map((r) => text(r.value))).toEqual(range(10).slice(4));
  });

  it('auto-commit: a partition moved by a rebalance continues where the instance that read it stopped', async () => {
    const broker = await start(makeDataDir());
    await createTopic(broker, 'moves', 2);
    await produce(broker, 'moves', 0, range(3, 'a'));
    await produce(broker, 'moves', 1, range(3, 'b'));
    const a = await Instance.create(broker, 'moves-g', { name: 'a', 'auto.offset.reset': 'earliest', 'enable.auto.commit': true });
    await a.call('POST', '/subscription', { topics: ['moves'] });
    expect(await a.pollUntil(6)).toHaveLength(6);
    const b = await Instance.create(broker, 'moves-g', { name: 'b', 'auto.offset.reset': 'earliest' });
    await b.call('POST', '/subscription', { topics: ['moves'] });
    const [ownedByA, ownedByB] = await eventually(
      async () => [await a.assignment(), await b.assignment()],
      ([x, y]) => x.length === 1 && y.length === 1,
    );
    expect(new Set([...ownedByA, ...ownedByB]).size).toBe(2);
    // The moved partition was auto-committed on revocation: b reads only what comes after.
    await produce(broker, 'moves', 0, ['a-new']);
    await produce(broker, 'moves', 1, ['b-new']);
    expect((await b.pollUntil(1)).map((r) => text(r.value))).toEqual([ownedByB[0] === 'moves/0' ? 'a-new' : 'b-new']);
    expect((await a.pollUntil(1)).map((r) => text(r.value))).toEqual([ownedByA[0] === 'moves/0' ? 'a-new' : 'b-new']);
    expect(await b.poll(100)).toEqual([]);
  });

  it('auto-commit under churn: instances join and leave while polling, and every record is returned exactly once', async () => {
    const broker = await start(makeDataDir());
    await createTopic(broker, 'churn', 4);
    const produceRound = async (round: number): Promise<void> => {
      for (let p = 0; p < 4; p++) await produce(broker, 'churn', p, range(50, `r${round}-p${p}-`));
    };
    await produceRound(0);
    const config = { 'auto.offset.reset': 'earliest', 'enable.auto.commit': true };
    const live = [
      await Instance.create(broker, 'churn-g', { ...config, name: 'a' }),
      await Instance.create(broker, 'churn-g', { ...config, name: 'b' }),
    ];
    for (const instance of live) await instance.call('POST', '/subscription', { topics: ['churn'] });
    const seen = new Map<string, number>();
    let step = 0;
    const deadline = Date.now() + 60_000;
    while (seen.size < 400 && Date.now() < deadline) {
      for (const instance of live)
        for (const r of await instance.poll(50)) seen.set(`${r.partition}@${r.offset}`, (seen.get(`${r.partition}@${r.offset}`) ?? 0) + 1);
      step++;
      if (step === 2) {
        const c = await Instance.create(broker, 'churn-g', { ...config, name: 'c' });
        await c.call('POST', '/subscription', { topics: ['churn'] });
        live.push(c);
        await produceRound(1);
      }
      if (step === 4) expect((await live.shift()!.call('DELETE', '')).status).toBe(204);
      if (step === 6) {
        const d = await Instance.create(broker, 'churn-g', { ...config, name: 'd' });
        await d.call('POST', '/subscription', { topics: ['churn'] });
        live.push(d);
      }
    }
    expect(seen.size).toBe(400);
    expect([...seen].filter(([, count]) => count > 1)).toEqual([]);
  });

  it('an idle instance expires: it leaves the group and its partitions move to the live one', async () => {
    const broker = await start(makeDataDir(), { RUNNEL_HTTP_CONSUMER_INSTANCE_TIMEOUT_MS: '1500' });
    await createTopic(broker, 'idle', 2);
    const idle = await Instance.create(broker, 'idle-g', { name: 'idle', 'auto.offset.reset': 'earliest' });
    const live = await Instance.create(broker, 'idle-g', { name: 'live', 'auto.offset.reset': 'earliest' });
    await idle.call('POST', '/subscription', { topics: ['idle'] });
    await live.call('POST', '/subscription', { topics: ['idle'] });
    await eventually(
      () => live.assignment(),
      (owned) => owned.length === 1,
    );
    // Only `live` makes requests (a waiting poll counts as one); `idle` goes silent.
    await produce(broker, 'idle', 0, ['x']);
    await produce(broker, 'idle', 1, ['y']);
    const seen: string[] = [];
    await eventually(
      async () => {
        seen.push(...(await live.poll(300)).map((r) => text(r.value)));
        return live.assignment();
      },
      (owned) => owned.length === 2,
    );
    seen.push(...(await live.pollUntil(2 - seen.length)).map((r) => text(r.value)));
    expect(seen.sort()).toEqual(['x', 'y']);
    const gone = await idle.call('GET', '/records');
    expect(gone.status).toBe(404);
    expect(gone.body.error_code).toBe(40403);
    const metrics = await fetch(`${broker.baseUrl}/metrics`).then((r) => r.text());
    expect(metrics).toMatch(/^runnel_http_consumer_instances_expired_total 1$/m);
    expect(metrics).toMatch(/^runnel_http_consumer_instances 1$/m);
    // A long poll keeps its instance alive past the idle timeout.
    const waited = await call(broker, 'GET', `${live.path}/records?timeout=2500`);
    expect(waited.status).toBe(200);
    expect((await live.call('GET', '/assignments')).status).toBe(200);
  });
});
