import { deflateRawSync, inflateRawSync } from 'node:zlib';
import { Ring, Timeline } from './series-ring';

/**
 * The broker's bounded time series (DESIGN.md "Console data the broker keeps"): named series of
 * a few number fields each (a topic's throughput and size, a group's lag), sampled together every
 * `intervalMs`. Pure TypeScript: no Nest, no clock, no files (the service owns those).
 *
 * Two tiers:
 *   fine    every sample, for the last `fineSpanMs` (1 h): slot = the sample's sequence number;
 *   coarse  one point per `coarseMs` (5 min) bucket, for `retentionMs` (24 h): slot = the bucket
 *           number (timestamp / coarseMs); a bucket's point is computed from the fine points in
 *           it when the first sample of a later bucket arrives (mean, or max for lag fields).
 *
 * Storage: per series and tier, one Float32Array ring of `fields` values per slot, grown by
 * doubling up to the tier's capacity, so memory follows the history actually held; a slot the
 * series has no value for holds NaN. Slot timestamps live once per tier (Float64).
 *
 * Memory bound: a series may reserve fields × (fineCapacity + coarseCapacity) × 4 bytes; series
 * are admitted while the sum of reservations stays within `maxBytes` (RUNNEL_HISTORY_MAX_BYTES),
 * the others are refused (counted in `refusedSeries`). Defaults: 10 s samples give 361 fine
 * slots, 24 h at 5 min 289 coarse slots: a topic (4 fields) reserves 10.4 KB, a group or group
 * partition (2 fields) 5.2 KB, so 10,000 topics + 10,000 groups + 10,000 group partitions fit
 * in 208 MB, under the 256 MiB default.
 *
 * Invariants: every ring holds slots [start, end) with end − start ≤ its tier's capacity; slots
 * are written in ascending order (a sample never goes back in time).
 *
 * File format (`encode` / `decode`): raw DEFLATE of
 *   "RNHS" | u32 version (1) | u32 header length | header JSON | Float32 values
 * where the header lists both tiers' slot ranges and timestamps and, per series, its key, field
 * count and ring ranges; the values follow in header order (series, fine then coarse, slot, field).
 */
export type Aggregate = 'mean' | 'max';

export interface HistoryStoreOptions {
  intervalMs: number;
  retentionMs: number;
  /** How long every sample is kept before only the coarse points remain (default 1 h, at most the retention). */
  fineSpanMs?: number;
  /** The coarse tier's resolution (default 5 min). */
  coarseMs?: number;
  maxBytes: number;
}

export interface SeriesPoint {
  timestamp: number;
  /** One value per field; null where the series had none. */
  values: (number | null)[];
}

export interface SeriesQuery {
  resolutionMs: number;
  points: SeriesPoint[];
}

const MAGIC = 'RNHS';
const VERSION = 1;
const BYTES_PER_VALUE = 4;

interface Series {
  fields: number;
  aggregates: readonly Aggregate[];
  fine: Ring;
  coarse: Ring;
}

interface EncodedHeader {
  intervalMs: number;
  coarseMs: number;
  nextSlot: number;
  openBucket: number;
  fine: { start: number; end: number; times: (number | null)[] };
  coarse: { start: number; end: number; times: (number | null)[] };
  series: { key: string; aggregates: Aggregate[]; fine: [number, number]; coarse: [number, number] }[];
}

export class HistoryStore {
  readonly intervalMs: number;
  readonly retentionMs: number;
  readonly fineSpanMs: number;
  readonly coarseMs: number;
  readonly maxBytes: number;
  readonly fineCapacity: number;
  readonly coarseCapacity: number;
  private readonly fineTimes: Timeline;
  private readonly coarseTimes: Timeline;
  private readonly series = new Map<string, Series>();
  private reservedBytes = 0;
  /** The fine slot the next sample takes. */
  private nextSlot = 0;
  /** The coarse bucket the latest sample fell in (-1: none yet). */
  private openBucket = -1;
  /** Series refused because the memory bound was reached (since start). */
  refusedSeries = 0;

  constructor(options: HistoryStoreOptions) {
    if (!(options.intervalMs > 0) || !(options.retentionMs > 0)) throw new Error('intervalMs and retentionMs must be positive');
    this.intervalMs = options.intervalMs;
    this.retentionMs = options.retentionMs;
    this.fineSpanMs = Math.min(options.fineSpanMs ?? 3_600_000, options.retentionMs);
    this.coarseMs = Math.max(options.coarseMs ?? 300_000, options.intervalMs);
    this.maxBytes = options.maxBytes;
    this.fineCapacity = Math.ceil(this.fineSpanMs / this.intervalMs) + 1;
    this.coarseCapacity = Math.ceil(this.retentionMs / this.coarseMs) + 1;
    this.fineTimes = new Timeline(this.fineCapacity);
    this.coarseTimes = new Timeline(this.coarseCapacity);
  }

  /** What one series of `fields` fields may hold at most, in bytes. */
  seriesBytes(fields: number): number {
    return fields * (this.fineCapacity + this.coarseCapacity) * BYTES_PER_VALUE;
  }

  get seriesCount(): number {
    return this.series.size;
  }

  /** Bytes reserved by the admitted series (an upper bound of what their values take). */
  get reserved(): number {
    return this.reservedBytes;
  }

  keys(): IterableIterator<string> {
    return this.series.keys();
  }

  has(key: string): boolean {
    return this.series.has(key);
  }

  remove(key: string): void {
    const s = this.series.get(key);
    if (!s) return;
    this.series.delete(key);
    this.reservedBytes -= this.seriesBytes(s.fields);
  }

  /**
   * Starts a sample taken at `timestamp`: closes the coarse buckets before it (their points are
   * computed from the fine tier) and returns the fine slot its values go to (`put`).
   */
  beginSample(timestamp: number): number {
    const bucket = Math.floor(timestamp / this.coarseMs);
    if (this.openBucket >= 0 && bucket > this.openBucket) this.closeBucket(this.openBucket);
    this.openBucket = bucket;
    const slot = this.nextSlot++;
    this.fineTimes.put(slot, timestamp);
    return slot;
  }

  /** Records the values of series `key` for the sample in `slot`; false when the memory bound refuses a new series. */
  put(key: string, slot: number, values: ArrayLike<number>, aggregates: readonly Aggregate[]): boolean {
    let s = this.series.get(key);
    if (!s) {
      const fields = aggregates.length;
      const cost = this.seriesBytes(fields);
      if (this.reservedBytes + cost > this.maxBytes) {
        this.refusedSeries++;
        return false;
      }
      this.reservedBytes += cost;
      s = { fields, aggregates, fine: new Ring(fields, this.fineCapacity), coarse: new Ring(fields, this.coarseCapacity) };
      this.series.set(key, s);
    }
    s.fine.put(slot, values);
    return true;
  }

  /**
   * The points of `key` at or after `sinceMs` (and within the retention before `nowMs`), oldest
   * first: coarse points for the time before the fine tier, then every fine point. Slots where
   * the series had no value are left out. `resolutionMs` is the coarsest resolution returned.
   */
  query(key: string, sinceMs: number, nowMs: number): SeriesQuery {
    const s = this.series.get(key);
    const points: SeriesPoint[] = [];
    let resolutionMs = this.intervalMs;
    if (!s) return { resolutionMs, points };
    const since = Math.max(sinceMs, nowMs - this.retentionMs);
    const fineFrom = Math.max(s.fine.start, this.fineTimes.start);
    const firstFine = firstTimestamp(this.fineTimes, fineFrom, s.fine.end);
    for (let b = Math.max(s.coarse.start, this.coarseTimes.start); b < s.coarse.end; b++) {
      const t = this.coarseTimes.at(b);
      if (!(t >= since) || (firstFine !== undefined && t + this.coarseMs > firstFine)) continue;
      const point = pointOf(s.coarse, b, t);
      if (point) {
        points.push(point);
        resolutionMs = this.coarseMs;
      }
    }
    for (let slot = fineFrom; slot < s.fine.end; slot++) {
      const t = this.fineTimes.at(slot);
      if (!(t >= since)) continue;
      const point = pointOf(s.fine, slot, t);
      if (point) points.push(point);
    }
    return { resolutionMs, points };
  }

  /** The latest values of `key` (of the newest sample that had them), or undefined. */
  latest(key: string): number[] | undefined {
    const s = this.series.get(key);
    if (!s || s.fine.end === s.fine.start) return undefined;
    const slot = s.fine.end - 1;
    return Array.from({ length: s.fields }, (_, f) => s.fine.get(slot, f));
  }

  /** The coarse point of `bucket` from the fine points whose timestamps fall in it. */
  private closeBucket(bucket: number): void {
    const from = bucket * this.coarseMs;
    const to = from + this.coarseMs;
    const slots: number[] = [];
    for (let slot = this.fineTimes.end - 1; slot >= this.fineTimes.start; slot--) {
      const t = this.fineTimes.at(slot);
      if (t < from) break;
      if (t < to) slots.push(slot);
    }
    if (slots.length === 0) return;
    this.coarseTimes.put(bucket, from);
    for (const s of this.series.values()) {
      const values = new Array<number>(s.fields);
      let any = false;
      for (let f = 0; f < s.fields; f++) {
        let sum = 0;
        let max = -Infinity;
        let count = 0;
        for (const slot of slots) {
          const v = s.fine.get(slot, f);
          if (Number.isNaN(v)) continue;
          sum += v;
          if (v > max) max = v;
          count++;
        }
        values[f] = count === 0 ? NaN : s.aggregates[f] === 'max' ? max : sum / count;
        if (count > 0) any = true;
      }
      if (any) s.coarse.put(bucket, values);
    }
  }

  /** The whole store as compressed bytes (see the file format above). */
  encode(): Buffer {
    return deflateRawSync(this.encodeRaw(), { level: 1 });
  }

  /** `encode` before compression (a caller may compress off the event loop). */
  encodeRaw(): Buffer {
    const header: EncodedHeader = {
      intervalMs: this.intervalMs,
      coarseMs: this.coarseMs,
      nextSlot: this.nextSlot,
      openBucket: this.openBucket,
      fine: timelineOf(this.fineTimes),
      coarse: timelineOf(this.coarseTimes),
      series: [],
    };
    let valueCount = 0;
    for (const [key, s] of this.series) {
      header.series.push({ key, aggregates: [...s.aggregates], fine: [s.fine.start, s.fine.end], coarse: [s.coarse.start, s.coarse.end] });
      valueCount += (s.fine.end - s.fine.start + s.coarse.end - s.coarse.start) * s.fields;
    }
    const values = new Float32Array(valueCount);
    let i = 0;
    for (const s of this.series.values()) {
      for (const ring of [s.fine, s.coarse]) {
        for (let slot = ring.start; slot < ring.end; slot++) for (let f = 0; f < s.fields; f++) values[i++] = ring.get(slot, f);
      }
    }
    const json = Buffer.from(JSON.stringify(header));
    const head = Buffer.alloc(12);
    head.write(MAGIC, 0, 'latin1');
    head.writeUInt32LE(VERSION, 4);
    head.writeUInt32LE(json.length, 8);
    return Buffer.concat([head, json, Buffer.from(values.buffer, values.byteOffset, values.byteLength)]);
  }

  /**
   * A store with `options` holding what `bytes` (from `encode`) held, within this store's own
   * capacities and memory bound. Throws on bytes that are not such a file.
   */
  static decode(bytes: Buffer, options: HistoryStoreOptions): HistoryStore {
    const raw = inflateRawSync(bytes, { maxOutputLength: Math.max(options.maxBytes * 2, 64 * 1024 * 1024) });
    if (raw.length < 12 || raw.toString('latin1', 0, 4) !== MAGIC) throw new Error('not a history file');
    if (raw.readUInt32LE(4) !== VERSION) throw new Error(`history file version ${raw.readUInt32LE(4)} is not ${VERSION}`);
    const jsonLength = raw.readUInt32LE(8);
    if (12 + jsonLength > raw.length) throw new Error('history file header runs past its end');
    const header = JSON.parse(raw.toString('utf8', 12, 12 + jsonLength)) as EncodedHeader;
    const body = raw.subarray(12 + jsonLength);
    if (body.length % 4 !== 0) throw new Error('history file values are not whole Float32s');
    const values = new Float32Array(body.length / 4);
    Buffer.from(values.buffer).set(body);
    const store = new HistoryStore(options);
    checkHeader(header);
    restoreTimeline(store.fineTimes, header.fine);
    restoreTimeline(store.coarseTimes, header.coarse);
    store.nextSlot = header.nextSlot;
    store.openBucket = header.openBucket;
    let i = 0;
    for (const entry of header.series) {
      const fields = entry.aggregates.length;
      const need = (entry.fine[1] - entry.fine[0] + entry.coarse[1] - entry.coarse[0]) * fields;
      if (i + need > values.length) throw new Error('history file values end early');
      const admitted = store.put(entry.key, entry.fine[0], new Array<number>(fields).fill(NaN), entry.aggregates);
      const s = store.series.get(entry.key);
      for (const [ring, [start, end]] of [
        [s?.fine, entry.fine],
        [s?.coarse, entry.coarse],
      ] as const) {
        for (let slot = start; slot < end; slot++, i += fields) if (admitted && ring) ring.put(slot, values.subarray(i, i + fields));
      }
    }
    return store;
  }
}

function firstTimestamp(times: Timeline, from: number, to: number): number | undefined {
  for (let slot = from; slot < to; slot++) {
    const t = times.at(slot);
    if (!Number.isNaN(t)) return t;
  }
  return undefined;
}

function pointOf(ring: Ring, slot: number, timestamp: number): SeriesPoint | undefined {
  const values: (number | null)[] = [];
  let any = false;
  for (let f = 0; f < ring.fields; f++) {
    const v = ring.get(slot, f);
    if (Number.isNaN(v)) values.push(null);
    else {
      values.push(v);
      any = true;
    }
  }
  return any ? { timestamp, values } : undefined;
}

function timelineOf(t: Timeline): { start: number; end: number; times: (number | null)[] } {
  const times: (number | null)[] = [];
  for (let s = t.start; s < t.end; s++) {
    const v = t.at(s);
    times.push(Number.isNaN(v) ? null : v);
  }
  return { start: t.start, end: t.end, times };
}

function restoreTimeline(t: Timeline, saved: { start: number; end: number; times: (number | null)[] }): void {
  for (let s = saved.start; s < saved.end; s++) {
    const v = saved.times[s - saved.start];
    if (v !== null && v !== undefined) t.put(s, v);
  }
}

const isSlot = (n: unknown): n is number => typeof n === 'number' && Number.isSafeInteger(n) && n >= -1;
const isRange = (r: unknown): r is [number, number] => Array.isArray(r) && r.length === 2 && isSlot(r[0]) && isSlot(r[1]) && r[0] <= r[1];

function checkHeader(h: EncodedHeader): void {
  const timeline = (t: EncodedHeader['fine']) =>
    t && isSlot(t.start) && isSlot(t.end) && t.start <= t.end && Array.isArray(t.times) && t.times.length === t.end - t.start;
  const ok =
    isSlot(h.nextSlot) &&
    isSlot(h.openBucket) &&
    timeline(h.fine) &&
    timeline(h.coarse) &&
    // New samples must land after everything held, or the restored series would stop recording.
    h.fine.end <= h.nextSlot &&
    Array.isArray(h.series) &&
    h.series.every(
      (s) =>
        typeof s.key === 'string' &&
        Array.isArray(s.aggregates) &&
        s.aggregates.length > 0 &&
        s.aggregates.length <= 16 &&
        s.aggregates.every((a) => a === 'mean' || a === 'max') &&
        isRange(s.fine) &&
        isRange(s.coarse) &&
        s.fine[1] <= h.nextSlot,
    );
  if (!ok) throw new Error('history file header is malformed');
}
