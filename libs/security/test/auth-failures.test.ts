import { AuthFailures } from '../src/auth-failures';

function failures(options: { failuresBeforeDelay?: number; maxDelayMs?: number; idleMs?: number; maxAddresses?: number } = {}) {
  let now = 1_000_000;
  const tracker = new AuthFailures({
    failuresBeforeDelay: options.failuresBeforeDelay ?? 3,
    maxDelayMs: options.maxDelayMs ?? 1_000,
    idleMs: options.idleMs ?? 60_000,
    maxAddresses: options.maxAddresses,
    now: () => now,
  });
  return { tracker, advance: (ms: number) => (now += ms) };
}

describe('AuthFailures', () => {
  it('delays nothing until failuresBeforeDelay failures, then doubles from 100 ms up to the maximum', () => {
    const { tracker } = failures();
    const delays: number[] = [];
    for (let i = 0; i < 8; i++) {
      delays.push(tracker.delayMs('10.0.0.1'));
      tracker.failed('10.0.0.1');
    }
    delays.push(tracker.delayMs('10.0.0.1'));
    expect(delays).toEqual([0, 0, 0, 100, 200, 400, 800, 1000, 1000]);
  });

  it('counts each address on its own', () => {
    const { tracker } = failures({ failuresBeforeDelay: 1 });
    tracker.failed('10.0.0.1');
    expect(tracker.delayMs('10.0.0.1')).toBe(100);
    expect(tracker.delayMs('10.0.0.2')).toBe(0);
  });

  it('forgets an address idle for idleMs, and sweeps it out of memory', () => {
    const { tracker, advance } = failures({ failuresBeforeDelay: 1, idleMs: 10_000 });
    tracker.failed('10.0.0.1');
    advance(9_999);
    expect(tracker.delayMs('10.0.0.1')).toBe(100);
    tracker.failed('10.0.0.2');
    advance(1);
    expect(tracker.failures('10.0.0.1')).toBe(0);
    advance(10_000);
    tracker.failed('10.0.0.3');
    expect(tracker.size).toBe(1);
  });

  it('keeps at most maxAddresses, forgetting the least recently failed', () => {
    const { tracker } = failures({ failuresBeforeDelay: 1, maxAddresses: 3 });
    for (const address of ['a', 'b', 'c']) tracker.failed(address);
    tracker.failed('a');
    tracker.failed('d');
    expect(tracker.size).toBe(3);
    expect(tracker.failures('b')).toBe(0);
    expect(tracker.failures('a')).toBe(2);
    for (let i = 0; i < 10_000; i++) tracker.failed(`10.1.${i >> 8}.${i & 255}`);
    expect(tracker.size).toBe(3);
  });

  it('delays from the first failure with failuresBeforeDelay=0, and never with maxDelayMs=0', () => {
    const eager = failures({ failuresBeforeDelay: 0 }).tracker;
    expect(eager.delayMs('a')).toBe(0);
    eager.failed('a');
    expect(eager.delayMs('a')).toBe(100);
    const off = failures({ failuresBeforeDelay: 0, maxDelayMs: 0 }).tracker;
    for (let i = 0; i < 5; i++) off.failed('a');
    expect(off.delayMs('a')).toBe(0);
  });

  it('stays at the maximum after very many failures (no overflow to Infinity or NaN)', () => {
    const { tracker } = failures({ failuresBeforeDelay: 1, maxDelayMs: 600_000 });
    for (let i = 0; i < 5_000; i++) tracker.failed('a');
    expect(tracker.delayMs('a')).toBe(600_000);
  });
});
