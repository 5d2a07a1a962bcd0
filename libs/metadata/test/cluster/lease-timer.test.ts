import { LeaseTimer } from '../../src/cluster/lease-timer';

/** A hand-driven monotonic clock. */
function clock(start = 1000) {
  let t = start;
  return { now: () => t, advance: (ms: number) => (t += ms) };
}

describe('LeaseTimer', () => {
  it('is not valid before any renewal', () => {
    const c = clock();
    const timer = new LeaseTimer({ leaseMs: 1000, marginMs: 250, now: c.now });
    expect(timer.isValid()).toBe(false);
    expect(timer.remainingMs()).toBe(0);
    expect(timer.heldForMs()).toBe(0);
  });

  it('counts validity from when the renewal was sent, minus the margin', () => {
    const c = clock();
    const timer = new LeaseTimer({ leaseMs: 1000, marginMs: 250, now: c.now });
    const sentAt = timer.startRenewal();
    c.advance(100); // the round trip
    timer.renewed(sentAt);
    expect(timer.isValid()).toBe(true);
    expect(timer.remainingMs()).toBe(650);
    c.advance(649);
    expect(timer.isValid()).toBe(true);
    c.advance(1);
    // t0 + leaseMs − margin reached: stop acting, although the database may still hold it for us
    expect(timer.isValid()).toBe(false);
  });

  it('treats a renewal answered after its own validity as no lease', () => {
    const c = clock();
    const timer = new LeaseTimer({ leaseMs: 1000, marginMs: 250, now: c.now });
    const sentAt = timer.startRenewal();
    c.advance(800);
    timer.renewed(sentAt);
    expect(timer.isValid()).toBe(false);
    expect(timer.heldForMs()).toBe(0);
  });

  it('extends with each renewal and measures the unbroken holding from the first granted answer', () => {
    const c = clock();
    const timer = new LeaseTimer({ leaseMs: 1000, marginMs: 250, now: c.now });
    let sentAt = timer.startRenewal();
    c.advance(10);
    timer.renewed(sentAt);
    for (let i = 0; i < 5; i++) {
      c.advance(300);
      sentAt = timer.startRenewal();
      c.advance(10);
      timer.renewed(sentAt);
      expect(timer.isValid()).toBe(true);
    }
    expect(timer.heldForMs()).toBe(5 * 310);
  });

  it('never moves validity backwards when answers arrive out of order', () => {
    const c = clock();
    const timer = new LeaseTimer({ leaseMs: 1000, marginMs: 250, now: c.now });
    const early = timer.startRenewal();
    c.advance(200);
    const late = timer.startRenewal();
    c.advance(10);
    timer.renewed(late);
    timer.renewed(early);
    expect(timer.remainingMs()).toBe(750 - 10);
  });

  it('restarts the holding period after a gap and after lost()', () => {
    const c = clock();
    const timer = new LeaseTimer({ leaseMs: 1000, marginMs: 250, now: c.now });
    timer.renewed(timer.startRenewal());
    c.advance(700);
    expect(timer.isValid()).toBe(true);
    expect(timer.heldForMs()).toBe(700);
    c.advance(100); // the renewals failed: 800 > 750
    expect(timer.isValid()).toBe(false);
    expect(timer.heldForMs()).toBe(0);
    timer.renewed(timer.startRenewal());
    expect(timer.heldForMs()).toBe(0);
    c.advance(100);
    expect(timer.heldForMs()).toBe(100);
    timer.lost();
    expect(timer.isValid()).toBe(false);
    expect(timer.heldForMs()).toBe(0);
  });

  it('refuses a margin that leaves no lease', () => {
    expect(() => new LeaseTimer({ leaseMs: 1000, marginMs: 1000 })).toThrow(RangeError);
    expect(() => new LeaseTimer({ leaseMs: 0, marginMs: 0 })).toThrow(RangeError);
    expect(() => new LeaseTimer({ leaseMs: 100, marginMs: -1 })).toThrow(RangeError);
  });

  it('uses performance.now by default', () => {
    const timer = new LeaseTimer({ leaseMs: 60_000, marginMs: 1000 });
    timer.renewed(timer.startRenewal());
    expect(timer.isValid()).toBe(true);
  });
});
