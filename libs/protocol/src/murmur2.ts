/**
 * Kafka's murmur2 (org.apache.kafka.common.utils.Utils.murmur2): MurmurHash2, 32-bit, seed
 * 0x9747b28c, over the key's bytes taken as little-endian 4-byte words. Java's int arithmetic is
 * reproduced with Math.imul (multiplication mod 2^32) and `| 0` / `>>>`, so the result is the
 * signed 32-bit int Java returns, bit for bit. Keys hash to the same partitions as with a Java
 * client only if the bytes are the same: strings must be UTF-8 encoded first, as Java's
 * StringSerializer does.
 */

const SEED = 0x9747b28c;
const M = 0x5bd1e995;
const R = 24;

export function murmur2(data: Uint8Array): number {
  const length = data.length;
  let h = (SEED ^ length) | 0;
  const length4 = length >>> 2;
  for (let i = 0; i < length4; i++) {
    const i4 = i * 4;
    let k = data[i4] | (data[i4 + 1] << 8) | (data[i4 + 2] << 16) | (data[i4 + 3] << 24);
    k = Math.imul(k, M);
    k ^= k >>> R;
    k = Math.imul(k, M);
    h = Math.imul(h, M) ^ k;
  }
  // Java's switch falls through 3 -> 2 -> 1: xor in the trailing bytes, then one more mix.
  const tail = length & ~3;
  const rest = length & 3;
  if (rest > 0) {
    if (rest === 3) h ^= data[tail + 2] << 16;
    if (rest >= 2) h ^= data[tail + 1] << 8;
    h ^= data[tail];
    h = Math.imul(h, M);
  }
  h ^= h >>> 13;
  h = Math.imul(h, M);
  h ^= h >>> 15;
  return h | 0;
}

/** Kafka's Utils.toPositive: clears the sign bit (not Math.abs, which overflows on MIN_VALUE). */
export function toPositive(n: number): number {
  return n & 0x7fffffff;
}
