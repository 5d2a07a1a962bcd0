import { RunnelError } from '../../src/common/errors';
import { isoTime, parseTimestampInput, resourceName } from '../../src/common/rest-v3';

describe('rest-v3: the building blocks of Confluent v3 answers', () => {
  it('renders date-times in UTC, also when consecutive calls alternate between instants', () => {
    const a = Date.UTC(2021, 1, 5, 19, 14, 42);
    expect([isoTime(a), isoTime(a), isoTime(a + 1), isoTime(a), isoTime(0)]).toEqual([
      '2021-02-05T19:14:42.000Z',
      '2021-02-05T19:14:42.000Z',
      '2021-02-05T19:14:42.001Z',
      '2021-02-05T19:14:42.000Z',
      '1970-01-01T00:00:00.000Z',
    ]);
  });

  it('reads timestamps as ISO-8601 date-times or epoch milliseconds, and refuses anything else with 400', () => {
    expect(parseTimestampInput('2021-02-05T19:14:42Z')).toBe(Date.UTC(2021, 1, 5, 19, 14, 42));
    expect(parseTimestampInput('2021-02-05T20:14:42.5+01:00')).toBe(Date.UTC(2021, 1, 5, 19, 14, 42, 500));
    expect(parseTimestampInput(1612552482000)).toBe(1612552482000);
    expect(parseTimestampInput('1612552482000')).toBe(1612552482000);
    for (const bad of ['2021-02-05', 'yesterday', -1, 1.5, null, {}, '2021-13-45T99:99:99Z']) {
      let error: unknown;
      try {
        parseTimestampInput(bad, 'timestamp');
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(RunnelError);
      expect((error as RunnelError).toBody()).toMatchObject({ error_code: 40001 });
      expect((error as RunnelError).status).toBe(400);
    }
  });

  it('names resources with Confluent CRNs', () => {
    expect(resourceName('c1', ['topic', 'orders'], ['partition', 0])).toBe('crn:///kafka=c1/topic=orders/partition=0');
  });
});
