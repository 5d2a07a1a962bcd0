/**
 * A group's lag from the lags of its parts (partitions or topics): offsets add up; lag in time is
 * the largest known among the parts that lag (0 when nothing lags, null when no lagging part's
 * record timestamps are known yet). Pure: the sampler, the list and the lag history share it.
 */
export interface LagPart {
  lag: number;
  /** null: the part lags but its timestamps are not known. */
  lagMs: number | null;
}

export function combineLags(parts: Iterable<LagPart>): LagPart {
  let lag = 0;
  let lagMs: number | undefined;
  for (const part of parts) {
    lag += part.lag;
    if (part.lag > 0 && part.lagMs !== null) lagMs = Math.max(lagMs ?? 0, part.lagMs);
  }
  return { lag, lagMs: lag === 0 ? 0 : (lagMs ?? null) };
}
