import { RunnelError } from '../../src/common/errors';
import { CursorWriter, decodeCursor, encodeCursor } from '../../src/consume/cursor';

/** The one cursor module: what event streams issue is what WebSocket subscriptions issue. */
describe('event stream cursors', () => {
  it('CursorWriter changes only the chunk partition and matches encodeCursor (entries sorted by partition)', () => {
    const offsets = [5, 9, 1];
    const writer = new CursorWriter('orders', [4, 0, 1], offsets);
    const expected = (p4: number, p0: number, p1: number) =>
      encodeCursor('orders', [
        { partition: 0, offset: p0 },
        { partition: 1, offset: p1 },
        { partition: 4, offset: p4 },
      ]);
    writer.begin(1);
    expect(writer.at(12)).toBe(expected(5, 12, 1));
    writer.begin(0);
    expect(writer.at(2 ** 53 - 1)).toBe(expected(2 ** 53 - 1, 9, 1));
    writer.begin(2);
    expect(writer.at(3)).toBe(expected(5, 9, 3));
    expect(decodeCursor('orders', writer.at(3), 10)).toEqual([
      { partition: 0, offset: 9 },
      { partition: 1, offset: 3 },
      { partition: 4, offset: 5 },
    ]);
  });

  it('still accepts the JSON cursors event streams issued before, sorted by partition', () => {
    const legacy = Buffer.from('{"3":7,"0":10}').toString('base64url');
    expect(decodeCursor('any-topic', legacy, 10)).toEqual([
      { partition: 0, offset: 10 },
      { partition: 3, offset: 7 },
    ]);
  });

  it.each([
    ['empty', ''],
    ['not base64url', 'a+b/'],
    ['not JSON', Buffer.from('{nope').toString('base64url')],
    ['an empty object', Buffer.from('{}').toString('base64url')],
    ['a negative offset', Buffer.from('{"0":-1}').toString('base64url')],
    ['a fractional offset', Buffer.from('{"0":1.5}').toString('base64url')],
    ['an unsafe offset', Buffer.from('{"0":9007199254740993}').toString('base64url')],
    ['a non-numeric partition', Buffer.from('{"x":1}').toString('base64url')],
    ['oversized', 'A'.repeat(600_000)],
  ])('refuses %s with 40001', (_label, raw) => {
    let error: unknown;
    try {
      decodeCursor('orders', raw, 10_000);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(RunnelError);
    expect((error as RunnelError).errorCode).toBe(40001);
  });
});
