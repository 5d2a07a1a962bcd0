import { RunnelError } from '../../src/common/errors';
import { CursorWriter, decodeCursor, encodeCursor } from '../../src/consume/cursor';

describe('event stream cursor', () => {
  it('round-trips every partition position', () => {
    const cursor = encodeCursor([0, 3, 7], [10, 0, 2 ** 53 - 1]);
    expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
    expect([...decodeCursor(cursor)]).toEqual([
      [0, 10],
      [3, 0],
      [7, 2 ** 53 - 1],
    ]);
  });

  it('CursorWriter changes only the chunk partition and matches encodeCursor', () => {
    const offsets = [5, 9, 1];
    const writer = new CursorWriter([0, 1, 4], offsets);
    writer.begin(1);
    expect(writer.at(12)).toBe(encodeCursor([0, 1, 4], [5, 12, 1]));
    writer.begin(0);
    expect(writer.at(6)).toBe(encodeCursor([0, 1, 4], [6, 9, 1]));
    writer.begin(2);
    expect(writer.at(3)).toBe(encodeCursor([0, 1, 4], [5, 9, 3]));
  });

  it.each([
    ['empty', ''],
    ['not base64url', 'a+b/'],
    ['not JSON', Buffer.from('{nope').toString('base64url')],
    ['an array', Buffer.from('[1]').toString('base64url')],
    ['a negative offset', Buffer.from('{"0":-1}').toString('base64url')],
    ['a fractional offset', Buffer.from('{"0":1.5}').toString('base64url')],
    ['an unsafe offset', Buffer.from('{"0":9007199254740993}').toString('base64url')],
    ['a non-numeric partition', Buffer.from('{"x":1}').toString('base64url')],
    ['oversized', 'A'.repeat(600_000)],
  ])('refuses %s with 40001', (_label, raw) => {
    let error: unknown;
    try {
      decodeCursor(raw);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(RunnelError);
    expect((error as RunnelError).errorCode).toBe(40001);
  });
});
