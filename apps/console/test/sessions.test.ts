import { COOKIE, MAX_SESSIONS, cookieValue, createSession, deleteSession, findSession } from '../lib/sessions';
import { consoleConfig } from '../lib/config';

/** The console's session table: opaque ids, credentials kept on the server, bounded, deletable. */
describe('console sessions', () => {
  it('gives the browser an opaque id, never the credentials, and finds the session by it', () => {
    const id = createSession('Basic c2VjcmV0', 'User:alice');
    expect(id).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(id).not.toContain('c2VjcmV0');
    expect(findSession(id)).toMatchObject({ authorization: 'Basic c2VjcmV0', principal: 'User:alice' });
    expect(findSession(`${id.slice(0, 42)}x`)).toBeUndefined();
    expect(findSession(undefined as unknown as string)).toBeUndefined();
  });

  it('forgets a session on sign-out', () => {
    const id = createSession('Bearer rnl_x_y', 'User:bob');
    deleteSession(id);
    expect(findSession(id)).toBeUndefined();
  });

  it(`keeps at most ${MAX_SESSIONS} sessions, dropping the least recently used first`, () => {
    const first = createSession('Basic first', 'User:first');
    const kept = createSession('Basic kept', 'User:kept');
    for (let i = 0; i < MAX_SESSIONS - 2; i++) createSession(`Basic ${i}`, 'User:many');
    findSession(kept); // used: moves to the back of the eviction order
    createSession('Basic one-more', 'User:late');
    expect(findSession(first)).toBeUndefined();
    expect(findSession(kept)?.principal).toBe('User:kept');
  });

  it('reads its cookie out of a Cookie header', () => {
    expect(cookieValue(`a=1; ${COOKIE}=abc%2D; b=2`, COOKIE)).toBe('abc-');
    expect(cookieValue('a=1', COOKIE)).toBeUndefined();
    expect(cookieValue(undefined as unknown as string, COOKIE)).toBeUndefined();
  });
});

describe('console settings', () => {
  it('defaults to port 3000 and the local broker', () => {
    expect(consoleConfig({})).toEqual({ port: 3000, host: '0.0.0.0', brokerUrl: 'http://127.0.0.1:8080' });
    expect(consoleConfig({ RUNNEL_HOST: '127.0.0.2', RUNNEL_BROKER_URL: 'https://b:9443/' })).toEqual({
      port: 3000,
      host: '127.0.0.2',
      brokerUrl: 'https://b:9443',
    });
  });

  it('refuses a bad port or broker URL with the setting named', () => {
    expect(() => consoleConfig({ RUNNEL_CONSOLE_PORT: 'http' })).toThrow(/RUNNEL_CONSOLE_PORT/);
    expect(() => consoleConfig({ RUNNEL_CONSOLE_PORT: '70000' })).toThrow(/RUNNEL_CONSOLE_PORT/);
    expect(() => consoleConfig({ RUNNEL_BROKER_URL: 'not a url' })).toThrow(/RUNNEL_BROKER_URL/);
    expect(() => consoleConfig({ RUNNEL_BROKER_URL: 'ftp://x' })).toThrow(/RUNNEL_BROKER_URL/);
  });
});
