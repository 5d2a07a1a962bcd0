'use strict';
/**
 * The console's sign-in sessions, kept in the console server's memory only: the browser holds an
 * opaque random id in an HTTP-only cookie; the credentials it signed in with (the Authorization
 * header value sent to the broker) never leave the server. Signing out deletes the entry, a
 * restart of the console ends every session, and the table is bounded (oldest sessions go first).
 *
 * One table per process, reached through a global symbol: the custom server (server.js) and the
 * Next.js server components (lib/session.ts) run in the same process but load this file through
 * different module systems.
 */
const crypto = require('node:crypto');

const COOKIE = 'runnel_session';
/** A session ends this long after its last use. */
const IDLE_MS = 12 * 60 * 60 * 1000;
const MAX_SESSIONS = 10_000;
const KEY = Symbol.for('runnel.console.sessions');

function table() {
  if (!globalThis[KEY]) globalThis[KEY] = new Map();
  return globalThis[KEY];
}

/** Creates a session for these broker credentials; returns the cookie value. */
function createSession(authorization, principal) {
  const sessions = table();
  while (sessions.size >= MAX_SESSIONS) sessions.delete(sessions.keys().next().value);
  const id = crypto.randomBytes(32).toString('base64url');
  sessions.set(id, { authorization, principal, lastUsed: Date.now() });
  return id;
}

/** The live session with this cookie value, or undefined; each use extends it. */
function findSession(id) {
  if (typeof id !== 'string' || id.length !== 43) return undefined;
  const sessions = table();
  const session = sessions.get(id);
  if (!session) return undefined;
  if (Date.now() - session.lastUsed > IDLE_MS) {
    sessions.delete(id);
    return undefined;
  }
  session.lastUsed = Date.now();
  // Map order is the eviction order: the most recently used moves to the end.
  sessions.delete(id);
  sessions.set(id, session);
  return session;
}

function deleteSession(id) {
  if (typeof id === 'string') table().delete(id);
}

/** The value of one cookie in a Cookie header. */
function cookieValue(header, name) {
  if (typeof header !== 'string') return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return decodeURIComponent(part.slice(eq + 1).trim());
  }
  return undefined;
}

module.exports = { COOKIE, IDLE_MS, MAX_SESSIONS, createSession, findSession, deleteSession, cookieValue };
