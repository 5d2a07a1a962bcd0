import 'server-only';
import { cookies } from 'next/headers';
import { COOKIE, findSession, type ConsoleSession } from './sessions';

/** The signed-in user's session (server components and server actions), if any. */
export async function currentSession(): Promise<ConsoleSession | undefined> {
  const jar = await cookies();
  return findSession(jar.get(COOKIE)?.value);
}
