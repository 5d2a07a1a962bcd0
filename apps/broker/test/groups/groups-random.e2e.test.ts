import { BrokerProcess, startBroker } from '../support/broker-process';
import { GROUP_ENV, Member, createTopic, eventually, produce, range, rest } from './group-support';

/**
 * A randomized sequence of joins, leaves, commits and produces against the real broker. After
 * every step the group's view must give each partition at most one owner; at the end one member
 * reads everything that is left, and together the members must have received every record of
 * every partition (nothing skipped: each new owner started at or below what was committed).
 * The seed is printed on failure; RUNNEL_TEST_SEED replays one.
 */
const PARTITIONS = 6;
const STEPS = 30;

function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('broker process: randomized group membership', () => {
  let broker: BrokerProcess;
  const live: Member[] = [];
  const all: Member[] = [];
  beforeAll(async () => {
    broker = await startBroker({ env: GROUP_ENV });
  });
  afterAll(async () => {
    for (const m of all) m.close();
    await broker?.stop();
  });

  it('never gives a partition two owners and loses no record across joins, leaves and commits', async () => {
    const seed = Number(process.env.RUNNEL_TEST_SEED ?? Date.now() % 1_000_000);
    const random = prng(seed);
    const pick = <T>(items: T[]): T => items[Math.floor(random() * items.length)];
    const produced = new Array<number>(PARTITIONS).fill(0);
    const log: string[] = [`seed ${seed}`];
    try {
      await createTopic(broker, 'rnd', PARTITIONS);
      for (let step = 0; step < STEPS; step++) {
        const r = random();
        if ((r < 0.3 && live.length < 4) || live.length === 0) {
          const m = await Member.join(broker, { group: 'rnd-g', topic: 'rnd', from: 'earliest', auto_commit: false, credit: 100_000 });
          live.push(m);
          all.push(m);
          log.push(`join ${m.memberId}`);
        } else if (r < 0.5 && live.length > 1) {
          const m = pick(live);
          live.splice(live.indexOf(m), 1);
          m.close();
          log.push(`leave ${m.memberId}`);
        } else if (r < 0.8) {
          // Commit after processing: the next offset after the last record received, per owned partition.
          const m = pick(live);
          const offsets = [...m.sync().owned.values()]
            .map((o) => {
              const got = m.records().filter((x) => x.partition === o.partition);
              return got.length === 0 ? undefined : { partition: o.partition, offset: got[got.length - 1].offset + 1 };
            })
            .filter((o): o is { partition: number; offset: number } => o !== undefined);
          if (offsets.length > 0) {
            const answer = await m.commit(offsets);
            // A rebalance may have revoked a partition meanwhile: then the commit is fenced (40901).
            if (answer.type === 'error') expect(answer.error_code).toBe(40901);
            log.push(`commit ${m.memberId} ${JSON.stringify(offsets)} -> ${answer.type}`);
          }
        } else {
          const p = Math.floor(random() * PARTITIONS);
          const n = 1 + Math.floor(random() * 20);
          await produce(broker, 'rnd', p, range(n, `s${step}-`));
          produced[p] += n;
          log.push(`produce ${n} to ${p}`);
        }
        // The coordinator's view after the step: no partition with two owners.
        const group = await rest(broker, 'GET', '/consumer-groups/rnd-g');
        const owned = group.body.members.flatMap((x: any) => x.assigned_partitions.map((a: any) => a.partition_id));
        expect(new Set(owned).size).toBe(owned.length);
      }
      // Let one member own everything and read to the end of every partition.
      if (live.length === 0) {
        const m = await Member.join(broker, { group: 'rnd-g', topic: 'rnd', from: 'earliest', auto_commit: false, credit: 100_000 });
        live.push(m);
        all.push(m);
      }
      while (live.length > 1) live.pop()!.close();
      const last = live[0];
      await last.untilOwns(PARTITIONS);
      const missing = (): { partition: number; missing: number[] }[] =>
        range(PARTITIONS).map((_, p) => {
          const seen = new Set(
            all.flatMap((m) =>
              m
                .records()
                .filter((x) => x.partition === p)
                .map((x) => x.offset),
            ),
          );
          return {
            partition: p,
            missing: range(produced[p])
              .map((_, i) => i)
              .filter((o) => !seen.has(o)),
          };
        });
      // Everything the last member still has to read arrives; nothing stays missing.
      const result = await eventually(
        async () => missing(),
        (m) => m.every((x) => x.missing.length === 0),
      ).catch(() => missing());
      expect(result).toEqual(range(PARTITIONS).map((_, p) => ({ partition: p, missing: [] })));
    } catch (error) {
      throw new Error(`${(error as Error).message}\n${log.join('\n')}`);
    }
  });
});
