import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * API keys: `rnl_<key id>_<secret>`, sent as `Authorization: Bearer <key>`. The id is public (it
 * names the key in lists and revocation); the secret is 32 random bytes, shown once and stored
 * only as its SHA-256 (a fast hash suffices for a random 256-bit secret: there is nothing to guess).
 */
const PREFIX = 'rnl_';
const KEY_ID_BYTES = 9;
const SECRET_BYTES = 32;
const TOKEN = /^rnl_([A-Za-z0-9_-]{12})_([A-Za-z0-9_-]{43})$/;

export interface NewApiKey {
  keyId: string;
  /** The whole bearer token (id and secret): returned to the caller once, never stored. */
  token: string;
  /** What is stored: hex SHA-256 of the secret. */
  secretHash: string;
}

export function newApiKey(): NewApiKey {
  const keyId = randomBytes(KEY_ID_BYTES).toString('base64url');
  const secret = randomBytes(SECRET_BYTES).toString('base64url');
  return { keyId, token: `${PREFIX}${keyId}_${secret}`, secretHash: hashSecret(secret) };
}

/** The key id and secret of a bearer token, or undefined when it is not shaped as one. */
export function parseApiKey(token: string): { keyId: string; secret: string } | undefined {
  const match = TOKEN.exec(token);
  return match ? { keyId: match[1], secret: match[2] } : undefined;
}

export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

/** Constant-time comparison of a presented secret with the stored hash. */
export function secretMatches(secret: string, secretHash: string): boolean {
  const presented = Buffer.from(hashSecret(secret), 'hex');
  const stored = Buffer.from(secretHash, 'hex');
  return presented.length === stored.length && timingSafeEqual(presented, stored);
}
