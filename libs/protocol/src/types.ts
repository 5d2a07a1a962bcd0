/**
 * Branded numeric types for the domain's identifiers.
 *
 * Offsets are 64-bit in Kafka's format, but Runnel keeps them as JavaScript numbers that must be
 * safe integers (< 2^53): the public JSON API cannot carry more, and number arithmetic keeps the
 * hot paths free of bigint allocations. Every conversion from a wider source (an int64 read from
 * bytes, a query string) goes through `asOffset`, which refuses anything that would be lossy.
 */

export type Offset = number & { readonly __brand: 'Offset' };
export type LeaderEpoch = number & { readonly __brand: 'LeaderEpoch' };
export type PartitionId = number & { readonly __brand: 'PartitionId' };
export type BrokerId = number & { readonly __brand: 'BrokerId' };
/** Epoch milliseconds. */
export type TimestampMs = number & { readonly __brand: 'TimestampMs' };

/** Largest offset Runnel accepts: the JSON API carries offsets as numbers. */
export const MAX_OFFSET = Number.MAX_SAFE_INTEGER;

export function asOffset(value: number | bigint): Offset {
  const n = typeof value === 'bigint' ? Number(value) : value;
  if (!Number.isSafeInteger(n) || n < 0 || (typeof value === 'bigint' && BigInt(n) !== value)) {
    throw new RangeError(`offset ${String(value)} is not a non-negative safe integer`);
  }
  return n as Offset;
}

export function asLeaderEpoch(value: number): LeaderEpoch {
  if (!Number.isInteger(value) || value < -1 || value > 0x7fffffff) {
    throw new RangeError(`leader epoch ${value} is out of range`);
  }
  return value as LeaderEpoch;
}

export function asPartitionId(value: number): PartitionId {
  if (!Number.isInteger(value) || value < 0 || value > 0x7fffffff) {
    throw new RangeError(`partition id ${value} is out of range`);
  }
  return value as PartitionId;
}

export function asBrokerId(value: number): BrokerId {
  if (!Number.isInteger(value) || value < 0 || value > 0x7fffffff) {
    throw new RangeError(`broker id ${value} is out of range`);
  }
  return value as BrokerId;
}

export function asTimestampMs(value: number): TimestampMs {
  if (!Number.isSafeInteger(value)) throw new RangeError(`timestamp ${value} is not a safe integer`);
  return value as TimestampMs;
}
