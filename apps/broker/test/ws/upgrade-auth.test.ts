import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import { RunnelError } from '../../src/common/errors';
import type { BrokerConfig } from '../../src/config/broker-config';
import type { Authenticator, Credentials } from '../../src/security/authenticator';
import { userCaller } from '../../src/security/caller';
import { WsTickets } from '../../src/security/ws-tickets';
import { UpgradeAuthentication } from '../../src/ws/upgrade-auth';

/** Who an upgrade request is: the ticket path (single use, bound to its principal), Origin, and the fall-through to the Authenticator. */
describe('UpgradeAuthentication', () => {
  let now = 1_000_000;
  const tickets = new WsTickets(30_000, () => now);
  const config = (enabled: boolean): BrokerConfig =>
    ({ security: { enabled, allowedOrigins: ['https://console.example'] } }) as unknown as BrokerConfig;
  const seen: Credentials[] = [];
  const authenticator = {
    authenticate: async (credentials: Credentials) => {
      seen.push(credentials);
      if (credentials.headers.authorization === 'Basic good') return userCaller('bob', '10.0.0.9', undefined, 'password');
      throw new RunnelError('NOT_AUTHENTICATED', 'Authentication failed');
    },
  } as unknown as Authenticator;
  const request = (url: string, headers: Record<string, string> = {}): IncomingMessage =>
    ({ url, headers, socket: { remoteAddress: '::ffff:10.0.0.9' } as Socket }) as IncomingMessage;
  const auth = new UpgradeAuthentication(config(true), authenticator, tickets);

  it('redeems a ticket once, as the principal that asked for it, from this socket', async () => {
    const issuer = userCaller('alice', '10.0.0.1', undefined, 'password');
    const { ticket } = tickets.issue(issuer);
    const caller = await auth.authenticate(request(`/v3/ws?ticket=${ticket}&client_id=dash`));
    // The ticket keeps the number of the authentication that asked for it: deleting alice also ends this socket.
    expect(caller).toEqual({
      principal: 'User:alice',
      user: 'alice',
      host: '10.0.0.9',
      clientId: 'dash',
      via: 'ticket',
      authentication: issuer.authentication,
    });
    await expect(auth.authenticate(request(`/v3/ws?ticket=${ticket}`))).rejects.toMatchObject({ kind: 'NOT_AUTHENTICATED' });
  });

  it('refuses an expired ticket, and never falls back to other credentials when a ticket is given', async () => {
    const issuer = userCaller('alice', '10.0.0.1', undefined, 'password');
    const { ticket } = tickets.issue(issuer);
    now += 30_001;
    await expect(auth.authenticate(request(`/v3/ws?ticket=${ticket}`, { authorization: 'Basic good' }))).rejects.toMatchObject({
      kind: 'NOT_AUTHENTICATED',
      message: expect.stringContaining('POST /v3/auth/ws-ticket'),
    });
  });

  it('refuses an Origin that is not allowed (403) before looking at credentials; no Origin or a listed one passes', async () => {
    seen.length = 0;
    await expect(
      auth.authenticate(request('/v3/ws', { origin: 'https://evil.example', authorization: 'Basic good' })),
    ).rejects.toMatchObject({
      kind: 'NOT_AUTHORIZED',
    });
    expect(seen).toEqual([]);
    expect((await auth.authenticate(request('/v3/ws', { origin: 'https://console.example', authorization: 'Basic good' }))).user).toBe(
      'bob',
    );
    expect((await auth.authenticate(request('/v3/ws', { authorization: 'Basic good' }))).user).toBe('bob');
  });

  it('passes headers, socket and query to the Authenticator', async () => {
    seen.length = 0;
    await expect(auth.authenticate(request('/v3/ws?client_id=x'))).rejects.toMatchObject({ kind: 'NOT_AUTHENTICATED' });
    expect(seen[0].query).toEqual({ client_id: 'x' });
  });

  it('with authentication off every socket is ANONYMOUS, whatever its Origin', async () => {
    const off = new UpgradeAuthentication(config(false), authenticator, tickets);
    const caller = await off.authenticate(request('/v3/ws?client_id=c1', { origin: 'https://evil.example' }));
    expect(caller).toEqual({
      principal: 'User:ANONYMOUS',
      user: 'ANONYMOUS',
      host: '10.0.0.9',
      clientId: 'c1',
      via: 'anonymous',
      authentication: expect.any(Number),
    });
  });
});
