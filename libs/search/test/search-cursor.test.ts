import { parseFilter } from '../src/filter';
import { CursorError, decodeCursor, encodeCursor, filterHash } from '../src/search-cursor';

describe('search cursor', () => {
  const hash = filterHash(parseFilter({ value: { contains: 'x' } }));
  const positions = [
    { partition: 0, next: 5, end: 10 },
    { partition: 3, next: 0, end: 100 },
  ];

  it('round-trips the positions as opaque base64url', () => {
    const cursor = encodeCursor('orders', hash, positions);
    expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodeCursor(cursor, 'orders', hash)).toEqual(positions);
  });

  it('refuses another filter, another topic, and anything that is not a cursor', () => {
    const cursor = encodeCursor('orders', hash, positions);
    const other = filterHash(parseFilter({ value: { contains: 'y' } }));
    expect(() => decodeCursor(cursor, 'orders', other)).toThrow('cursor belongs to a search with another filter');
    expect(() => decodeCursor(cursor, 'payments', hash)).toThrow('cursor belongs to a search of another topic');
    const forged = (body: unknown): string => Buffer.from(JSON.stringify(body)).toString('base64url');
    for (const bad of [
      'not a cursor!',
      forged({ v: 2, t: 'orders', f: hash, p: [] }),
      forged({ v: 1, t: 'orders', f: hash, p: [[0, 11, 10]] }),
      forged({ v: 1, t: 'orders', f: hash, p: [[0, -1, 10]] }),
      forged({
        v: 1,
        t: 'orders',
        f: hash,
        p: [
          [0, 1, 10],
          [0, 2, 10],
        ],
      }),
      forged({ v: 1, t: 'orders', f: hash, p: [[0, 1.5, 10]] }),
      forged([1, 2]),
    ]) {
      expect(() => decodeCursor(bad, 'orders', hash)).toThrow(CursorError);
    }
  });
});
