import { BrokerProcess, startBroker } from '../support/broker-process';
import { post } from './helpers';

/** Confluent REST v2 / Strimzi bridge clients type their JSON bodies with Kafka's v2 media types. */
describe('v2 JSON content types (e2e)', () => {
  let broker: BrokerProcess;
  beforeAll(async () => {
    broker = await startBroker();
  }, 60_000);
  afterAll(async () => {
    await broker?.stop();
  });

  it.each(['application/vnd.kafka.v2+json', 'application/vnd.kafka.json.v2+json', 'application/vnd.kafka.binary.v2+json'])(
    'parses a %s body as JSON on any route',
    async (contentType) => {
      const topic = `v2-${contentType.split('.')[2].replace(/\W/g, '')}`;
      const res = await post(broker, '/v3/clusters/-/topics', JSON.stringify({ topic_name: topic, partitions_count: 1 }), {
        'content-type': `${contentType}; charset=utf-8`,
      });
      expect(res.status).toBe(201);
      expect(JSON.parse(res.text)).toMatchObject({ topic_name: topic, partitions_count: 1 });
    },
  );

  it('still refuses types it does not know with 415', async () => {
    const res = await post(broker, '/v3/clusters/-/topics', '{}', { 'content-type': 'application/vnd.kafka.avro.v2+json' });
    expect(res.status).toBe(415);
    expect(JSON.parse(res.text)).toMatchObject({ error_code: 415 });
  });
});
