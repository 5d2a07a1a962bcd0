import { ClientQuotaManager, DEFAULT_ENTITY, QuotaEntityName, SampledRate, quotaPrecedence, throttleTimeMs } from '@runnel/security';

const D = DEFAULT_ENTITY;

function managerAt(options: { windowCount?: number; windowMs?: number; maxSensors?: number } = {}) {
  const clock = { now: 1_000_000 };
  const manager = new ClientQuotaManager({ windowCount: 11, windowMs: 1000, ...options, clock: () => clock.now });
  return { clock, manager };
}

describe('quota entity precedence (Kafka: most specific first)', () => {
  it('lists the eight entities in Kafka order for a user with a client id', () => {
    expect(quotaPrecedence('u', 'c')).toEqual([
      { user: 'u', clientId: 'c' },
      { user: 'u', clientId: D },
      { user: 'u', clientId: '' },
      { user: D, clientId: 'c' },
      { user: D, clientId: D },
      { user: D, clientId: '' },
      { user: '', clientId: 'c' },
      { user: '', clientId: D },
    ]);
  });

  it('skips the client-specific entities for a caller without a client id (the defaults still apply)', () => {
    expect(quotaPrecedence('u', '')).toEqual([
      { user: 'u', clientId: D },
      { user: 'u', clientId: '' },
      { user: D, clientId: D },
      { user: D, clientId: '' },
      { user: '', clientId: D },
    ]);
  });

  // Each row: the entities configured; the one that must apply to (alice, app).
  const all: QuotaEntityName[] = quotaPrecedence('alice', 'app');
  it.each(all.map((winner, index) => [index, winner] as const))('entity #%i applies over every less specific one', (index, winner) => {
    const { manager } = managerAt();
    all.slice(index).forEach((entity, i) => manager.set(entity, { producer_byte_rate: 1000 + i }));
    // Entities for other users / clients never apply.
    manager.set({ user: 'bob', clientId: '' }, { producer_byte_rate: 1 });
    manager.set({ user: '', clientId: 'other' }, { producer_byte_rate: 2 });
    const usage = manager.usage('alice', 'app').producer_byte_rate;
    expect(usage.entity).toEqual(winner);
    expect(usage.limit).toBe(1000);
  });

  it('resolves each kind on its own', () => {
    const { manager } = managerAt();
    manager.set({ user: 'alice', clientId: '' }, { producer_byte_rate: 100 });
    manager.set({ user: '', clientId: D }, { consumer_byte_rate: 200, request_percentage: 50 });
    const usage = manager.usage('alice', 'app');
    expect(usage.producer_byte_rate).toMatchObject({ entity: { user: 'alice', clientId: '' }, limit: 100 });
    expect(usage.consumer_byte_rate).toMatchObject({ entity: { user: '', clientId: D }, limit: 200 });
    expect(usage.request_percentage).toMatchObject({ entity: { user: '', clientId: D }, limit: 50 });
    expect(manager.usage('bob', '').producer_byte_rate).toMatchObject({ entity: undefined, limit: undefined, throttleTimeMs: 0 });
  });

  it('applies a change at once, including to cached resolutions', () => {
    const { manager } = managerAt();
    expect(manager.usage('alice', 'app').producer_byte_rate.limit).toBeUndefined();
    manager.set({ user: 'alice', clientId: '' }, { producer_byte_rate: 100 });
    expect(manager.usage('alice', 'app').producer_byte_rate.limit).toBe(100);
    manager.set({ user: 'alice', clientId: '' }, {});
    expect(manager.usage('alice', 'app').producer_byte_rate.limit).toBeUndefined();
  });
});

describe('SampledRate (Kafka Rate over a SampledStat)', () => {
  it("spreads a new client's bytes over at least windowCount - 1 windows", () => {
    const rate = new SampledRate(11, 1000);
    rate.record(10_000, 0);
    expect(rate.windowSizeMs(0)).toBe(10_000);
    expect(rate.rate(0)).toBe(1000);
    expect(rate.windowSizeMs(500)).toBe(10_500);
  });

  it('measures over the time since the oldest sample once that exceeds the minimum', () => {
    const rate = new SampledRate(11, 1000);
    for (let t = 0; t <= 10_000; t += 1000) rate.record(1000, t);
    // 11 samples of 1000 bytes, oldest began at 0: 11000 bytes over 10.5 s.
    expect(rate.windowSizeMs(10_500)).toBe(10_500);
    expect(rate.rate(10_500)).toBeCloseTo(11_000 / 10.5, 6);
  });

  it('forgets samples older than windowCount windows', () => {
    const rate = new SampledRate(11, 1000);
    rate.record(5000, 0);
    expect(rate.total(10_999)).toBe(5000);
    expect(rate.total(11_000)).toBe(0);
    expect(rate.rate(11_000)).toBe(0);
  });

  it('reuses the oldest sample slot when the ring is full', () => {
    const rate = new SampledRate(3, 100);
    rate.record(1, 0);
    rate.record(2, 100);
    rate.record(4, 200);
    rate.record(8, 300); // replaces the sample begun at 0
    expect(rate.total(300)).toBe(14);
  });
});

describe('throttle time (Kafka QuotaUtils)', () => {
  it('is (rate - quota) / quota x window, bounded, and 0 within the quota', () => {
    expect(throttleTimeMs(1000, 1000, 10_000, 11_000)).toBe(0);
    expect(throttleTimeMs(1500, 1000, 10_000, 11_000)).toBe(5000);
    expect(throttleTimeMs(5000, 1000, 10_000, 11_000)).toBe(11_000);
    expect(throttleTimeMs(1, 0, 10_000, 11_000)).toBe(11_000);
  });

  it('throttles a producer over its quota by the time its rate needs to fall back', () => {
    const { clock, manager } = managerAt();
    manager.set({ user: '', clientId: 'app' }, { producer_byte_rate: 1000 });
    // 10 000 bytes at once over the minimum 10 s window: exactly the quota.
    expect(manager.record('producer_byte_rate', 'ANONYMOUS', 'app', 10_000)).toBe(0);
    // 5000 more: 15 000 bytes over 10 s = 1500/s, 50 % over → half the window.
    expect(manager.record('producer_byte_rate', 'ANONYMOUS', 'app', 5000)).toBe(5000);
    expect(manager.peek('producer_byte_rate', 'ANONYMOUS', 'app')).toBe(5000);
    expect(manager.peek('producer_byte_rate', 'ANONYMOUS', 'app', 5000)).toBe(10_000);
    // Kafka's window stays at its 10 s minimum while the sensor is young: still 1500/s at +5 s.
    clock.now += 5000;
    expect(manager.peek('producer_byte_rate', 'ANONYMOUS', 'app')).toBe(5000);
    // Once the burst's sample is older than the 11 windows it is forgotten.
    clock.now += 6000;
    expect(manager.peek('producer_byte_rate', 'ANONYMOUS', 'app')).toBe(0);
  });

  it('does not throttle a caller no quota applies to, but still measures it', () => {
    const { manager } = managerAt();
    expect(manager.record('consumer_byte_rate', 'ANONYMOUS', 'x', 1e9)).toBe(0);
    expect(manager.usage('ANONYMOUS', 'x').consumer_byte_rate).toMatchObject({ limit: undefined, throttleTimeMs: 0, rate: 1e8 });
  });

  it('shares one rate among the clients of a /users/u quota and measures /clients/<default> per client id', () => {
    const { manager } = managerAt();
    manager.set({ user: 'alice', clientId: '' }, { producer_byte_rate: 1000 });
    manager.set({ user: '', clientId: D }, { producer_byte_rate: 1000 });
    manager.record('producer_byte_rate', 'alice', 'a', 8000);
    expect(manager.record('producer_byte_rate', 'alice', 'b', 4000)).toBeGreaterThan(0); // 12 000 shared
    manager.record('producer_byte_rate', 'bob', 'a', 8000);
    expect(manager.record('producer_byte_rate', 'bob', 'b', 4000)).toBe(0); // bob/a and bob/b apart
  });

  it('keeps a greedy producer within 10 % of its quota over 10 s (100 ms samples)', () => {
    const { clock, manager } = managerAt({ windowCount: 11, windowMs: 100 });
    const quota = 200_000;
    manager.set({ user: '', clientId: 'app' }, { producer_byte_rate: quota });
    const start = clock.now;
    let acked = 0;
    while (clock.now < start + 12_000) {
      clock.now += 3; // the request's own service time
      clock.now += manager.record('producer_byte_rate', 'ANONYMOUS', 'app', 8192);
      if (clock.now > start + 2000 && clock.now <= start + 12_000) acked += 8192;
    }
    expect(acked / 10).toBeGreaterThan(quota * 0.9);
    expect(acked / 10).toBeLessThan(quota * 1.1);
  });

  it('bounds the most a read may return by the quota over the minimum window', () => {
    const { manager } = managerAt({ windowCount: 11, windowMs: 100 });
    expect(manager.maxValueInWindow('consumer_byte_rate', 'u', 'c')).toBe(Infinity);
    manager.set({ user: 'u', clientId: '' }, { consumer_byte_rate: 1000 });
    expect(manager.maxValueInWindow('consumer_byte_rate', 'u', 'c')).toBe(1000);
  });
});

describe('bounded memory', () => {
  it('drops sensors idle for the whole window span', () => {
    const { clock, manager } = managerAt({ windowCount: 3, windowMs: 100 });
    manager.record('producer_byte_rate', 'u', 'a', 1);
    manager.record('producer_byte_rate', 'u', 'b', 1);
    expect(manager.sensorCount).toBe(2);
    clock.now += 200;
    manager.record('producer_byte_rate', 'u', 'b', 1);
    expect(manager.sensorCount).toBe(2); // a is idle for 200 ms < 300 ms: kept
    clock.now += 150;
    manager.record('producer_byte_rate', 'u', 'c', 1);
    expect(manager.sensorCount).toBe(2); // a idle 350 ms: dropped; b (150 ms) kept; c new
    expect(manager.usage('u', 'a').producer_byte_rate.rate).toBe(0);
  });

  it('never holds more sensors than maxSensors (least recently used first)', () => {
    const { manager } = managerAt({ maxSensors: 10 });
    manager.set({ user: '', clientId: D }, { producer_byte_rate: 1000 });
    for (let i = 0; i < 1000; i++) manager.record('producer_byte_rate', 'u', `client-${i}`, 1);
    expect(manager.sensorCount).toBe(10);
    expect(manager.usage('u', 'client-999').producer_byte_rate.rate).toBeGreaterThan(0);
    expect(manager.usage('u', 'client-0').producer_byte_rate.rate).toBe(0);
  });
});
