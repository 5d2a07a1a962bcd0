import type { AssignedPartition, JoinRequest, MemberListener, OffsetCommit } from '@runnel/groups';
import { encodeRecordBatch } from '@runnel/protocol';
import type { Partition } from '@runnel/replication';
import { RunnelError } from '../../src/common/errors';
import { ConsumerContext, ConsumerSettings, HttpConsumer } from '../../src/consumers/http-consumer';

/**
 * HttpConsumer alone, over fake partitions and a fake coordinator: what a poll returns when the
 * assignment changes under it (the e2e tests cannot time a revocation inside a read).
 */
class FakePartition {
  logStartOffset = 0;
  readonly batches: Buffer[] = [];
  /** When set, read() waits for it (a revocation can happen meanwhile). */
  gate: Promise<void> | undefined;
  constructor(
    readonly topic: string,
    readonly partition: number,
  ) {}
  get highWatermark(): number {
    return this.batches.length;
  }
  append(value: string): void {
    this.batches.push(
      encodeRecordBatch({
        baseOffset: this.batches.length,
        records: [{ timestamp: 1, key: null, value: Buffer.from(value), headers: [] }],
      }),
    );
  }
  async read(offset: number): Promise<{ bytes: Buffer; nextOffset: number }> {
    await this.gate;
    return { bytes: Buffer.concat(this.batches.slice(offset)), nextOffset: this.batches.length };
  }
  waitForData(offset: number, timeoutMs: number, signal?: AbortSignal): Promise<boolean> {
    if (this.highWatermark > offset) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(false), timeoutMs);
      signal?.addEventListener('abort', () => {
        clearTimeout(timer);
        resolve(false);
      });
    });
  }
}

function setup(settings: Partial<ConsumerSettings> = {}, assigned: AssignedPartition[] = []) {
  const partitions = new Map<string, FakePartition>();
  for (const p of [0, 1]) partitions.set(`t/${p}`, new FakePartition('t', p));
  let listener: MemberListener | undefined;
  const commits: OffsetCommit[][] = [];
  const ctx: ConsumerContext = {
    groups: {
      join: (_request: JoinRequest, l: MemberListener) => {
        listener = l;
        return { memberId: 'm', generation: 1, assigned };
      },
      leave: () => undefined,
      heartbeat: () => undefined,
      commit: async (_g, _m, offsets) => void commits.push([...offsets]),
      commitUnassigned: async (_g, offsets) => void commits.push([...offsets]),
      committedOffsets: () => [],
    },
    topics: {
      partition: (topic, partition) => {
        const found = partitions.get(`${topic}/${partition}`);
        if (!found) throw new RunnelError('UNKNOWN_TOPIC_OR_PARTITION', 'no');
        return found as unknown as Partition;
      },
    },
    removed: () => undefined,
    shutdownSignal: new AbortController().signal,
    sessionTimeoutMs: 10_000,
    clientHost: '',
  };
  const consumer = new HttpConsumer(
    'g',
    'c',
    { format: 'binary', autoOffsetReset: 'earliest', autoCommit: false, fetchMinBytes: 1, requestTimeoutMs: 0, ...settings },
    ctx,
    0,
  );
  consumer.subscribe({ topics: ['t'] });
  return { consumer, partitions, listener: () => listener!, commits };
}

const values = (records: string[]): string[] => records.map((r) => Buffer.from(JSON.parse(r).value, 'base64').toString());
const poll = { timeoutMs: 0, maxBytes: 1 << 20 };

describe('HttpConsumer', () => {
  it('discards a read whose partition is revoked while it is in flight', async () => {
    const { consumer, partitions, listener } = setup({}, [{ topic: 't', partition: 0, committedOffset: null }]);
    const p0 = partitions.get('t/0')!;
    p0.append('a');
    let open!: () => void;
    p0.gate = new Promise((resolve) => (open = resolve));
    const polled = consumer.poll(poll, new AbortController().signal);
    listener().onRevoked([{ topic: 't', partition: 0 }]);
    open();
    expect((await polled).records).toEqual([]);
    expect(consumer.assignment()).toEqual([]);
  });

  it('a waiting poll is woken by a new assignment and returns it from the committed offset', async () => {
    const { consumer, partitions, listener, commits } = setup({ autoCommit: true });
    const p1 = partitions.get('t/1')!;
    for (const v of ['x', 'y', 'z']) p1.append(v);
    const polled = consumer.poll({ timeoutMs: 60_000, maxBytes: 1 << 20 }, new AbortController().signal);
    listener().onAssigned([{ topic: 't', partition: 1, committedOffset: 1 }]);
    expect(values((await polled).records)).toEqual(['y', 'z']);
    // The committed start is not committed again; what the poll returned is, at the next poll.
    await consumer.poll(poll, new AbortController().signal);
    expect(commits).toEqual([[{ topic: 't', partition: 1, offset: 3 }]]);
  });

  it('a committed offset outside the log starts at auto.offset.reset', async () => {
    const { consumer, partitions, listener } = setup({ autoOffsetReset: 'latest' });
    const p0 = partitions.get('t/0')!;
    p0.append('old');
    listener().onAssigned([{ topic: 't', partition: 0, committedOffset: 99 }]);
    expect((await consumer.poll(poll, new AbortController().signal)).records).toEqual([]);
    p0.append('new');
    expect(values((await consumer.poll(poll, new AbortController().signal)).records)).toEqual(['new']);
  });

  it('json: stops before a record that is not JSON, and the next poll answers 406 naming it', async () => {
    const { consumer, partitions } = setup({ format: 'json' }, [{ topic: 't', partition: 0, committedOffset: null }]);
    const p0 = partitions.get('t/0')!;
    for (const v of ['1', 'oops', '3']) p0.append(v);
    const first = await consumer.poll(poll, new AbortController().signal);
    expect(first.records.map((r) => JSON.parse(r).value)).toEqual([1]);
    await expect(consumer.poll(poll, new AbortController().signal)).rejects.toMatchObject({
      kind: 'CONSUMER_FORMAT_MISMATCH',
      message: expect.stringContaining('offset 1 of t-0'),
    });
    consumer.seek([{ topic: 't', partition: 0, offset: 2 }]);
    expect((await consumer.poll(poll, new AbortController().signal)).records.map((r) => JSON.parse(r).value)).toEqual([3]);
  });

  it('auto-commit commits what polls returned, at the next poll and on revocation', async () => {
    const { consumer, partitions, listener, commits } = setup({ autoCommit: true }, [
      { topic: 't', partition: 0, committedOffset: null },
      { topic: 't', partition: 1, committedOffset: null },
    ]);
    partitions.get('t/0')!.append('a');
    partitions.get('t/1')!.append('b');
    expect(values((await consumer.poll(poll, new AbortController().signal)).records).sort()).toEqual(['a', 'b']);
    // The reset positions (no commit yet) were committed when that poll started, as Kafka does.
    expect(
      commits
        .flat()
        .map((c) => `${c.partition}@${c.offset}`)
        .sort(),
    ).toEqual(['0@0', '1@0']);
    commits.length = 0;
    await consumer.poll(poll, new AbortController().signal);
    expect(
      commits
        .flat()
        .map((c) => `${c.partition}@${c.offset}`)
        .sort(),
    ).toEqual(['0@1', '1@1']);
    partitions.get('t/1')!.append('c');
    await consumer.poll(poll, new AbortController().signal);
    listener().onRevoked([{ topic: 't', partition: 1 }]);
    expect(commits[commits.length - 1]).toEqual([{ topic: 't', partition: 1, offset: 2 }]);
  });
});
