import { IndexCache } from '@runnel/log';

describe('IndexCache', () => {
  it('stays within its byte bound, evicting the least recently used', () => {
    const cache = new IndexCache(100);
    const keys = Array.from({ length: 5 }, () => ({}));
    keys.forEach((k) => cache.set(k, Buffer.alloc(30)));
    expect(cache.sizeBytes).toBe(90);
    expect(cache.size).toBe(3);
    expect(cache.get(keys[0])).toBeUndefined();
    expect(cache.get(keys[2])).toBeDefined(); // now most recent
    cache.set({}, Buffer.alloc(30));
    expect(cache.get(keys[3])).toBeUndefined();
    expect(cache.get(keys[2])).toBeDefined();
    cache.set({}, Buffer.alloc(101)); // bigger than the bound: not kept
    expect(cache.sizeBytes).toBeLessThanOrEqual(100);
    cache.delete(keys[2]);
    expect(cache.get(keys[2])).toBeUndefined();
  });
});
