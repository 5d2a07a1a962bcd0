import { visiblePage } from '../../src/groups/groups.service';

/** visiblePage: a list filtered before paging, read from an ordered source in chunks (unit, a sorted array as the source). */
describe('visiblePage (consumer-group lists filtered before paging)', () => {
  const ids = Array.from({ length: 1000 }, (_, i) => `g-${String(i).padStart(4, '0')}`);
  const reads: number[] = [];
  const read = (after: string | undefined, limit: number): string[] => {
    const start = after === undefined ? 0 : ids.findIndex((id) => id > after);
    const items = start < 0 ? [] : ids.slice(start, start + limit);
    reads.push(items.length);
    return items;
  };
  const everySeventh = (id: string): boolean => Number(id.slice(2)) % 7 === 0;
  const reference = ids.filter(everySeventh);

  it('fills a page with visible items across chunks, however many hidden ones lie between', () => {
    expect(visiblePage(read, (id) => id, everySeventh, { limit: 20 }, 16)).toEqual(reference.slice(0, 20));
  });

  it('continues after the last visible item of the previous page, and walks the same items as the reference', () => {
    const walked: string[] = [];
    let after: string | undefined;
    for (;;) {
      const page = visiblePage(read, (id) => id, everySeventh, { after, limit: 9 }, 16);
      walked.push(...page);
      if (page.length < 9) break;
      after = page[page.length - 1];
    }
    expect(walked).toEqual(reference);
  });

  it('without a limit answers every visible item; with nothing visible, an empty page after reading the source once', () => {
    expect(visiblePage(read, (id) => id, everySeventh, {}, 64)).toEqual(reference);
    reads.length = 0;
    expect(
      visiblePage(
        read,
        (id) => id,
        () => false,
        { limit: 5 },
        100,
      ),
    ).toEqual([]);
    expect(reads.reduce((sum, n) => sum + n, 0)).toBe(ids.length);
  });
});
