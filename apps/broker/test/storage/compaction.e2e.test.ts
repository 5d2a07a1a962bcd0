import * as fs from 'node:fs';
import * as path from 'node:path';
import { BrokerProcess, makeDataDir, startBroker } from '../support/broker-process';
import { createTopicOn } from '../support/topic-helpers';

/**
 * Log compaction as a user sees it, on real broker processes: a compacted topic read from offset
 * 0 holds the latest record per key in its closed segments and everything in its active one, at
 * the offsets they were produced at; tombstones go after delete.retention.ms; the result survives
 * a clean restart and a SIGKILL; `delete,compact` also applies retention. The broker's cleaner
 * runs every 200 ms here; every wait polls for a condition with a generous deadline.
 *
 * No outcome may depend on timing luck: whatever order the cleaner and retention run in, every
 * condition waited for is reached; a wait's deadline (DEADLINE_MS) is well inside its test's
 * jest timeout, so a wait that fails says what it was waiting for instead of timing out mute.
 */

interface Rec {
  offset: number;
  key: string;
  value: string | null;
}

const CLEANER_ENV = { RUNNEL_LOG_CLEANER_BACKOFF_MS: '200', RUNNEL_RETENTION_CHECK_INTERVAL_MS: '200' };
const DEADLINE_MS = 45_000;
/** Room for every wait of a test to run most of its deadline: a failed wait reports before jest's timeout. */
const TEST_TIMEOUT_MS = 4 * DEADLINE_MS;

describe('log compaction (real broker process)', () => {
  const brokers: BrokerProcess[] = [];
  afterEach(async () => {
    for (const broker of brokers.splice(0)) await broker.stop('SIGKILL');
  });
  const start = async (dataDir?: string): Promise<BrokerProcess> => {
    const broker = await startBroker({ dataDir, env: CLEANER_ENV });
    brokers.push(broker);
    return broker;
  };
  const stop = async (broker: BrokerProcess, signal: NodeJS.Signals): Promise<void> => {
    await broker.stop(signal);
    brokers.splice(brokers.indexOf(broker), 1);
  };

  const post = async (url: string, body: unknown): Promise<Response> =>
    fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

  const createTopic = (broker: BrokerProcess, name: string, configs: Record<string, string>): Promise<void> =>
    createTopicOn(broker, name, 1, configs);

  /** Produces one request (one batch) of keyed records to partition 0; returns them with their offsets. */
  const produce = async (broker: BrokerProcess, topic: string, records: Array<{ key: string; value: string | null }>): Promise<Rec[]> => {
    const entries = records.map((r, id) => ({
      id,
      partition_id: 0,
      key: { type: 'STRING', data: r.key },
      ...(r.value === null ? {} : { value: { type: 'STRING', data: r.value } }),
    }));
    const response = await post(`${broker.baseUrl}/v3/clusters/-/topics/${topic}/records:batch`, { entries });
    expect(response.status).toBe(207);
    const body = (await response.json()) as { successes: Array<{ id: number; offset: number }>; failures: unknown[] };
    expect(body.failures).toEqual([]);
    return body.successes.map((s) => ({ offset: s.offset, ...records[s.id] }));
  };

  /** The partition from `from` to the high watermark, as a consumer reads it. */
  const readAll = async (broker: BrokerProcess, topic: string, from = 0): Promise<Rec[]> => {
    const out: Rec[] = [];
    for (let offset = from; ;) {
      const response = await fetch(
        `${broker.baseUrl}/v3/clusters/-/topics/${topic}/partitions/0/records?offset=${offset}&max_records=5000&format=string`,
      );
      expect(response.status).toBe(200);
      const body = (await response.json()) as {
        data: Array<{ offset: number; key: { data: string }; value: { data: string } | null }>;
        next_offset: number;
        high_watermark: number;
      };
      for (const r of body.data) out.push({ offset: r.offset, key: r.key.data, value: r.value?.data ?? null });
      if (body.next_offset >= body.high_watermark) return out;
      offset = body.next_offset;
    }
  };

  const metric = async (broker: BrokerProcess, name: string): Promise<number> => {
    const text = await (await fetch(`${broker.baseUrl}/metrics`)).text();
    const match = new RegExp(`^${name} (\\S+)$`, 'm').exec(text);
    if (!match) throw new Error(`metric ${name} missing`);
    return Number(match[1]);
  };

  /** Base offset of the active segment, from the partition directory (the largest `.log`). */
  const activeBaseOf = (dataDir: string, topic: string): number =>
    Math.max(
      ...fs
        .readdirSync(path.join(dataDir, `${topic}-0`))
        .filter((n) => /^\d{20}\.log$/.test(n))
        .map((n) => Number(n.slice(0, 20))),
    );

  /** What compaction of everything below `activeBase` leaves; `dropTombstones` once they expired. */
  const compacted = (model: Rec[], activeBase: number, dropTombstones: boolean): Rec[] => {
    const latest = new Map<string, number>();
    for (const r of model) if (r.offset < activeBase) latest.set(r.key, r.offset);
    return model.filter((r) => r.offset >= activeBase || (latest.get(r.key) === r.offset && !(dropTombstones && r.value === null)));
  };

  const poll = async <T>(what: string, probe: () => Promise<T | undefined>): Promise<T> => {
    const deadline = Date.now() + DEADLINE_MS;
    let last: unknown;
    for (;;) {
      try {
        const value = await probe();
        if (value !== undefined) return value;
      } catch (error) {
        last = error;
      }
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  };

  /** Waits until the partition reads exactly as compacted (the cleaner has caught up), then returns it. */
  const waitCompacted = async (broker: BrokerProcess, topic: string, model: Rec[], dropTombstones: boolean): Promise<Rec[]> =>
    poll(`${topic} to be compacted`, async () => {
      const expected = compacted(model, activeBaseOf(broker.dataDir, topic), dropTombstones);
      const records = await readAll(broker, topic);
      return JSON.stringify(records) === JSON.stringify(expected) ? records : undefined;
    });

  it(
    'keeps the latest record per key at its offset, expires tombstones, and survives restarts and SIGKILL',
    async () => {
      const dataDir = makeDataDir();
      let broker = await start(dataDir);
      await createTopic(broker, 'profiles', { 'cleanup.policy': 'compact', 'segment.bytes': '1024', 'min.cleanable.dirty.ratio': '0.01' });
      const model: Rec[] = [];
      for (let version = 0; version < 12; version++) {
        model.push(
          ...(await produce(
            broker,
            'profiles',
            Array.from({ length: 10 }, (_, k) => ({ key: `user-${k}`, value: `user-${k}-v${version}` })),
          )),
        );
      }
      model.push(
        ...(await produce(
          broker,
          'profiles',
          [0, 1, 2].map((k) => ({ key: `user-${k}`, value: null })),
        )),
      );
      const tombstonedAt = Date.now();
      for (let i = 0; i < 4; i++) model.push(...(await produce(broker, 'profiles', [{ key: `filler-${i}`, value: 'f'.repeat(200) }])));

      const records = await waitCompacted(broker, 'profiles', model, false);
      expect(await metric(broker, 'runnel_log_cleaner_runs_total')).toBeGreaterThanOrEqual(1);
      expect(await metric(broker, 'runnel_log_cleaner_records_removed_total')).toBeGreaterThan(0);
      expect(await metric(broker, 'runnel_log_cleaner_bytes_read_total')).toBeGreaterThan(0);
      expect(await metric(broker, 'runnel_log_cleaner_segments_rewritten_total')).toBeGreaterThan(0);
      // Versions really went (not just a quiet log), tombstones are still there, offsets kept their gaps.
      expect(records.length).toBeLessThan(model.length / 2);
      expect(records.filter((r) => r.value === null).map((r) => r.key)).toEqual(['user-0', 'user-1', 'user-2']);
      const removed = model.find((r) => !records.some((k) => k.offset === r.offset))!;
      const fromGap = await readAll(broker, 'profiles', removed.offset);
      expect(fromGap[0]).toEqual(records.find((r) => r.offset > removed.offset));

      // A shorter delete.retention.ms (configs:alter) and new data: a later pass drops the tombstones.
      const alter = await post(`${broker.baseUrl}/v3/clusters/-/topics/profiles/configs:alter`, {
        data: [{ name: 'delete.retention.ms', value: '1000' }],
      });
      expect(alter.status).toBeLessThan(300);
      await poll('the tombstones to age', async () => (Date.now() > tombstonedAt + 1500 ? true : undefined));
      for (let i = 0; i < 6; i++)
        model.push(...(await produce(broker, 'profiles', [{ key: `user-${5 + (i % 3)}`, value: `late-${i}`.padEnd(200, '.') }])));
      const expired = await waitCompacted(broker, 'profiles', model, true);
      expect(expired.some((r) => r.value === null)).toBe(false);
      expect(expired.some((r) => ['user-0', 'user-1', 'user-2'].includes(r.key))).toBe(false);

      // A clean restart, then a crash, on the same data directory: the same records.
      await stop(broker, 'SIGTERM');
      broker = await start(dataDir);
      expect(await readAll(broker, 'profiles')).toEqual(expired);
      await stop(broker, 'SIGKILL');
      broker = await start(dataDir);
      expect(await readAll(broker, 'profiles')).toEqual(expired);
      // And compaction goes on after the restart.
      for (let i = 0; i < 6; i++)
        model.push(...(await produce(broker, 'profiles', [{ key: 'user-9', value: `after-${i}`.padEnd(200, '.') }])));
      const after = await waitCompacted(broker, 'profiles', model, true);
      expect(after.filter((r) => r.key === 'user-9' && r.offset < activeBaseOf(dataDir, 'profiles'))).toHaveLength(1);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'applies retention and compaction to a delete,compact topic',
    async () => {
      const broker = await start();
      // Phase 1, compaction alone (no size limit yet): 4 keys, each written 10 times. Which of the
      // cleaner and retention runs first cannot matter, because retention has nothing to do yet.
      await createTopic(broker, 'both', {
        'cleanup.policy': 'compact,delete',
        'segment.bytes': '1024',
        'min.cleanable.dirty.ratio': '0.01',
      });
      const described = (await (await fetch(`${broker.baseUrl}/v3/clusters/-/topics/both/configs`)).json()) as {
        data: Array<{ name: string; value: string }>;
      };
      expect(described.data.find((c) => c.name === 'cleanup.policy')?.value).toBe('compact,delete');
      for (let i = 0; i < 40; i++) await produce(broker, 'both', [{ key: `k-${i % 4}`, value: `v-${i}`.padEnd(300, '.') }]);
      await poll('the closed segments to be compacted', async () => {
        const active = activeBaseOf(broker.dataDir, 'both');
        const closed = (await readAll(broker, 'both')).filter((r) => r.offset < active);
        return closed.length > 0 && new Set(closed.map((r) => r.key)).size === closed.length ? true : undefined;
      });
      await poll('the cleaner run to be counted', async () =>
        (await metric(broker, 'runnel_log_cleaner_runs_total')) >= 1 ? true : undefined,
      );

      // Phase 2, retention on the same topic: a size limit below what the compacted log holds, then
      // new records (new keys, so compaction cannot shrink them) roll segments: the log start moves.
      const alter = await post(`${broker.baseUrl}/v3/clusters/-/topics/both/configs:alter`, {
        data: [{ name: 'retention.bytes', value: '1500' }],
      });
      expect(alter.status).toBe(204);
      for (let i = 0; i < 20; i++) await produce(broker, 'both', [{ key: `n-${i}`, value: `w-${i}`.padEnd(300, '.') }]);
      const state = await poll('retention to move the log start', async () => {
        const partition = (await (await fetch(`${broker.baseUrl}/v3/clusters/-/topics/both/partitions/0`)).json()) as {
          earliest_offset: number;
          high_watermark: number;
        };
        return partition.earliest_offset > 0 ? partition : undefined;
      });
      expect(state.high_watermark).toBe(60);
    },
    TEST_TIMEOUT_MS,
  );
});
