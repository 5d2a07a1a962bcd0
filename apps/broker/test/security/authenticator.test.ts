import type { Socket } from 'node:net';
import type { ApiKeyRecord, MetadataStore, UserRecord } from '@runnel/metadata';
import { newApiKey, scramCredential } from '@runnel/security';
import { loadBrokerConfig } from '../../src/config/broker-config';
import { RunnelError } from '../../src/common/errors';
import type { AuditEntry, AuditService } from '../../src/security/audit.service';
import { AUTHENTICATION_FAILED, Authenticator } from '../../src/security/authenticator';

/** The Authenticator alone, over an in-memory stand-in of the metadata store's users and keys. */
function setup(env: Record<string, string> = {}) {
  const users = new Map<string, UserRecord>();
  const keys = new Map<string, ApiKeyRecord>();
  let userLookups = 0;
  let gate: Promise<void> | undefined;
  const store = {
    getUser: async (name: string) => {
      userLookups++;
      // Read now, answered when the gate opens: a verification in flight across a change.
      const found = users.get(name) ?? null;
      await gate;
      return found;
    },
    getApiKey: async (keyId: string) => keys.get(keyId) ?? null,
  } as unknown as MetadataStore;
  const noted: AuditEntry[] = [];
  const audit = { note: (entry: AuditEntry) => noted.push(entry) } as unknown as AuditService;
  const config = loadBrokerConfig({ RUNNEL_AUTH: 'on', RUNNEL_AUTH_FAILURES_BEFORE_DELAY: '1000', ...env }, 20_000);
  const authenticator = new Authenticator(config, store, audit);
  const request = (authorization?: string, remoteAddress = '10.0.0.1') => ({
    headers: authorization === undefined ? {} : { authorization },
    socket: { remoteAddress } as Socket,
  });
  const addUser = async (name: string, password: string) => {
    users.set(name, { name, createdAt: new Date(), credentials: [await scramCredential('SCRAM-SHA-256', password)] });
  };
  const addKey = (userName: string, expiresAt: Date | null = null) => {
    const key = newApiKey();
    keys.set(key.keyId, { keyId: key.keyId, userName, secretHash: key.secretHash, createdAt: new Date(), expiresAt });
    return key.token;
  };
  return {
    authenticator,
    request,
    users,
    keys,
    noted,
    addUser,
    addKey,
    lookups: () => userLookups,
    hold: () => {
      let release!: () => void;
      gate = new Promise<void>((resolve) => (release = resolve));
      return () => {
        gate = undefined;
        release();
      };
    },
  };
}

const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

async function failure(promise: Promise<unknown>): Promise<RunnelError> {
  try {
    await promise;
  } catch (error) {
    return error as RunnelError;
  }
  throw new Error('authenticated');
}

describe('Authenticator', () => {
  it('remembers a verified password: the second request does not look the user up', async () => {
    const t = setup();
    await t.addUser('alice', 'alice-password');
    expect(await t.authenticator.authenticate(t.request(basic('alice', 'alice-password')))).toMatchObject({
      principal: 'User:alice',
      host: '10.0.0.1',
      via: 'password',
    });
    await t.authenticator.authenticate(t.request(basic('alice', 'alice-password')));
    expect(t.lookups()).toBe(1);
  });

  it('does not remember a verification that was in flight when the user was forgotten', async () => {
    const t = setup();
    await t.addUser('alice', 'old-password');
    const release = t.hold();
    const inFlight = t.authenticator.authenticate(t.request(basic('alice', 'old-password')));
    // The password changes while the old one is being verified.
    await t.addUser('alice', 'new-password');
    t.authenticator.forgetUser('alice');
    release();
    await inFlight;
    expect((await failure(t.authenticator.authenticate(t.request(basic('alice', 'old-password'))))).toBody()).toEqual({
      error_code: 40101,
      message: AUTHENTICATION_FAILED,
    });
  });

  it('remembers an API key no longer than it is valid', async () => {
    let now = Date.now();
    const realNow = Date.now;
    Date.now = () => now;
    try {
      const t = setup();
      await t.addUser('app', 'app-password');
      const token = t.addKey('app', new Date(now + 1_000));
      expect(await t.authenticator.authenticate(t.request(`Bearer ${token}`))).toMatchObject({ principal: 'User:app', via: 'api-key' });
      now += 1_000;
      expect((await failure(t.authenticator.authenticate(t.request(`Bearer ${token}`)))).errorCode).toBe(40101);
    } finally {
      Date.now = realNow;
    }
  });

  it('answers every failure with the one 40101 message, and audits the reason without the secret', async () => {
    const t = setup();
    await t.addUser('alice', 'alice-password');
    const answers = [];
    for (const header of [undefined, basic('alice', 'wrong-password'), basic('bob', 'alice-password'), 'Token x', 'Bearer rnl_nope']) {
      answers.push((await failure(t.authenticator.authenticate(t.request(header)))).toBody());
    }
    expect(new Set(answers.map((a) => JSON.stringify(a)))).toEqual(
      new Set([JSON.stringify({ error_code: 40101, message: AUTHENTICATION_FAILED })]),
    );
    expect(t.noted.map((e) => e.outcome)).toEqual(['FAILED', 'FAILED', 'FAILED', 'FAILED', 'FAILED']);
    expect(t.noted[1]).toMatchObject({ principal: 'User:alice', source: '10.0.0.1', after: { reason: 'wrong password' } });
    expect(JSON.stringify(t.noted)).not.toContain('wrong-password');
  });

  it('counts failures per address and keeps them after a success; a request without credentials is not counted', async () => {
    const t = setup({ RUNNEL_AUTH_FAILURES_BEFORE_DELAY: '3' });
    await t.addUser('alice', 'alice-password');
    for (let i = 0; i < 2; i++) await failure(t.authenticator.authenticate(t.request(basic('alice', `guess-${i}`))));
    await failure(t.authenticator.authenticate(t.request(undefined)));
    expect(t.authenticator.failures.failures('10.0.0.1')).toBe(2);
    expect(t.authenticator.failures.failures('10.0.0.2')).toBe(0);
    await t.authenticator.authenticate(t.request(basic('alice', 'alice-password')));
    expect(t.authenticator.failures.failures('10.0.0.1')).toBe(2);
  });

  it('lets every request in as ANONYMOUS with authentication off, and warns about it', async () => {
    const t = setup({ RUNNEL_AUTH: 'off' });
    expect(await t.authenticator.authenticate(t.request(basic('nobody', 'whatever')))).toMatchObject({ principal: 'User:ANONYMOUS' });
    expect(t.authenticator.warnings).toEqual([expect.stringContaining('authentication is off')]);
  });
});
