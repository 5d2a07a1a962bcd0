import { IdempotencyCache, StoredAnswer } from '../../src/produce/idempotency-cache';

const answer = (body: string, status = 200): StoredAnswer => ({ status, contentType: 'application/json', body });

describe('IdempotencyCache', () => {
  it('replays the first answer for the same scope and key, and only there', async () => {
    const cache = new IdempotencyCache(60_000, 10, 1 << 20);
    const first = await cache.claim('t', 'k', 'fp');
    if (!('complete' in first)) throw new Error('expected a first claim');
    first.complete(answer('one'));
    expect(await cache.claim('t', 'k', 'fp')).toEqual({ replay: answer('one') });
    expect('complete' in (await cache.claim('other', 'k', 'fp'))).toBe(true);
  });

  it('makes a concurrent duplicate wait for the first answer', async () => {
    const cache = new IdempotencyCache(60_000, 10, 1 << 20);
    const first = await cache.claim('t', 'k', 'fp');
    const second = cache.claim('t', 'k', 'fp');
    if (!('complete' in first)) throw new Error('expected a first claim');
    first.complete(answer('one'));
    expect(await second).toEqual({ replay: answer('one') });
  });

  it('forgets 5xx answers so the retry runs, and forgets everything after the window', async () => {
    let now = 0;
    const cache = new IdempotencyCache(1000, 10, 1 << 20, () => now);
    const first = await cache.claim('t', 'k', 'fp');
    if (!('complete' in first)) throw new Error('expected a first claim');
    first.complete(answer('later', 503));
    const retry = await cache.claim('t', 'k', 'fp');
    expect('complete' in retry).toBe(true);
    if ('complete' in retry) retry.complete(answer('ok'));
    now = 999;
    expect('replay' in (await cache.claim('t', 'k', 'fp'))).toBe(true);
    now = 1000;
    expect('complete' in (await cache.claim('t', 'k', 'fp'))).toBe(true);
  });

  it('refuses the same key with another fingerprint, even while the first request runs', async () => {
    const cache = new IdempotencyCache(60_000, 10, 1 << 20);
    const first = await cache.claim('t', 'k', 'fp-1');
    expect(await cache.claim('t', 'k', 'fp-2')).toEqual({ mismatch: true });
    if (!('complete' in first)) throw new Error('expected a first claim');
    first.complete(answer('one'));
    expect(await cache.claim('t', 'k', 'fp-2')).toEqual({ mismatch: true });
    expect(await cache.claim('t', 'k', 'fp-1')).toEqual({ replay: answer('one') });
  });

  it('restores answers read back from the store, skipping expired ones', async () => {
    let now = 1000;
    const cache = new IdempotencyCache(60_000, 10, 1 << 20, () => now);
    cache.restore('t', 'old', 'fp', answer('old'), 1000);
    cache.restore('t', 'k', 'fp', answer('kept'), 5000);
    expect(cache.size).toBe(1);
    expect(await cache.claim('t', 'k', 'fp')).toEqual({ replay: answer('kept') });
    expect(await cache.claim('t', 'k', 'other')).toEqual({ mismatch: true });
    now = 5000;
    expect('complete' in (await cache.claim('t', 'k', 'other'))).toBe(true);
  });

  it('keeps its bounds while restoring, the newest answers winning', async () => {
    const cache = new IdempotencyCache(60_000, 2, 1 << 20, () => 0);
    for (const key of ['a', 'b', 'c']) cache.restore('t', key, 'fp', answer(key), 1000);
    expect(cache.size).toBe(2);
    expect('complete' in (await cache.claim('t', 'a', 'fp'))).toBe(true);
    expect(await cache.claim('t', 'c', 'fp')).toEqual({ replay: answer('c') });
  });

  it('is bounded by keys and by bytes, forgetting the oldest first', async () => {
    const cache = new IdempotencyCache(60_000, 3, 10);
    for (const key of ['a', 'b', 'c', 'd']) {
      const claim = await cache.claim('t', key, 'fp');
      if ('complete' in claim) claim.complete(answer('xx'));
    }
    expect(cache.size).toBe(3);
    expect('complete' in (await cache.claim('t', 'a', 'fp'))).toBe(true);
    const big = await cache.claim('t', 'big', 'fp');
    if ('complete' in big) big.complete(answer('0123456789'));
    // 12 bytes of answers > 10: the oldest answer (d) goes; 'a' (unanswered) and 'big' stay.
    expect(cache.size).toBe(2);
    expect('replay' in (await cache.claim('t', 'big', 'fp'))).toBe(true);
  });
});
