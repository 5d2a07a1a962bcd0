import { RunnelError, badRequest } from '../../src/common/errors';
import { loneRecordStatus, reportErrorCode } from '../../src/produce/delivery';

describe('delivery: the codes of v3 delivery reports, and the errors the produce routes answer', () => {
  it('gives reports Confluent’s codes for bad and over-size records, and keeps Kafka-level codes', () => {
    expect(reportErrorCode(badRequest('value.data is not valid base64'))).toBe(400);
    expect(reportErrorCode(new RunnelError('TOO_LARGE', 'record too large'))).toBe(413);
    expect(reportErrorCode(new RunnelError('UNKNOWN_TOPIC_OR_PARTITION', 'no partition'))).toBe(40403);
    expect(reportErrorCode(new RunnelError('RETRIABLE', 'disk full'))).toBe(50003);
    expect(reportErrorCode(new RunnelError('THROTTLED', 'slow down'))).toBe(42901);
  });

  it('answers a body that is not JSON 400 / 400 and a retriable failure 500 / 50003, as Confluent does', () => {
    const malformed = new RunnelError('MALFORMED_REQUEST', 'Malformed JSON body');
    expect([malformed.status, malformed.toBody()]).toEqual([400, { error_code: 400, message: 'Malformed JSON body' }]);
    const retriable = new RunnelError('RETRIABLE', 'KAFKA_STORAGE_ERROR: disk full; retry later');
    expect([retriable.status, retriable.toBody(), retriable.retriable]).toEqual([
      500,
      { error_code: 50003, message: 'KAFKA_STORAGE_ERROR: disk full; retry later' },
      true,
    ]);
  });

  it('answers a lone refused record 200 unless retrying can help (500 retriable, 429 throttled)', () => {
    expect(loneRecordStatus(null)).toBe(200);
    expect(loneRecordStatus(badRequest('bad'))).toBe(200);
    expect(loneRecordStatus(new RunnelError('UNKNOWN_TOPIC_OR_PARTITION', 'no partition'))).toBe(200);
    expect(loneRecordStatus(new RunnelError('RETRIABLE', 'disk full'))).toBe(500);
    expect(loneRecordStatus(new RunnelError('THROTTLED', 'slow down'))).toBe(429);
  });
});
