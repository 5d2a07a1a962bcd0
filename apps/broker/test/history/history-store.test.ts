import { deflateRawSync } from 'node:zlib';
import { Aggregate, HistoryStore, HistoryStoreOptions } from '../../src/history/history-store';

const MEAN2: Aggregate[] = ['mean', 'mean'];
const options = (over: Partial<HistoryStoreOptions> = {}): HistoryStoreOptions => ({
  intervalMs: 10,
  retentionMs: 1000,
  fineSpanMs: 100,
  coarseMs: 50,
  maxBytes: 1 << 20,
  ...over,
});

/** Samples `series` (key -> values at time t) every intervalMs from `from` to `to` (exclusive). */
function fill(store: HistoryStore, from: number, to: number, series: Record<string, (t: number) => number[]>, aggregates = MEAN2): void {
  for (let t = from; t < to; t += store.intervalMs) {
    const slot = store.beginSample(t);
    for (const [key, value] of Object.entries(series)) store.put(key, slot, value(t), aggregates);
  }
}

describe('HistoryStore', () => {
  it('answers every sample of the fine tier with its timestamp and values', () => {
    const store = new HistoryStore(options());
    fill(store, 1000, 1050, { a: (t) => [t, t / 10] });
    const { resolutionMs, points } = store.query('a', 0, 1050);
    expect(resolutionMs).toBe(10);
    expect(points).toEqual([1000, 1010, 1020, 1030, 1040].map((t) => ({ timestamp: t, values: [t, t / 10] })));
    expect(store.latest('a')).toEqual([1040, 104]);
  });

  it('keeps the fine tier to its span and downsamples older samples into coarse buckets (mean, or max)', () => {
    const store = new HistoryStore(options());
    // 400 ms of samples: the fine tier keeps the last ~100 ms, coarse buckets of 50 ms hold the rest.
    fill(store, 0, 400, { rate: (t) => [t, t % 20 === 0 ? 100 : 0] }, ['mean', 'max']);
    const { resolutionMs, points } = store.query('rate', 0, 400);
    expect(resolutionMs).toBe(50);
    const coarse = points.filter((p) => p.timestamp < 290);
    // Bucket [0, 50): samples 0..40 → mean 20; the max of the second field is 100.
    expect(coarse[0]).toEqual({ timestamp: 0, values: [20, 100] });
    expect(coarse.every((p) => p.timestamp % 50 === 0)).toBe(true);
    const fine = points.filter((p) => p.timestamp % 50 !== 0 || p.timestamp >= 300);
    expect(fine.at(-1)).toEqual({ timestamp: 390, values: [390, 0] });
    // Fine points are at most fineCapacity (11) and strictly increasing; no point is answered twice.
    const times = points.map((p) => p.timestamp);
    expect(times).toEqual([...times].sort((x, y) => x - y));
    expect(new Set(times).size).toBe(times.length);
    expect(points.length).toBeLessThanOrEqual(store.fineCapacity + store.coarseCapacity);
  });

  it('forgets what is older than the retention, and answers from `since` on', () => {
    const store = new HistoryStore(options({ retentionMs: 200 }));
    fill(store, 0, 1000, { a: (t) => [t, 0] });
    const all = store.query('a', 0, 1000).points;
    expect(all[0].timestamp).toBeGreaterThanOrEqual(800);
    const recent = store.query('a', 950, 1000).points;
    expect(recent.map((p) => p.timestamp)).toEqual([950, 960, 970, 980, 990]);
  });

  it('leaves out samples a series had no value in, and answers null for a missing field', () => {
    const store = new HistoryStore(options());
    let slot = store.beginSample(0);
    store.put('a', slot, [1, NaN], MEAN2);
    slot = store.beginSample(10);
    store.put('b', slot, [5, 5], MEAN2);
    slot = store.beginSample(20);
    store.put('a', slot, [3, 4], MEAN2);
    expect(store.query('a', 0, 30).points).toEqual([
      { timestamp: 0, values: [1, null] },
      { timestamp: 20, values: [3, 4] },
    ]);
    expect(store.query('missing', 0, 30).points).toEqual([]);
  });

  it('refuses new series past its memory bound, and frees a removed series', () => {
    const probe = new HistoryStore(options());
    const store = new HistoryStore(options({ maxBytes: probe.seriesBytes(2) * 2 }));
    const slot = store.beginSample(0);
    expect(store.put('a', slot, [1, 1], MEAN2)).toBe(true);
    expect(store.put('b', slot, [1, 1], MEAN2)).toBe(true);
    expect(store.put('c', slot, [1, 1], MEAN2)).toBe(false);
    expect(store.refusedSeries).toBe(1);
    store.remove('a');
    expect(store.put('c', slot, [1, 1], MEAN2)).toBe(true);
    expect([...store.keys()].sort()).toEqual(['b', 'c']);
    expect(store.reserved).toBeLessThanOrEqual(store.maxBytes);
  });

  it('grows a ring with the history it holds instead of allocating its capacity up front', () => {
    const store = new HistoryStore(options({ intervalMs: 1, fineSpanMs: 10_000, retentionMs: 10_000, coarseMs: 10_000 }));
    fill(store, 0, 20, { a: (t) => [t, t] });
    const small = store.encode().length;
    fill(store, 20, 5000, { a: (t) => [t, t] });
    expect(store.query('a', 0, 5000).points).toHaveLength(5000);
    expect(store.query('a', 0, 5000).points[1234]).toEqual({ timestamp: 1234, values: [1234, 1234] });
    expect(store.encode().length).toBeGreaterThan(small);
  });

  it('matches a simple reference model under random sampling with gaps', () => {
    const store = new HistoryStore(options({ intervalMs: 1, fineSpanMs: 50, retentionMs: 50, coarseMs: 1000 }));
    const model = new Map<string, { t: number; v: number }[]>();
    let seed = 7;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    let t = 0;
    for (let i = 0; i < 500; i++) {
      t += 1 + Math.floor(random() * 3);
      const slot = store.beginSample(t);
      for (const key of ['x', 'y', 'z']) {
        if (random() < 0.3) continue;
        const v = Math.floor(random() * 1000);
        store.put(key, slot, [v, -v], MEAN2);
        model.set(key, [...(model.get(key) ?? []), { t, v }]);
      }
    }
    for (const key of ['x', 'y', 'z']) {
      // The fine tier holds the last 51 samples (slots), whatever their timestamps.
      const since = t - 40;
      const expected = (model.get(key) ?? []).filter((p) => p.t >= since).map((p) => ({ timestamp: p.t, values: [p.v, -p.v] }));
      expect(store.query(key, since, t).points).toEqual(expected);
    }
  });

  it('survives encode and decode, also into a store with other capacities', () => {
    const store = new HistoryStore(options());
    fill(store, 0, 400, { a: (t) => [t, 1], b: (t) => [2 * t, 2] }, ['mean', 'max']);
    const bytes = store.encode();
    const newestBefore = store.query('a', 0, 400).points.at(-1);
    const back = HistoryStore.decode(bytes, options());
    expect(back.query('a', 0, 400)).toEqual(store.query('a', 0, 400));
    expect(back.query('b', 0, 400)).toEqual(store.query('b', 0, 400));
    // Sampling goes on where it stopped: later buckets close as before.
    fill(back, 400, 500, { a: (t) => [t, 1] }, ['mean', 'max']);
    fill(store, 400, 500, { a: (t) => [t, 1] }, ['mean', 'max']);
    expect(back.query('a', 0, 500)).toEqual(store.query('a', 0, 500));
    // A smaller store keeps the newest of what fits.
    const smaller = HistoryStore.decode(bytes, options({ fineSpanMs: 30 }));
    expect(smaller.query('a', 0, 400).points.at(-1)).toEqual(newestBefore);
    expect(smaller.fineCapacity).toBe(4);
  });

  it('refuses bytes that are not a history file with an error, never a crash or a partial store', () => {
    const store = new HistoryStore(options());
    fill(store, 0, 100, { a: (t) => [t, t] });
    const good = store.encode();
    expect(() => HistoryStore.decode(Buffer.from('garbage'), options())).toThrow();
    expect(() => HistoryStore.decode(good.subarray(0, good.length >> 1), options())).toThrow();
    expect(() =>
      HistoryStore.decode(deflateRawSync(Buffer.from('RNHS\u0001\u0000\u0000\u0000\u0002\u0000\u0000\u0000{}')), options()),
    ).toThrow(/malformed/);
    expect(() => HistoryStore.decode(deflateRawSync(Buffer.from('XXXX')), options())).toThrow(/not a history file/);
    // A header whose next sample would land before what it holds is refused too.
    const raw = store.encodeRaw();
    const jsonLength = raw.readUInt32LE(8);
    const header = JSON.parse(raw.toString('utf8', 12, 12 + jsonLength));
    const json = Buffer.from(JSON.stringify({ ...header, nextSlot: 0 }));
    const head = Buffer.from(raw.subarray(0, 12));
    head.writeUInt32LE(json.length, 8);
    const rewound = deflateRawSync(Buffer.concat([head, json, raw.subarray(12 + jsonLength)]));
    expect(() => HistoryStore.decode(rewound, options())).toThrow(/malformed/);
  });
});
