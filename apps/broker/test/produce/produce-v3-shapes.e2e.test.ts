import Ajv, { type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { BrokerProcess, startBroker } from '../support/broker-process';
import { createTopic, post } from './helpers';

/**
 * The produce answers against the shapes of Confluent's v3 spec (ProduceResponse,
 * ProduceBatchResponse and their entries, as `api/v3/openapi.yaml` defines them: required fields,
 * types, date-time timestamps, nullable key/value). Restated here as JSON Schema so this test
 * stands alone; the repo-wide conformance suite checks every operation against the spec itself.
 */
const data = {
  type: ['object', 'null'],
  required: ['size', 'type'],
  properties: { size: { type: 'integer' }, type: { type: ['string', 'null'] } },
};
const dateTime = { type: ['string', 'null'], format: 'date-time' };
const produceResponse = {
  type: 'object',
  required: ['error_code'],
  properties: {
    error_code: { type: 'integer' },
    message: { type: 'string' },
    cluster_id: { type: 'string' },
    topic_name: { type: 'string' },
    partition_id: { type: 'integer' },
    offset: { type: 'integer' },
    timestamp: dateTime,
    key: data,
    value: data,
  },
};
const batchResponse = {
  type: 'object',
  properties: {
    successes: {
      type: 'array',
      items: {
        type: 'object',
        required: ['id'],
        properties: { ...produceResponse.properties, id: { type: 'string', minLength: 1, maxLength: 80 }, error_code: undefined },
      },
    },
    failures: {
      type: 'array',
      items: {
        type: 'object',
        required: ['id', 'error_code'],
        properties: { id: { type: 'string', minLength: 1, maxLength: 80 }, error_code: { type: 'integer' }, message: { type: 'string' } },
      },
    },
  },
};

describe('v3 produce answers have the shapes of Confluent’s spec (e2e)', () => {
  let broker: BrokerProcess;
  const ajv = new Ajv({ strict: false, allErrors: true });
  addFormats(ajv);
  const validReport: ValidateFunction = ajv.compile(produceResponse);
  const validBatch: ValidateFunction = ajv.compile(JSON.parse(JSON.stringify(batchResponse)) as object);
  beforeAll(async () => {
    broker = await startBroker();
  }, 60_000);
  afterAll(async () => {
    await broker?.stop();
  });

  const expectValid = (validate: ValidateFunction, answer: unknown): void => {
    expect({ answer, errors: validate(answer) ? null : validate.errors }).toEqual({ answer, errors: null });
  };

  it('every delivery report, success or refusal, lone or streamed', async () => {
    await createTopic(broker, 'shapes', 2);
    const records = '/v3/clusters/-/topics/shapes/records';
    const bodies = [
      '{"key":{"type":"STRING","data":"k"},"value":{"type":"JSON","data":1}}',
      '{}',
      '{"partition_id":9}',
      '{"value":{"type":"BINARY","data":"!"}}',
      '{"timestamp":"2021-02-05T19:14:42Z","value":{"type":"STRING","data":null}}',
    ];
    for (const body of bodies) {
      const res = await post(broker, records, body);
      expect(res.status).toBe(200);
      expectValid(validReport, JSON.parse(res.text));
    }
    const acksZero = JSON.parse((await post(broker, `${records}?acks=0`, '{}')).text);
    expectValid(validReport, acksZero);
    const streamed = await post(broker, records, bodies.join('\n'));
    const reports = streamed.text
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { error_code: number });
    expect(reports.map((r) => r.error_code)).toEqual([200, 200, 40403, 400, 200]);
    for (const report of reports) expectValid(validReport, report);
  });

  it('records:batch successes and failures', async () => {
    await createTopic(broker, 'shapes-batch', 2);
    const res = await post(
      broker,
      '/v3/clusters/-/topics/shapes-batch/records:batch',
      JSON.stringify({
        entries: [
          { id: '1', value: { type: 'STRING', data: 'x' } },
          { id: 2, partition_id: 9 },
          { id: '3', key: { type: 'BINARY', data: 'AA==' }, timestamp: 1612552482000 },
        ],
      }),
    );
    expect(res.status).toBe(207);
    const body = JSON.parse(res.text) as { successes: { id: string; timestamp: string }[]; failures: { id: string }[] };
    expectValid(validBatch, body);
    expect(body.successes.map((s) => s.id)).toEqual(['1', '3']);
    expect(body.successes[1].timestamp).toBe('2021-02-05T19:14:42.000Z');
    expect(body.failures.map((f) => f.id)).toEqual(['2']);
  });
});
