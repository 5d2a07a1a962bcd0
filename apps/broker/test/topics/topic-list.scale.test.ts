import { BrokerProcess, startBroker } from '../support/broker-process';

/**
 * 10,000 topics on a real broker process: `GET .../topics` without `limit` answers all of them
 * (and the internal ones) in one list, as Confluent does, so a client that reads one page misses
 * none; the `limit` / `page_token` extension walks the same names; the broker's replica list has
 * every partition. Creation is concurrent, as a provisioning script's would be.
 */
const TOPICS = 10_000;
const CONCURRENCY = 8;

describe('listing 10,000 topics (real broker process)', () => {
  let broker: BrokerProcess | undefined;
  afterAll(async () => {
    await broker?.stop();
  });

  it('answers every topic in one list, and pages through the same names', async () => {
    broker = await startBroker({ env: { RUNNEL_MAX_PARTITIONS: String(TOPICS), RUNNEL_DEFAULT_PARTITIONS: '1' } });
    const topics = `${broker.baseUrl}/v3/clusters/-/topics`;
    const names = Array.from({ length: TOPICS }, (_, i) => `scale-${String((i * 7919) % TOPICS).padStart(5, '0')}`);
    let next = 0;
    const refused: string[] = [];
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (next < names.length) {
          const name = names[next++];
          const response = await fetch(topics, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ topic_name: name }),
          });
          if (response.status !== 201) refused.push(`${name}: ${response.status} ${await response.text()}`);
        }
      }),
    );
    expect(refused).toEqual([]);

    const all = (await (await fetch(topics)).json()) as {
      metadata: { next: string | null };
      data: { topic_name: string; is_internal: boolean }[];
    };
    expect(all.metadata.next).toBeNull();
    const user = all.data.filter((t) => !t.is_internal).map((t) => t.topic_name);
    expect(user).toEqual([...names].sort());
    expect(all.data.some((t) => t.is_internal && t.topic_name === '__consumer_offsets')).toBe(true);

    const walked: string[] = [];
    let url: string | null = `${topics}?limit=1000&include_internal=false`;
    while (url) {
      const page = (await (await fetch(url)).json()) as { metadata: { next: string | null }; data: { topic_name: string }[] };
      walked.push(...page.data.map((t) => t.topic_name));
      url = page.metadata.next;
    }
    expect(walked).toEqual(user);

    const replicas = (await (await fetch(`${broker.baseUrl}/v3/clusters/-/brokers/0/partition-replicas`)).json()) as {
      data: { topic_name: string }[];
    };
    expect(new Set(replicas.data.map((r) => r.topic_name)).size).toBe(all.data.length);
  }, 900_000);
});
