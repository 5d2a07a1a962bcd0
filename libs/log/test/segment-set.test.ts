import { SegmentSet, type LogSegment } from '@runnel/log';

const fake = (baseOffset: number): LogSegment => ({ baseOffset }) as unknown as LogSegment;

describe('SegmentSet', () => {
  it('finds the floor segment of an offset and walks forward', () => {
    const set = new SegmentSet();
    const segments = [0, 10, 25, 100].map(fake);
    segments.forEach((s) => set.add(s));
    expect(set.floor(-1)).toBeUndefined();
    expect([0, 9, 10, 24, 25, 99, 100, 1e9].map((o) => set.floor(o)?.baseOffset)).toEqual([0, 0, 10, 10, 25, 25, 100, 100]);
    expect(set.next(segments[1])).toBe(segments[2]);
    expect(set.next(segments[3])).toBeUndefined();
    expect(set.endOffsetOf(segments[2], 150)).toBe(100);
    expect(set.endOffsetOf(segments[3], 150)).toBe(150);
    expect(set.active).toBe(segments[3]);
  });

  it('keeps base offsets strictly increasing and the active segment in place', () => {
    const set = new SegmentSet();
    set.add(fake(5));
    expect(() => set.add(fake(5))).toThrow();
    set.add(fake(8));
    set.add(fake(12));
    expect(() => set.removeFirst(3)).toThrow();
    expect(set.removeFirst(1).map((s) => s.baseOffset)).toEqual([5]);
    expect(set.removeFrom(9).map((s) => s.baseOffset)).toEqual([12]);
    expect(set.all().map((s) => s.baseOffset)).toEqual([8]);
    expect(set.clear().length).toBe(1);
    expect(set.count).toBe(0);
  });
});
