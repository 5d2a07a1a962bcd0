import { BrokerProcess, startBroker } from '../support/broker-process';
import { produceStrings } from '../support/topic-helpers';
import { jsonCall } from '../support/json-call';

/**
 * Configs take effect in the log, and dry runs do not: retention.ms=1000 set on one topic trims
 * it while the same alteration sent with validate_only leaves another topic whole; then a
 * broker-level log.retention.ms=1000 trims the topic that has no retention.ms of its own. Each
 * wait is on the log start offset moving (generous deadline), never on time passing.
 */
describe('configs applied to the log (real broker process)', () => {
  let broker: BrokerProcess | undefined;
  afterEach(async () => {
    await broker?.stop();
    broker = undefined;
  });

  const send = jsonCall;
  const earliest = async (b: BrokerProcess, topic: string): Promise<number> =>
    (await send('GET', `${b.baseUrl}/v3/clusters/-/topics/${topic}/partitions/0/offsets?at=earliest`)).body.offset;
  const waitUntilTrimmed = async (b: BrokerProcess, topic: string): Promise<number> => {
    const deadline = Date.now() + 60_000;
    for (;;) {
      const offset = await earliest(b, topic);
      if (offset > 0) return offset;
      if (Date.now() > deadline) throw new Error(`${topic} was never trimmed by retention`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  };

  it('retention.ms trims a topic; the same alteration as a dry run trims nothing; a broker-level default trims the rest', async () => {
    broker = await startBroker({ env: { RUNNEL_RETENTION_CHECK_INTERVAL_MS: '50' } });
    const B = `${broker.baseUrl}/v3/clusters/-`;
    // "dry" is written first: had its dry run been applied, any retention pass that trims "real" would trim it too.
    for (const topic of ['dry', 'real']) {
      expect((await send('POST', `${B}/topics`, { topic_name: topic, configs: [{ name: 'segment.bytes', value: '1024' }] })).status).toBe(
        201,
      );
      // Several batches of ~600 bytes: each rolls a 1 KiB segment, so retention has closed segments to delete.
      for (let i = 0; i < 5; i++) await produceStrings(broker, topic, 0, [`${topic}-${i}-`.padEnd(600, 'x')]);
    }

    const retention = [{ name: 'retention.ms', value: '1000' }];
    expect((await send('POST', `${B}/topics/dry/configs:alter`, { validate_only: true, data: retention })).status).toBe(204);
    expect((await send('POST', `${B}/topics/real/configs:alter`, { data: retention })).status).toBe(204);
    expect(await waitUntilTrimmed(broker, 'real')).toBeGreaterThan(0);
    // The retention pass that trimmed "real" looked at "dry" too: nothing of it went.
    expect(await earliest(broker, 'dry')).toBe(0);
    expect((await send('GET', `${B}/topics/dry/configs/retention.ms`)).body).toMatchObject({
      value: '604800000',
      source: 'DEFAULT_CONFIG',
    });

    // This broker's log.retention.ms is the retention of "dry", which has none of its own.
    expect((await send('PUT', `${B}/brokers/0/configs/log.retention.ms`, { value: '1000' })).status).toBe(204);
    expect(await waitUntilTrimmed(broker, 'dry')).toBeGreaterThan(0);
  });
});
