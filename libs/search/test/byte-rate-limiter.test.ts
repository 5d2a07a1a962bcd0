import { ByteRateLimiter } from '../src/byte-rate-limiter';

describe('ByteRateLimiter', () => {
  it('lets a burst through, then spaces charges at the rate', () => {
    let now = 0;
    const limiter = new ByteRateLimiter(1000, 500, () => now);
    expect(limiter.charge(500)).toBe(0); // within the burst
    expect(limiter.charge(500)).toBe(500); // 1000 bytes charged at 1000 B/s, 500 of burst: wait 0.5 s
    now = 500;
    expect(limiter.charge(100)).toBe(100);
  });

  it('holds all readers together to the rate', () => {
    let now = 0;
    const limiter = new ByteRateLimiter(1_000_000, 0, () => now);
    // Three readers taking turns; each waits what it is told before charging again.
    const readyAt = [0, 0, 0];
    let bytes = 0;
    while (now < 10_000) {
      const reader = readyAt.indexOf(Math.min(...readyAt));
      now = readyAt[reader];
      bytes += 64 * 1024;
      readyAt[reader] = now + limiter.charge(64 * 1024);
    }
    const elapsedMs = Math.max(...readyAt); // when the last charge has been waited for
    expect(bytes / (elapsedMs / 1000)).toBeGreaterThan(0.99e6);
    expect(bytes / (elapsedMs / 1000)).toBeLessThan(1.01e6);
  });

  it('does not save up unused time beyond the burst', () => {
    let now = 0;
    const limiter = new ByteRateLimiter(1000, 100, () => now);
    now = 1_000_000;
    expect(limiter.charge(100)).toBe(0);
    expect(limiter.charge(100)).toBe(100);
  });
});
