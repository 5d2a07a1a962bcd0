import { createHash, createHmac, pbkdf2, randomBytes, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';

const pbkdf2Async = promisify(pbkdf2);

/**
 * SCRAM credentials as Kafka stores them (its `ScramFormatter`, RFC 5802): never the password,
 * only a random salt, the iteration count, StoredKey = H(HMAC(SaltedPassword, "Client Key")) and
 * ServerKey = HMAC(SaltedPassword, "Server Key"), where SaltedPassword = PBKDF2-HMAC(password,
 * salt, iterations). HTTP Basic is verified by deriving StoredKey from the offered password and
 * comparing it in constant time.
 */
export const SCRAM_MECHANISMS = ['SCRAM-SHA-256', 'SCRAM-SHA-512'] as const;
export type ScramMechanism = (typeof SCRAM_MECHANISMS)[number];

/** Kafka's bounds on the iteration count. */
export const MIN_ITERATIONS = 4096;
export const MAX_ITERATIONS = 16384;
export const DEFAULT_ITERATIONS = 4096;

export interface ScramCredential {
  mechanism: ScramMechanism;
  /** Base64, as Kafka's `kafka-configs --describe` shows them. */
  salt: string;
  storedKey: string;
  serverKey: string;
  iterations: number;
}

const HASH: Record<ScramMechanism, { name: 'sha256' | 'sha512'; bytes: number }> = {
  'SCRAM-SHA-256': { name: 'sha256', bytes: 32 },
  'SCRAM-SHA-512': { name: 'sha512', bytes: 64 },
};

export function isScramMechanism(value: unknown): value is ScramMechanism {
  return typeof value === 'string' && (SCRAM_MECHANISMS as readonly string[]).includes(value);
}

async function keysOf(
  mechanism: ScramMechanism,
  password: string,
  salt: Buffer,
  iterations: number,
): Promise<{ storedKey: Buffer; serverKey: Buffer }> {
  const hash = HASH[mechanism];
  // RFC 5802 asks for SASLprep; Kafka normalizes nothing beyond UTF-8, and neither do we.
  const salted = await pbkdf2Async(Buffer.from(password, 'utf8'), salt, iterations, hash.bytes, hash.name);
  const clientKey = createHmac(hash.name, salted).update('Client Key').digest();
  const storedKey = createHash(hash.name).update(clientKey).digest();
  const serverKey = createHmac(hash.name, salted).update('Server Key').digest();
  return { storedKey, serverKey };
}

/** A new credential for `password` with a fresh random salt. */
export async function scramCredential(
  mechanism: ScramMechanism,
  password: string,
  iterations = DEFAULT_ITERATIONS,
): Promise<ScramCredential> {
  if (!Number.isInteger(iterations) || iterations < MIN_ITERATIONS || iterations > MAX_ITERATIONS) {
    throw new RangeError(`iterations must be an integer from ${MIN_ITERATIONS} to ${MAX_ITERATIONS}`);
  }
  const salt = randomBytes(HASH[mechanism].bytes);
  const { storedKey, serverKey } = await keysOf(mechanism, password, salt, iterations);
  return {
    mechanism,
    salt: salt.toString('base64'),
    storedKey: storedKey.toString('base64'),
    serverKey: serverKey.toString('base64'),
    iterations,
  };
}

/** True when `password` derives the credential's StoredKey (compared in constant time). */
export async function verifyScramPassword(credential: ScramCredential, password: string): Promise<boolean> {
  const salt = Buffer.from(credential.salt, 'base64');
  const expected = Buffer.from(credential.storedKey, 'base64');
  const { storedKey } = await keysOf(credential.mechanism, password, salt, credential.iterations);
  return storedKey.length === expected.length && timingSafeEqual(storedKey, expected);
}
