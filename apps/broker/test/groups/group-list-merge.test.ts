import type { FastifyRequest } from 'fastify';
import { HttpForwarder } from '../../src/cluster/http-forwarder';
import { RunnelError } from '../../src/common/errors';
import { GroupListFanOut, mergeGroupLists } from '../../src/groups/group-forward';
import { userCaller } from '../../src/security/caller';

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

describe('GroupListFanOut', () => {
  const request = { forwarded: undefined } as unknown as FastifyRequest;
  const caller = userCaller('ann', '10.0.0.1', undefined, 'password');
  const list = (ids: string[], next: string | null) =>
    Buffer.from(JSON.stringify({ kind: 'KafkaConsumerGroupList', metadata: { self: 'x', next }, data: groups(...ids) }));

  function fanOut(answers: Record<number, () => Promise<{ answer: { status: number }; body: Buffer }>>, asked: number[]) {
    const forwarder = {
      enabled: true,
      brokerId: 1,
      liveBrokerIds: () => [1, 2, 3],
      forward: (brokerId: number) => {
        asked.push(brokerId);
        return answers[brokerId]();
      },
      // The real fan-out over the fake `forward`.
      gather: HttpForwarder.prototype.gather,
    } as unknown as HttpForwarder;
    return new GroupListFanOut(forwarder);
  }

  it('asks every other live broker for its own groups only', async () => {
    const asked: number[] = [];
    const parts = await fanOut(
      {
        2: async () => ({ answer: { status: 200 }, body: list(['b'], null) }),
        3: async () => ({ answer: { status: 200 }, body: list(['c'], 'next-page') }),
      },
      asked,
    ).remoteParts(request, caller);
    expect(asked.sort()).toEqual([2, 3]);
    expect(parts).toEqual([
      { data: groups('b'), more: false },
      { data: groups('c'), more: true },
    ]);
  });

  it('fails 50003 (retriable) when a live broker does not answer, or answers an error, never a partial list', async () => {
    const unreachable = fanOut(
      {
        2: async () => ({ answer: { status: 200 }, body: list(['b'], null) }),
        3: () => Promise.reject(new RunnelError('RETRIABLE', 'connection refused')),
      },
      [],
    );
    await expect(unreachable.remoteParts(request, caller)).rejects.toMatchObject({
      kind: 'RETRIABLE',
      message: expect.stringContaining('broker 3'),
    });
    const refusing = fanOut(
      {
        2: async () => ({ answer: { status: 503 }, body: Buffer.from('{}') }),
        3: async () => ({ answer: { status: 200 }, body: Buffer.from('not json') }),
      },
      [],
    );
    await expect(refusing.remoteParts(request, caller)).rejects.toMatchObject({ kind: 'RETRIABLE' });
  });

  it('does not fan out a request another broker forwarded here, nor on a single node', () => {
    const forwarded = { forwarded: true } as unknown as FastifyRequest;
    expect(fanOut({}, []).applies(forwarded)).toBe(false);
    expect(fanOut({}, []).applies(request)).toBe(true);
    expect(new GroupListFanOut({ enabled: false } as unknown as HttpForwarder).applies(request)).toBe(false);
  });
});
