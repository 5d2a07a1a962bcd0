import { createHash } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { Inject, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import type { ApiKeyRecord, MetadataStore } from '@runnel/metadata';
import { AuthFailures, parseApiKey, scramCredential, ScramCredential, secretMatches, verifyScramPassword } from '@runnel/security';
import { RunnelError } from '../common/errors';
import { BrokerConfig } from '../config/broker-config';
import { BROKER_CONFIG, METADATA_STORE } from '../config/tokens';
import { AuditService } from './audit.service';
import { anonymousCaller, AuthenticatedVia, Caller, clientIdOf, hostOf, userCaller } from './caller';
import { CertificatePrincipals } from './certificate-principals';

/** What authentication looks at: an HTTP request or a WebSocket upgrade request. */
export interface Credentials {
  headers: IncomingHttpHeaders;
  socket: Socket;
  query?: unknown;
}

/** Verified secrets remembered at most; past it the oldest is forgotten. */
const MAX_CACHED = 10_000;
/** The answer to every failed authentication: the same for an unknown user, a wrong password and a bad key. */
export const AUTHENTICATION_FAILED = 'Authentication failed: send valid credentials (HTTP Basic, Bearer API key or a client certificate)';
/** Logged once at start, and shown on /health/ready, while RUNNEL_AUTH is off. */
export const AUTHENTICATION_OFF_WARNING =
  'authentication is off (RUNNEL_AUTH=off): anyone who can reach this port can read, write and delete everything; set RUNNEL_AUTH=on';

interface Verified {
  user: string;
  via: AuthenticatedVia;
  keyId?: string;
  expiresAt: number;
}

/**
 * Turns a request's credentials into its Caller (DESIGN.md "Security"), or throws 401/40101:
 *   - `Authorization: Basic` — checked against the user's SCRAM credential (PBKDF2 of the offered
 *     password with the stored salt and iterations, StoredKey compared in constant time). An
 *     unknown user costs the same PBKDF2 against a dummy credential, so timing does not tell
 *     unknown users from wrong passwords, and both get the same answer.
 *   - `Authorization: Bearer <api key>` — the key's id names it; its secret's SHA-256 is compared
 *     in constant time; an expired key fails.
 *   - no Authorization header — a TLS client certificate the CA verified, its subject mapped to a
 *     user by RUNNEL_TLS_PRINCIPAL_MAPPING_RULES.
 * A verified secret is remembered for `credentialCacheMs` (an API key no longer than it is valid)
 * under its SHA-256 (never the secret), so a request does not cost a PBKDF2; a password change,
 * key deletion or user deletion forgets it, and a verification that was in flight when it was
 * forgotten is not remembered.
 * After `failuresBeforeDelay` failed attempts from one address, each further attempt from it
 * waits before it is answered (AuthFailures: doubling up to `maxFailureDelayMs`, reset by a
 * success); a request without any credentials is not an attempt and is neither counted nor delayed.
 * With authentication off every request is ANONYMOUS.
 */
@Injectable()
export class Authenticator implements OnModuleInit {
  private readonly logger = new Logger('Security');
  private readonly verified = new Map<string, Verified>();
  /** Bumped by every forget: a verification started before it must not be remembered after it. */
  private generation = 0;
  private dummy: Promise<ScramCredential> | undefined;
  readonly certificates: CertificatePrincipals;
  readonly failures: AuthFailures;

  constructor(
    @Inject(BROKER_CONFIG) private readonly config: BrokerConfig,
    @Inject(METADATA_STORE) private readonly store: MetadataStore,
    private readonly audit: AuditService,
  ) {
    this.certificates = new CertificatePrincipals(config.security.tls?.principalMappingRules ?? 'DEFAULT');
    this.failures = new AuthFailures({
      failuresBeforeDelay: config.security.failuresBeforeDelay,
      maxDelayMs: config.security.maxFailureDelayMs,
    });
  }

  onModuleInit(): void {
    if (!this.enabled) this.logger.warn(AUTHENTICATION_OFF_WARNING);
  }

  get enabled(): boolean {
    return this.config.security.enabled;
  }

  /** What /health/ready shows besides its status: the security settings an operator should know about. */
  get warnings(): string[] {
    return this.enabled ? [] : [AUTHENTICATION_OFF_WARNING];
  }

  async authenticate(request: Credentials): Promise<Caller> {
    const host = hostOf(request.socket.remoteAddress);
    const clientId = clientIdOf(request);
    if (!this.enabled) return anonymousCaller(host, clientId);
    const header = request.headers.authorization;
    if (header === undefined) {
      const user = this.certificates.userOf(request.socket);
      if (user !== undefined) return userCaller(user, host, clientId, 'certificate');
      throw this.failure(host, undefined, 'no credentials');
    }
    const cacheKey = createHash('sha256').update(header).digest('base64');
    // Credentials verified before are not delayed: only fresh guesses pay an address's delay.
    const cached = this.cached(cacheKey);
    if (cached) return userCaller(cached.user, host, clientId, cached.via, cached.keyId);
    const delayMs = this.failures.delayMs(host);
    if (delayMs > 0) await sleep(delayMs);
    try {
      // A success does not forget the address's failures: mixing in one's own valid credentials buys no free guesses.
      const verified = await this.verify(header, cacheKey, host);
      return userCaller(verified.user, host, clientId, verified.via, verified.keyId);
    } catch (error) {
      // Only a refused credential counts: a store that cannot answer is the broker's failure, not the client's.
      if (error instanceof RunnelError && error.kind === 'NOT_AUTHENTICATED') this.failures.failed(host);
      throw error;
    }
  }

  /** Forgets every remembered secret of `user` (password change, user deletion). */
  forgetUser(user: string): void {
    this.generation++;
    for (const [key, entry] of this.verified) if (entry.user === user) this.verified.delete(key);
  }

  /** Forgets remembered API keys (key deletion): they are re-checked on next use. */
  forgetApiKeys(): void {
    this.generation++;
    for (const [key, entry] of this.verified) if (entry.via === 'api-key') this.verified.delete(key);
  }

  private cached(cacheKey: string): Verified | undefined {
    const cached = this.verified.get(cacheKey);
    if (cached && cached.expiresAt > Date.now()) return cached;
    if (cached) this.verified.delete(cacheKey);
    return undefined;
  }

  private async verify(header: string, cacheKey: string, host: string): Promise<{ user: string; via: AuthenticatedVia; keyId?: string }> {
    const space = header.indexOf(' ');
    const scheme = (space < 0 ? header : header.slice(0, space)).toLowerCase();
    const value = space < 0 ? '' : header.slice(space + 1).trim();
    const generation = this.generation;
    const cacheUntil = Date.now() + this.config.security.credentialCacheMs;
    if (scheme === 'basic') {
      const user = await this.verifyBasic(value, host);
      this.remember(cacheKey, { user, via: 'password', expiresAt: cacheUntil }, generation);
      return { user, via: 'password' };
    }
    if (scheme === 'bearer') {
      const key = await this.verifyBearer(value, host);
      const keyExpiresAt = key.expiresAt?.getTime() ?? Number.POSITIVE_INFINITY;
      this.remember(
        cacheKey,
        { user: key.userName, via: 'api-key', keyId: key.keyId, expiresAt: Math.min(cacheUntil, keyExpiresAt) },
        generation,
      );
      return { user: key.userName, via: 'api-key', keyId: key.keyId };
    }
    throw this.failure(host, undefined, `unsupported scheme '${scheme.slice(0, 20)}'`);
  }

  private remember(key: string, entry: Verified, generation: number): void {
    if (this.config.security.credentialCacheMs === 0 || generation !== this.generation) return;
    if (this.verified.size >= MAX_CACHED) this.verified.delete(this.verified.keys().next().value as string);
    this.verified.set(key, entry);
  }

  private async verifyBasic(value: string, host: string): Promise<string> {
    const decoded = Buffer.from(value, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon <= 0) throw this.failure(host, undefined, 'malformed Basic credentials');
    const name = decoded.slice(0, colon);
    const password = decoded.slice(colon + 1);
    const user = await this.store.getUser(name);
    const credential = user?.credentials.find((c) => c.mechanism === 'SCRAM-SHA-256') ?? user?.credentials[0];
    // An unknown user costs a PBKDF2 all the same (constant answer and timing).
    const ok = await verifyScramPassword(credential ? (credential as ScramCredential) : await this.dummyCredential(), password);
    if (!ok || !credential) throw this.failure(host, name, user ? 'wrong password' : 'unknown user');
    return name;
  }

  private async verifyBearer(value: string, host: string): Promise<ApiKeyRecord> {
    const parsed = parseApiKey(value);
    if (!parsed) throw this.failure(host, undefined, 'malformed API key');
    const key = await this.store.getApiKey(parsed.keyId);
    const ok = key !== null && secretMatches(parsed.secret, key.secretHash);
    if (!key || !ok) throw this.failure(host, undefined, `unknown API key '${parsed.keyId}' or wrong secret`);
    if (key.expiresAt !== null && key.expiresAt.getTime() <= Date.now())
      throw this.failure(host, key.userName, `API key '${parsed.keyId}' expired`);
    return key;
  }

  private dummyCredential(): Promise<ScramCredential> {
    return (this.dummy ??= scramCredential('SCRAM-SHA-256', 'not a password of anyone'));
  }

  /** 401/40101 with the one constant message; the reason goes to the audit log only. */
  private failure(host: string, claimedUser: string | undefined, reason: string): RunnelError {
    this.audit.note({
      principal: claimedUser === undefined ? 'unknown' : `User:${claimedUser.slice(0, 255)}`,
      source: host,
      resource: 'AUTHENTICATION',
      operation: 'AUTHENTICATE',
      outcome: 'FAILED',
      after: { reason },
    });
    return new RunnelError('NOT_AUTHENTICATED', AUTHENTICATION_FAILED);
  }
}
