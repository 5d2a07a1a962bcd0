import fc from 'fast-check';
import { RunnelError } from '../../src/common/errors';
import { decodeCursor, encodeCursor } from '../../src/consume/cursor';

describe('WebSocket cursors', () => {
  it('round-trip any sorted set of partition positions, offsets up to 2^53 - 1', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.integer({ min: 0, max: 0x7fffffff }), { minLength: 1, maxLength: 50 }),
        fc.array(fc.maxSafeNat(), { minLength: 50, maxLength: 50 }),
        (partitions, offsets) => {
          const entries = [...partitions].sort((a, b) => a - b).map((partition, i) => ({ partition, offset: offsets[i] }));
          const token = encodeCursor('orders', entries);
          expect(token).toMatch(/^[A-Za-z0-9_-]+$/);
          expect(decodeCursor('orders', token, 100)).toEqual(entries);
        },
      ),
    );
  });

  const code = (run: () => unknown): number => {
    try {
      run();
    } catch (error) {
      if (error instanceof RunnelError) return error.errorCode;
      throw error;
    }
    throw new Error('no error');
  };

  it('refuses garbage, truncation, trailing bytes, another topic and too many partitions with 40001', () => {
    const good = encodeCursor('orders', [
      { partition: 0, offset: 5 },
      { partition: 3, offset: 300 },
    ]);
    const bytes = Buffer.from(good, 'base64url');
    expect(code(() => decodeCursor('orders', 'not a cursor!', 10))).toBe(40001);
    expect(code(() => decodeCursor('orders', '', 10))).toBe(40001);
    expect(code(() => decodeCursor('orders', 42, 10))).toBe(40001);
    expect(code(() => decodeCursor('orders', bytes.subarray(0, bytes.length - 1).toString('base64url'), 10))).toBe(40001);
    expect(code(() => decodeCursor('orders', Buffer.concat([bytes, Buffer.from([0])]).toString('base64url'), 10))).toBe(40001);
    expect(code(() => decodeCursor('payments', good, 10))).toBe(40001);
    expect(code(() => decodeCursor('orders', good, 1))).toBe(40001);
    const wrongVersion = Buffer.from(bytes);
    wrongVersion[0] = 9;
    expect(code(() => decodeCursor('orders', wrongVersion.toString('base64url'), 10))).toBe(40001);
    // Random bytes never crash the decoder: a cursor or a 40001.
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 0, maxLength: 64 }), (random) => {
        try {
          decodeCursor('orders', Buffer.from(random).toString('base64url'), 10);
        } catch (error) {
          expect(error).toBeInstanceOf(RunnelError);
          expect((error as RunnelError).errorCode).toBe(40001);
        }
      }),
    );
  });
});
