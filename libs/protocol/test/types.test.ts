import { asOffset } from '@runnel/protocol';

describe('asOffset', () => {
  it('accepts safe non-negative integers and bigints', () => {
    expect(asOffset(0)).toBe(0);
    expect(asOffset(2n ** 53n - 1n)).toBe(Number.MAX_SAFE_INTEGER);
  });
  it('refuses values a JSON client could not carry exactly', () => {
    expect(() => asOffset(-1)).toThrow(RangeError);
    expect(() => asOffset(2 ** 53)).toThrow(RangeError);
    expect(() => asOffset(2n ** 53n)).toThrow(RangeError);
    expect(() => asOffset(1.5)).toThrow(RangeError);
  });
});
