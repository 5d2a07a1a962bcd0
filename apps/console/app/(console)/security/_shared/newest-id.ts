/**
 * The largest id of an append-only log that can only be read forward (`after` an id): `some(x)`
 * tells whether a record with an id above x exists (true below the newest id, false from it on).
 * From an id known to exist, `after` doubles until nothing follows, then bisects: about
 * 2·log2(distance) questions.
 */
export async function newestId(known: number, some: (after: number) => Promise<boolean>): Promise<number> {
  let low = known; // a record with id > low - 1 exists, i.e. the newest is >= known
  let step = 1024;
  let high = low + step;
  if (!(await some(low))) return low;
  while (await some(high)) {
    low = high;
    step *= 2;
    high = low + step;
  }
  // some(low) is true, some(high) false: the newest id is in (low, high].
  while (high - low > 1) {
    const mid = Math.floor((low + high) / 2);
    if (await some(mid)) low = mid;
    else high = mid;
  }
  return high;
}
