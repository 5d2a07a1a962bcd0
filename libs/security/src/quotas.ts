/**
 * Client quotas with Kafka's ClientQuotaManager semantics (KIP-13, KIP-55, KIP-124), pure and
 * with an injected clock so tests can drive time.
 *
 * Entities: a quota belongs to (user, client id) where each part is a name, DEFAULT_ENTITY
 * (Kafka's `<default>`) or '' (not part of the entity). A caller's quota of one kind comes from the
 * first entity of this list that has one (QUOTA_PRECEDENCE, most specific first, as Kafka):
 *   /users/u/clients/c, /users/u/clients/<default>, /users/u, /users/<default>/clients/c,
 *   /users/<default>/clients/<default>, /users/<default>, /clients/c, /clients/<default>.
 * Each kind resolves on its own: alice's produce quota may come from /users/alice while her
 * consume quota comes from /clients/<default>.
 *
 * Sensors: as Kafka's metric tags, callers that resolve to the same entity share one rate when
 * the entity names no part of them: a /users/u quota is shared by all of u's client ids, a
 * /clients/<default> quota is measured per client id (the default applies to each one). Callers
 * with no quota of a kind are measured per (user, client id), so `effective` can show their rate.
 *
 * Rates (Kafka's `Rate` over a `SampledStat`): `windowCount` samples of `windowMs`; a sample
 * starts at the first record after the previous one completed, and samples older than
 * windowCount × windowMs are reset. rate = sum of the samples / window size, where the window
 * size is the time since the oldest sample started, but at least (windowCount − 1) full windows
 * (so a new client's first bytes do not look like a huge rate).
 *
 * Throttle time (Kafka's QuotaUtils.throttleTime): when the rate is over the quota,
 * (rate − quota) / quota × window size — the time until the rate over the window falls back to
 * the quota — bounded by the whole window span (windowCount × windowMs), Kafka's
 * maxThrottleTimeMs. A quota of 0 throttles every use by the bound.
 *
 * request_percentage (Kafka's request quota, ClientRequestQuotaManager): Kafka measures the time
 * request handler and network threads spend on a client's requests, as a percentage of one
 * thread over the window (200 = two threads' worth). Runnel has one event loop, so a request's
 * cost is its handler time (arrival to answer ready, in ms, as the caller records it); recorded
 * as ms / 10 "percent-seconds", its rate over the window is the percentage of one event loop the
 * client kept busy. I/O waits inside a request (an fsync, a long poll's wait) count too: the
 * broker cannot tell them from work without instrumenting every await.
 *
 * Memory: sensors and resolutions live in LRU maps bounded by `maxSensors`; a sensor idle for
 * the whole window span (all its samples obsolete, so its rate is 0) is dropped, which changes
 * nothing a client can observe.
 */

export const QUOTA_KINDS = ['producer_byte_rate', 'consumer_byte_rate', 'request_percentage'] as const;
export type QuotaKind = (typeof QUOTA_KINDS)[number];

/** Kafka's default entity name (`/users/<default>`, `/clients/<default>`). */
export const DEFAULT_ENTITY = '<default>';

/** A quota entity: each part a name, DEFAULT_ENTITY, or '' when not part of the entity. */
export interface QuotaEntityName {
  user: string;
  clientId: string;
}

export type QuotaValues = Partial<Record<QuotaKind, number>>;

export interface QuotaManagerOptions {
  /** Samples in a window (Kafka's quota.window.num) and each sample's length (quota.window.size). */
  windowCount: number;
  windowMs: number;
  /** Sensors (and cached resolutions) kept at most; the least recently used goes first. */
  maxSensors?: number;
  /** Milliseconds since some epoch; Date.now by default. */
  clock?: () => number;
}

export interface KindUsage {
  /** The entity whose quota applies, or undefined when none does. */
  entity: QuotaEntityName | undefined;
  limit: number | undefined;
  /** The measured rate (bytes/s, or percent for request_percentage). */
  rate: number;
  /** How long the caller would be delayed now (0 when within its quota). */
  throttleTimeMs: number;
}

const DEFAULT_MAX_SENSORS = 100_000;

/** The entities a (user, client id) may take a quota from, most specific first. */
export function quotaPrecedence(user: string, clientId: string): QuotaEntityName[] {
  const D = DEFAULT_ENTITY;
  const withClient = clientId !== '';
  const list: QuotaEntityName[] = [];
  if (withClient) list.push({ user, clientId });
  list.push({ user, clientId: D }, { user, clientId: '' });
  if (withClient) list.push({ user: D, clientId });
  list.push({ user: D, clientId: D }, { user: D, clientId: '' });
  if (withClient) list.push({ user: '', clientId });
  list.push({ user: '', clientId: D });
  return list;
}

export function entityKey(entity: QuotaEntityName): string {
  return `${entity.user}\u0000${entity.clientId}`;
}

/** Kafka's Rate over a SampledStat (see the file comment). */
export class SampledRate {
  private readonly starts: number[] = [];
  private readonly values: number[] = [];
  private current = 0;

  constructor(
    private readonly windowCount: number,
    private readonly windowMs: number,
  ) {}

  record(value: number, nowMs: number): void {
    this.purgeObsolete(nowMs);
    if (this.starts.length === 0) {
      this.starts.push(nowMs);
      this.values.push(0);
      this.current = 0;
    } else if (nowMs - this.starts[this.current] >= this.windowMs) {
      this.current = (this.current + 1) % this.windowCount;
      if (this.current >= this.starts.length) {
        this.starts.push(nowMs);
        this.values.push(0);
      } else {
        this.starts[this.current] = nowMs;
        this.values[this.current] = 0;
      }
    }
    this.values[this.current] += value;
  }

  /** Sum of the live samples. */
  total(nowMs: number): number {
    this.purgeObsolete(nowMs);
    let sum = 0;
    for (const value of this.values) sum += value;
    return sum;
  }

  /** The window the total is spread over: since the oldest sample began, at least windowCount − 1 windows. */
  windowSizeMs(nowMs: number): number {
    this.purgeObsolete(nowMs);
    let oldest = nowMs;
    for (const start of this.starts) oldest = Math.min(oldest, start);
    let elapsed = nowMs - oldest;
    const fullWindows = Math.floor(elapsed / this.windowMs);
    const minFullWindows = this.windowCount - 1;
    if (fullWindows < minFullWindows) elapsed += (minFullWindows - fullWindows) * this.windowMs;
    return Math.max(elapsed, 1);
  }

  /** Per second. */
  rate(nowMs: number): number {
    return (this.total(nowMs) * 1000) / this.windowSizeMs(nowMs);
  }

  private purgeObsolete(nowMs: number): void {
    const expireAgeMs = this.windowCount * this.windowMs;
    for (let i = 0; i < this.starts.length; i++) {
      if (nowMs - this.starts[i] >= expireAgeMs) {
        this.starts[i] = nowMs;
        this.values[i] = 0;
      }
    }
  }
}

/** Kafka's throttle time for a rate over its quota, bounded by `maxMs`. */
export function throttleTimeMs(rate: number, quota: number, windowSizeMs: number, maxMs: number): number {
  if (rate <= quota) return 0;
  if (quota <= 0) return maxMs;
  return Math.min(maxMs, Math.floor(((rate - quota) / quota) * windowSizeMs));
}

interface Sensor {
  rate: SampledRate;
  lastRecordMs: number;
}

interface Resolution {
  generation: number;
  /** Per kind: the entity that applies (or undefined) and the sensor key. */
  entity: (QuotaEntityName | undefined)[];
  limit: (number | undefined)[];
  sensorKey: string[];
}

/** Quotas per entity, their resolution for callers, and the rates they are measured against. */
export class ClientQuotaManager {
  private readonly configs = new Map<string, { entity: QuotaEntityName; values: QuotaValues }>();
  private readonly sensors = new Map<string, Sensor>();
  private readonly resolutions = new Map<string, Resolution>();
  private generation = 0;
  private readonly clock: () => number;
  private readonly maxSensors: number;
  private readonly windowCount: number;
  private readonly windowMs: number;
  private lastSweepMs = -Infinity;

  constructor(options: QuotaManagerOptions) {
    if (!(options.windowCount >= 2 && options.windowMs > 0)) throw new Error('quota windows: windowCount >= 2 and windowMs > 0');
    this.windowCount = options.windowCount;
    this.windowMs = options.windowMs;
    this.clock = options.clock ?? Date.now;
    this.maxSensors = options.maxSensors ?? DEFAULT_MAX_SENSORS;
  }

  /** The longest throttle: the whole window span (Kafka's maxThrottleTimeMs). */
  get maxThrottleTimeMs(): number {
    return this.windowCount * this.windowMs;
  }

  /** Replaces every configured quota (load at start). */
  setAll(records: readonly { entity: QuotaEntityName; values: QuotaValues }[]): void {
    this.configs.clear();
    for (const record of records) this.set(record.entity, record.values);
    this.generation++;
  }

  /** Sets one entity's values (all of them: kinds absent from `values` are removed); applies at once. */
  set(entity: QuotaEntityName, values: QuotaValues): void {
    const kept: QuotaValues = {};
    for (const kind of QUOTA_KINDS) if (values[kind] !== undefined) kept[kind] = values[kind];
    if (Object.keys(kept).length === 0) this.configs.delete(entityKey(entity));
    else this.configs.set(entityKey(entity), { entity: { ...entity }, values: kept });
    this.generation++;
  }

  get(entity: QuotaEntityName): QuotaValues | undefined {
    return this.configs.get(entityKey(entity))?.values;
  }

  list(): { entity: QuotaEntityName; values: QuotaValues }[] {
    return [...this.configs.values()];
  }

  get configured(): boolean {
    return this.configs.size > 0;
  }

  /** Records `value` of `kind` for the caller and answers its throttle time (ms, 0 = within quota). */
  record(kind: QuotaKind, user: string, clientId: string, value: number): number {
    const now = this.clock();
    this.sweep(now);
    const resolution = this.resolve(user, clientId);
    const index = QUOTA_KINDS.indexOf(kind);
    const sensor = this.sensor(resolution.sensorKey[index], now, true)!;
    sensor.rate.record(value, now);
    sensor.lastRecordMs = now;
    const limit = resolution.limit[index];
    if (limit === undefined) return 0;
    return throttleTimeMs(sensor.rate.rate(now), limit, sensor.rate.windowSizeMs(now), this.maxThrottleTimeMs);
  }

  /**
   * The throttle time the caller would get now if it recorded `extra` more of `kind` (without
   * recording it): used to refuse, before the work, a request whose delay would be too long.
   */
  peek(kind: QuotaKind, user: string, clientId: string, extra = 0): number {
    const now = this.clock();
    const resolution = this.resolve(user, clientId);
    const index = QUOTA_KINDS.indexOf(kind);
    const limit = resolution.limit[index];
    if (limit === undefined) return 0;
    const sensor = this.sensor(resolution.sensorKey[index], now, false);
    if (sensor === undefined && extra === 0) return 0;
    const windowSizeMs = sensor?.rate.windowSizeMs(now) ?? (this.windowCount - 1) * this.windowMs;
    const total = (sensor?.rate.total(now) ?? 0) + extra;
    return throttleTimeMs((total * 1000) / windowSizeMs, limit, windowSizeMs, this.maxThrottleTimeMs);
  }

  /** Kafka's getMaxValueInQuotaWindow: the most of `kind` the quota allows over the minimum window (Infinity without quota). */
  maxValueInWindow(kind: QuotaKind, user: string, clientId: string): number {
    const limit = this.resolve(user, clientId).limit[QUOTA_KINDS.indexOf(kind)];
    return limit === undefined ? Infinity : (limit * (this.windowCount - 1) * this.windowMs) / 1000;
  }

  /** Which entity applies per kind, its limit, the measured rate and the throttle time now. */
  usage(user: string, clientId: string): Record<QuotaKind, KindUsage> {
    const now = this.clock();
    const resolution = this.resolve(user, clientId);
    const answer = {} as Record<QuotaKind, KindUsage>;
    QUOTA_KINDS.forEach((kind, index) => {
      const sensor = this.sensor(resolution.sensorKey[index], now, false);
      const rate = sensor?.rate.rate(now) ?? 0;
      const limit = resolution.limit[index];
      const throttle =
        limit === undefined || sensor === undefined
          ? 0
          : throttleTimeMs(rate, limit, sensor.rate.windowSizeMs(now), this.maxThrottleTimeMs);
      answer[kind] = { entity: resolution.entity[index], limit, rate, throttleTimeMs: throttle };
    });
    return answer;
  }

  /** Whether a quota of any kind applies to (user, client id). */
  hasQuota(user: string, clientId: string): boolean {
    return this.configs.size > 0 && this.resolve(user, clientId).limit.some((limit) => limit !== undefined);
  }

  /** Sensors held now (metrics, tests). */
  get sensorCount(): number {
    return this.sensors.size;
  }

  private resolve(user: string, clientId: string): Resolution {
    const key = `${user}\u0000${clientId}`;
    const cached = this.resolutions.get(key);
    if (cached !== undefined && cached.generation === this.generation) return cached;
    const resolution: Resolution = { generation: this.generation, entity: [], limit: [], sensorKey: [] };
    const candidates = quotaPrecedence(user, clientId);
    QUOTA_KINDS.forEach((kind, index) => {
      let found: QuotaEntityName | undefined;
      for (const entity of candidates) {
        const value = this.configs.get(entityKey(entity))?.values[kind];
        if (value !== undefined) {
          found = entity;
          resolution.limit[index] = value;
          break;
        }
      }
      resolution.entity[index] = found;
      // Kafka's metric tags: the caller's name for each part the entity has; exact when no quota applies.
      const userTag = found === undefined || found.user !== '' ? user : '';
      const clientTag = found === undefined || found.clientId !== '' ? clientId : '';
      resolution.sensorKey[index] = `${kind}\u0000${userTag}\u0000${clientTag}`;
    });
    this.resolutions.delete(key);
    this.resolutions.set(key, resolution);
    if (this.resolutions.size > this.maxSensors) this.resolutions.delete(this.resolutions.keys().next().value!);
    return resolution;
  }

  private sensor(key: string, now: number, create: boolean): Sensor | undefined {
    let sensor = this.sensors.get(key);
    if (sensor !== undefined) {
      if (create) {
        // Most recently used last: the map's order is the eviction order.
        this.sensors.delete(key);
        this.sensors.set(key, sensor);
      }
      return sensor;
    }
    if (!create) return undefined;
    sensor = { rate: new SampledRate(this.windowCount, this.windowMs), lastRecordMs: now };
    this.sensors.set(key, sensor);
    if (this.sensors.size > this.maxSensors) this.sensors.delete(this.sensors.keys().next().value!);
    return sensor;
  }

  /** Drops sensors idle for the whole window span (their rate is 0); least recently used first, at most once per window. */
  private sweep(now: number): void {
    if (now - this.lastSweepMs < this.windowMs) return;
    this.lastSweepMs = now;
    const idleMs = this.maxThrottleTimeMs;
    for (const [key, sensor] of this.sensors) {
      if (now - sensor.lastRecordMs < idleMs) break;
      this.sensors.delete(key);
    }
  }
}
