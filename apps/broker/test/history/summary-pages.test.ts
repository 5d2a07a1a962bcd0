import { RunnelError } from '../../src/common/errors';
import { PageRow, pageOf, parseListQuery } from '../../src/history/summary-pages';

const SORTS = ['name', 'size'];

/** Every page of `rows` for `raw`, following `next`. */
function walk(rows: () => PageRow[], raw: Record<string, string>): { names: string[]; totals: number[] } {
  const names: string[] = [];
  const totals: number[] = [];
  let token: string | null = null;
  do {
    const query = parseListQuery({ ...raw, ...(token ? { page_token: token } : {}) }, SORTS, {});
    const page = pageOf(rows(), query);
    names.push(...page.rows.map((r) => r.name));
    totals.push(page.total);
    token = page.next;
  } while (token);
  return { names, totals };
}

function code(run: () => unknown): number | undefined {
  try {
    run();
  } catch (error) {
    return error instanceof RunnelError ? error.errorCode : undefined;
  }
  return undefined;
}

describe('list views: sort and keyset paging', () => {
  it('walks every row once, in the order of a full sort, for any page size and order', () => {
    let seed = 11;
    const random = () => (seed = (seed * 48271) % 2147483647) / 2147483647;
    const rows = Array.from({ length: 237 }, (_, i) => ({ name: `n${String(i).padStart(3, '0')}`, value: Math.floor(random() * 20) }));
    for (const order of ['asc', 'desc'] as const) {
      const direction = order === 'asc' ? 1 : -1;
      const expected = [...rows].sort((a, b) => direction * (a.value - b.value) || (a.name < b.name ? -1 : 1)).map((r) => r.name);
      for (const limit of [1, 7, 50, 1000]) {
        const { names, totals } = walk(() => rows.map((r) => ({ ...r })), { sort: 'size', order, limit: String(limit) });
        expect(names).toEqual(expected);
        expect(new Set(totals)).toEqual(new Set([237]));
      }
    }
  });

  it('continues after the last row seen when rows come and go between pages', () => {
    let rows = ['a', 'b', 'c', 'd', 'e'].map((name) => ({ name, value: name }));
    const first = pageOf(rows, parseListQuery({ limit: '2' }, SORTS, {}));
    expect(first.rows.map((r) => r.name)).toEqual(['a', 'b']);
    rows = rows.filter((r) => r.name !== 'b').concat([{ name: 'aa', value: 'aa' }]);
    const second = pageOf(rows, parseListQuery({ limit: '2', page_token: first.next! }, SORTS, {}));
    expect(second.rows.map((r) => r.name)).toEqual(['c', 'd']);
  });

  it('takes empty parameters (as a form sends them) for absent ones', () => {
    expect(parseListQuery({ search: '', sort: '', order: '', limit: '', page_token: '' }, SORTS, {})).toEqual({
      search: '',
      sort: 'name',
      order: 'asc',
      limit: 50,
      filters: {},
      after: undefined,
    });
  });

  it('answers 40001 for bad parameters and tokens of another query', () => {
    const token = pageOf(
      [
        { name: 'a', value: 1 },
        { name: 'b', value: 2 },
      ],
      parseListQuery({ limit: '1', sort: 'size' }, SORTS, { state: 'EMPTY' }),
    ).next!;
    expect(code(() => parseListQuery({ limit: '1', sort: 'size', page_token: token }, SORTS, { state: 'EMPTY' }))).toBeUndefined();
    expect(code(() => parseListQuery({ limit: '1', sort: 'size', page_token: token }, SORTS, { state: 'STABLE' }))).toBe(40001);
    expect(code(() => parseListQuery({ sort: 'name', page_token: token }, SORTS, { state: 'EMPTY' }))).toBe(40001);
    // The topic filter of consumer-group-summaries is part of the token: another topic, or none, refuses it.
    const ofTopic = pageOf(
      [
        { name: 'a', value: 1 },
        { name: 'b', value: 2 },
      ],
      parseListQuery({ limit: '1' }, SORTS, { state: '', topic: 'orders' }),
    ).next!;
    expect(parseListQuery({ limit: '1', page_token: ofTopic }, SORTS, { state: '', topic: 'orders' }).after).toEqual({
      value: 1,
      name: 'a',
    });
    expect(code(() => parseListQuery({ limit: '1', page_token: ofTopic }, SORTS, { state: '', topic: 'payments' }))).toBe(40001);
    expect(code(() => parseListQuery({ limit: '1', page_token: ofTopic }, SORTS, { state: '' }))).toBe(40001);
    expect(code(() => parseListQuery({ page_token: 'not base64 {' }, SORTS, {}))).toBe(40001);
    expect(code(() => parseListQuery({ page_token: Buffer.from('[1,2]').toString('base64url') }, SORTS, {}))).toBe(40001);
    expect(code(() => parseListQuery({ sort: 'members' }, SORTS, {}))).toBe(40001);
    expect(code(() => parseListQuery({ limit: '0' }, SORTS, {}))).toBe(40001);
    expect(code(() => parseListQuery({ search: 'x'.repeat(257) }, SORTS, {}))).toBe(40001);
    expect(code(() => parseListQuery({ order: ['asc', 'desc'] as unknown as string }, SORTS, {}))).toBe(40001);
  });
});
