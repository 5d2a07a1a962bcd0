import { ChangeFollower } from '../../src/cluster/change-follower';
import type { ClusterStore, MetadataChangeRecord, NewBrokerRegistration } from '../../src/cluster/cluster-store';
import { PostgresClusterStore } from '../../src/cluster/postgres-cluster-store';
import { startTestPostgres, TestPostgres } from '../support/postgres';

jest.setTimeout(60_000);

/** Re-reads until `check` holds, failing after a generous deadline (no assumption about speed). */
async function eventually<T>(read: () => T | Promise<T>, check: (value: T) => boolean, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (check(value)) return value;
    if (Date.now() > deadline) throw new Error(`condition not met in ${timeoutMs} ms; last value ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

const HOUR_MS = 3_600_000;

function change(seq: number): MetadataChangeRecord {
  return { seq, time: new Date(0), kind: 'topic', subject: `t${seq}`, payload: { op: 'created' } };
}

/** The change log as a follower sees it: only the `visible` seqs (a gap is a seq not yet visible). */
class FakeLog implements Pick<ClusterStore, 'changesAfter' | 'listen'> {
  visible = new Set<number>();
  reads = 0;
  failReads = 0;
  failListen = false;
  wake: (() => void) | undefined;
  unlistened = false;

  add(...seqs: number[]): void {
    for (const seq of seqs) this.visible.add(seq);
  }

  async changesAfter(afterSeq: number, limit: number): Promise<MetadataChangeRecord[]> {
    this.reads++;
    if (this.failReads > 0) {
      this.failReads--;
      throw new Error('connection refused');
    }
    return [...this.visible]
      .filter((seq) => seq > afterSeq)
      .sort((a, b) => a - b)
      .slice(0, limit)
      .map(change);
  }

  async listen(wake: () => void): Promise<() => Promise<void>> {
    if (this.failListen) throw new Error('LISTEN failed');
    this.wake = wake;
    return async () => {
      this.unlistened = true;
    };
  }
}

describe('ChangeFollower (unit, against a fake log)', () => {
  const followers: ChangeFollower[] = [];
  afterEach(async () => {
    await Promise.all(followers.splice(0).map((f) => f.stop()));
  });

  function follow(log: FakeLog, options: Partial<ConstructorParameters<typeof ChangeFollower>[1]> = {}) {
    const delivered: number[][] = [];
    const warnings: string[] = [];
    const errors: string[] = [];
    const follower = new ChangeFollower(log, {
      fromSeq: 0,
      pollIntervalMs: HOUR_MS,
      onChanges: async (changes) => {
        delivered.push(changes.map((c) => c.seq));
      },
      log: { warn: (m) => warnings.push(m), error: (m) => errors.push(m) },
      ...options,
    });
    followers.push(follower);
    const flat = () => delivered.flat();
    return { follower, delivered, flat, warnings, errors };
  }

  it('delivers every change once, in seq order, in batches of at most `batch`, starting after fromSeq', async () => {
    const log = new FakeLog();
    log.add(1, 2, 3, 4, 5, 6, 7);
    const { follower, delivered, flat } = follow(log, { fromSeq: 2, batch: 2 });
    await follower.start();
    await eventually(flat, (seqs) => seqs.length === 5);
    expect(delivered).toEqual([[3, 4], [5, 6], [7]]);
    expect(follower.seq).toBe(7);
  });

  it('wakes on a NOTIFY without waiting for the poll', async () => {
    const log = new FakeLog();
    const { follower, flat } = follow(log);
    await follower.start();
    await eventually(
      () => log.reads,
      (n) => n >= 1,
    );
    log.add(1, 2);
    log.wake!();
    await eventually(flat, (seqs) => seqs.length === 2);
    expect(flat()).toEqual([1, 2]);
  });

  it('polls without a NOTIFY, and without LISTEN at all', async () => {
    const log = new FakeLog();
    log.failListen = true;
    const { follower, flat, warnings } = follow(log, { pollIntervalMs: 20 });
    await follower.start();
    expect(warnings.join()).toMatch(/polling only/);
    log.add(1);
    await eventually(flat, (seqs) => seqs.length === 1);
  });

  it('stops at a gap, delivers what precedes it, logs a gap that stays open, and goes on once it is filled', async () => {
    const log = new FakeLog();
    log.add(1, 2, 4, 5);
    let clock = 0;
    const { follower, flat, warnings } = follow(log, { gapWarnAfterMs: 1000, now: () => clock });
    await follower.start();
    await eventually(flat, (seqs) => seqs.length === 2);
    const readsAtGap = log.reads;
    // Re-read while the gap is open (without a NOTIFY), and say so once it has lasted gapWarnAfterMs.
    await eventually(
      () => log.reads,
      (n) => n > readsAtGap + 2,
    );
    expect(warnings).toEqual([]);
    clock = 5000;
    await eventually(
      () => warnings,
      (w) => w.some((m) => /3 is still missing/.test(m)),
    );
    expect(follower.seq).toBe(2);
    log.add(3);
    await eventually(flat, (seqs) => seqs.length === 5);
    expect(flat()).toEqual([1, 2, 3, 4, 5]);
    expect(warnings.filter((m) => /still missing/.test(m))).toHaveLength(1);
  });

  it('redelivers a batch whose onChanges failed, never skipping or repeating an applied one', async () => {
    const log = new FakeLog();
    log.add(1, 2, 3);
    const applied: number[] = [];
    let failuresLeft = 2;
    const { follower, errors } = follow(log, {
      batch: 2,
      onChanges: async (changes) => {
        if (changes[0].seq === 3 && failuresLeft-- > 0) throw new Error('apply failed');
        applied.push(...changes.map((c) => c.seq));
      },
    });
    await follower.start();
    await eventually(
      () => applied,
      (seqs) => seqs.length === 3,
    );
    expect(applied).toEqual([1, 2, 3]);
    expect(errors.filter((m) => /apply failed/.test(m))).toHaveLength(2);
    expect(follower.seq).toBe(3);
  });

  it('retries failed reads with backoff and never throws out of its loop', async () => {
    const log = new FakeLog();
    log.failReads = 2;
    log.add(1);
    const { follower, flat, errors } = follow(log);
    await follower.start();
    await eventually(flat, (seqs) => seqs.length === 1);
    expect(errors.filter((m) => /connection refused/.test(m))).toHaveLength(2);
  });

  it('stop waits for the delivery in progress, delivers nothing after, and stops listening', async () => {
    const log = new FakeLog();
    log.add(1);
    let release!: () => void;
    const started: number[] = [];
    const follower = new ChangeFollower(log, {
      fromSeq: 0,
      pollIntervalMs: 10,
      onChanges: async (changes) => {
        started.push(...changes.map((c) => c.seq));
        await new Promise<void>((resolve) => (release = resolve));
      },
    });
    await follower.start();
    await eventually(
      () => started,
      (s) => s.length === 1,
    );
    let stopped = false;
    const stopping = follower.stop().then(() => (stopped = true));
    log.add(2);
    await new Promise((resolve) => setImmediate(resolve));
    expect(stopped).toBe(false);
    release();
    await stopping;
    expect(follower.seq).toBe(1);
    expect(started).toEqual([1]);
    expect(log.unlistened).toBe(true);
  });

  it('refuses a negative fromSeq', () => {
    expect(() => new ChangeFollower(new FakeLog(), { fromSeq: -1, onChanges: async () => undefined })).toThrow(RangeError);
  });
});

describe('ChangeFollower on PostgreSQL', () => {
  let pg: TestPostgres;
  const stores: PostgresClusterStore[] = [];
  const followers: ChangeFollower[] = [];

  beforeAll(async () => {
    pg = await startTestPostgres();
  });
  afterAll(async () => {
    await pg?.stop();
  });
  afterEach(async () => {
    await Promise.all(followers.splice(0).map((f) => f.stop()));
    await Promise.all(stores.splice(0).map((s) => s.close()));
  });

  function broker(brokerId: number): NewBrokerRegistration {
    return {
      brokerId,
      incarnationId: `i${brokerId}`,
      interBrokerAddress: `127.0.0.1:${9000 + brokerId}`,
      advertisedUrl: 'http://x',
      rack: null,
    };
  }

  it("is woken by NOTIFY (its poll is an hour away) and receives concurrent writers' changes densely, in order, once", async () => {
    const url = await pg.database();
    const [a, b] = [await PostgresClusterStore.open(url), await PostgresClusterStore.open(url)];
    stores.push(a, b);
    const received: MetadataChangeRecord[] = [];
    let readsDone = 0;
    const spied: Pick<ClusterStore, 'changesAfter' | 'listen'> = {
      changesAfter: async (after, limit) => {
        const changes = await a.changesAfter(after, limit);
        readsDone++;
        return changes;
      },
      listen: (wake) => a.listen(wake),
    };
    const follower = new ChangeFollower(spied, {
      fromSeq: await a.lastSeq(),
      pollIntervalMs: HOUR_MS,
      batch: 7,
      onChanges: async (changes) => {
        received.push(...changes);
      },
    });
    followers.push(follower);
    await follower.start();
    // After its first (empty) read the follower sleeps for an hour: everything later arrives through NOTIFY.
    await eventually(
      () => readsDone,
      (n) => n >= 1,
    );
    const ids = Array.from({ length: 24 }, (_, i) => i + 1);
    await Promise.all(ids.map((id) => (id % 2 === 0 ? a : b).registerBroker(broker(id), 60_000)));
    await eventually(
      () => received.length,
      (n) => n >= ids.length,
    );
    expect(received.map((c) => c.seq)).toEqual(ids);
    expect(received.map((c) => c.subject).sort()).toEqual(ids.map(String).sort());
    expect(follower.seq).toBe(await b.lastSeq());
  });
});
