import { mergeGroupLists } from '../../src/groups/group-forward';

const groups = (...ids: string[]) => ids.map((consumer_group_id) => ({ consumer_group_id }));

describe('mergeGroupLists (the cluster-wide consumer group list)', () => {
  it('without a limit: every broker’s groups, sorted by group id as one broker sorts them', () => {
    const merged = mergeGroupLists(
      [
        { data: groups('b', 'Z'), more: false },
        { data: groups('a', 'c'), more: false },
        { data: [], more: false },
      ],
      undefined,
    );
    expect(merged).toEqual({ data: groups('Z', 'a', 'b', 'c'), more: false });
  });

  it('with a limit: the first `limit` of the union, more when the union or any broker has more', () => {
    expect(
      mergeGroupLists(
        [
          { data: groups('a', 'd'), more: false },
          { data: groups('b', 'c'), more: false },
        ],
        3,
      ),
    ).toEqual({
      data: groups('a', 'b', 'c'),
      more: true,
    });
    expect(
      mergeGroupLists(
        [
          { data: groups('a'), more: true },
          { data: groups('b'), more: false },
        ],
        2,
      ),
    ).toEqual({
      data: groups('a', 'b'),
      more: true,
    });
    expect(
      mergeGroupLists(
        [
          { data: groups('a'), more: false },
          { data: groups('b'), more: false },
        ],
        2,
      ),
    ).toEqual({
      data: groups('a', 'b'),
      more: false,
    });
  });

  it('pages through groups spread over brokers without losing or repeating one', () => {
    const brokers = [groups('g01', 'g04', 'g07', 'g10'), groups('g02', 'g05', 'g08'), groups('g03', 'g06', 'g09')];
    const seen: string[] = [];
    let after: string | undefined;
    for (let pages = 0; pages < 10; pages++) {
      // Each broker answers its first `limit` after the cursor and whether it has more.
      const parts = brokers.map((list) => {
        const rest = list.filter((g) => after === undefined || g.consumer_group_id > after);
        return { data: rest.slice(0, 4), more: rest.length > 4 };
      });
      const page = mergeGroupLists(parts, 4);
      seen.push(...page.data.map((g) => g.consumer_group_id));
      if (!page.more) break;
      after = page.data[page.data.length - 1].consumer_group_id;
    }
    expect(seen).toEqual(['g01', 'g02', 'g03', 'g04', 'g05', 'g06', 'g07', 'g08', 'g09', 'g10']);
  });
});
